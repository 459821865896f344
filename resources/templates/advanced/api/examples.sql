/*
<pgmi-meta id="c2995162-a1f7-4da6-9caf-8282c574f82a" idempotent="true">
  <description>example routes: /health, /hello, /echo, /openapi.json, /me, /organizations, notes, invitations</description>
  <sortKeys><key>005/001</key></sortKeys>
</pgmi-meta>
*/

-- A handler is a function (input jsonb) RETURNS jsonb plus one api.register_handler call. It runs
-- as the api role, so row-level security decides which rows it sees; it signals HTTP outcomes
-- with api.raise_problem (or any error, which becomes a 500 without leaking its text).

CREATE OR REPLACE FUNCTION api.handle_health(p_input jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 'ok', 'database', current_database())
$$;

CREATE OR REPLACE FUNCTION api.handle_hello(p_input jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('message',
                              format('Hello, %s!', coalesce(nullif(btrim(p_input ->> 'name'), ''), 'world')))
$$;

CREATE OR REPLACE FUNCTION api.handle_echo(p_input jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('echo', p_input)
$$;

CREATE OR REPLACE FUNCTION api.handle_openapi(p_input jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT api.openapi_document()
$$;

CREATE OR REPLACE FUNCTION api.handle_me(p_input jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'user', (SELECT jsonb_build_object('id', u.id, 'email', u.email, 'display_name', u.display_name,
                                           'is_admin', u.is_admin)
                   FROM membership."user" u WHERE u.id = membership.current_user_id()),
        'organizations', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', o.id, 'slug', o.slug,
                                                                       'name', o.name, 'role', m.role)
                                                    ORDER BY o.slug), '[]')
                            FROM membership.organization o
                            JOIN membership.organization_member m
                              ON m.organization_id = o.id AND m.user_id = membership.current_user_id()),
        'key', jsonb_build_object('id', membership.claims() ->> 'key',
                                  'organization_id', membership.claims() ->> 'org'))
$$;

CREATE OR REPLACE FUNCTION api.handle_organizations_list(p_input jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('id', o.id, 'slug', o.slug, 'name', o.name)
                              ORDER BY o.slug), '[]')
      FROM membership.organization o   -- row-level security: visible organizations only
$$;

CREATE OR REPLACE FUNCTION api.handle_organizations_get(p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_org jsonb;
BEGIN
    SELECT jsonb_build_object('id', o.id, 'slug', o.slug, 'name', o.name,
                              'members', (SELECT count(*) FROM membership.organization_member m
                                           WHERE m.organization_id = o.id))
      INTO v_org
      FROM membership.organization o WHERE o.id = (p_input ->> 'id')::uuid;
    IF v_org IS NULL THEN
        PERFORM api.raise_problem(404, 'Not Found', 'no such organization');
    END IF;
    RETURN v_org;
END
$$;

CREATE OR REPLACE FUNCTION api.handle_notes_list(p_input jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(to_jsonb(n) ORDER BY n.created_at, n.id), '[]')
      FROM (SELECT id, body, author_id, created_at
              FROM core.note
             WHERE organization_id = (p_input ->> 'id')::uuid
             ORDER BY created_at, id
             LIMIT coalesce((p_input ->> 'limit')::integer, 100)) n
$$;

CREATE OR REPLACE FUNCTION api.handle_notes_create(p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_note core.note;
BEGIN
    IF NOT (p_input ->> 'id')::uuid = ANY (membership.visible_organization_ids()) THEN
        PERFORM api.raise_problem(404, 'Not Found', 'no such organization');
    END IF;
    INSERT INTO core.note (organization_id, author_id, body)
    VALUES ((p_input ->> 'id')::uuid, membership.current_user_id(), p_input ->> 'body')
    RETURNING * INTO v_note;
    RETURN jsonb_build_object('id', v_note.id, 'organization_id', v_note.organization_id,
                              'body', v_note.body);
END
$$;

CREATE OR REPLACE FUNCTION api.handle_invitations_create(p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    RETURN jsonb_build_object('token', membership.invite((p_input ->> 'id')::uuid, p_input ->> 'email',
                                                         coalesce(p_input ->> 'role', 'member')));
END
$$;

CREATE OR REPLACE FUNCTION api.handle_invitations_accept(p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    RETURN jsonb_build_object('organization_id', membership.accept_invitation(p_input ->> 'token'));
END
$$;

SELECT api.register_handler('health', 'Liveness: the database answers', 'api.handle_health',
                            'GET', '/health', p_access => 'public', p_read_only => true,
                            p_tags => '{system}');
SELECT api.register_handler('hello', 'Greets you by name', 'api.handle_hello', 'GET', '/hello',
                            '{"type": "object", "properties": {"name": {"type": "string", "maxLength": 100}},
                              "additionalProperties": false}',
                            p_access => 'public', p_read_only => true, p_tags => '{examples}');
SELECT api.register_handler('echo', 'Answers with the input it was given', 'api.handle_echo',
                            'POST', '/echo', p_access => 'public', p_read_only => true,
                            p_tags => '{examples}');
SELECT api.register_handler('openapi', 'This API as an OpenAPI 3.1 document', 'api.handle_openapi',
                            'GET', '/openapi.json', p_access => 'public', p_read_only => true,
                            p_tags => '{system}');
SELECT api.register_handler('me', 'The caller: user, organizations and key', 'api.handle_me',
                            'GET', '/me', p_read_only => true, p_tags => '{membership}');
SELECT api.register_handler('organizations.list', 'Organizations the caller may see',
                            'api.handle_organizations_list', 'GET', '/organizations',
                            p_read_only => true, p_tags => '{membership}');
SELECT api.register_handler('organizations.get', 'One organization the caller may see',
                            'api.handle_organizations_get', 'GET', '/organizations/{id}',
                            '{"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}}',
                            p_read_only => true, p_tags => '{membership}');
SELECT api.register_handler('notes.list', 'Notes of an organization', 'api.handle_notes_list',
                            'GET', '/organizations/{id}/notes',
                            '{"type": "object", "properties": {"id": {"type": "string", "format": "uuid"},
                              "limit": {"type": "integer", "minimum": 1, "maximum": 1000}}}',
                            p_read_only => true, p_tags => '{examples}');
SELECT api.register_handler('notes.create', 'Adds a note to an organization', 'api.handle_notes_create',
                            'POST', '/organizations/{id}/notes',
                            '{"type": "object", "properties": {"id": {"type": "string", "format": "uuid"},
                              "body": {"type": "string", "minLength": 1, "maxLength": 10000}},
                              "required": ["body"], "additionalProperties": false}',
                            p_tags => '{examples}');
SELECT api.register_handler('invitations.create', 'Invites an e-mail address into an organization',
                            'api.handle_invitations_create', 'POST', '/organizations/{id}/invitations',
                            '{"type": "object", "properties": {"id": {"type": "string", "format": "uuid"},
                              "email": {"type": "string", "format": "email"},
                              "role": {"type": "string", "enum": ["owner", "member"]}},
                              "required": ["email"], "additionalProperties": false}',
                            p_tags => '{membership}', p_log_bodies => false);
SELECT api.register_handler('invitations.accept', 'Joins an organization with an invitation token',
                            'api.handle_invitations_accept', 'POST', '/invitations/accept',
                            '{"type": "object", "properties": {"token": {"type": "string"}},
                              "required": ["token"], "additionalProperties": false}',
                            p_tags => '{membership}', p_log_bodies => false);
