-- /health, /hello, /echo and /openapi.json answer without a key.
DO $$
DECLARE
    r jsonb;
BEGIN
    r := pg_temp.call('GET', '/health');
    PERFORM pg_temp.expect(r -> 'status' = '200' AND r #>> '{body,status}' = 'ok', r::text);
    r := pg_temp.call('GET', '/hello?name=Ada%20L');
    PERFORM pg_temp.expect(r #>> '{body,message}' = 'Hello, Ada L!', r::text);
    r := pg_temp.call('POST', '/echo', '{"x": [1, "two"]}');
    PERFORM pg_temp.expect(r #> '{body,echo}' = '{"x": [1, "two"]}', r::text);
    r := pg_temp.call('GET', '/openapi.json');
    PERFORM pg_temp.expect(r #>> '{body,openapi}' = '3.1.0', 'OpenAPI over REST');
END
$$;
