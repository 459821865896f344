-- Registering the same handler again leaves the row untouched (no new row version), so a
-- redeploy does not churn the registry.
DO $$
DECLARE
    v_before xid;
    v_after  xid;
BEGIN
    SELECT xmin INTO v_before FROM api.handler WHERE name = 'hello';
    PERFORM api.register_handler('hello', 'Greets you by name', 'api.handle_hello', 'GET', '/hello',
        '{"type": "object", "properties": {"name": {"type": "string", "maxLength": 100}},
          "additionalProperties": false}',
        p_access => 'public', p_read_only => true, p_tags => '{examples}');
    SELECT xmin INTO v_after FROM api.handler WHERE name = 'hello';
    PERFORM pg_temp.expect(v_before = v_after, 'an unchanged registration must not rewrite the row');
END
$$;
