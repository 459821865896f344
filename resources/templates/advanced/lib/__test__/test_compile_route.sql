-- Route templates compile to anchored regular expressions and a list of parameter names.
DO $$
DECLARE
    r record;
BEGIN
    r := api.compile_route('/organizations/{id}/members');
    PERFORM pg_temp.expect(r.regex = '^/organizations/([^/]+)/members$', 'regex: ' || r.regex);
    PERFORM pg_temp.expect(r.params = '{id}', 'params: ' || r.params::text);
    r := api.compile_route('/openapi.json');
    PERFORM pg_temp.expect(r.regex = '^/openapi\.json$', 'dots are escaped: ' || r.regex);
    PERFORM pg_temp.expect('/openapiXjson' !~ r.regex, 'an escaped dot matches only a dot');
    r := api.compile_route('/');
    PERFORM pg_temp.expect(r.regex = '^/$' AND r.params = '{}', 'root route');
END
$$;
