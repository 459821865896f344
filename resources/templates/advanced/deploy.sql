-- deploy.sql for {{PROJECT_NAME}}: the whole application (API, security, tests) as one dataset.
--
-- pgmi loaded every file of this project into session tables and runs this script; nothing
-- happens unless it asks. The order of business, all inside ONE transaction:
--
--   1. parameters   reconcile what the deploy was given with session.xml (declared, required,
--                   defaults, secrets masked)
--   2. lock         one deploy per database at a time (advisory transaction lock)
--   3. roles        create or converge owner, admin, api and customer
--   4. structure    extensions (contrib only), schemas, the deployment ledger
--   5. scripts      every SQL file of pg_temp.pgmi_plan_view in execution_order, as the owner;
--                   idempotent="false" scripts run once per id, recorded in the ledger
--   6. privileges   converge grants (nothing callable by PUBLIC that should not be)
--   7. test gate    every __test__/ suite; a failure aborts before COMMIT
--   8. COMMIT
--
-- Deploying twice changes nothing but the ledger's execution log.
--
--   pgmi deploy . --ephemeral                 try it on a throwaway local PostgreSQL
--   pgmi deploy . -d mydb                     deploy to a real server (env dev)

BEGIN;

-- 1. Parameters ---------------------------------------------------------------------------------
-- Every value lands in the transaction-local setting deployment.<name>, which the rest of this
-- script and the scripts it runs read with current_setting('deployment.<name>').
DO $params$
DECLARE
    v_decl    xml;
    v_name    text;
    v_value   text;
    v_source  text;
    v_env     text;
    v_secret  boolean;
    v_given   jsonb := '{}';
    v_known   text[] := '{}';
    v_problems text[] := '{}';
    v_doc     text;
BEGIN
    SELECT content INTO v_doc FROM pg_temp.pgmi_source_view WHERE path = './session.xml';
    IF v_doc IS NULL THEN
        RAISE EXCEPTION 'session.xml is missing'
            USING HINT = 'deploy.sql declares the accepted parameters in ./session.xml';
    END IF;

    -- Keys are normalised to [a-z0-9_] so "Database-Owner-Role" and database_owner_role agree.
    SELECT coalesce(jsonb_object_agg(regexp_replace(lower(key), '[^a-z0-9_]', '_', 'g'), value),
                    '{}')
      INTO v_given
      FROM pg_temp.pgmi_parameter_view;

    -- env first: the other defaults depend on it.
    v_env := coalesce(v_given ->> 'env', 'dev');

    FOR v_decl IN SELECT unnest(xpath('/session/parameter', xmlparse(DOCUMENT v_doc))) LOOP
        v_name := (xpath('string(/*/@name)', v_decl))[1]::text;
        v_secret := coalesce((xpath('string(/*/@secret)', v_decl))[1]::text, '') = 'true';
        v_known := v_known || v_name;
        v_value := v_given ->> v_name;
        v_source := 'given';
        IF v_value IS NULL AND v_env = 'dev'
           AND (xpath('string(/*/@dev-default)', v_decl))[1]::text <> '' THEN
            v_value := (xpath('string(/*/@dev-default)', v_decl))[1]::text;
            v_source := 'development default';
        END IF;
        IF v_value IS NULL AND (xpath('string(/*/@default)', v_decl))[1]::text <> '' THEN
            v_value := replace((xpath('string(/*/@default)', v_decl))[1]::text,
                               '${database}', current_database());
            v_source := 'default';
        END IF;
        IF v_value IS NULL THEN
            IF (xpath('string(/*/@required)', v_decl))[1]::text = 'true' THEN
                v_problems := v_problems || format('%s is required (env %s)', v_name, v_env);
            END IF;
            CONTINUE;
        END IF;
        IF (xpath('string(/*/@allowed)', v_decl))[1]::text <> ''
           AND NOT v_value = ANY (string_to_array((xpath('string(/*/@allowed)', v_decl))[1]::text, ' ')) THEN
            v_problems := v_problems || format('%s must be one of [%s], got "%s"', v_name,
                                               (xpath('string(/*/@allowed)', v_decl))[1]::text, v_value);
        END IF;
        IF v_secret AND v_env = 'prod' AND v_value = 'postgres' THEN
            v_problems := v_problems || format('%s is the development password; env prod needs a real one', v_name);
        END IF;
        IF v_secret AND v_value = 'postgres' THEN
            RAISE WARNING '% uses the development password (env %); never use it outside dev', v_name, v_env;
        END IF;
        PERFORM set_config('deployment.' || v_name, v_value, true);
        PERFORM set_config('deployment_source.' || v_name, v_source, true);
        RAISE NOTICE '[param] % = % (%)', v_name,
            CASE WHEN v_secret THEN '********' ELSE v_value END, v_source;
    END LOOP;

    SELECT v_problems || array_agg(format('%s is not declared in session.xml', k) ORDER BY k)
      INTO v_problems
      FROM jsonb_object_keys(v_given) AS k
     WHERE NOT k = ANY (v_known);

    IF cardinality(v_problems) > 0 THEN
        RAISE EXCEPTION 'parameters do not match session.xml: %', array_to_string(v_problems, '; ')
            USING HINT = 'Declare new parameters in session.xml; pass secrets with --params-file.';
    END IF;
