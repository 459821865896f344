-- Revoking a key stops it at once; revoking twice reports false; expired keys fail too.
DO $$
DECLARE
    v_id uuid := (SELECT id FROM membership.api_key WHERE prefix = substr(pg_temp.fx('bob_key'), 4, 12));
BEGIN
    PERFORM pg_temp.expect(membership.authenticate('Bearer ' || pg_temp.fx('bob_key')) IS NOT NULL, 'valid before');
    PERFORM pg_temp.expect(membership.revoke_api_key(v_id), 'revoked');
    PERFORM pg_temp.expect(membership.authenticate('Bearer ' || pg_temp.fx('bob_key')) IS NULL, 'invalid after');
    PERFORM pg_temp.expect(NOT membership.revoke_api_key(v_id), 'second revoke is a no-op');
    UPDATE membership.api_key SET expires_at = now() - interval '1 second'
     WHERE prefix = substr(pg_temp.fx('alice_key'), 4, 12);
    PERFORM pg_temp.expect(membership.authenticate('Bearer ' || pg_temp.fx('alice_key')) IS NULL, 'expired');
    UPDATE membership."user" SET deleted_at = now() WHERE id = pg_temp.fx('dave')::uuid;
    PERFORM pg_temp.expect(membership.authenticate('Bearer ' || pg_temp.fx('dave_key')) IS NULL, 'deleted user');
END
$$;
