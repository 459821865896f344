/*
<pgmi-meta id="b38c122d-61eb-40db-af6a-0023744d1fd1" idempotent="true">
  <description>core: deployment settings at run time and the privilege convergence</description>
  <sortKeys><key>003/000</key></sortKeys>
</pgmi-meta>
*/

-- The roles and env the deploy used, for code that runs later (gateways, RLS helpers).
CREATE OR REPLACE FUNCTION internal.setting(p_key text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT value FROM internal.deployment_setting WHERE key = p_key
$$;

-- Run by deploy.sql after every script, as the owner. Every statement here is a no-op when the
-- privilege is already as wanted, so a second deploy changes nothing. The rule: PUBLIC may call
-- nothing; the api role may call the gateways and the registered handlers and reach the tables
-- that row-level security guards; the customer role may read the handler catalogue.
CREATE OR REPLACE FUNCTION internal.converge_privileges() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_api      text := internal.setting('database_api_role');
    v_customer text := internal.setting('database_customer_role');
    v_fn       text;
BEGIN
    EXECUTE 'REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA internal, common, core, api, membership FROM PUBLIC';
    EXECUTE 'ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC';
    EXECUTE format('GRANT USAGE ON SCHEMA internal, common, core, api, membership TO %I', v_api);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA common, api TO %I', v_api);
    -- ... except what only operators run.
    EXECUTE format('REVOKE EXECUTE ON FUNCTION api.purge_exchanges(interval), '
                   'api.register_handler(text, text, text, text, text, jsonb, text, boolean, text, '
                   'text, text[], boolean) FROM %I', v_api);

    -- Gateways (the only entry points) and the helpers RLS policies and handlers call.
    FOREACH v_fn IN ARRAY ARRAY[
        'internal.setting(text)',
        'membership.authenticate(text)',
        'membership.claims()',
        'membership.current_user_id()',
        'membership.visible_organization_ids()',
        'membership.visible_user_ids()',
        'membership.invite(uuid, text, text)',
        'membership.accept_invitation(text)']
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', v_fn, v_api);
    END LOOP;
    -- Every registered handler.
    FOR v_fn IN SELECT DISTINCT function_name FROM api.handler LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s(jsonb) TO %I', v_fn, v_api);
    END LOOP;

    -- Tables: what the api role may touch; row-level security (membership/06-rls.sql) decides
    -- which rows. Secrets (key and token hashes) stay out of reach: column lists.
    EXECUTE format('GRANT SELECT ON membership."user", membership.organization, '
                   'membership.organization_member, membership.identity TO %I', v_api);
    EXECUTE format('GRANT SELECT (id, user_id, organization_id, prefix, name, created_at, expires_at, '
                   'revoked_at) ON membership.api_key TO %I', v_api);
    EXECUTE format('GRANT SELECT (id, organization_id, email, role, invited_by, created_at, '
                   'expires_at, accepted_at) ON membership.invitation TO %I', v_api);
    EXECUTE format('GRANT SELECT, INSERT ON core.note TO %I', v_api);
    EXECUTE format('GRANT SELECT ON api.handler, api.vw_handler_catalog TO %I', v_api);

    EXECUTE format('GRANT USAGE ON SCHEMA api TO %I', v_customer);
    EXECUTE format('GRANT SELECT ON api.vw_handler_catalog TO %I', v_customer);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I, %I', current_database(), v_api, v_customer);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(),
                   internal.setting('database_admin_role'));
END
$$;
