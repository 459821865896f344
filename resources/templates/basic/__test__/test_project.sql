-- A test is any .sql file under __test__/. It passes when it runs without an error; an
-- assertion is a RAISE EXCEPTION. Tests run inside the deploy's transaction, after the
-- migrations, so they check what this deploy is about to commit.

DO $test$
DECLARE
    v_project jsonb;
BEGIN
    SELECT content::jsonb INTO v_project
    FROM pg_temp.pgmi_source_view
    WHERE path = './project.json';

    IF v_project IS NULL THEN
        RAISE EXCEPTION 'project.json should be loaded into pgmi_source_view';
    END IF;
    IF coalesce(v_project ->> 'app_name', '') = '' THEN
        RAISE EXCEPTION 'project.json should name the application, got %', v_project;
    END IF;
    IF v_project ->> 'version' !~ '^[0-9]+\.[0-9]+\.[0-9]+$' THEN
        RAISE EXCEPTION 'project.json version should look like 1.2.3, got %',
            v_project ->> 'version';
    END IF;
END
$test$;
