-- Without claims (no key), the api role sees no rows at all; the hashes are not even readable.
DO $$
DECLARE
    v_denied boolean := false;
BEGIN
    PERFORM set_config('membership.claims', '', true);
    PERFORM set_config('role', internal.setting('database_api_role'), true);
    PERFORM pg_temp.expect((SELECT count(*) FROM membership.organization) = 0, 'organizations');
    PERFORM pg_temp.expect((SELECT count(*) FROM membership."user") = 0, 'users');
    PERFORM pg_temp.expect((SELECT count(*) FROM core.note) = 0, 'notes');
    BEGIN
        PERFORM key_hash FROM membership.api_key;
    EXCEPTION WHEN insufficient_privilege THEN
        v_denied := true;
    END;
    PERFORM set_config('role', 'none', true);
    PERFORM pg_temp.expect(v_denied, 'key_hash is not granted to the api role');
END
$$;
