-- JSON-RPC 2.0: the same handlers by method name; the result or an error with a code.
DO $$
DECLARE
    r jsonb;
BEGIN
    r := api.rpc_invoke('{"jsonrpc": "2.0", "id": 7, "method": "hello", "params": {"name": "Grace"}}', NULL);
    PERFORM pg_temp.expect(r -> 'body' = '{"jsonrpc": "2.0", "id": 7, "result": {"message": "Hello, Grace!"}}', r::text);
    PERFORM pg_temp.expect(r #>> '{headers,content-type}' = 'application/json', 'headers are an object: ' || r::text);
    r := api.rpc_invoke('{"jsonrpc": "2.0", "id": "a", "method": "nope"}', NULL);
    PERFORM pg_temp.expect(r #> '{body,error,code}' = '-32601' AND r #> '{body,id}' = '"a"', r::text);
    r := api.rpc_invoke('{"jsonrpc": "2.0", "id": 1, "method": "hello", "params": {"name": 5}}', NULL);
    PERFORM pg_temp.expect(r #> '{body,error,code}' = '-32602', 'schema violation is invalid params: ' || r::text);
    PERFORM pg_temp.expect(r #>> '{body,error,data,status}' = '400', 'the problem rides in error.data: ' || r::text);
    r := api.rpc_invoke('{"jsonrpc": "2.0", "id": 2, "method": "me"}', NULL);
    PERFORM pg_temp.expect(r #> '{body,error,code}' = '-32001', 'no key: ' || r::text);
END
$$;
