/*
<pgmi-meta id="9e5d7e26-5b24-4691-9b67-e095de54d6e9" idempotent="true">
  <description>api: RFC 9457 problem documents and how errors become them</description>
  <sortKeys><key>004/002</key></sortKeys>
</pgmi-meta>
*/

-- An RFC 9457 problem document (served as application/problem+json).
CREATE OR REPLACE FUNCTION api.problem(p_status integer, p_title text, p_detail text DEFAULT NULL,
                                       p_instance text DEFAULT NULL, p_extra jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
               'type', 'about:blank', 'title', p_title, 'status', p_status,
               'detail', p_detail, 'instance', p_instance)) || coalesce(p_extra, '{}')
$$;

-- Handlers signal an HTTP outcome by raising SQLSTATE 'PT' || status (PT404, PT409, ...): the
-- message is the problem's title, DETAIL its detail.
CREATE OR REPLACE FUNCTION api.raise_problem(p_status integer, p_title text, p_detail text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_status NOT BETWEEN 400 AND 599 THEN
        RAISE EXCEPTION 'problem status must be 4xx or 5xx, got %', p_status;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'PT' || p_status, MESSAGE = p_title,
                          DETAIL = coalesce(p_detail, '');
END
$$;

-- An error caught around a handler, as a problem document. Handler-raised problems keep their
-- status, title and detail; well-known SQLSTATEs map to 4xx; anything else is a 500 whose text
-- does not leak (the server log has it).
CREATE OR REPLACE FUNCTION api.problem_from_error(p_sqlstate text, p_message text, p_detail text,
                                                  p_instance text)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_sqlstate ~ '^PT[45][0-9][0-9]$' THEN
            api.problem(substr(p_sqlstate, 3)::integer, p_message, nullif(p_detail, ''), p_instance)
        WHEN p_sqlstate IN ('22P02', '22023', '22007', '22008', '23514', '23502') THEN
            api.problem(400, 'Bad Request', p_message, p_instance)
        WHEN p_sqlstate = '23505' THEN
            api.problem(409, 'Conflict', 'a resource with the same key exists', p_instance)
        WHEN p_sqlstate = '23503' THEN
            api.problem(409, 'Conflict', 'a referenced resource does not exist', p_instance)
        WHEN p_sqlstate = '42501' THEN
            api.problem(403, 'Forbidden', 'not permitted', p_instance)
        WHEN p_sqlstate = '25006' THEN
            api.problem(500, 'Internal Server Error', 'a read-only handler tried to write',
                        p_instance, jsonb_build_object('code', 'read_only_violation'))
        ELSE api.problem(500, 'Internal Server Error', NULL, p_instance)
    END
$$;
