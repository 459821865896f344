/*
<pgmi-meta id="2b3e59cd-4e49-4078-808f-22bbc433e18b" idempotent="true">
  <description>admin routes under /admin/: users, organizations, members, API keys, exchange purge</description>
  <sortKeys><key>005/002</key></sortKeys>
</pgmi-meta>
*/

-- Admin handlers are registered with access 'admin' (api.dispatch refuses other callers with
-- 403) and are SECURITY DEFINER: they act for the whole database, above row-level security.

-- The active user with this e-mail address, or a 404 problem.
CREATE OR REPLACE FUNCTION api.admin_user_id(p_email text) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_user uuid;
BEGIN
    SELECT id INTO v_user FROM membership."user"
     WHERE email = common.normalize_email(p_email) AND deleted_at IS NULL;
    IF v_user IS NULL THEN
        PERFORM api.raise_problem(404, 'Not Found', 'no such user');
    END IF;
    RETURN v_user;
END
$$;

CREATE OR REPLACE FUNCTION api.handle_admin_users_create(p_input jsonb) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
    INSERT INTO membership."user" (email, display_name, is_admin)
    VALUES (common.normalize_email(p_input ->> 'email'), coalesce(p_input ->> 'display_name', ''),
            coalesce((p_input ->> 'is_admin')::boolean, false))
    RETURNING jsonb_build_object('id', id, 'email', email, 'display_name', display_name,
                                 'is_admin', is_admin)
$$;

CREATE OR REPLACE FUNCTION api.handle_admin_users_list(p_input jsonb) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'email', email, 'display_name', display_name,
                                                 'is_admin', is_admin) ORDER BY email), '[]')
      FROM membership."user" WHERE deleted_at IS NULL
$$;

CREATE OR REPLACE FUNCTION api.handle_admin_organizations_create(p_input jsonb) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
    INSERT INTO membership.organization (slug, name)
    VALUES (p_input ->> 'slug', p_input ->> 'name')
    RETURNING jsonb_build_object('id', id, 'slug', slug, 'name', name)
$$;

CREATE OR REPLACE FUNCTION api.handle_admin_members_add(p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    v_user uuid;
BEGIN
    v_user := api.admin_user_id(p_input ->> 'email');
    INSERT INTO membership.organization_member (organization_id, user_id, role)
    VALUES ((p_input ->> 'id')::uuid, v_user, coalesce(p_input ->> 'role', 'member'))
    ON CONFLICT (organization_id, user_id) DO UPDATE SET role = excluded.role;
    RETURN jsonb_build_object('organization_id', p_input ->> 'id', 'user_id', v_user,
                              'role', coalesce(p_input ->> 'role', 'member'));
END
$$;

CREATE OR REPLACE FUNCTION api.handle_admin_api_keys_issue(p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    v_user uuid;
    k      record;
BEGIN
    v_user := api.admin_user_id(p_input ->> 'email');
    k := membership.issue_api_key(v_user, (p_input ->> 'organization_id')::uuid,
                                  coalesce(p_input ->> 'name', ''));
    RETURN jsonb_build_object('id', k.id, 'prefix', k.prefix, 'key', k.key,
                              'organization_id', p_input ->> 'organization_id');
END
$$;

CREATE OR REPLACE FUNCTION api.handle_admin_api_keys_revoke(p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    IF NOT membership.revoke_api_key((p_input ->> 'id')::uuid) THEN
        PERFORM api.raise_problem(404, 'Not Found', 'no such active key');
    END IF;
    RETURN jsonb_build_object('id', p_input ->> 'id', 'revoked', true);
END
$$;

CREATE OR REPLACE FUNCTION api.handle_admin_exchanges_purge(p_input jsonb) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT jsonb_build_object('deleted',
        api.purge_exchanges(make_interval(secs => coalesce((p_input ->> 'older_than_seconds')::double precision, 86400))))
$$;

SELECT api.register_handler('admin.users.create', 'Creates a user', 'api.handle_admin_users_create',
                            'POST', '/admin/users',
                            '{"type": "object", "properties": {"email": {"type": "string", "format": "email"},
                              "display_name": {"type": "string", "maxLength": 200},
                              "is_admin": {"type": "boolean"}},
                              "required": ["email"], "additionalProperties": false}',
                            p_access => 'admin', p_tags => '{admin}');
SELECT api.register_handler('admin.users.list', 'Lists every user', 'api.handle_admin_users_list',
                            'GET', '/admin/users', p_access => 'admin', p_read_only => true,
                            p_tags => '{admin}');
SELECT api.register_handler('admin.organizations.create', 'Creates an organization',
                            'api.handle_admin_organizations_create', 'POST', '/admin/organizations',
                            '{"type": "object", "properties": {"slug": {"type": "string", "minLength": 1, "maxLength": 63},
                              "name": {"type": "string", "minLength": 1, "maxLength": 200}},
                              "required": ["slug", "name"], "additionalProperties": false}',
                            p_access => 'admin', p_tags => '{admin}');
-- repeatable read: a demonstration of the isolation policy. A gateway that opened a weaker
-- transaction gets 428 naming the level, and tools/gateway.py retries once at that level.
SELECT api.register_handler('admin.members.add', 'Adds a user to an organization (or changes their role)',
                            'api.handle_admin_members_add', 'POST', '/admin/organizations/{id}/members',
                            '{"type": "object", "properties": {"id": {"type": "string", "format": "uuid"},
                              "email": {"type": "string", "format": "email"},
                              "role": {"type": "string", "enum": ["owner", "member"]}},
                              "required": ["email"], "additionalProperties": false}',
                            p_access => 'admin', p_isolation => 'repeatable read', p_tags => '{admin}');
SELECT api.register_handler('admin.api_keys.issue', 'Issues an API key (shown once)',
                            'api.handle_admin_api_keys_issue', 'POST', '/admin/api-keys',
                            '{"type": "object", "properties": {"email": {"type": "string", "format": "email"},
                              "organization_id": {"type": "string", "format": "uuid"},
                              "name": {"type": "string", "maxLength": 200}},
                              "required": ["email"], "additionalProperties": false}',
                            p_access => 'admin', p_tags => '{admin}', p_log_bodies => false);
SELECT api.register_handler('admin.api_keys.revoke', 'Revokes an API key', 'api.handle_admin_api_keys_revoke',
                            'DELETE', '/admin/api-keys/{id}',
                            '{"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}}',
                            p_access => 'admin', p_tags => '{admin}');
SELECT api.register_handler('admin.exchanges.purge', 'Deletes exchange log rows older than a number of seconds',
                            'api.handle_admin_exchanges_purge', 'POST', '/admin/exchanges/purge',
                            '{"type": "object", "properties": {"older_than_seconds": {"type": "integer", "minimum": 0}},
                              "additionalProperties": false}',
                            p_access => 'admin', p_tags => '{admin}');
