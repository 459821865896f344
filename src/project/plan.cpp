#include "project/plan.hpp"

#include <algorithm>

namespace pgmi::project {

std::vector<PlanEntry> build_plan(std::span<const SourceFile> files) {
    std::vector<PlanEntry> plan;
    plan.reserve(files.size());
    for (const SourceFile& f : files) {
        PlanEntry base;
        base.path = f.path;
        base.checksum = f.pgmi_checksum;
        base.generic_id = md5_uuid(f.path);
        if (f.metadata) {
            base.id = f.metadata->id;
            base.idempotent = f.metadata->idempotent;
            base.description = f.metadata->description;
        }
        if (!f.metadata || f.metadata->sort_keys.empty()) {
            base.sort_key = f.path;
            plan.push_back(std::move(base));
            continue;
        }
        // Duplicate keys are kept: the view unnests the array as it is.
        for (const std::string& key : f.metadata->sort_keys) {
            PlanEntry e = base;
            e.sort_key = key;
            plan.push_back(std::move(e));
        }
    }
    // std::string compares bytes as unsigned char: COLLATE "C". Rows equal in both fields are
    // the same file with a repeated key, so their relative order is invisible.
    std::stable_sort(plan.begin(), plan.end(), [](const PlanEntry& a, const PlanEntry& b) {
        if (a.sort_key != b.sort_key)
            return a.sort_key < b.sort_key;
        return a.path < b.path;
    });
    for (size_t i = 0; i < plan.size(); ++i)
        plan[i].execution_order = static_cast<int64_t>(i + 1);
    return plan;
}

}  // namespace pgmi::project
