-- Invitations: only an owner may invite; the token joins the invited user once; the token is
-- stored hashed.
DO $$
DECLARE
    v_token  text;
    v_denied boolean := false;
BEGIN
    PERFORM set_config('membership.claims', membership.authenticate('Bearer ' || pg_temp.fx('alice_key'))::text, true);
    v_token := membership.invite(pg_temp.fx('acme')::uuid, 'Bob@Globex.test', 'member');
    PERFORM pg_temp.expect(NOT EXISTS (SELECT 1 FROM membership.invitation WHERE token_hash = v_token), 'hashed');

    PERFORM set_config('membership.claims', membership.authenticate('Bearer ' || pg_temp.fx('bob_key'))::text, true);
    BEGIN
        PERFORM membership.invite(pg_temp.fx('acme')::uuid, 'x@y.test', 'member');
    EXCEPTION WHEN SQLSTATE 'PT403' THEN
        v_denied := true;
    END;
    PERFORM pg_temp.expect(v_denied, 'bob is no owner of acme');

    PERFORM pg_temp.expect(membership.accept_invitation(v_token) = pg_temp.fx('acme')::uuid, 'joined');
    PERFORM pg_temp.expect(pg_temp.as_key('bob_key', 'SELECT string_agg(slug, '','' ORDER BY slug) FROM membership.organization')
                           = 'acme,globex', 'bob now sees acme');
    v_denied := false;
    BEGIN
        PERFORM membership.accept_invitation(v_token);
    EXCEPTION WHEN SQLSTATE 'PT404' THEN
        v_denied := true;
    END;
    PERFORM pg_temp.expect(v_denied, 'a token works once');
END
$$;
