-- MCP tools: the registry as tools (anonymous callers see public ones), with input schemas and
-- annotations; tools/call returns content + structuredContent, failures as isError results.
DO $$
DECLARE
    r     jsonb;
    tools jsonb;
BEGIN
    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}', NULL);
    tools := r #> '{body,result,tools}';
    PERFORM pg_temp.expect(tools @> '[{"name": "hello", "annotations": {"readOnlyHint": true}}]', tools::text);
    PERFORM pg_temp.expect(NOT tools @> '[{"name": "me"}]', 'user tools hidden without a key');
    PERFORM pg_temp.expect(NOT tools @> '[{"name": "admin_users_list"}]', 'admin tools hidden');
    PERFORM pg_temp.expect((SELECT bool_and(t #>> '{inputSchema,type}' = 'object') FROM jsonb_array_elements(tools) t),
                           'every inputSchema is an object schema');

    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                  "params": {"name": "hello", "arguments": {"name": "MCP"}}}', NULL);
    PERFORM pg_temp.expect(r #> '{body,result,structuredContent}' = '{"message": "Hello, MCP!"}', r::text);
    PERFORM pg_temp.expect(r #> '{body,result,isError}' = 'false', r::text);
    PERFORM pg_temp.expect((r #>> '{body,result,content,0,text}')::jsonb = '{"message": "Hello, MCP!"}', r::text);

    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                  "params": {"name": "hello", "arguments": {"name": 1}}}', NULL);
    PERFORM pg_temp.expect(r #> '{body,result,isError}' = 'true', 'invalid arguments: ' || r::text);
    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                                  "params": {"name": "no_such_tool"}}', NULL);
    PERFORM pg_temp.expect(r #> '{body,error,code}' = '-32602', r::text);
END
$$;
