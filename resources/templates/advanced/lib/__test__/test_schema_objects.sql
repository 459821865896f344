-- Objects: required members, additionalProperties false, nested paths in messages, arrays.
DO $$
DECLARE
    s jsonb := '{"type": "object", "required": ["a"], "additionalProperties": false,
                 "properties": {"a": {"type": "integer"},
                                "b": {"type": "object", "properties": {"c": {"type": "boolean"}}},
                                "l": {"type": "array", "items": {"type": "string"}}}}';
    e text[];
BEGIN
    PERFORM pg_temp.expect(api.schema_errors(s, '{"a": 1, "b": {"c": true}, "l": ["x"]}') = '{}', 'valid');
    e := api.schema_errors(s, '{"b": {"c": 1}, "z": 0, "l": ["x", 2]}');
    PERFORM pg_temp.expect('$.a: required' = ANY (e), 'missing a: ' || e::text);
    PERFORM pg_temp.expect('$.z: not allowed' = ANY (e), 'extra z: ' || e::text);
    PERFORM pg_temp.expect('$.b.c: expected boolean, got number' = ANY (e), 'nested: ' || e::text);
    PERFORM pg_temp.expect('$.l[1]: expected string, got number' = ANY (e), 'array item: ' || e::text);
    PERFORM pg_temp.expect(cardinality(e) = 4, 'every problem is listed: ' || e::text);
END
$$;
