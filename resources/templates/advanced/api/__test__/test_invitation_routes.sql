-- Invitations over REST: alice (owner of acme) invites bob, bob accepts, bob sees acme.
DO $$
DECLARE
    r       jsonb;
    v_token text;
BEGIN
    r := pg_temp.call('POST', '/organizations/' || pg_temp.fx('acme') || '/invitations',
                      '{"email": "bob@globex.test"}', 'bob_key');
    PERFORM pg_temp.expect(r -> 'status' = '403', 'bob may not invite into acme: ' || r::text);
    r := pg_temp.call('POST', '/organizations/' || pg_temp.fx('acme') || '/invitations',
                      '{"email": "bob@globex.test"}', 'alice_key');
    PERFORM pg_temp.expect(r -> 'status' = '200', r::text);
    v_token := r #>> '{body,token}';
    r := pg_temp.call('POST', '/invitations/accept', jsonb_build_object('token', v_token), 'alice_key');
    PERFORM pg_temp.expect(r -> 'status' = '404', 'the token is for bob: ' || r::text);
    r := pg_temp.call('POST', '/invitations/accept', jsonb_build_object('token', v_token), 'bob_key');
    PERFORM pg_temp.expect(r -> 'status' = '200', r::text);
    r := pg_temp.call('GET', '/organizations', NULL, 'bob_key');
    PERFORM pg_temp.expect(jsonb_array_length(r -> 'body') = 2, r::text);
END
$$;
