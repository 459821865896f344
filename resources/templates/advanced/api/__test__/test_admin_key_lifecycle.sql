-- The admin issues a key over the API, the key works on /me, the admin revokes it, it stops
-- working; the issued key never reaches the exchange log.
DO $$
DECLARE
    r     jsonb;
    v_key text;
    v_id  text;
BEGIN
    r := pg_temp.call('POST', '/admin/users', '{"email": "New@Example.test", "display_name": "New"}', 'admin_key');
    PERFORM pg_temp.expect(r -> 'status' = '200' AND r #>> '{body,email}' = 'new@example.test', r::text);
    r := pg_temp.call('POST', '/admin/users', '{"email": "new@example.test"}', 'admin_key');
    PERFORM pg_temp.expect(r -> 'status' = '409', 'duplicate user: ' || r::text);

    r := pg_temp.call('POST', '/admin/api-keys', '{"email": "new@example.test", "name": "ci"}', 'admin_key');
    PERFORM pg_temp.expect(r -> 'status' = '200', r::text);
    v_key := r #>> '{body,key}';
    v_id := r #>> '{body,id}';
    PERFORM pg_temp.expect(NOT EXISTS (SELECT 1 FROM api.exchange WHERE strpos(response::text, v_key) > 0
                                                                     OR strpos(request::text, v_key) > 0),
                           'the issued key is not logged');

    r := pg_temp.call('GET', '/me', NULL, v_key);
    PERFORM pg_temp.expect(r -> 'status' = '200' AND r #>> '{body,user,email}' = 'new@example.test', r::text);
    r := pg_temp.call('DELETE', '/admin/api-keys/' || v_id, NULL, 'admin_key');
    PERFORM pg_temp.expect(r -> 'status' = '200', r::text);
    r := pg_temp.call('GET', '/me', NULL, v_key);
    PERFORM pg_temp.expect(r -> 'status' = '401', 'revoked: ' || r::text);
    r := pg_temp.call('DELETE', '/admin/api-keys/' || v_id, NULL, 'admin_key');
    PERFORM pg_temp.expect(r -> 'status' = '404', 'already revoked: ' || r::text);
END
$$;
