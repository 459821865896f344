-- pgmi session schema: internal tables and helper functions in the session's temp schema.
-- Sent as one simple-query message right after the deploy lock is taken. Everything lives in
-- pg_temp, so it disappears with the session and never touches the target's own schemas.
-- Internal names start with _pgmi_; the public, versioned API is created by api-v<N>.sql.

CREATE TEMP TABLE _pgmi_parameter (
    key           text PRIMARY KEY CONSTRAINT chk_key_format CHECK (key ~ '^\w+$'),
    value         text,
    type          text NOT NULL DEFAULT 'text' CONSTRAINT chk_type_valid CHECK (type IN
                      ('text', 'int', 'integer', 'bigint', 'numeric', 'boolean', 'bool', 'uuid',
                       'timestamp', 'timestamptz', 'name')),
    required      boolean NOT NULL DEFAULT false,
    default_value text,
    description   text
);
COMMENT ON TABLE pg_temp._pgmi_parameter IS
    'pgmi internal: deployment parameters (--param, --params-file, pgmi.yaml params)';

CREATE TEMP TABLE _pgmi_source (
    path               text PRIMARY KEY,
    name               text NOT NULL,
    directory          text NOT NULL,
    extension          text NOT NULL,
    depth              integer NOT NULL,
    content            text NOT NULL,
    size_bytes         bigint NOT NULL,
    checksum           text NOT NULL,
    pgmi_checksum      text NOT NULL,
    path_parts         text[] NOT NULL,
    is_sql_file        boolean NOT NULL,
    is_test_file       boolean NOT NULL,
    parent_folder_name text,
    CONSTRAINT chk_path_format CHECK (path ~ '^\./'),
    CONSTRAINT chk_path_no_backslash CHECK (position(E'\\' IN path) = 0),
    CONSTRAINT chk_path_no_double_slash CHECK (position('//' IN path) = 0),
    CONSTRAINT chk_path_directory_match CHECK (path = directory || name),
    CONSTRAINT chk_path_is_not_test CHECK (path !~ '/__tests?__/'),
    CONSTRAINT chk_name_format CHECK (name ~ '^[^/]+$'),
    CONSTRAINT chk_name_no_whitespace_only CHECK (trim(name) <> ''),
    CONSTRAINT chk_directory_format CHECK (directory ~ '^\./(?:[^/]+/)*$'),
    CONSTRAINT chk_directory_no_backslash CHECK (position(E'\\' IN directory) = 0),
    CONSTRAINT chk_extension_format CHECK (extension ~ '^(\.[a-zA-Z0-9]+)?$'),
    CONSTRAINT chk_depth CHECK (depth >= 0),
    CONSTRAINT chk_depth_reasonable CHECK (depth <= 100),
    CONSTRAINT chk_depth_path_parts CHECK (cardinality(path_parts) = depth + 2),
    CONSTRAINT chk_path_parts_not_empty CHECK (cardinality(path_parts) > 0),
    CONSTRAINT chk_path_parts_no_empty_strings CHECK (NOT ('' = ANY (path_parts))),
    CONSTRAINT chk_path_parts_first_element CHECK (path_parts[1] = '.'),
    CONSTRAINT chk_path_parts_last_element CHECK (path_parts[cardinality(path_parts)] = name),
    CONSTRAINT chk_size_bytes CHECK (size_bytes >= 0),
    CONSTRAINT chk_content_size_match CHECK (octet_length(content) = size_bytes),
    -- 32 to 64 hex digits. Not written as [a-fA-F0-9]{32,64}: PostgreSQL's regex engine expands the
    -- bounded repetition, which made these two checks 90% of the cost of loading a file.
    CONSTRAINT chk_checksum_format CHECK (
        length(checksum) BETWEEN 32 AND 64 AND checksum ~ '^[a-fA-F0-9]+$'),
    CONSTRAINT chk_pgmi_checksum_format CHECK (
        length(pgmi_checksum) BETWEEN 32 AND 64 AND pgmi_checksum ~ '^[a-fA-F0-9]+$'),
    CONSTRAINT chk_parent_folder_depth CHECK ((depth = 0) = (parent_folder_name IS NULL)),
    CONSTRAINT chk_parent_folder_no_slash CHECK (position('/' IN parent_folder_name) = 0)
);
COMMENT ON TABLE pg_temp._pgmi_source IS 'pgmi internal: every non-test project file';

