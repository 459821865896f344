-- MCP with keys: a user's key lists user tools, an admin key admin tools; calls carry claims.
DO $$
DECLARE
    r jsonb;
BEGIN
    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}', 'Bearer ' || pg_temp.fx('alice_key'));
    PERFORM pg_temp.expect(r #> '{body,result,tools}' @> '[{"name": "me"}]', 'user tools');
    PERFORM pg_temp.expect(NOT r #> '{body,result,tools}' @> '[{"name": "admin_users_list"}]', 'no admin tools');
    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 2, "method": "tools/list"}', 'Bearer ' || pg_temp.fx('admin_key'));
    PERFORM pg_temp.expect(r #> '{body,result,tools}' @> '[{"name": "admin_users_list"}]', 'admin tools');
    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "me"}}',
                                'Bearer ' || pg_temp.fx('bob_key'));
    PERFORM pg_temp.expect(r #>> '{body,result,structuredContent,user,email}' = 'bob@globex.test', r::text);
    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "me"}}', NULL);
    PERFORM pg_temp.expect(r #> '{body,result,isError}' = 'true', 'me needs a key: ' || r::text);
END
$$;
