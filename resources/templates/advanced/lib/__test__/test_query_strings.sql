-- Query strings are decoded and coerced to the types the schema asks for.
DO $$
DECLARE
    q jsonb := common.parse_query_string('name=J%C3%BCrgen+M&limit=5&flag=true&empty=');
    c jsonb;
BEGIN
    PERFORM pg_temp.expect(q ->> 'name' = 'Jürgen M', 'percent and plus decoding: ' || q::text);
    PERFORM pg_temp.expect(q ->> 'empty' = '', 'empty value');
    c := api.coerce_text_inputs('{"properties": {"limit": {"type": "integer"}, "flag": {"type": "boolean"}}}', q);
    PERFORM pg_temp.expect(c -> 'limit' = '5' AND c -> 'flag' = 'true', 'coerced: ' || c::text);
    PERFORM pg_temp.expect(c -> 'name' = '"Jürgen M"', 'strings stay strings');
    PERFORM pg_temp.expect(common.parse_query_string('') = '{}' AND common.parse_query_string(NULL) = '{}',
                           'no query');
END
$$;
