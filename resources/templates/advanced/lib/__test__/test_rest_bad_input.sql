-- REST input errors are 400 problems: malformed JSON, a non-object body, schema violations
-- (listing every problem).
DO $$
DECLARE
    r jsonb;
BEGIN
    r := api.rest_invoke('POST', '/echo', '', '{not json', NULL);
    PERFORM pg_temp.expect(r -> 'status' = '400', 'malformed JSON: ' || r::text);
    r := api.rest_invoke('POST', '/echo', '', '[1, 2]', NULL);
    PERFORM pg_temp.expect(r -> 'status' = '400', 'array body: ' || r::text);
    r := api.rest_invoke('GET', '/hello', 'name=' || repeat('x', 101) || '&extra=1', NULL, NULL);
    PERFORM pg_temp.expect(r -> 'status' = '400', 'schema: ' || r::text);
    PERFORM pg_temp.expect(jsonb_array_length(r #> '{body,errors}') = 2, 'both problems listed: ' || r::text);
    r := api.rest_invoke('POST', '/echo', '', '{"a": [1, {"b": null}]}', NULL);
    PERFORM pg_temp.expect(r #> '{body,echo}' = '{"a": [1, {"b": null}]}', 'echo keeps JSON intact: ' || r::text);
END
$$;
