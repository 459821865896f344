-- A handler registered read-only runs in a read-only scope: its write fails with 25006 (a 500
-- problem), nothing is written, and the transaction goes on read-write afterwards.
DO $$
DECLARE
    r jsonb;
BEGIN
    r := api.rest_invoke('POST', '/test/sneaky', '', '{}', NULL);
    PERFORM pg_temp.expect(r -> 'status' = '500', 'the write must fail: ' || r::text);
    PERFORM pg_temp.expect(r #>> '{body,code}' = 'read_only_violation', r::text);
    PERFORM pg_temp.expect(NOT EXISTS (SELECT 1 FROM api.test_probe), 'nothing written');
    PERFORM pg_temp.expect(current_setting('transaction_read_only') = 'off', 'read-only scope unwound');
    PERFORM pg_temp.expect(current_setting('role') = 'none', 'role restored');

    r := api.rest_invoke('POST', '/test/items/5', '', '{"note": "fine"}', NULL);
    PERFORM pg_temp.expect(r -> 'status' = '200', 'a read-write handler writes: ' || r::text);
    PERFORM pg_temp.expect(EXISTS (SELECT 1 FROM api.test_probe WHERE id = 5), 'written');

    r := api.mcp_handle_request('{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                  "params": {"name": "test_sneaky"}}', NULL);
    PERFORM pg_temp.expect(r #> '{body,result,isError}' = 'true', 'MCP: same policy: ' || r::text);
    PERFORM pg_temp.expect(NOT EXISTS (SELECT 1 FROM api.test_probe WHERE id = 1), 'nothing written over MCP');
END
$$;
