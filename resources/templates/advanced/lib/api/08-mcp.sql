/*
<pgmi-meta id="3277a3f5-3847-48df-8224-c3987ce71c17" idempotent="true">
  <description>api: the MCP server (initialize, ping, tools/list, tools/call) over the handler registry</description>
  <sortKeys><key>004/008</key></sortKeys>
</pgmi-meta>
*/

-- The MCP protocol revisions this server speaks, newest first. initialize answers the client's
-- revision when it is listed, else the newest (the client then decides whether to go on).
CREATE OR REPLACE FUNCTION api.mcp_protocol_versions() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']
$$;

-- Tools = handlers the caller may call: public ones, plus user ones with a key, plus admin ones
-- with an admin key.
CREATE OR REPLACE FUNCTION api.mcp_tools(p_claims jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'name', h.mcp_tool,
               'title', h.summary,
               'description', h.summary || CASE WHEN h.description <> '' THEN E'\n\n' || h.description ELSE '' END,
               'inputSchema', h.input_schema,
               'annotations', jsonb_build_object(
                   'readOnlyHint', h.read_only,
                   'destructiveHint', h.http_method = 'DELETE',
                   'idempotentHint', h.http_method IN ('GET', 'PUT', 'DELETE'),
                   'openWorldHint', false))
             ORDER BY h.mcp_tool), '[]')
      FROM api.handler h
     WHERE h.access = 'public'
        OR (h.access = 'user' AND p_claims IS NOT NULL)
        OR (h.access = 'admin' AND coalesce((p_claims ->> 'admin')::boolean, false))
$$;

-- One MCP JSON-RPC message (the POST /mcp body, unparsed) in; {"status", "headers", "body"} out.
-- Notifications get 202 and no body, as Streamable HTTP asks. Tool failures are tool results
-- with isError (the model sees them); protocol failures are JSON-RPC errors.
CREATE OR REPLACE FUNCTION api.mcp_handle_request(p_body text, p_authorization text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
    v_req     jsonb;
    v_id      jsonb;
    v_method  text;
    v_params  jsonb;
    v_claims  jsonb;
    v_version text;
    h         api.handler;
    v_out     jsonb;
    v_result  jsonb;
    v_resp    jsonb;
BEGIN
    v_req := api.jsonrpc_parse(p_body);
    IF v_req ? 'error' THEN
        RETURN jsonb_build_object('status', 400, 'headers', jsonb '{"content-type": "application/json"}',
                                  'body', v_req -> 'error');
    END IF;
    v_req := v_req -> 'request';
    v_id := v_req -> 'id';
    v_method := v_req ->> 'method';
    v_params := coalesce(v_req -> 'params', '{}');

    IF NOT v_req ? 'id' THEN
        -- notifications/initialized, notifications/cancelled, ...: nothing to answer.
        RETURN jsonb_build_object('status', 202, 'headers', jsonb '{}', 'body', NULL);
    END IF;

    IF v_method = 'initialize' THEN
        v_version := v_params ->> 'protocolVersion';
        IF NOT v_version = ANY (api.mcp_protocol_versions()) OR v_version IS NULL THEN
            v_version := (api.mcp_protocol_versions())[1];
        END IF;
        v_result := jsonb_build_object(
            'protocolVersion', v_version,
            'capabilities', jsonb_build_object('tools', jsonb_build_object('listChanged', false)),
            'serverInfo', jsonb_build_object('name', current_database(), 'version', '1.0.0'),
            'instructions', 'Every tool is a handler of the database''s api.handler registry; '
                            'the same operations are served as REST routes and JSON-RPC methods.');
    ELSIF v_method = 'ping' THEN
        v_result := '{}';
    ELSIF v_method = 'tools/list' THEN
        IF coalesce(p_authorization, '') <> '' THEN
            v_claims := membership.authenticate(p_authorization);
            IF v_claims IS NULL THEN
                v_resp := api.rpc_error(v_id, -32001, 'Unauthorized',
                                        api.problem(401, 'Unauthorized', 'the API key is not valid'));
            END IF;
        END IF;
        v_result := jsonb_build_object('tools', api.mcp_tools(v_claims));
    ELSIF v_method = 'tools/call' THEN
        SELECT * INTO h FROM api.handler WHERE mcp_tool = v_params ->> 'name';
        IF NOT FOUND THEN
            v_resp := api.rpc_error(v_id, -32602, 'Unknown tool: ' || coalesce(v_params ->> 'name', '(none)'));
        ELSIF v_params ? 'arguments' AND jsonb_typeof(v_params -> 'arguments') <> 'object' THEN
            v_resp := api.rpc_error(v_id, -32602, 'arguments must be an object');
        ELSE
            v_out := api.dispatch(h, coalesce(v_params -> 'arguments', '{}'), p_authorization,
                                  'mcp:' || h.mcp_tool);
            v_result := jsonb_build_object(
                'content', jsonb_build_array(jsonb_build_object('type', 'text', 'text', (v_out -> 'body')::text)),
                'isError', (v_out ->> 'problem')::boolean);
            IF jsonb_typeof(v_out -> 'body') = 'object' AND NOT (v_out ->> 'problem')::boolean THEN
                v_result := v_result || jsonb_build_object('structuredContent', v_out -> 'body');
            END IF;
        END IF;
    ELSE
        v_resp := api.rpc_error(v_id, -32601, 'Method not found: ' || v_method);
    END IF;

    v_resp := coalesce(v_resp, jsonb_build_object('jsonrpc', '2.0', 'id', v_id, 'result', v_result));
    PERFORM api.record_exchange('mcp', h.name, coalesce((v_out ->> 'status')::integer, 200),
        CASE WHEN coalesce(h.log_bodies, true) THEN v_req ELSE jsonb_build_object('method', v_method) END,
        CASE WHEN coalesce(h.log_bodies, true) THEN v_resp END, api.elapsed_ms(v_started));
    RETURN jsonb_build_object('status', 200, 'headers', jsonb '{"content-type": "application/json"}',
                              'body', v_resp);
END
$$;
