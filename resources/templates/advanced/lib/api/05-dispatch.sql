/*
<pgmi-meta id="a29afd4d-6ef5-4b24-9eec-caf0f1e5bdac" idempotent="true">
  <description>api: the one dispatch path every protocol shares (auth, access, isolation, input, read-only, errors)</description>
  <sortKeys><key>004/005</key></sortKeys>
</pgmi-meta>
*/

-- Calls one handler for one request and answers {"status": <http status>, "body": <jsonb>,
-- "problem": <bool>}. The steps, in order:
--   1. claims: reset, then set from the Bearer key (membership.authenticate); a key that does not
--      verify is 401 even on a public route, so a typo is never silently anonymous;
--   2. access: public, user (a key) or admin (a key of an admin user) -> 401 / 403;
--   3. isolation: the transaction must be at least the handler's level -> 428, naming the level
--      to retry with (a function cannot raise its own transaction's isolation);
--   4. input: the handler's JSON Schema -> 400 listing every problem;
--   5. call, as the api role (row-level security applies); a read_only handler runs with
--      transaction_read_only on inside a block that is always unwound, so it cannot write and
--      the gateway can still record the exchange afterwards;
--   6. errors become problem documents; serialization failures and deadlocks propagate, because
--      only a new transaction can retry them.
CREATE OR REPLACE FUNCTION api.dispatch(p_handler api.handler, p_input jsonb, p_authorization text,
                                        p_instance text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_levels  constant text[] := ARRAY['read committed', 'repeatable read', 'serializable'];
    v_claims  jsonb;
    v_errors  text[];
    v_result  jsonb;
    v_prev    text := current_setting('role');
    v_state   text;
    v_message text;
    v_detail  text;
    v_problem jsonb;
BEGIN
    PERFORM set_config('membership.claims', '', true);
    IF coalesce(p_authorization, '') <> '' THEN
        v_claims := membership.authenticate(p_authorization);
        IF v_claims IS NULL THEN
            RETURN jsonb_build_object('status', 401, 'problem', true, 'body',
                api.problem(401, 'Unauthorized', 'the API key is not valid', p_instance));
        END IF;
        PERFORM set_config('membership.claims', v_claims::text, true);
    END IF;

    IF p_handler.access <> 'public' AND v_claims IS NULL THEN
        RETURN jsonb_build_object('status', 401, 'problem', true, 'body',
            api.problem(401, 'Unauthorized', 'this operation needs an API key: Authorization: Bearer <key>',
                        p_instance));
    END IF;
    IF p_handler.access = 'admin' AND NOT coalesce((v_claims ->> 'admin')::boolean, false) THEN
        RETURN jsonb_build_object('status', 403, 'problem', true, 'body',
            api.problem(403, 'Forbidden', 'this operation is for administrators', p_instance));
    END IF;

    IF array_position(v_levels, current_setting('transaction_isolation'))
       < array_position(v_levels, p_handler.isolation) THEN
        RETURN jsonb_build_object('status', 428, 'problem', true, 'body',
            api.problem(428, 'Precondition Required',
                        format('%s needs a %s transaction', p_handler.name, p_handler.isolation),
                        p_instance, jsonb_build_object('required_isolation', p_handler.isolation)));
    END IF;

    v_errors := api.schema_errors(p_handler.input_schema, p_input);
    IF cardinality(v_errors) > 0 THEN
        RETURN jsonb_build_object('status', 400, 'problem', true, 'body',
            api.problem(400, 'Bad Request', 'the input does not match the schema', p_instance,
                        jsonb_build_object('errors', to_jsonb(v_errors))));
    END IF;

    BEGIN
        PERFORM set_config('role', internal.setting('database_api_role'), true);
        IF p_handler.read_only THEN
            PERFORM set_config('transaction_read_only', 'on', true);
        END IF;
        EXECUTE format('SELECT %s($1)', p_handler.function_name) INTO v_result USING p_input;
        IF p_handler.read_only THEN
            -- Unwind the block: the role and transaction_read_only revert, v_result stays.
            RAISE EXCEPTION USING ERRCODE = 'PTRO0', MESSAGE = 'read-only scope unwound';
        END IF;
        PERFORM set_config('role', v_prev, true);
    EXCEPTION
        WHEN SQLSTATE 'PTRO0' THEN
            NULL;
        WHEN serialization_failure OR deadlock_detected THEN
            RAISE;
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
                                    v_detail = PG_EXCEPTION_DETAIL;
            v_problem := api.problem_from_error(v_state, v_message, v_detail, p_instance);
            IF (v_problem ->> 'status')::integer >= 500 THEN
                -- The client sees no internals; the server log does.
                RAISE LOG 'handler % failed: % (SQLSTATE %)', p_handler.name, v_message, v_state;
            END IF;
            RETURN jsonb_build_object('status', (v_problem ->> 'status')::integer, 'problem', true,
                                      'body', v_problem);
    END;
    RETURN jsonb_build_object('status', 200, 'problem', false, 'body', coalesce(v_result, 'null'));
END
$$;

-- Milliseconds since p_started, for the exchange log.
CREATE OR REPLACE FUNCTION api.elapsed_ms(p_started timestamptz) RETURNS integer
LANGUAGE sql VOLATILE AS $$
    SELECT round(extract(epoch FROM clock_timestamp() - p_started) * 1000)::integer
$$;
