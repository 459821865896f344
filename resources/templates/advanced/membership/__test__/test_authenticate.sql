-- A valid key yields the claims of its user.
DO $$
DECLARE
    c jsonb := membership.authenticate('Bearer ' || pg_temp.fx('alice_key'));
BEGIN
    PERFORM pg_temp.expect(c ->> 'sub' = pg_temp.fx('alice'), c::text);
    PERFORM pg_temp.expect(c ->> 'email' = 'alice@acme.test' AND c -> 'admin' = 'false', c::text);
    PERFORM pg_temp.expect(c -> 'org' = 'null', 'unscoped key: ' || c::text);
    PERFORM pg_temp.expect(membership.authenticate('bearer  ' || pg_temp.fx('alice_key')) IS NOT NULL,
                           'the scheme is case-insensitive');
    PERFORM pg_temp.expect((membership.authenticate('Bearer ' || pg_temp.fx('admin_key')) ->> 'admin')::boolean,
                           'the bootstrap key is an admin key');
END
$$;
