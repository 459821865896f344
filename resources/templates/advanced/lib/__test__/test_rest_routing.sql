-- REST: method + path select the handler; unknown paths are 404, wrong methods 405 with Allow,
-- and every error is an application/problem+json document.
DO $$
DECLARE
    r jsonb;
BEGIN
    r := api.rest_invoke('GET', '/hello', 'name=Ada', NULL, NULL);
    PERFORM pg_temp.expect(r -> 'status' = '200' AND r #>> '{body,message}' = 'Hello, Ada!', r::text);
    PERFORM pg_temp.expect(r #>> '{headers,content-type}' = 'application/json', r::text);
    r := api.rest_invoke('get', '/hello', '', NULL, NULL);
    PERFORM pg_temp.expect(r #>> '{body,message}' = 'Hello, world!', 'methods are case-insensitive: ' || r::text);

    r := api.rest_invoke('GET', '/nowhere', '', NULL, NULL);
    PERFORM pg_temp.expect(r -> 'status' = '404', r::text);
    PERFORM pg_temp.expect(r #>> '{headers,content-type}' = 'application/problem+json', r::text);
    PERFORM pg_temp.expect(r #>> '{body,instance}' = '/nowhere', r::text);

    r := api.rest_invoke('DELETE', '/hello', '', NULL, NULL);
    PERFORM pg_temp.expect(r -> 'status' = '405' AND r #>> '{headers,allow}' = 'GET', r::text);

    r := api.rest_invoke('POST', '/test/items/42', '', '{"note": "n"}', NULL);
    PERFORM pg_temp.expect(r #>> '{body,id}' = '42', 'path parameter coerced to the schema type: ' || r::text);
END
$$;
