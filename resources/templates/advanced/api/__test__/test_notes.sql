-- A read-write route: alice adds a note to acme and reads it back; the input schema is enforced.
DO $$
DECLARE
    r jsonb;
BEGIN
    r := pg_temp.call('POST', '/organizations/' || pg_temp.fx('acme') || '/notes', '{"body": "second"}', 'alice_key');
    PERFORM pg_temp.expect(r -> 'status' = '200' AND r #>> '{body,body}' = 'second', r::text);
    r := pg_temp.call('GET', '/organizations/' || pg_temp.fx('acme') || '/notes?limit=10', NULL, 'alice_key');
    PERFORM pg_temp.expect(jsonb_array_length(r -> 'body') = 2, r::text);
    r := pg_temp.call('GET', '/organizations/' || pg_temp.fx('acme') || '/notes?limit=0', NULL, 'alice_key');
    PERFORM pg_temp.expect(r -> 'status' = '400', 'limit below minimum: ' || r::text);
    r := pg_temp.call('POST', '/organizations/' || pg_temp.fx('acme') || '/notes', '{"body": ""}', 'alice_key');
    PERFORM pg_temp.expect(r -> 'status' = '400', 'empty body: ' || r::text);
    r := pg_temp.call('GET', '/organizations/not-a-uuid', NULL, 'alice_key');
    PERFORM pg_temp.expect(r -> 'status' = '400', 'id must be a UUID: ' || r::text);
END
$$;
