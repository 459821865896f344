-- deploy.sql for {{PROJECT_NAME}}
--
-- pgmi connected once, loaded every file of this project into session tables, and now runs this
-- script. Nothing happens unless this script asks for it: it reads the files from
-- pg_temp.pgmi_plan_view / pg_temp.pgmi_source_view and EXECUTEs what it chooses.
--
--   pgmi deploy . --ephemeral                 try it on a throwaway local PostgreSQL
--   pgmi deploy . -d mydb                     deploy to a real server
--   pgmi deploy . -d mydb --param env=production

BEGIN;  -- Everything up to COMMIT is one transaction: it all lands, or nothing does.

DO $deploy$
DECLARE
    -- Parameters arrive as session settings; the second argument `true` means "NULL if unset".
    v_env     text := coalesce(nullif(current_setting('pgmi.env', true), ''), 'development');
    v_admin   text := coalesce(nullif(current_setting('pgmi.admin_email', true), ''),
                               'admin@example.com');
    v_project jsonb;
    v_files   integer;
    v_file    record;
BEGIN
    -- Any file of the project is data: read project.json straight from the source view.
    SELECT s.content::jsonb INTO v_project
    FROM pg_temp.pgmi_source_view s
    WHERE s.path = './project.json';
    IF v_project IS NULL THEN
        RAISE EXCEPTION 'project.json is missing'
            USING HINT = 'deploy.sql reads the application name and version from ./project.json';
    END IF;

    SELECT count(*) INTO v_files FROM pg_temp.pgmi_source_view;
    RAISE NOTICE 'Deploying % % to "%" (env: %, % files loaded)',
        v_project ->> 'app_name', v_project ->> 'version', current_database(), v_env, v_files;

    -- Apply-once instead of re-run: keep a ledger of the files already applied. Uncomment the
    -- table here and the two marked lines in the loop; the files then run once, ever, and
    -- editing one that already ran has no effect (add a new file instead).
    -- CREATE TABLE IF NOT EXISTS app_migration (path text PRIMARY KEY, checksum text NOT NULL,
    --     applied_at timestamptz NOT NULL DEFAULT now());

    -- Migrations: every SQL file under ./migrations/, in path order (001_, 002_, ...).
    FOR v_file IN
        SELECT p.path, p.content, p.checksum
        FROM pg_temp.pgmi_plan_view p
        WHERE p.path LIKE './migrations/%' AND pg_temp.pgmi_is_sql_file(p.path)
        ORDER BY p.execution_order
    LOOP
        -- [apply-once] CONTINUE WHEN EXISTS (SELECT 1 FROM app_migration m WHERE m.path = v_file.path);
        RAISE NOTICE 'Running %', v_file.path;
        -- No EXCEPTION block: an error that leaves EXECUTE untouched lets pgmi name the file and
        -- the line in it (a handler that re-raises keeps the message but loses the position).
        EXECUTE v_file.content;
        -- [apply-once] INSERT INTO app_migration (path, checksum) VALUES (v_file.path, v_file.checksum);
    END LOOP;

    -- Environment branching: seed data for development and staging, never in production.
    IF v_env = 'production' THEN
        RAISE NOTICE 'Skipping the development seed (env: production)';
    ELSE
        PERFORM upsert_user(v_admin, 'Administrator');
        RAISE NOTICE 'Seeded the development user %', v_admin;
    END IF;
END
$deploy$;

-- The test gate: runs every *.sql file under __test__/ (after its directory's _setup.sql),
-- each inside a savepoint that is rolled back, so tests leave no trace. A failing test raises,
-- the transaction aborts, COMMIT never runs, and the database stays as it was.
CALL pgmi_test();

COMMIT;

-- After the first COMMIT every statement runs on its own, as psql would run it: the place for
-- work that cannot run inside a transaction, such as CREATE INDEX CONCURRENTLY.
DO $$ BEGIN RAISE NOTICE 'Done: % users in "user"', (SELECT count(*) FROM "user"); END $$;
