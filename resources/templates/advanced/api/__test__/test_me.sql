-- /me: 401 problem without a key or with a bad one; with a key, the caller and their orgs.
DO $$
DECLARE
    r jsonb;
BEGIN
    r := pg_temp.call('GET', '/me');
    PERFORM pg_temp.expect(r -> 'status' = '401', r::text);
    PERFORM pg_temp.expect(r #>> '{headers,content-type}' = 'application/problem+json', r::text);
    PERFORM pg_temp.expect(r #>> '{headers,www-authenticate}' = 'Bearer', r::text);
    PERFORM pg_temp.expect(r #>> '{body,title}' = 'Unauthorized' AND r #> '{body,status}' = '401', r::text);
    r := pg_temp.call('GET', '/me', NULL, 'ak_000000000000_' || repeat('0', 48));
    PERFORM pg_temp.expect(r -> 'status' = '401', 'bad key: ' || r::text);

    r := pg_temp.call('GET', '/me', NULL, 'alice_key');
    PERFORM pg_temp.expect(r -> 'status' = '200', r::text);
    PERFORM pg_temp.expect(r #>> '{body,user,email}' = 'alice@acme.test', r::text);
    PERFORM pg_temp.expect(r #> '{body,organizations}' @> '[{"slug": "acme", "role": "owner"}]'
                           AND jsonb_array_length(r #> '{body,organizations}') = 1, r::text);
END
$$;