CREATE TEMP TABLE _pgmi_source_metadata (
    path        text PRIMARY KEY REFERENCES pg_temp._pgmi_source (path),
    id          uuid NOT NULL,
    idempotent  boolean NOT NULL,
    sort_keys   text[] NOT NULL DEFAULT '{}',
    description text
);
CREATE INDEX ix_pgmi_source_metadata_sort_keys ON pg_temp._pgmi_source_metadata
    USING gin (sort_keys);
COMMENT ON TABLE pg_temp._pgmi_source_metadata IS 'pgmi internal: <pgmi-meta> blocks of SQL files';

CREATE TEMP TABLE _pgmi_test_directory (
    path        text PRIMARY KEY,
    parent_path text,
    depth       integer NOT NULL DEFAULT 0,
    CONSTRAINT chk_test_dir_path_format CHECK (path ~ '^\./' AND path ~ '/__tests?__/'),
    CONSTRAINT chk_test_dir_ends_slash CHECK (path ~ '/$')
);
CREATE INDEX ix_pgmi_test_directory_parent ON pg_temp._pgmi_test_directory (parent_path);
COMMENT ON TABLE pg_temp._pgmi_test_directory IS 'pgmi internal: directories of the test tree';

CREATE TEMP TABLE _pgmi_test_source (
    path       text NOT NULL PRIMARY KEY,
    directory  text NOT NULL CONSTRAINT fk_test_source_directory
                   REFERENCES pg_temp._pgmi_test_directory (path),
    filename   text NOT NULL,
    content    text NOT NULL,
    is_fixture boolean NOT NULL DEFAULT false,
    CONSTRAINT chk_test_source_path_format CHECK (path ~ '^\./')
);
CREATE INDEX ix_pgmi_test_source_directory ON pg_temp._pgmi_test_source (directory);
COMMENT ON TABLE pg_temp._pgmi_test_source IS 'pgmi internal: SQL files under __test__/__tests__';

CREATE TYPE pg_temp.pgmi_test_event AS (
    event     text,
    path      text,
    directory text,
    depth     integer,
    ordinal   integer,
    context   jsonb
);

GRANT SELECT ON pg_temp._pgmi_parameter, pg_temp._pgmi_source, pg_temp._pgmi_source_metadata,
    pg_temp._pgmi_test_directory, pg_temp._pgmi_test_source TO PUBLIC;

