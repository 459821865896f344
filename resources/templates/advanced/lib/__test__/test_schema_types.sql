-- The input validator: types, enums, lengths, bounds, formats.
DO $$
BEGIN
    PERFORM pg_temp.expect(api.schema_errors('{"type": "string"}', '"x"') = '{}', 'string ok');
    PERFORM pg_temp.expect(api.schema_errors('{"type": "string"}', '1') = '{"$: expected string, got number"}',
                           'number is not a string');
    PERFORM pg_temp.expect(api.schema_errors('{"type": "integer"}', '3') = '{}', 'integer ok');
    PERFORM pg_temp.expect(cardinality(api.schema_errors('{"type": "integer"}', '3.5')) = 1, '3.5 is no integer');
    PERFORM pg_temp.expect(cardinality(api.schema_errors('{"enum": ["a", "b"]}', '"c"')) = 1, 'enum');
    PERFORM pg_temp.expect(cardinality(api.schema_errors('{"type": "string", "maxLength": 3}', '"abcd"')) = 1, 'maxLength');
    PERFORM pg_temp.expect(cardinality(api.schema_errors('{"type": "string", "minLength": 1}', '""')) = 1, 'minLength');
    PERFORM pg_temp.expect(cardinality(api.schema_errors('{"type": "integer", "minimum": 1}', '0')) = 1, 'minimum');
    PERFORM pg_temp.expect(cardinality(api.schema_errors('{"type": "integer", "maximum": 9}', '10')) = 1, 'maximum');
    PERFORM pg_temp.expect(cardinality(api.schema_errors('{"type": "string", "format": "email"}', '"nope"')) = 1, 'email');
    PERFORM pg_temp.expect(cardinality(api.schema_errors('{"type": "string", "format": "uuid"}', '"nope"')) = 1, 'uuid');
    PERFORM pg_temp.expect(api.schema_errors('{"type": "string", "format": "uuid"}',
                                             to_jsonb(gen_random_uuid()::text)) = '{}', 'uuid ok');
END
$$;
