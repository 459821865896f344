-- Privileges after convergence: PUBLIC may call nothing of the application; the api role may
-- call the gateways and handlers but not operator functions; the customer role is not api.
DO $$
DECLARE
    v_api      text := internal.setting('database_api_role');
    v_customer text := internal.setting('database_customer_role');
    v_admin    text := internal.setting('database_admin_role');
    v_public   text;
BEGIN
    SELECT string_agg(p.oid::regprocedure::text, ', ') INTO v_public
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname IN ('internal', 'common', 'core', 'api', 'membership')
       AND has_function_privilege('public', p.oid, 'EXECUTE');
    IF v_public IS NOT NULL THEN
        RAISE EXCEPTION 'PUBLIC can execute: %', v_public;
    END IF;
    IF NOT has_function_privilege(v_api, 'api.rest_invoke(text, text, text, text, text)', 'EXECUTE')
       OR NOT has_function_privilege(v_api, 'api.mcp_handle_request(text, text)', 'EXECUTE')
       OR NOT has_function_privilege(v_api, 'api.handle_me(jsonb)', 'EXECUTE') THEN
        RAISE EXCEPTION 'the api role must reach the gateways and handlers';
    END IF;
    IF has_function_privilege(v_api, 'api.purge_exchanges(interval)', 'EXECUTE')
       OR has_function_privilege(v_api, 'membership.bootstrap_admin(text)', 'EXECUTE')
       OR has_function_privilege(v_api, 'membership.issue_api_key(uuid, uuid, text, timestamptz)', 'EXECUTE') THEN
        RAISE EXCEPTION 'operator functions must stay out of the api role''s reach';
    END IF;
    IF pg_has_role(v_customer, v_api, 'MEMBER') THEN
        RAISE EXCEPTION 'the customer role must not be a member of api';
    END IF;
    IF NOT pg_has_role(v_admin, v_api, 'MEMBER')
       OR NOT pg_has_role(v_admin, internal.setting('database_owner_role'), 'MEMBER') THEN
        RAISE EXCEPTION 'the admin role is a member of owner and api';
    END IF;
    IF (SELECT rolcanlogin FROM pg_roles WHERE rolname = v_api) THEN
        RAISE EXCEPTION 'the api role must not log in';
    END IF;
END
$$;
