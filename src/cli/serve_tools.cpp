#include "cli/serve_tools.hpp"

#include <fmt/format.h>

#include "ai/contract.hpp"
#include "ai/skills.hpp"
#include "cli/info_command.hpp"
#include "cli/init_command.hpp"
#include "cli/metadata_command.hpp"
#include "cli/templates_command.hpp"
#include "project/plan.hpp"
#include "report/json.hpp"

namespace pgmi::cli {

using mcp::Json;

namespace serve {

Json object_schema(Json properties, const std::vector<std::string>& required) {
    Json schema{{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty())
        schema["required"] = required;
    return schema;
}

Json output_schema(Json success) {
    const Json error = object_schema({{"message", {{"type", "string"}}},
                                      {"exitCode", {{"type", "integer"}}},
                                      {"sqlstate", {{"type", "string"}}},
                                      {"detail", {{"type", "string"}}},
                                      {"hint", {{"type", "string"}}},
                                      {"where", {{"type", "string"}}},
                                      {"failedFile", {{"type", "string"}}},
                                      {"script", {{"type", "string"}}},
                                      {"line", {{"type", "integer"}}},
                                      {"column", {{"type", "integer"}}},
                                      {"sourceLine", {{"type", "string"}}},
                                      {"scriptExpanded", {{"type", "boolean"}}}},
                                     {"message", "exitCode"});
    return Json{{"type", "object"}, {"anyOf", Json::array({std::move(success), error})}};
}

mcp::ToolResult failure(const Error& error, Json extra) {
    // The CLI's --json envelope is the one description of an error; MCP names its text
    // "message" and has no "status".
    const nlohmann::json envelope = report::error_json(error, report::Redactor{});
    Json value = Json::object();
    value["message"] = envelope.value("error", std::string());
    value["exitCode"] = exit_code(error.kind);
    for (const auto& [key, v] : envelope.items()) {
        if (key != "error" && key != "status" && key != "exitCode")
            value[key] = v;
    }
    for (auto& [key, v] : extra.items())
        value[key] = v;
    const std::string text = value["message"].get<std::string>();
    return mcp::ToolResult{std::move(value), text, true};
}

mcp::ToolResult success(Json value) {
    std::string text = value.dump(2, ' ', false, Json::error_handler_t::replace);
    return mcp::ToolResult{std::move(value), std::move(text), false};
}

Result<std::string> string_arg(const Json& args, const char* name) {
    const auto it = args.find(name);
    if (it == args.end() || it->is_null())
        return std::string();
    if (!it->is_string())
        return make_error(ErrorKind::Usage, fmt::format("argument {} must be a string, not {}",
                                                        name, it->type_name()));
    return it->get<std::string>();
}

Result<bool> bool_arg(const Json& args, const char* name) {
    const auto it = args.find(name);
    if (it == args.end() || it->is_null())
        return false;
    if (!it->is_boolean())
        return make_error(ErrorKind::Usage, fmt::format("argument {} must be a boolean, not {}",
                                                        name, it->type_name()));
    return it->get<bool>();
}

}  // namespace serve

namespace {

using mcp::Tool;
using mcp::ToolCall;
using mcp::ToolResult;
using serve::failure;
using serve::object_schema;
using serve::output_schema;
using serve::string_arg;
using serve::success;

const Json kString = {{"type", "string"}};
const Json kInteger = {{"type", "integer"}};
const Json kBoolean = {{"type", "boolean"}};

Json array_of(Json items) {
    return Json{{"type", "array"}, {"items", std::move(items)}};
}

const Json kNoArguments = {{"type", "object"}, {"properties", Json::object()}};

const Json kPathArgument =
    object_schema({{"path", {{"type", "string"}, {"description", "Project directory"}}}}, {"path"});

/// The required `path` argument.
Result<std::string> path_arg(const Json& args) {
    auto path = string_arg(args, "path");
    if (path && path->empty())
        return make_error(ErrorKind::Usage, "path is required");
    return path;
}

Tool ai_overview() {
    return Tool{
        "ai_overview",
        "What pgmi is and how a project deploys: read first, then ai_skills for the details",
        kNoArguments, output_schema(object_schema({{"overview", kString}}, {"overview"})),
        [](const Json&, ToolCall&) {
            const std::string text(ai::overview());
            return ToolResult{Json{{"overview", text}}, text, false};
        }};
}

Tool ai_contract() {
    const Json contract = object_schema({{"views", array_of({{"type", "object"}})},
                                         {"functions", array_of({{"type", "object"}})},
                                         {"types", array_of({{"type", "object"}})},
                                         {"step_types", {{"type", "array"}}},
                                         {"exit_codes", array_of({{"type", "object"}})},
                                         {"macros", {{"type", "array"}}},
                                         {"execution_contract", {{"type", "object"}}}},
                                        {"views", "functions", "exit_codes"});
    return Tool{"ai_contract",
                "The session API as data: views and columns, functions and signatures, step "
                "types, exit codes, test macros",
                kNoArguments, output_schema(contract), [](const Json&, ToolCall&) {
                    return ToolResult{Json(ai::contract()), ai::contract_text(), false};
                }};
}

Tool ai_skills() {
    const Json skill = object_schema(
        {{"name", kString}, {"description", kString}, {"scope", kString}, {"filePath", kString}},
        {"name", "description", "scope"});
    return Tool{
        "ai_skills", "The skills (focused guides) pgmi carries, with what each covers",
        kNoArguments, output_schema(object_schema({{"skills", array_of(skill)}}, {"skills"})),
        [](const Json&, ToolCall&) {
            Json list = Json::array();
            for (const ai::Skill& s : ai::list_skills()) {
                list.push_back(
                    {{"name", s.name},
                     {"description", s.description},
                     {"scope", s.scope.empty() ? "core" : s.scope},
                     {"filePath",
                      s.virtual_entry ? std::string() : "resources/ai/skills/" + s.file + ".md"}});
            }
            return success(Json{{"skills", std::move(list)}});
        }};
}

Tool ai_skill() {
    return Tool{
        "ai_skill", "One skill's full text, by the name ai_skills lists",
        object_schema({{"name", {{"type", "string"}, {"description", "Skill name"}}}}, {"name"}),
        output_schema(object_schema(
            {{"name", kString}, {"description", kString}, {"scope", kString}, {"content", kString}},
            {"name", "content"})),
        [](const Json& args, ToolCall&) {
            auto name = string_arg(args, "name");
            if (!name)
                return failure(name.error());
            if (name->empty())
                return failure(make_error(ErrorKind::Usage, "name is required"));
            const auto found = ai::find_skill(*name);
            if (!found) {
                // Exit code 1, as the spec has it for the tool: no command line was misused.
                return failure(make_error(ErrorKind::General, ai::unknown_skill_message(*name)));
            }
            const std::string content(found->content);
            return ToolResult{Json{{"name", found->name},
                                   {"description", found->description},
                                   {"scope", found->scope.empty() ? "core" : found->scope},
                                   {"content", content}},
                              content, false};
        }};
}

Tool templates_list() {
    const Json entry = object_schema(
        {{"name", kString}, {"description", kString}, {"bestFor", kString}}, {"name"});
    return Tool{"templates_list", "The project templates init can scaffold, in recommended order",
                kNoArguments,
                output_schema(object_schema({{"templates", array_of(entry)}}, {"templates"})),
                [](const Json&, ToolCall&) {
                    Json list = Json::array();
                    for (const TemplateInfo* t : available_templates()) {
                        list.push_back({{"name", std::string(t->name)},
                                        {"description", std::string(t->summary)},
                                        {"bestFor", std::string(t->best_for)}});
                    }
                    return success(Json{{"templates", std::move(list)}});
                }};
}

Tool init() {
    return Tool{
        "init", "Scaffold a new project from a template into a new or empty directory",
        object_schema(
            {{"path", {{"type", "string"}, {"description", "Directory to create"}}},
             {"template", {{"type", "string"}, {"description", "Template (basic)"}}},
             {"name",
              {{"type", "string"}, {"description", "Project name (default: the directory's)"}}}},
            {"path"}),
        output_schema(object_schema({{"created", kBoolean},
                                     {"path", kString},
                                     {"absolutePath", kString},
                                     {"template", kString},
                                     {"projectName", kString}},
                                    {"created", "path", "template"})),
        [](const Json& args, ToolCall&) {
            auto path = path_arg(args);
            auto tmpl = string_arg(args, "template");
            auto name = string_arg(args, "name");
            for (const auto* r : {&path, &tmpl, &name}) {
                if (!*r)
                    return failure(r->error());
            }
            const std::string template_name = tmpl->empty() ? "basic" : *tmpl;
            auto created =
                create_project({.target = *path,
                                .template_name = template_name,
                                .project_name = name->empty() ? std::nullopt : std::optional(*name),
                                .verbose = {}});
            if (!created)
                return failure(created.error());
            return success(Json{{"created", true},
                                {"path", *path},
                                {"absolutePath", created->path.string()},
                                {"template", template_name},
                                {"projectName", created->project_name}});
        }};
}

Tool info() {
    return Tool{"info",
                "Describe a project directory without a database: template, deploy.sql, "
                "pgmi.yaml, files, tests, metadata",
                kPathArgument,
                output_schema(object_schema({{"path", kString},
                                             {"template", kString},
                                             {"deploySql", kBoolean},
                                             {"configFile", kString},
                                             {"totalFiles", kInteger},
                                             {"sqlFiles", kInteger},
                                             {"testFiles", kInteger},
                                             {"metadataWith", kInteger},
                                             {"metadataProblems", kInteger},
                                             {"directories", {{"type", "object"}}}},
                                            {"path", "template", "deploySql", "totalFiles"})),
                [](const Json& args, ToolCall&) {
                    auto path = path_arg(args);
                    if (!path)
                        return failure(path.error());
                    auto read = read_project_info(*path);
                    if (!read)
                        return failure(read.error().wrapped("failed to scan directory"));
                    return success(Json(info_json(*read)));
                }};
}

Tool metadata_plan() {
    const Json row = object_schema({{"execution_order", kInteger},
                                    {"path", kString},
                                    {"sort_key", kString},
                                    {"generic_id", kString},
                                    {"id", {{"type", {"string", "null"}}}},
                                    {"idempotent", kBoolean},
                                    {"description", kString},
                                    {"checksum", kString}},
                                   {"execution_order", "path", "idempotent"});
    return Tool{
        "metadata_plan",
        "The rows pg_temp.pgmi_plan_view will hold for a project, in execution order",
        kPathArgument,
        output_schema(object_schema(
            {{"total_files", kInteger}, {"total_entries", kInteger}, {"plan", array_of(row)}},
            {"total_files", "plan"})),
        [](const Json& args, ToolCall&) {
            auto path = path_arg(args);
            if (!path)
                return failure(path.error());
            auto project = project::scan(*path, scan_options_from_env(process_env()));
            if (!project)
                return failure(project.error().wrapped("failed to scan directory"));
            return success(Json(plan_json(*project, project::build_plan(project->files))));
        }};
}

Tool metadata_validate() {
    const Json problem =
        object_schema({{"path", kString}, {"line", kInteger}, {"message", kString}}, {});
    return Tool{"metadata_validate",
                "Check every <pgmi-meta> block of a project; problems are reported, not thrown",
                kPathArgument,
                output_schema(object_schema({{"total_files", kInteger},
                                             {"files_with_metadata", kInteger},
                                             {"files_without_metadata", kInteger},
                                             {"validation_passed", kBoolean},
                                             {"duplicate_ids", array_of(kString)},
                                             {"problems", array_of(problem)}},
                                            {"total_files", "validation_passed"})),
                [](const Json& args, ToolCall&) {
                    auto path = path_arg(args);
                    if (!path)
                        return failure(path.error());
                    auto project = scan_for_validation(*path);
                    if (!project)
                        return failure(project.error().wrapped("validation failed"));
                    return success(Json(validation_json(*project)));
                }};
}

}  // namespace

std::vector<mcp::Tool> serve_tools() {
    return {ai_overview(), ai_contract(), ai_skills(),     ai_skill(),          templates_list(),
            init(),        info(),        metadata_plan(), metadata_validate(), deploy_tool()};
}

}  // namespace pgmi::cli
