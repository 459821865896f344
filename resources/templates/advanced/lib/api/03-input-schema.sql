/*
<pgmi-meta id="521d0e5c-0559-415d-bd87-454fe8716c29" idempotent="true">
  <description>api: input validation against each handler's JSON Schema (the subset the registry uses)</description>
  <sortKeys><key>004/003</key></sortKeys>
</pgmi-meta>
*/

-- Validates p_value against p_schema and returns the problems (empty array = valid). Supported
-- keywords: type (string, integer, number, boolean, object, array, null), properties, required,
-- additionalProperties (false), enum, minLength, maxLength, minimum, maximum, format (email, uuid),
-- items. Unknown keywords are ignored, as JSON Schema says.
CREATE OR REPLACE FUNCTION api.schema_errors(p_schema jsonb, p_value jsonb, p_path text DEFAULT '$')
RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v_errors text[] := '{}';
    v_type   text := p_schema ->> 'type';
    v_actual text := jsonb_typeof(p_value);
    v_key    text;
    v_item   jsonb;
    v_i      integer := 0;
BEGIN
    IF p_schema IS NULL OR p_schema = '{}'::jsonb THEN
        RETURN v_errors;
    END IF;
    IF v_type IS NOT NULL THEN
        IF NOT (v_type = v_actual
                OR (v_type = 'integer' AND v_actual = 'number' AND p_value::text ~ '^-?[0-9]+$')) THEN
            RETURN ARRAY[format('%s: expected %s, got %s', p_path, v_type, v_actual)];
        END IF;
    END IF;
    IF p_schema ? 'enum' AND NOT (p_schema -> 'enum') @> jsonb_build_array(p_value) THEN
        v_errors := v_errors || format('%s: must be one of %s', p_path, p_schema -> 'enum');
    END IF;
    IF v_actual = 'string' THEN
        IF length(p_value #>> '{}') < coalesce((p_schema ->> 'minLength')::integer, 0) THEN
            v_errors := v_errors || format('%s: shorter than %s characters', p_path, p_schema ->> 'minLength');
        END IF;
        IF length(p_value #>> '{}') > coalesce((p_schema ->> 'maxLength')::integer, 2147483647) THEN
            v_errors := v_errors || format('%s: longer than %s characters', p_path, p_schema ->> 'maxLength');
        END IF;
        IF p_schema ->> 'format' = 'email' AND NOT common.is_email(p_value #>> '{}') THEN
            v_errors := v_errors || format('%s: not an e-mail address', p_path);
        END IF;
        IF p_schema ->> 'format' = 'uuid'
           AND (p_value #>> '{}') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            v_errors := v_errors || format('%s: not a UUID', p_path);
        END IF;
    ELSIF v_actual = 'number' THEN
        IF p_value::text::numeric < (p_schema ->> 'minimum')::numeric THEN
            v_errors := v_errors || format('%s: below the minimum %s', p_path, p_schema ->> 'minimum');
        END IF;
        IF p_value::text::numeric > (p_schema ->> 'maximum')::numeric THEN
            v_errors := v_errors || format('%s: above the maximum %s', p_path, p_schema ->> 'maximum');
        END IF;
    ELSIF v_actual = 'object' THEN
        FOR v_key IN SELECT jsonb_array_elements_text(coalesce(p_schema -> 'required', '[]')) LOOP
            IF NOT p_value ? v_key THEN
                v_errors := v_errors || format('%s.%s: required', p_path, v_key);
            END IF;
        END LOOP;
        FOR v_key IN SELECT jsonb_object_keys(p_value) LOOP
            IF p_schema -> 'properties' ? v_key THEN
                v_errors := v_errors || api.schema_errors(p_schema #> ARRAY['properties', v_key],
                                                          p_value -> v_key, p_path || '.' || v_key);
            ELSIF p_schema -> 'additionalProperties' = 'false'::jsonb THEN
                v_errors := v_errors || format('%s.%s: not allowed', p_path, v_key);
            END IF;
        END LOOP;
    ELSIF v_actual = 'array' AND p_schema ? 'items' THEN
        FOR v_item IN SELECT jsonb_array_elements(p_value) LOOP
            v_errors := v_errors || api.schema_errors(p_schema -> 'items', v_item,
                                                      format('%s[%s]', p_path, v_i));
            v_i := v_i + 1;
        END LOOP;
    END IF;
    RETURN v_errors;
END
$$;

-- Query-string and path values arrive as text; this turns them into the JSON types the schema
-- asks for ("5" -> 5 for an integer property, "true" -> true) before validation.
CREATE OR REPLACE FUNCTION api.coerce_text_inputs(p_schema jsonb, p_values jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(key,
        CASE
            WHEN jsonb_typeof(value) <> 'string' THEN value
            WHEN p_schema #>> ARRAY['properties', key, 'type'] IN ('integer', 'number')
                 AND value #>> '{}' ~ '^-?[0-9]+(\.[0-9]+)?$' THEN to_jsonb((value #>> '{}')::numeric)
            WHEN p_schema #>> ARRAY['properties', key, 'type'] = 'boolean'
                 AND value #>> '{}' IN ('true', 'false') THEN to_jsonb((value #>> '{}')::boolean)
            ELSE value
        END), '{}')
      FROM jsonb_each(coalesce(p_values, '{}'))
$$;
