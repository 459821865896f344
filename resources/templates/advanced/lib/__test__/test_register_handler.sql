-- Registration: path parameters join the input schema as required strings, isolation names are
-- normalised, the protocol names derive from the handler name, and bad rows are refused.
DO $$
DECLARE
    h api.handler;
    v_failed boolean := false;
BEGIN
    SELECT * INTO h FROM api.handler WHERE name = 'test.write';
    PERFORM pg_temp.expect(h.input_schema -> 'required' = '["id"]', 'id required: ' || h.input_schema::text);
    PERFORM pg_temp.expect(h.input_schema #>> '{properties,id,type}' = 'integer',
                           'a declared path parameter keeps its schema');
    PERFORM pg_temp.expect(h.rpc_method = 'test.write' AND h.mcp_tool = 'test_write', 'derived names');
    SELECT * INTO h FROM api.handler WHERE name = 'test.serializable';
    PERFORM pg_temp.expect(h.isolation = 'serializable', 'isolation normalised: ' || h.isolation);
    BEGIN
        PERFORM api.register_handler('test.missing', 'no function', 'api.no_such_function', 'GET', '/x');
    EXCEPTION WHEN OTHERS THEN
        v_failed := SQLERRM LIKE '%does not exist%';
    END;
    PERFORM pg_temp.expect(v_failed, 'a handler without its function is refused');
    v_failed := false;
    BEGIN
        PERFORM api.register_handler('test.badroute', 'bad', 'api.handle_echo', 'GET', 'no-slash');
    EXCEPTION WHEN check_violation THEN
        v_failed := true;
    END;
    PERFORM pg_temp.expect(v_failed, 'a route must start with /');
END
$$;
