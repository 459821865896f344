/*
<pgmi-meta id="e7a16105-c280-4e6f-a867-4467648c875a" idempotent="true">
  <description>api: the OpenAPI 3.1 document, generated from the handler registry</description>
  <sortKeys><key>004/009</key></sortKeys>
</pgmi-meta>
*/

-- One operation object. Path parameters become "in: path" parameters; for GET and DELETE the
-- other input properties become query parameters, for the other methods a JSON request body.
CREATE OR REPLACE FUNCTION api.openapi_operation(h api.handler) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_props    jsonb := coalesce(h.input_schema -> 'properties', '{}');
    v_required jsonb := coalesce(h.input_schema -> 'required', '[]');
    v_params   jsonb := '[]';
    v_body     jsonb;
    v_key      text;
    v_op       jsonb;
BEGIN
    FOREACH v_key IN ARRAY h.route_params LOOP
        v_params := v_params || jsonb_build_array(jsonb_build_object(
            'name', v_key, 'in', 'path', 'required', true, 'schema', v_props -> v_key));
    END LOOP;
    v_props := v_props - h.route_params;
    IF h.http_method IN ('GET', 'DELETE') THEN
        FOR v_key IN SELECT jsonb_object_keys(v_props) ORDER BY 1 LOOP
            v_params := v_params || jsonb_build_array(jsonb_build_object(
                'name', v_key, 'in', 'query', 'required', v_required ? v_key,
                'schema', v_props -> v_key));
        END LOOP;
    ELSE
        v_body := jsonb_build_object(
            'type', 'object', 'properties', v_props,
            'required', coalesce((SELECT jsonb_agg(r) FROM jsonb_array_elements_text(v_required) r
                                   WHERE NOT r = ANY (h.route_params)), '[]'))
            || CASE WHEN h.input_schema ? 'additionalProperties'
                    THEN jsonb_build_object('additionalProperties', h.input_schema -> 'additionalProperties')
                    ELSE '{}' END;
    END IF;

    v_op := jsonb_build_object(
        'operationId', replace(h.name, '.', '_'),
        'summary', h.summary,
        'responses', jsonb_build_object(
            '200', jsonb_build_object('description', 'The handler''s result',
                                      'content', '{"application/json": {"schema": {}}}'::jsonb),
            'default', jsonb_build_object('description', 'An RFC 9457 problem document',
                                          'content', '{"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}'::jsonb)),
        'security', CASE WHEN h.access = 'public' THEN '[]'::jsonb ELSE '[{"bearerAuth": []}]'::jsonb END,
        'x-access', h.access,
        'x-read-only', h.read_only,
        'x-isolation', h.isolation,
        'x-rpc-method', h.rpc_method,
        'x-mcp-tool', h.mcp_tool);
    IF h.description <> '' THEN
        v_op := v_op || jsonb_build_object('description', h.description);
    END IF;
    IF cardinality(h.tags) > 0 THEN
        v_op := v_op || jsonb_build_object('tags', to_jsonb(h.tags));
    END IF;
    IF jsonb_array_length(v_params) > 0 THEN
        v_op := v_op || jsonb_build_object('parameters', v_params);
    END IF;
    IF v_body IS NOT NULL THEN
        v_op := v_op || jsonb_build_object('requestBody', jsonb_build_object(
            'required', true, 'content', jsonb_build_object('application/json',
                                                            jsonb_build_object('schema', v_body))));
    END IF;
    RETURN v_op;
END
$$;

CREATE OR REPLACE FUNCTION api.openapi_document() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'openapi', '3.1.0',
        'info', jsonb_build_object(
            'title', current_database() || ' API',
            'version', '1.0.0',
            'description', 'Generated from the api.handler registry. Every operation is also a '
                           'JSON-RPC method (POST /rpc) and an MCP tool (POST /mcp).'),
        'paths', coalesce((
            SELECT jsonb_object_agg(route, ops)
              FROM (SELECT route, jsonb_object_agg(lower(http_method), api.openapi_operation(h)) AS ops
                      FROM api.handler h GROUP BY route) p), '{}'),
        'components', jsonb_build_object(
            'securitySchemes', jsonb_build_object(
                'bearerAuth', jsonb_build_object('type', 'http', 'scheme', 'bearer',
                                                 'description', 'An API key issued by POST /admin/api-keys')),
            'schemas', jsonb_build_object(
                'Problem', jsonb_build_object(
                    'type', 'object',
                    'description', 'RFC 9457 problem details',
                    'properties', jsonb_build_object(
                        'type', '{"type": "string"}'::jsonb, 'title', '{"type": "string"}'::jsonb,
                        'status', '{"type": "integer"}'::jsonb, 'detail', '{"type": "string"}'::jsonb,
                        'instance', '{"type": "string"}'::jsonb),
                    'required', '["title", "status"]'::jsonb))))
$$;
