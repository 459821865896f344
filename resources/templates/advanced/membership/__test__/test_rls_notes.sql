-- Organization data: notes of globex are invisible to acme's key, and a note cannot be written
-- into an organization the key does not see.
DO $$
DECLARE
    v_denied boolean := false;
BEGIN
    PERFORM pg_temp.expect(pg_temp.as_key('alice_key', 'SELECT string_agg(body, '','') FROM core.note') = 'acme plan', 'alice');
    PERFORM pg_temp.expect(pg_temp.as_key('bob_key', 'SELECT string_agg(body, '','') FROM core.note') = 'globex plan', 'bob');
    BEGIN
        PERFORM pg_temp.as_key('alice_key', format(
            'INSERT INTO core.note (organization_id, author_id, body) VALUES (%L, %L, %L) RETURNING 1',
            pg_temp.fx('globex'), pg_temp.fx('alice'), 'intrusion'));
    EXCEPTION WHEN insufficient_privilege THEN
        v_denied := true;
    END;
    PERFORM pg_temp.expect(v_denied, 'writing into another organization is refused');
    PERFORM pg_temp.expect(NOT EXISTS (SELECT 1 FROM core.note WHERE body = 'intrusion'), 'nothing written');
END
$$;
