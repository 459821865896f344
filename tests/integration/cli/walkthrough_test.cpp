// Issue 16, paper cut 4: a user following the reference's QUICKSTART with our basic template.
// Its steps use a "user" table and upsert_user / get_user / delete_user without a schema; with
// the template's old app.users they failed (`function get_user(unknown) does not exist`,
// `relation "user" does not exist`). Each step below is the documented one, against a real
// server.
#include <gtest/gtest.h>

#include <fstream>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

using V = std::vector<std::string>;

const RunOptions kBatch{.env = {{"PGMI_NON_INTERACTIVE", "1"}}};

TEST(Walkthrough, QuickstartStepsSucceedWithTheBasicTemplate) {
    TempDir dir;
    const auto project = dir.path() / "myapp";
    // Step 3: pgmi init myapp --template basic
    RunOptions in_dir = kBatch;
    in_dir.cwd = dir.path();
    RunResult r = run_pgmi({"init", "myapp", "--template", "basic"}, in_dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;

    // Step 4: pgmi deploy . --overwrite --force (the connection from flags instead of pgmi.yaml)
    const std::string db = unique_db("myapp");
    RunOptions in_project = kBatch;
    in_project.cwd = project;
    r = run_pgmi(deploy_args(".", db, {"--overwrite", "--force"}), in_project);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("[pgmi] Test: ./__test__/test_user_crud.sql"), std::string::npos) << r.err;

    // Step 5: SELECT * FROM get_user('admin@example.com');
    EXPECT_EQ(query(db,
                    "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                    "WHERE attrelid = 'public.\"user\"'::regclass AND attnum > 0"),
              V{"id,email,name,created_at"});
    EXPECT_EQ(query(db, "SELECT email || '|' || name FROM get_user('admin@example.com')"),
              V{"admin@example.com|Administrator"});
    // ...and with a custom admin email parameter.
    r = run_pgmi(
        deploy_args(".", db, {"--overwrite", "--force", "--param", "admin_email=you@example.com"}),
        in_project);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(query(db, "SELECT name FROM get_user('you@example.com')"), V{"Administrator"});
    EXPECT_EQ(query(db, "SELECT count(*) FROM get_user('admin@example.com')"), V{"0"});

    // Step 6: a new migration that references "user"(id), deployed again.
    std::ofstream(project / "migrations/003_orders.sql")
        << R"sql(CREATE TABLE IF NOT EXISTS "order" (
    id SERIAL PRIMARY KEY,
    user_id INT NOT NULL REFERENCES "user"(id),
    total NUMERIC(10,2) NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ DEFAULT NOW()
);
)sql";
    r = run_pgmi(deploy_args(".", db, {"--overwrite", "--force"}), in_project);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(query(db,
                    "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                    "WHERE schemaname = 'public'"),
              V{"order,user"});
    // "you can also deploy without --overwrite for incremental changes"
    r = run_pgmi(deploy_args(".", db), in_project);
    ASSERT_EQ(r.exit_code, 0) << r.err;

    // The CRUD functions as the walkthrough calls them: positional, no schema.
    EXPECT_EQ(query(db, "SELECT (upsert_user('Ada@Example.com', 'Ada')).email"),
              V{"ada@example.com"});
    EXPECT_EQ(query(db, "SELECT (upsert_user('ada@example.com')).name"), V{"Ada"});
    EXPECT_EQ(query(db, "SELECT delete_user('ada@example.com')"), V{"t"});
    EXPECT_EQ(query(db, "SELECT delete_user('ada@example.com')"), V{"f"});
    EXPECT_EQ(query(db, "SELECT count(*) FROM get_user('ada@example.com')"), V{"0"});
}

}  // namespace
}  // namespace pgmi::test
