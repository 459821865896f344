-- Fixture of the membership tests: two organizations (acme, globex), alice (owner of acme),
-- bob (member of globex), dave (member of both), and a key for each. Keys and ids are kept in
-- pg_temp.fx for the tests; everything is rolled back afterwards.

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

-- Runs p_sql as the api role with the claims of p_key (as api.dispatch would), returning the
-- first column of the first row as text.
CREATE FUNCTION pg_temp.as_key(p_key text, p_sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_out text;
BEGIN
    PERFORM set_config('membership.claims',
                       coalesce(membership.authenticate('Bearer ' || pg_temp.fx(p_key))::text, ''), true);
    PERFORM set_config('role', internal.setting('database_api_role'), true);
    EXECUTE p_sql INTO v_out;
    PERFORM set_config('role', 'none', true);
    RETURN v_out;
END
$$;

DO $$
DECLARE
    v_acme   uuid;
    v_globex uuid;
    v_alice  uuid;
    v_bob    uuid;
    v_dave   uuid;
BEGIN
    INSERT INTO membership.organization (slug, name) VALUES ('acme', 'Acme') RETURNING id INTO v_acme;
    INSERT INTO membership.organization (slug, name) VALUES ('globex', 'Globex') RETURNING id INTO v_globex;
    INSERT INTO membership."user" (email, display_name) VALUES ('alice@acme.test', 'Alice') RETURNING id INTO v_alice;
    INSERT INTO membership."user" (email, display_name) VALUES ('bob@globex.test', 'Bob') RETURNING id INTO v_bob;
    INSERT INTO membership."user" (email, display_name) VALUES ('dave@both.test', 'Dave') RETURNING id INTO v_dave;
    INSERT INTO membership.organization_member (organization_id, user_id, role) VALUES
        (v_acme, v_alice, 'owner'), (v_globex, v_bob, 'member'),
        (v_acme, v_dave, 'member'), (v_globex, v_dave, 'member');
    INSERT INTO core.note (organization_id, author_id, body) VALUES
        (v_acme, v_alice, 'acme plan'), (v_globex, v_bob, 'globex plan');
    INSERT INTO pg_temp.fx VALUES
        ('acme', v_acme), ('globex', v_globex), ('alice', v_alice), ('bob', v_bob), ('dave', v_dave),
        ('alice_key', (membership.issue_api_key(v_alice, NULL, 'test')).key),
        ('bob_key', (membership.issue_api_key(v_bob, NULL, 'test')).key),
        ('dave_key', (membership.issue_api_key(v_dave, NULL, 'test')).key),
        ('dave_acme_key', (membership.issue_api_key(v_dave, v_acme, 'acme only')).key),
        ('admin_key', membership.bootstrap_admin('root@admin.test'));
END
$$;
