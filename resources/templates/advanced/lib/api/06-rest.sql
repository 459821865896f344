/*
<pgmi-meta id="e3c0f512-eab5-4e63-b274-312770a57407" idempotent="true">
  <description>api: the REST gateway (method + path template -> handler)</description>
  <sortKeys><key>004/006</key></sortKeys>
</pgmi-meta>
*/

-- One HTTP request in, one response out: {"status", "headers", "body"}. The HTTP server in front
-- (tools/gateway.py) passes the request through unchanged and writes the answer back; it has no
-- routing of its own. Input = query string, then the JSON body, then path parameters (which win).
CREATE OR REPLACE FUNCTION api.rest_invoke(p_method text, p_path text, p_query text, p_body text,
                                           p_authorization text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
    v_method  text := upper(p_method);
    h         api.handler;
    v_allowed text[];
    v_match   text[];
    v_input   jsonb := '{}';
    v_path_in jsonb := '{}';
    v_body    jsonb;
    v_out     jsonb;
    v_headers jsonb;
    i         integer;
BEGIN
    SELECT * INTO h FROM api.handler
     WHERE http_method = v_method AND p_path ~ route_regex
     ORDER BY cardinality(route_params), length(route) DESC
     LIMIT 1;
    IF NOT FOUND THEN
        SELECT array_agg(DISTINCT http_method ORDER BY http_method) INTO v_allowed
          FROM api.handler WHERE p_path ~ route_regex;
        IF v_allowed IS NULL THEN
            v_out := jsonb_build_object('status', 404, 'problem', true, 'body',
                api.problem(404, 'Not Found', format('no route for %s %s', v_method, p_path), p_path));
        ELSE
            v_out := jsonb_build_object('status', 405, 'problem', true, 'allow', array_to_string(v_allowed, ', '),
                'body', api.problem(405, 'Method Not Allowed',
                                    format('%s allows %s', p_path, array_to_string(v_allowed, ', ')), p_path));
        END IF;
    ELSE
        BEGIN
            v_match := regexp_match(p_path, h.route_regex);
            FOR i IN 1 .. cardinality(h.route_params) LOOP
                v_path_in := v_path_in || jsonb_build_object(h.route_params[i], common.url_decode(v_match[i]));
            END LOOP;
            IF coalesce(btrim(p_body), '') <> '' THEN
                v_body := p_body::jsonb;
                IF jsonb_typeof(v_body) <> 'object' THEN
                    RAISE EXCEPTION 'the request body must be a JSON object' USING ERRCODE = '22P02';
                END IF;
            END IF;
            v_input := api.coerce_text_inputs(h.input_schema, common.parse_query_string(p_query))
                       || coalesce(v_body, '{}') || api.coerce_text_inputs(h.input_schema, v_path_in);
        EXCEPTION WHEN invalid_text_representation OR character_not_in_repertoire
                       OR untranslatable_character THEN
            v_out := jsonb_build_object('status', 400, 'problem', true, 'body',
                api.problem(400, 'Bad Request', 'the request is not valid JSON / UTF-8: ' || SQLERRM, p_path));
        END;
        IF v_out IS NULL THEN
            v_out := api.dispatch(h, v_input, p_authorization, p_path);
        END IF;
    END IF;

    v_headers := jsonb_build_object('content-type',
        CASE WHEN (v_out ->> 'problem')::boolean THEN 'application/problem+json' ELSE 'application/json' END);
    IF (v_out ->> 'status')::integer = 401 THEN
        v_headers := v_headers || '{"www-authenticate": "Bearer"}';
    END IF;
    IF v_out ? 'allow' THEN
        v_headers := v_headers || jsonb_build_object('allow', v_out ->> 'allow');
    END IF;

    PERFORM api.record_exchange('rest', h.name, (v_out ->> 'status')::integer,
        jsonb_build_object('method', v_method, 'path', p_path, 'query', p_query,
                           'body', CASE WHEN coalesce(h.log_bodies, true) THEN v_body END),
        CASE WHEN coalesce(h.log_bodies, true) THEN v_out -> 'body' END,
        api.elapsed_ms(v_started));
    RETURN jsonb_build_object('status', (v_out ->> 'status')::integer, 'headers', v_headers,
                              'body', v_out -> 'body');
END
$$;
