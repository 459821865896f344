-- JSON-RPC envelopes: parse errors, invalid requests, batches refused, notifications unanswered.
DO $$
DECLARE
    r jsonb;
BEGIN
    r := api.rpc_invoke('{"jsonrpc": ', NULL);
    PERFORM pg_temp.expect(r #> '{body,error,code}' = '-32700' AND r #> '{body,id}' = 'null', r::text);
    r := api.rpc_invoke('{"id": 1, "method": "hello"}', NULL);
    PERFORM pg_temp.expect(r #> '{body,error,code}' = '-32600', 'jsonrpc member missing: ' || r::text);
    r := api.rpc_invoke('[{"jsonrpc": "2.0", "id": 1, "method": "hello"}]', NULL);
    PERFORM pg_temp.expect(r #> '{body,error,code}' = '-32600', 'batch: ' || r::text);
    r := api.rpc_invoke('{"jsonrpc": "2.0", "id": 1, "method": "hello", "params": [1]}', NULL);
    PERFORM pg_temp.expect(r #> '{body,error,code}' = '-32600', 'positional params: ' || r::text);
    r := api.rpc_invoke('{"jsonrpc": "2.0", "method": "hello"}', NULL);
    PERFORM pg_temp.expect(r -> 'status' = '204' AND r -> 'body' = 'null', 'notification: ' || r::text);
END
$$;
