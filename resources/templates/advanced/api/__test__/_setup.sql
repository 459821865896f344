-- Fixture of the route tests: two organizations with one user and one note each, an admin, a
-- key per user, and helpers that call the REST gateway the way tools/gateway.py does.

CREATE FUNCTION pg_temp.expect(p_ok boolean, p_message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_ok IS NOT TRUE THEN
        RAISE EXCEPTION 'expectation failed: %', p_message;
    END IF;
END
$$;

CREATE TABLE pg_temp.fx (name text PRIMARY KEY, value text NOT NULL);
CREATE FUNCTION pg_temp.fx(p_name text) RETURNS text
LANGUAGE sql AS $$ SELECT value FROM pg_temp.fx WHERE name = p_name $$;

-- pg_temp.call('GET', '/path?query', '{"body": 1}', 'alice_key') -> the gateway's answer.
CREATE FUNCTION pg_temp.call(p_method text, p_target text, p_body jsonb DEFAULT NULL,
                             p_key text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT api.rest_invoke(p_method, split_part(p_target, '?', 1), split_part(p_target, '?', 2),
                           p_body::text,
                           CASE WHEN p_key IS NOT NULL THEN 'Bearer ' || coalesce(pg_temp.fx(p_key), p_key) END)
$$;

DO $$
DECLARE
    v_acme   uuid;
    v_globex uuid;
    v_alice  uuid;
    v_bob    uuid;
BEGIN
    INSERT INTO membership.organization (slug, name) VALUES ('acme', 'Acme') RETURNING id INTO v_acme;
    INSERT INTO membership.organization (slug, name) VALUES ('globex', 'Globex') RETURNING id INTO v_globex;
    INSERT INTO membership."user" (email, display_name) VALUES ('alice@acme.test', 'Alice') RETURNING id INTO v_alice;
    INSERT INTO membership."user" (email, display_name) VALUES ('bob@globex.test', 'Bob') RETURNING id INTO v_bob;
    INSERT INTO membership.organization_member (organization_id, user_id, role)
    VALUES (v_acme, v_alice, 'owner'), (v_globex, v_bob, 'owner');
    INSERT INTO core.note (organization_id, author_id, body)
    VALUES (v_acme, v_alice, 'acme plan'), (v_globex, v_bob, 'globex plan');
    INSERT INTO pg_temp.fx VALUES
        ('acme', v_acme), ('globex', v_globex), ('alice', v_alice), ('bob', v_bob),
        ('alice_key', (membership.issue_api_key(v_alice, NULL, 'test')).key),
        ('bob_key', (membership.issue_api_key(v_bob, NULL, 'test')).key),
        ('admin_key', membership.bootstrap_admin('root@admin.test'));
END
$$;
