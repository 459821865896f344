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
    CONSTRAINT chk_checksum_format CHECK (checksum ~ '^[a-fA-F0-9]{32,64}$'),
    CONSTRAINT chk_pgmi_checksum_format CHECK (pgmi_checksum ~ '^[a-fA-F0-9]{32,64}$'),
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