END
$params$;

-- 2. One deploy at a time: the lock is released by COMMIT or ROLLBACK. ------------------------
DO $$ BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('app.deploy.' || current_database(), 0));
END $$;

-- 3. Roles: created when missing, converged when present. -------------------------------------
-- A password is set when the role is created and whenever it is given explicitly, so a
-- redeploy with defaults leaves pg_authid alone.
CREATE OR REPLACE FUNCTION pg_temp.ensure_role(p_name text, p_login boolean, p_password_param text,
                                               p_connection_limit integer) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    r pg_roles;
    v_password text;
    v_given boolean;
BEGIN
    IF p_password_param IS NOT NULL THEN
        v_password := current_setting('deployment.' || p_password_param);
        v_given := current_setting('deployment_source.' || p_password_param) = 'given';
    END IF;
    SELECT * INTO r FROM pg_roles WHERE rolname = p_name;
    IF NOT FOUND THEN
        EXECUTE format('CREATE ROLE %I %s CONNECTION LIMIT %s', p_name,
                       CASE WHEN p_login THEN 'LOGIN' ELSE 'NOLOGIN' END, p_connection_limit);
        IF v_password IS NOT NULL THEN
            EXECUTE format('ALTER ROLE %I PASSWORD %L', p_name, v_password);
        END IF;
        RAISE NOTICE '[role] created %', p_name;
        RETURN;
    END IF;
    IF r.rolcanlogin IS DISTINCT FROM p_login OR r.rolconnlimit IS DISTINCT FROM p_connection_limit THEN
        EXECUTE format('ALTER ROLE %I %s CONNECTION LIMIT %s', p_name,
                       CASE WHEN p_login THEN 'LOGIN' ELSE 'NOLOGIN' END, p_connection_limit);
        RAISE NOTICE '[role] converged %', p_name;
    END IF;
    IF v_given THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', p_name, v_password);
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION pg_temp.ensure_member(p_group text, p_member text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    IF NOT pg_has_role(p_member, p_group, 'MEMBER') THEN
        EXECUTE format('GRANT %I TO %I', p_group, p_member);
    END IF;
END
$fn$;

DO $roles$
DECLARE
    v_owner    text := current_setting('deployment.database_owner_role');
    v_admin    text := current_setting('deployment.database_admin_role');
    v_api      text := current_setting('deployment.database_api_role');
    v_customer text := current_setting('deployment.database_customer_role');
BEGIN
    PERFORM pg_temp.ensure_role(v_owner, false, NULL, -1);
    PERFORM pg_temp.ensure_role(v_api, false, NULL, -1);
    PERFORM pg_temp.ensure_role(v_admin, true, 'database_admin_password', 10);
    PERFORM pg_temp.ensure_role(v_customer, true, 'database_customer_password', 100);
    PERFORM pg_temp.ensure_member(v_owner, v_admin);
    PERFORM pg_temp.ensure_member(v_api, v_admin);
    -- The deploying role works as the owner (SET ROLE below) and hands the database over; the
    -- tests call the gateways, which switch to the api role.
    PERFORM pg_temp.ensure_member(v_owner, current_user);
    PERFORM pg_temp.ensure_member(v_api, current_user);
    IF (SELECT datdba::regrole::text FROM pg_database WHERE datname = current_database())
       IS DISTINCT FROM quote_ident(v_owner) THEN
        EXECUTE format('ALTER DATABASE %I OWNER TO %I', current_database(), v_owner);
    END IF;
END
$roles$;

-- 4. Extensions (PostgreSQL contrib, trusted) in their own schema, the schemas, the ledger. ---
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;
GRANT USAGE ON SCHEMA extensions TO PUBLIC;

-- The loop of step 5: one function, so a failing script is named with its original SQLSTATE.
CREATE OR REPLACE FUNCTION pg_temp.deploy() RETURNS void
LANGUAGE plpgsql AS $deploy$
DECLARE
    s         record;
    v_state   text;
    v_message text;
    v_detail  text;
    v_run     integer := 0;
    v_skipped integer := 0;
BEGIN
    FOR s IN
        SELECT p.path, p.content, p.checksum, coalesce(p.id, p.generic_id) AS script_id,
               p.idempotent, p.sort_key, p.description
          FROM pg_temp.pgmi_plan_view p
         WHERE pg_temp.pgmi_is_sql_file(p.path)
         ORDER BY p.execution_order
    LOOP
        INSERT INTO internal.deployment_script AS d (id, path, idempotent, description)
        VALUES (s.script_id, s.path, s.idempotent, s.description)
        ON CONFLICT (id) DO UPDATE
           SET path = excluded.path, idempotent = excluded.idempotent,
               description = excluded.description
         WHERE (d.path, d.idempotent, d.description)
               IS DISTINCT FROM (excluded.path, excluded.idempotent, excluded.description);
        INSERT INTO internal.deployment_script_content (checksum, content)
        VALUES (s.checksum, s.content) ON CONFLICT DO NOTHING;

        IF NOT s.idempotent AND EXISTS (
            SELECT 1 FROM internal.deployment_script_execution_log l
             WHERE l.script_id = s.script_id AND l.outcome = 'executed') THEN
            IF NOT EXISTS (
                SELECT 1 FROM internal.deployment_script_execution_log l
                 WHERE l.script_id = s.script_id AND l.outcome = 'executed'
                   AND l.checksum = s.checksum) THEN
                RAISE WARNING '[pgmi] % changed after it was applied; the change is ignored '
                              '(add a new script instead)', s.path;
            END IF;
            INSERT INTO internal.deployment_script_execution_log (script_id, checksum, sort_key, outcome)
            VALUES (s.script_id, s.checksum, s.sort_key, 'skipped');
            v_skipped := v_skipped + 1;
            RAISE NOTICE '[pgmi] Skip % (applied once already)', s.path;
            CONTINUE;
        END IF;

        RAISE NOTICE '[pgmi] Run % (%)', s.path, s.sort_key;
        BEGIN
            EXECUTE s.content;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
                                    v_detail = PG_EXCEPTION_DETAIL;
            RAISE EXCEPTION '[pgmi] Script failed: %: %', s.path, v_message
                USING ERRCODE = v_state, DETAIL = v_detail;
        END;
        INSERT INTO internal.deployment_script_execution_log (script_id, checksum, sort_key, outcome)
        VALUES (s.script_id, s.checksum, s.sort_key, 'executed');
        v_run := v_run + 1;
    END LOOP;
    RAISE NOTICE '[pgmi] % scripts run, % skipped', v_run, v_skipped;
END
$deploy$;

-- From here on everything is created by, and owned by, the owner role.
DO $$ BEGIN PERFORM set_config('role', current_setting('deployment.database_owner_role'), true); END $$;

CREATE SCHEMA IF NOT EXISTS internal;   -- deployment ledger, settings, exchanges: never exposed
CREATE SCHEMA IF NOT EXISTS common;     -- pure helpers
CREATE SCHEMA IF NOT EXISTS core;       -- application data
CREATE SCHEMA IF NOT EXISTS api;        -- handler registry, gateways, handlers
CREATE SCHEMA IF NOT EXISTS membership; -- users, organizations, keys, claims, row-level security

CREATE TABLE IF NOT EXISTS internal.deployment_setting (
    key   text PRIMARY KEY,
    value text NOT NULL
);
COMMENT ON TABLE internal.deployment_setting IS
    'Non-secret deployment parameters the running application reads (role names, env).';

CREATE TABLE IF NOT EXISTS internal.deployment_script (
    id          uuid PRIMARY KEY,
    path        text NOT NULL,
    idempotent  boolean NOT NULL,
    description text NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS internal.deployment_script_content (
    checksum text PRIMARY KEY CHECK (checksum ~ '^[0-9a-f]{64}$'),
    content  text NOT NULL
);
CREATE TABLE IF NOT EXISTS internal.deployment_script_execution_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    script_id   uuid NOT NULL REFERENCES internal.deployment_script (id),
    checksum    text NOT NULL REFERENCES internal.deployment_script_content (checksum),
    sort_key    text NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('executed', 'skipped')),
    executed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    executed_by text NOT NULL DEFAULT session_user
);
CREATE OR REPLACE VIEW internal.vw_deployment_script AS
SELECT s.id, s.path, s.idempotent, s.description,
       count(*) FILTER (WHERE l.outcome = 'executed') AS executions,
       max(l.executed_at) FILTER (WHERE l.outcome = 'executed') AS last_executed_at,
       (array_agg(l.checksum ORDER BY l.id DESC) FILTER (WHERE l.outcome = 'executed'))[1]
           AS last_checksum
  FROM internal.deployment_script s
  LEFT JOIN internal.deployment_script_execution_log l ON l.script_id = s.id
 GROUP BY s.id;

