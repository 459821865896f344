-- Through the gateway: alice's key lists and reads acme only; globex is a 404 for her, and its
-- notes are invisible and unwritable.
DO $$
DECLARE
    r jsonb;
BEGIN
    r := pg_temp.call('GET', '/organizations', NULL, 'alice_key');
    PERFORM pg_temp.expect(r -> 'body' @> '[{"slug": "acme"}]' AND jsonb_array_length(r -> 'body') = 1, r::text);
    r := pg_temp.call('GET', '/organizations/' || pg_temp.fx('globex'), NULL, 'alice_key');
    PERFORM pg_temp.expect(r -> 'status' = '404', 'another organization is not found: ' || r::text);
    r := pg_temp.call('GET', '/organizations/' || pg_temp.fx('globex') || '/notes', NULL, 'alice_key');
    PERFORM pg_temp.expect(r -> 'body' = '[]', 'no globex notes for alice: ' || r::text);
    r := pg_temp.call('POST', '/organizations/' || pg_temp.fx('globex') || '/notes', '{"body": "x"}', 'alice_key');
    PERFORM pg_temp.expect(r -> 'status' = '404', r::text);
    r := pg_temp.call('GET', '/organizations/' || pg_temp.fx('globex') || '/notes', NULL, 'bob_key');
    PERFORM pg_temp.expect(r #>> '{body,0,body}' = 'globex plan' AND jsonb_array_length(r -> 'body') = 1, r::text);
END
$$;
