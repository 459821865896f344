-- pgmi session API v1: the views deploy.sql programs against. Applied after every file and
-- parameter is loaded. Views have no ORDER BY; pgmi_plan_view carries execution_order instead.

CREATE TEMP VIEW pgmi_source_view AS
    SELECT path, name, directory, extension, depth, content, size_bytes, checksum, pgmi_checksum,
           path_parts, is_sql_file, is_test_file, parent_folder_name
    FROM pg_temp._pgmi_source;

CREATE TEMP VIEW pgmi_parameter_view AS
    SELECT key, value, type, required, default_value, description
    FROM pg_temp._pgmi_parameter;

CREATE TEMP VIEW pgmi_test_source_view AS
    SELECT path, directory, filename, content, is_fixture
    FROM pg_temp._pgmi_test_source;

CREATE TEMP VIEW pgmi_test_directory_view AS
    SELECT path, parent_path, depth
    FROM pg_temp._pgmi_test_directory;

CREATE TEMP VIEW pgmi_source_metadata_view AS
    SELECT path, id, idempotent, sort_keys, description
    FROM pg_temp._pgmi_source_metadata;

-- One row per sort key of every file: a file with N keys runs N times; a file without metadata
-- (or with no keys) sorts by its own path. execution_order is byte order (COLLATE "C") so the
-- plan never depends on the database's collation.
CREATE OR REPLACE TEMP VIEW pgmi_plan_view AS
    SELECT s.path,
           s.content,
           s.pgmi_checksum AS checksum,
           md5(convert_to(s.path, 'UTF8'))::uuid AS generic_id,
           m.id,
           coalesce(m.idempotent, true) AS idempotent,
           coalesce(m.description, '') AS description,
           k.sort_key,
           row_number() OVER (ORDER BY k.sort_key COLLATE "C", s.path COLLATE "C") AS execution_order
    FROM pg_temp._pgmi_source s
    LEFT JOIN pg_temp._pgmi_source_metadata m ON m.path = s.path
    CROSS JOIN LATERAL unnest(
        CASE WHEN cardinality(m.sort_keys) > 0 THEN m.sort_keys ELSE ARRAY[s.path] END
    ) AS k(sort_key);

GRANT SELECT ON pg_temp.pgmi_source_view, pg_temp.pgmi_parameter_view,
    pg_temp.pgmi_test_source_view, pg_temp.pgmi_test_directory_view,
    pg_temp.pgmi_source_metadata_view, pg_temp.pgmi_plan_view TO PUBLIC;

-- The SQL that CALL pgmi_test(p_pattern, p_callback) in deploy.sql expands to (session-api
-- §4.4): top-level savepoints around every directory and test, a callback event per step, and
-- pg_temp.pgmi_run_test_source per fixture or test. With nothing to run it is one DO block that
-- fails with no_data_found (P0002), so a forgotten or mistyped pattern cannot pass silently.
CREATE OR REPLACE FUNCTION pg_temp.pgmi_test_generate(
    p_pattern text DEFAULT NULL, p_callback text DEFAULT 'pg_temp.pgmi_test_callback')
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    v_callback text := coalesce(p_callback, 'pg_temp.pgmi_test_callback');
    v_lines    text[] := '{}';
    v_minted   integer := 0;
    v_dir_sp   jsonb := '{}';  -- directory -> its first savepoint
    v_test_sp  jsonb := '{}';  -- directory -> the savepoint its tests roll back to
    v_last     integer := 0;
    v_tests    integer := 0;
    v_sp       text;
    s          record;