-- Settings the application reads at run time; written only when they change.
INSERT INTO internal.deployment_setting (key, value)
SELECT k, current_setting('deployment.' || k)
  FROM unnest(ARRAY['env', 'database_owner_role', 'database_admin_role', 'database_api_role',
                    'database_customer_role']) AS k
ON CONFLICT (key) DO UPDATE SET value = excluded.value
 WHERE internal.deployment_setting.value IS DISTINCT FROM excluded.value;

-- 5. Scripts, in pgmi_plan_view's execution_order. ----------------------------------------------

DO $$ BEGIN PERFORM pg_temp.deploy(); END $$;

-- 6. Privileges: converge on every deploy (internal.converge_privileges, lib/core). -------------
DO $$ BEGIN PERFORM internal.converge_privileges(); END $$;

RESET ROLE;

-- 7. Test gate: every __test__/ suite, each test in a savepoint that is rolled back. A failing
-- test raises, COMMIT never runs, and the database stays as it was before this deploy.
CALL pgmi_test();

-- 8.
COMMIT;

DO $$ BEGIN
    RAISE NOTICE 'DONE: % handlers (REST, JSON-RPC, MCP), % scripts in the ledger',
        (SELECT count(*) FROM api.handler), (SELECT count(*) FROM internal.deployment_script);
END $$;
