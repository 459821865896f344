-- OpenAPI 3.1 from the registry: every handler is an operation; path parameters, query
-- parameters and request bodies come from the input schemas; security follows access.
DO $$
DECLARE
    d jsonb := api.openapi_document();
    v_ops integer;
BEGIN
    PERFORM pg_temp.expect(d ->> 'openapi' = '3.1.0', 'version');
    PERFORM pg_temp.expect(d #> '{info,title}' IS NOT NULL AND d #> '{info,version}' IS NOT NULL, 'info');
    SELECT count(*) INTO v_ops FROM jsonb_each(d -> 'paths') p, jsonb_object_keys(p.value) m;
    PERFORM pg_temp.expect(v_ops = (SELECT count(*) FROM api.handler), 'one operation per handler');
    PERFORM pg_temp.expect(d -> 'paths' -> '/organizations/{id}' -> 'get' -> 'parameters'
                           @> '[{"name": "id", "in": "path", "required": true}]', 'path parameter');
    PERFORM pg_temp.expect(d #> '{paths,/hello,get,parameters}' @> '[{"name": "name", "in": "query"}]',
                           'query parameter');
    PERFORM pg_temp.expect(d #> '{paths,/admin/users,post,requestBody,content,application/json,schema,required}'
                           = '["email"]', 'request body schema');
    PERFORM pg_temp.expect(d #> '{paths,/hello,get,security}' = '[]', 'public operation');
    PERFORM pg_temp.expect(d #> '{paths,/me,get,security}' = '[{"bearerAuth": []}]', 'keyed operation');
    PERFORM pg_temp.expect(d #>> '{components,securitySchemes,bearerAuth,scheme}' = 'bearer', 'scheme');
    PERFORM pg_temp.expect(strpos(d::text, 'api.handle_') = 0, 'function names are not published');
END
$$;