-- True for the SQL file extensions pgmi knows, in any case.
CREATE OR REPLACE FUNCTION pg_temp.pgmi_is_sql_file(filename text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT filename ~* '\.(sql|ddl|dml|dql|dcl|psql|pgsql|plpgsql)$'
$fn$;

-- Adds one file to _pgmi_source, deriving every path column from the path. pgmi itself loads
-- files with COPY (one round trip for the whole project); this is for projects that register
-- generated content from deploy.sql.
CREATE OR REPLACE FUNCTION pg_temp.pgmi_register_file(
    in_path text, in_content text, in_checksum text, in_pgmi_checksum text)
RETURNS pg_temp._pgmi_source LANGUAGE plpgsql AS $fn$
DECLARE
    p     text := replace(btrim(in_path, ' '), E'\\', '/');
    parts text[];
    d     integer;
    fname text;
    r     pg_temp._pgmi_source;
BEGIN
    IF left(p, 2) <> './' THEN
        p := './' || regexp_replace(p, '^[./]+', '');
    END IF;
    p := regexp_replace(p, '/{2,}', '/', 'g');
    parts := string_to_array(p, '/');
    d := cardinality(parts) - 2;
    fname := parts[cardinality(parts)];
    INSERT INTO pg_temp._pgmi_source AS s (path, name, directory, extension, depth, content,
        size_bytes, checksum, pgmi_checksum, path_parts, is_sql_file, is_test_file,
        parent_folder_name)
    VALUES (p, fname,
            CASE WHEN d = 0 THEN './' ELSE array_to_string(parts[1:d + 1], '/') || '/' END,
            coalesce(substring(fname FROM '(\.[A-Za-z0-9]+)$'), ''),
            d, in_content, octet_length(in_content), in_checksum, in_pgmi_checksum, parts,
            pg_temp.pgmi_is_sql_file(p), p ~ '(^|/)__tests?__/',
            CASE WHEN d = 0 THEN NULL ELSE parts[cardinality(parts) - 1] END)
    RETURNING s.* INTO r;
    RETURN r;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Test framework (session-api §4). A test is a non-fixture SQL file under __test__/__tests__; a
-- directory's fixture (_setup.sql/_setup.psql) runs before its tests and its subdirectories, and
-- is undone by rolling back to the directory's savepoint.

-- Returns the pattern after checking it compiles as a PostgreSQL regular expression (NULL: none).
CREATE OR REPLACE FUNCTION pg_temp.pgmi_validate_pattern(p_pattern text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
    IF p_pattern IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM '' ~ p_pattern;
    RETURN p_pattern;
EXCEPTION WHEN invalid_regular_expression THEN
    RAISE EXCEPTION 'Invalid regex pattern: %', p_pattern
        USING DETAIL = SQLERRM,
              HINT = 'Pattern must be a valid PostgreSQL POSIX regular expression';
END
$fn$;

-- True when the directory or any directory below it (through parent_path) holds a test whose
-- path matches the pattern (NULL: any test). Fixtures alone do not count.
CREATE OR REPLACE FUNCTION pg_temp.pgmi_has_tests(p_directory text, p_pattern text DEFAULT NULL)
RETURNS boolean LANGUAGE sql STABLE AS $fn$
    WITH RECURSIVE subtree(path) AS (
        SELECT d.path FROM pg_temp._pgmi_test_directory d WHERE d.path = p_directory
        UNION
        SELECT c.path
        FROM pg_temp._pgmi_test_directory c
        JOIN subtree s ON c.parent_path = s.path
    )
    SELECT EXISTS (
        SELECT 1
        FROM pg_temp._pgmi_test_source t
        JOIN subtree s ON t.directory = s.path
        WHERE NOT t.is_fixture
          AND (p_pattern IS NULL OR t.path ~ (SELECT pg_temp.pgmi_validate_pattern(p_pattern))))
$fn$;

-- The steps a test run takes, depth first: for each directory with a matching test below it, its
-- fixture(s), its matching tests by file name, its subdirectories by path, then its teardown.
-- Every comparison is byte order (COLLATE "C"): each step sorts by the array of its ancestors'
-- paths, each preceded by '2', then '0' + name for a fixture, '1' + name for a test, '3' for the
-- teardown; so a directory's own steps surround its subdirectories', whatever the collation.
CREATE OR REPLACE FUNCTION pg_temp.pgmi_test_plan(p_pattern text DEFAULT NULL)
RETURNS TABLE (ordinal integer, step_type text, script_path text, directory text, depth integer)
LANGUAGE plpgsql STABLE AS $fn$
#variable_conflict use_column
DECLARE
    v_pattern text;
BEGIN
    -- The pattern is checked only when there is something to match it against, and before any
    -- comparison uses it (so a bad pattern gives one clear error, not a regex engine message).
    IF NOT EXISTS (SELECT 1 FROM pg_temp._pgmi_test_directory) THEN
        RETURN;
    END IF;
    v_pattern := pg_temp.pgmi_validate_pattern(p_pattern);
    RETURN QUERY
    WITH RECURSIVE relevant AS (
        SELECT d.path, d.parent_path, d.depth
        FROM pg_temp._pgmi_test_directory d
        WHERE pg_temp.pgmi_has_tests(d.path, v_pattern)
    ), walk (path, depth, sort_key) AS (
        SELECT r.path, r.depth, ARRAY['2', r.path]
        FROM relevant r
        WHERE r.parent_path IS NULL
           OR NOT EXISTS (SELECT 1 FROM relevant p WHERE p.path = r.parent_path)
        UNION ALL
        SELECT c.path, c.depth, w.sort_key || ARRAY['2', c.path]
        FROM walk w
        JOIN relevant c ON c.parent_path = w.path
    ), steps (sort_key, step_type, script_path, directory, depth) AS (
        SELECT w.sort_key || ARRAY['0', t.filename, t.path], 'fixture', t.path, w.path, w.depth
        FROM walk w
        JOIN pg_temp._pgmi_test_source t ON t.directory = w.path AND t.is_fixture
        UNION ALL
        SELECT w.sort_key || ARRAY['1', t.filename, t.path], 'test', t.path, w.path, w.depth
        FROM walk w
        JOIN pg_temp._pgmi_test_source t ON t.directory = w.path AND NOT t.is_fixture
        WHERE v_pattern IS NULL OR t.path ~ v_pattern
        UNION ALL
        SELECT w.sort_key || ARRAY['3'], 'teardown', NULL, w.path, w.depth
        FROM walk w
    )
    SELECT (row_number() OVER (ORDER BY s.sort_key COLLATE "C"))::integer,
           s.step_type, s.script_path, s.directory, s.depth
    FROM steps s
    ORDER BY s.sort_key COLLATE "C";
END
$fn$;

-- Runs one stored test or fixture. Its content is EXECUTEd behind a marker comment naming the
-- path (hex of its UTF-8 bytes), so pgmi can tell which file failed whatever the error. An error
-- is re-raised as "Failed in <path>: <message>" with the original SQLSTATE, DETAIL and HINT --
-- except an error PostgreSQL positions inside the file's own text (a syntax error, an unknown
-- table or column): plpgsql cannot read that position, so that error is re-raised unchanged
-- (its internal query is the marker plus the content); pgmi names the file from the marker and
-- reports the line inside it.
--
-- Around the content it sends three INFO messages (INFO always reaches the client, whatever
-- client_min_messages says) with pgmi's own SQLSTATEs: PGMT1 started, PGMT2 passed, PGMT3
-- failed. Their DETAIL is JSON {"path", "fixture", "us"} with the server-measured run time (and
-- "sqlstate", "message", "context" when it failed: the re-raise below loses the CONTEXT, which
-- names the line of the test's DO block); pgmi
-- turns them into --test-report and the progress line and shows none of them.
CREATE OR REPLACE FUNCTION pg_temp.pgmi_run_test_source(p_path text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    v_content text;
    v_fixture boolean;
    v_started timestamptz;
    v_marker  text;
    v_state   text;
    v_message text;
    v_detail  text;
    v_hint    text;
    v_context text;
BEGIN
    SELECT t.content, t.is_fixture INTO v_content, v_fixture
    FROM pg_temp._pgmi_test_source t WHERE t.path = p_path;
    IF v_content IS NULL THEN
        RAISE EXCEPTION 'Failed in %: query string argument of EXECUTE is null', p_path
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'No test file has this path; see pg_temp.pgmi_test_source_view.';
    END IF;
    v_marker := '/*pgmi-test:' || encode(convert_to(p_path, 'UTF8'), 'hex') || '*/';
    v_started := clock_timestamp();
    RAISE INFO USING MESSAGE = format('pgmi: started %s', p_path), ERRCODE = 'PGMT1',
        DETAIL = json_build_object('path', p_path, 'fixture', v_fixture, 'us', 0)::text;
    BEGIN
        EXECUTE v_marker || v_content;
        RAISE INFO USING MESSAGE = format('pgmi: passed %s', p_path), ERRCODE = 'PGMT2',
            DETAIL = json_build_object('path', p_path, 'fixture', v_fixture, 'us',
                floor(extract(epoch FROM clock_timestamp() - v_started) * 1e6)::bigint)::text;
    EXCEPTION WHEN OTHERS OR assert_failure THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
            v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT,
            v_context = PG_EXCEPTION_CONTEXT;
        RAISE INFO USING MESSAGE = format('pgmi: failed %s', p_path), ERRCODE = 'PGMT3',
            DETAIL = json_build_object('path', p_path, 'fixture', v_fixture, 'us',
                floor(extract(epoch FROM clock_timestamp() - v_started) * 1e6)::bigint,
                'sqlstate', v_state, 'message', v_message, 'context', v_context)::text;
        -- PostgreSQL names the executed text in CONTEXT unless it positioned the error in it.
        IF strpos(v_context, v_marker) = 0 THEN
            RAISE;
        END IF;
        v_message := format('Failed in %s: %s', p_path, v_message);
        -- RAISE cannot take a NULL option, and an empty one would still be sent.
        IF v_detail <> '' AND v_hint <> '' THEN
            RAISE EXCEPTION USING MESSAGE = v_message, ERRCODE = v_state, DETAIL = v_detail,
                HINT = v_hint;
        ELSIF v_detail <> '' THEN
            RAISE EXCEPTION USING MESSAGE = v_message, ERRCODE = v_state, DETAIL = v_detail;
        ELSIF v_hint <> '' THEN
            RAISE EXCEPTION USING MESSAGE = v_message, ERRCODE = v_state, HINT = v_hint;
        END IF;
        RAISE EXCEPTION USING MESSAGE = v_message, ERRCODE = v_state;
    END;
END
$fn$;

-- The default callback of pgmi_test(): progress as NOTICE, rollbacks and teardowns as DEBUG.
CREATE OR REPLACE FUNCTION pg_temp.pgmi_test_callback(e pg_temp.pgmi_test_event) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    CASE e.event
        WHEN 'suite_start' THEN
            RAISE NOTICE '[pgmi] Test suite started';
        WHEN 'fixture_start' THEN
            RAISE NOTICE '[pgmi] Fixture: %', e.path;
        WHEN 'test_start' THEN
            RAISE NOTICE '[pgmi] Test: %', e.path;
        WHEN 'rollback' THEN
            RAISE DEBUG '[pgmi] Rollback: %', coalesce(e.path, e.directory);
        WHEN 'teardown_start' THEN
            RAISE DEBUG '[pgmi] Teardown: %', e.directory;
        WHEN 'suite_end' THEN
            RAISE NOTICE '[pgmi] Test suite completed (% steps)', e.ordinal;
        ELSE
            NULL;
    END CASE;
END
$fn$;

-- Writes pgmi_test_plan(p_pattern) into <target_schema>.pgmi_test_plan (created when missing,
-- emptied otherwise), by column name.
CREATE OR REPLACE FUNCTION pg_temp.pgmi_persist_test_plan(target_schema text,
                                                          p_pattern text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF to_regclass(format('%I.pgmi_test_plan', target_schema)) IS NULL THEN
        EXECUTE format('CREATE TABLE %I.pgmi_test_plan (ordinal integer PRIMARY KEY, '
                       'step_type text NOT NULL, script_path text, directory text NOT NULL, '
                       'depth integer NOT NULL)', target_schema);
    END IF;
    EXECUTE format('TRUNCATE %I.pgmi_test_plan', target_schema);
    EXECUTE format('INSERT INTO %I.pgmi_test_plan (ordinal, step_type, script_path, directory, '
                   'depth) SELECT p.ordinal, p.step_type, p.script_path, p.directory, p.depth '
                   'FROM pg_temp.pgmi_test_plan($1) p', target_schema)
        USING p_pattern;
END
$fn$;
