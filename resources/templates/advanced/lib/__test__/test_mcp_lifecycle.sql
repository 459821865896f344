-- MCP: initialize negotiates the protocol revision and announces tools; notifications are
-- accepted without an answer; ping answers {}; unknown methods are -32601.
DO $$
DECLARE
    r jsonb;
BEGIN
    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params":
        {"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}', NULL);
    PERFORM pg_temp.expect(r #>> '{body,result,protocolVersion}' = '2025-03-26', 'known revision echoed: ' || r::text);
    PERFORM pg_temp.expect(r #> '{body,result,capabilities}' ? 'tools', r::text);
    PERFORM pg_temp.expect(r #>> '{headers,content-type}' = 'application/json', 'headers are an object: ' || r::text);
    PERFORM pg_temp.expect(r #>> '{body,result,serverInfo,name}' = current_database(), r::text);
    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 2, "method": "initialize", "params":
        {"protocolVersion": "1999-01-01"}}', NULL);
    PERFORM pg_temp.expect(r #>> '{body,result,protocolVersion}' = (api.mcp_protocol_versions())[1],
                           'unknown revision -> newest: ' || r::text);
    r := api.mcp_handle_request('{"jsonrpc": "2.0", "method": "notifications/initialized"}', NULL);
    PERFORM pg_temp.expect(r -> 'status' = '202' AND r -> 'body' = 'null', r::text);
    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 3, "method": "ping"}', NULL);
    PERFORM pg_temp.expect(r #> '{body,result}' = '{}', r::text);
    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 4, "method": "resources/list"}', NULL);
    PERFORM pg_temp.expect(r #> '{body,error,code}' = '-32601', r::text);
    r := api.mcp_handle_request('not json', NULL);
    PERFORM pg_temp.expect(r #> '{body,error,code}' = '-32700', r::text);
END
$$;
