-- Wrong secret, unknown prefix, malformed values and other schemes all fail closed (NULL).
DO $$
DECLARE
    k text := pg_temp.fx('alice_key');
    v_wrong text := substr(k, 1, length(k) - 1) || CASE WHEN right(k, 1) = '0' THEN '1' ELSE '0' END;
BEGIN
    PERFORM pg_temp.expect(membership.authenticate('Bearer ' || v_wrong) IS NULL, 'wrong secret');
    PERFORM pg_temp.expect(membership.authenticate('Bearer ak_ffffffffffff_' || repeat('a', 48)) IS NULL, 'unknown prefix');
    PERFORM pg_temp.expect(membership.authenticate(k) IS NULL, 'no scheme');
    PERFORM pg_temp.expect(membership.authenticate('Basic ' || k) IS NULL, 'other scheme');
    PERFORM pg_temp.expect(membership.authenticate('Bearer ' || k || 'x') IS NULL, 'trailing garbage');
    PERFORM pg_temp.expect(membership.authenticate('') IS NULL AND membership.authenticate(NULL) IS NULL, 'empty');
END
$$;
