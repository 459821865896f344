-- Admin routes: 401 without a key, 403 with a user's key, 200 with an admin key.
DO $$
DECLARE
    r jsonb;
BEGIN
    r := pg_temp.call('GET', '/admin/users');
    PERFORM pg_temp.expect(r -> 'status' = '401', r::text);
    r := pg_temp.call('GET', '/admin/users', NULL, 'alice_key');
    PERFORM pg_temp.expect(r -> 'status' = '403' AND r #>> '{headers,content-type}' = 'application/problem+json', r::text);
    r := pg_temp.call('GET', '/admin/users', NULL, 'admin_key');
    PERFORM pg_temp.expect(r -> 'status' = '200' AND jsonb_array_length(r -> 'body') >= 3, r::text);
END
$$;
