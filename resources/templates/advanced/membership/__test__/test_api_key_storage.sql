-- Keys are stored as prefix + SHA-256 only: the clear key is nowhere in the table.
DO $$
DECLARE
    k text := pg_temp.fx('alice_key');
    a membership.api_key;
BEGIN
    PERFORM pg_temp.expect(k ~ '^ak_[0-9a-f]{12}_[0-9a-f]{48}$', 'key format: ' || k);
    SELECT * INTO a FROM membership.api_key WHERE prefix = substr(k, 4, 12);
    PERFORM pg_temp.expect(a.id IS NOT NULL, 'found by prefix');
    PERFORM pg_temp.expect(a.key_hash = encode(extensions.digest(k, 'sha256'), 'hex'), 'SHA-256 of the key');
    PERFORM pg_temp.expect(NOT EXISTS (SELECT 1 FROM membership.api_key t WHERE strpos(t::text, substr(k, 17)) > 0),
                           'the secret part is not stored');
END
$$;