BEGIN
    IF v_callback !~ '^[a-zA-Z_][a-zA-Z0-9_]*([.][a-zA-Z_][a-zA-Z0-9_]*)?$' THEN
        RAISE EXCEPTION 'Invalid callback name: %. Expected [schema.]function identifier.',
            v_callback USING ERRCODE = 'invalid_parameter_value';
    END IF;

    v_lines := v_lines || format(
        'SELECT %s(ROW(%L, NULL, '''', 0, 0, NULL)::pg_temp.pgmi_test_event);',
        v_callback, 'suite_start');
    FOR s IN SELECT p.ordinal, p.step_type, p.script_path, p.directory, p.depth
             FROM pg_temp.pgmi_test_plan(p_pattern) p ORDER BY p.ordinal LOOP
        v_last := s.ordinal;
        IF s.step_type = 'fixture' THEN
            v_minted := v_minted + 1;
            v_sp := format('__pgmi_d%s__', v_minted);
            IF NOT v_dir_sp ? s.directory THEN
                v_dir_sp := v_dir_sp || jsonb_build_object(s.directory, v_sp);
            END IF;
            v_lines := v_lines || format('SAVEPOINT %s;', v_sp);
            v_lines := v_lines || format(
                'SELECT %s(ROW(%L, %L, %L, %s, %s, NULL)::pg_temp.pgmi_test_event);',
                v_callback, 'fixture_start', s.script_path, s.directory, s.depth, s.ordinal);
            v_lines := v_lines || format('SELECT pg_temp.pgmi_run_test_source(%L);',
                                         s.script_path);
            v_lines := v_lines || format(
                'SELECT %s(ROW(%L, %L, %L, %s, %s, NULL)::pg_temp.pgmi_test_event);',
                v_callback, 'fixture_end', s.script_path, s.directory, s.depth, s.ordinal);
        ELSIF s.step_type = 'test' THEN
            v_tests := v_tests + 1;
            IF NOT v_dir_sp ? s.directory THEN
                v_minted := v_minted + 1;
                v_sp := format('__pgmi_d%s__', v_minted);
                v_dir_sp := v_dir_sp || jsonb_build_object(s.directory, v_sp);
                v_lines := v_lines || format('SAVEPOINT %s;', v_sp);
            END IF;
            IF NOT v_test_sp ? s.directory THEN
                v_minted := v_minted + 1;
                v_sp := format('__pgmi_t%s__', v_minted);
                v_test_sp := v_test_sp || jsonb_build_object(s.directory, v_sp);
                v_lines := v_lines || format('SAVEPOINT %s;', v_sp);
            END IF;
            v_lines := v_lines || format(
                'SELECT %s(ROW(%L, %L, %L, %s, %s, NULL)::pg_temp.pgmi_test_event);',
                v_callback, 'test_start', s.script_path, s.directory, s.depth, s.ordinal);
            v_lines := v_lines || format('SELECT pg_temp.pgmi_run_test_source(%L);',
                                         s.script_path);
            v_lines := v_lines || format(
                'SELECT %s(ROW(%L, %L, %L, %s, %s, NULL)::pg_temp.pgmi_test_event);',
                v_callback, 'test_end', s.script_path, s.directory, s.depth, s.ordinal);
            v_lines := v_lines || format(
                'SELECT %s(ROW(%L, %L, %L, %s, %s, NULL)::pg_temp.pgmi_test_event);',
                v_callback, 'rollback', s.script_path, s.directory, s.depth, s.ordinal);
            v_lines := v_lines || format('ROLLBACK TO SAVEPOINT %s;',
                                         v_test_sp ->> s.directory);
        ELSE
            v_lines := v_lines || format(
                'SELECT %s(ROW(%L, NULL, %L, %s, %s, NULL)::pg_temp.pgmi_test_event);',
                v_callback, 'teardown_start', s.directory, s.depth, s.ordinal);
            IF v_dir_sp ? s.directory THEN
                v_lines := v_lines || format('ROLLBACK TO SAVEPOINT %s;',
                                             v_dir_sp ->> s.directory);
                v_lines := v_lines || format('RELEASE SAVEPOINT %s;', v_dir_sp ->> s.directory);
            END IF;
            v_lines := v_lines || format(
                'SELECT %s(ROW(%L, NULL, %L, %s, %s, NULL)::pg_temp.pgmi_test_event);',
                v_callback, 'teardown_end', s.directory, s.depth, s.ordinal);
        END IF;
    END LOOP;

    IF v_tests = 0 THEN
        IF p_pattern IS NULL THEN
            RETURN 'DO $__pgmi_no_tests__$ BEGIN RAISE EXCEPTION ''pgmi: no tests were '
                'discovered'' USING HINT = ''pgmi_test() ran nothing. Tests are *.sql files '
                'under a __test__/ or __tests__/ directory; remove the call if this project '
                'has none.'', ERRCODE = ''no_data_found''; END $__pgmi_no_tests__$;';
        END IF;
        RETURN 'DO $__pgmi_no_tests__$ BEGIN RAISE EXCEPTION ''pgmi: no tests matched the '
            'requested pattern'' USING HINT = ''pgmi_test(pattern) ran nothing. Check the '
            'pattern against pg_temp.pgmi_test_source_view.'', ERRCODE = ''no_data_found''; '
            'END $__pgmi_no_tests__$;';
    END IF;

    v_lines := v_lines || format(
        'SELECT %s(ROW(%L, NULL, '''', 0, %s, NULL)::pg_temp.pgmi_test_event);',
        v_callback, 'suite_end', v_last);
    RETURN array_to_string(v_lines, E'\n');
END
$fn$;
