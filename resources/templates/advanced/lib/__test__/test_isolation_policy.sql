-- A handler's isolation floor: a weaker transaction (the deploy runs read committed) gets 428
-- naming the level to retry with, and the handler does not run.
DO $$
DECLARE
    r jsonb;
BEGIN
    PERFORM pg_temp.expect(current_setting('transaction_isolation') = 'read committed', 'precondition');
    r := api.rest_invoke('POST', '/test/serializable', '', '{}', NULL);
    PERFORM pg_temp.expect(r -> 'status' = '428', r::text);
    PERFORM pg_temp.expect(r #>> '{body,required_isolation}' = 'serializable', r::text);
    r := api.rpc_invoke('{"jsonrpc": "2.0", "id": 1, "method": "test.serializable"}', NULL);
    PERFORM pg_temp.expect(r #> '{body,error,code}' = '-32028', r::text);
    r := api.rest_invoke('POST', '/echo', '', '{}', NULL);
    PERFORM pg_temp.expect(r -> 'status' = '200', 'read committed handlers run: ' || r::text);
END
$$;
