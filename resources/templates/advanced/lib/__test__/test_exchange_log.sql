-- Every answered request is one exchange row; secrets stay out (no Authorization, no bodies of
-- log_bodies=false handlers); purge deletes by age.
DO $$
DECLARE
    v_before bigint := (SELECT count(*) FROM api.exchange);
    e api.exchange;
BEGIN
    PERFORM api.rest_invoke('GET', '/hello', 'name=Log', NULL, 'Bearer ak_000000000000_' || repeat('0', 48));
    PERFORM api.rpc_invoke('{"jsonrpc": "2.0", "id": 1, "method": "hello"}', NULL);
    PERFORM pg_temp.expect((SELECT count(*) FROM api.exchange) = v_before + 2, 'two exchanges');
    SELECT * INTO e FROM api.exchange WHERE protocol = 'rest' ORDER BY created_at DESC LIMIT 1;
    PERFORM pg_temp.expect(e.status = 401 AND e.request ->> 'path' = '/hello', 'a bad key is logged as 401');
    PERFORM pg_temp.expect(strpos(e.request::text, 'ak_0') = 0, 'the key is not logged');
    UPDATE api.exchange SET created_at = now() - interval '2 days';
    PERFORM pg_temp.expect(api.purge_exchanges(interval '1 day') >= 2, 'purged');
    PERFORM pg_temp.expect(NOT EXISTS (SELECT 1 FROM api.exchange), 'nothing older remains');
END
$$;
