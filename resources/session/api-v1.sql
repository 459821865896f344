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
