/*
<pgmi-meta id="99bcb59a-b785-4cb9-84a0-4d2b01117dce" idempotent="true">
  <description>api: the JSON-RPC 2.0 gateway (method name -> handler)</description>
  <sortKeys><key>004/007</key></sortKeys>
</pgmi-meta>
*/

-- HTTP status of a problem -> JSON-RPC error code. -32602 for bad input, as the spec says;
-- the rest are implementation-defined server errors (-32000..-32099).
CREATE OR REPLACE FUNCTION api.rpc_error_code(p_status integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_status WHEN 400 THEN -32602 WHEN 401 THEN -32001 WHEN 403 THEN -32003
                         WHEN 404 THEN -32004 WHEN 409 THEN -32009 WHEN 428 THEN -32028
                         ELSE -32000 END
$$;

CREATE OR REPLACE FUNCTION api.rpc_error(p_id jsonb, p_code integer, p_message text, p_data jsonb DEFAULT NULL)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('jsonrpc', '2.0', 'id', coalesce(p_id, 'null'), 'error',
                              jsonb_strip_nulls(jsonb_build_object('code', p_code, 'message', p_message,
                                                                   'data', p_data)))
$$;

-- Parses and checks one JSON-RPC 2.0 request (shared by /rpc and /mcp): {"request": <object>}
-- when it is one, else {"error": <JSON-RPC error response>} (-32700 unparsable, -32600 not a
-- request: no "jsonrpc": "2.0", no method, params not an object, or a batch).
CREATE OR REPLACE FUNCTION api.jsonrpc_parse(p_body text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v_req jsonb;
BEGIN
    BEGIN
        v_req := p_body::jsonb;
    EXCEPTION WHEN OTHERS THEN
        RETURN jsonb_build_object('error', api.rpc_error(NULL, -32700, 'Parse error'));
    END;
    IF jsonb_typeof(v_req) <> 'object' OR v_req ->> 'jsonrpc' IS DISTINCT FROM '2.0'
       OR jsonb_typeof(v_req -> 'method') IS DISTINCT FROM 'string'
       OR (v_req ? 'params' AND jsonb_typeof(v_req -> 'params') <> 'object') THEN
        RETURN jsonb_build_object('error', api.rpc_error(
            CASE WHEN jsonb_typeof(v_req) = 'object' THEN v_req -> 'id' END, -32600, 'Invalid Request',
            '{"detail": "an object with jsonrpc \"2.0\", a method and object params (batches are not supported)"}'));
    END IF;
    RETURN jsonb_build_object('request', v_req);
END
$$;

-- One JSON-RPC request (the POST /rpc body, unparsed) in; {"status", "headers", "body"} out.
-- A notification (no id) is answered with 204 and no body. Batches are refused (-32600).
CREATE OR REPLACE FUNCTION api.rpc_invoke(p_body text, p_authorization text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
    v_req     jsonb;
    v_id      jsonb;
    h         api.handler;
    v_out     jsonb;
    v_resp    jsonb;
BEGIN
    v_req := api.jsonrpc_parse(p_body);
    IF v_req ? 'error' THEN
        v_resp := v_req -> 'error';
        v_req := NULL;
    ELSE
        v_req := v_req -> 'request';
        v_id := v_req -> 'id';
        SELECT * INTO h FROM api.handler WHERE rpc_method = v_req ->> 'method';
        IF NOT FOUND THEN
            v_resp := api.rpc_error(v_id, -32601, 'Method not found');
        ELSE
            v_out := api.dispatch(h, coalesce(v_req -> 'params', '{}'), p_authorization,
                                  'rpc:' || h.rpc_method);
            IF (v_out ->> 'problem')::boolean THEN
                v_resp := api.rpc_error(v_id, api.rpc_error_code((v_out ->> 'status')::integer),
                                        v_out #>> '{body,title}', v_out -> 'body');
            ELSE
                v_resp := jsonb_build_object('jsonrpc', '2.0', 'id', v_id, 'result', v_out -> 'body');
            END IF;
        END IF;
    END IF;

    PERFORM api.record_exchange('rpc', h.name, coalesce((v_out ->> 'status')::integer, 400),
        CASE WHEN coalesce(h.log_bodies, true) THEN coalesce(v_req, to_jsonb(p_body))
             ELSE jsonb_build_object('method', v_req -> 'method') END,
        CASE WHEN coalesce(h.log_bodies, true) THEN v_resp END, api.elapsed_ms(v_started));
    IF v_req IS NOT NULL AND NOT v_req ? 'id' THEN
        RETURN jsonb_build_object('status', 204, 'headers', jsonb '{}', 'body', NULL);
    END IF;
    RETURN jsonb_build_object('status', 200, 'headers', jsonb '{"content-type": "application/json"}',
                              'body', v_resp);
END
$$;
