-- Fixture of the API-layer tests: handlers that exist only while these tests run (everything
-- here is rolled back afterwards). pg_temp.expect comes from lib/testing.sql.

CREATE TABLE api.test_probe (id integer PRIMARY KEY, note text);

-- Declared read-only, yet tries to write: the transaction policy must stop it.
CREATE FUNCTION api.test_sneaky_write(p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api.test_probe VALUES (1, 'written by a read-only handler');
    RETURN '{"wrote": true}';
END
$$;

-- Read-write: allowed to write.
CREATE FUNCTION api.test_write(p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api.test_probe VALUES ((p_input ->> 'id')::integer, p_input ->> 'note');
    RETURN jsonb_build_object('id', (p_input ->> 'id')::integer);
END
$$;

GRANT INSERT, SELECT ON api.test_probe TO PUBLIC;
GRANT EXECUTE ON FUNCTION api.test_sneaky_write(jsonb), api.test_write(jsonb) TO PUBLIC;

SELECT api.register_handler('test.sneaky', 'writes although read-only', 'api.test_sneaky_write',
                            'POST', '/test/sneaky', p_access => 'public', p_read_only => true);
SELECT api.register_handler('test.write', 'writes', 'api.test_write', 'POST', '/test/items/{id}',
                            '{"type": "object", "properties": {"id": {"type": "integer"}, "note": {"type": "string"}}}',
                            p_access => 'public');
SELECT api.register_handler('test.serializable', 'needs serializable', 'api.handle_echo',
                            'POST', '/test/serializable', p_access => 'public',
                            p_isolation => 'Serializable');
