/*
<pgmi-meta id="669a3852-30ff-4949-a581-f150d24e002f" idempotent="true">
  <description>test support: session-temporary helpers the __test__ suites share (never committed)</description>
  <sortKeys><key>009/000</key></sortKeys>
</pgmi-meta>
*/

-- Everything here lives in pg_temp: it exists for this deploy's session only, so the tests of
-- every directory can share it and nothing of it reaches the committed database.

-- An assertion: raises (and so fails the test) unless p_ok is true.
CREATE OR REPLACE FUNCTION pg_temp.expect(p_ok boolean, p_message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_ok IS NOT TRUE THEN
        RAISE EXCEPTION 'expectation failed: %', p_message;
    END IF;
END
$$;
-- Tests assert while acting as the api role too (the owner's default privileges grant nothing).
GRANT EXECUTE ON FUNCTION pg_temp.expect(boolean, text) TO PUBLIC;

-- Named values a fixture creates (ids, keys) for its tests: pg_temp.fx('alice_key').
CREATE TEMP TABLE IF NOT EXISTS fx (name text PRIMARY KEY, value text NOT NULL);
CREATE OR REPLACE FUNCTION pg_temp.fx(p_name text) RETURNS text
LANGUAGE sql AS $$ SELECT value FROM pg_temp.fx WHERE name = p_name $$;

-- Two organizations: acme (alice owner, dave member) and globex (bob owner, dave member), a note
-- in each, a key per user, dave's second key scoped to acme, and an administrator's key.
CREATE OR REPLACE FUNCTION pg_temp.seed_organizations() RETURNS void
LANGUAGE plpgsql AS $$
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
        (v_acme, v_alice, 'owner'), (v_globex, v_bob, 'owner'),
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

-- The REST gateway as tools/gateway.py calls it: pg_temp.call('GET', '/path?query', body, key),
-- where key is a fixture name ('alice_key') or a literal key.
CREATE OR REPLACE FUNCTION pg_temp.call(p_method text, p_target text, p_body jsonb DEFAULT NULL,
                                        p_key text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT api.rest_invoke(p_method, split_part(p_target, '?', 1), split_part(p_target, '?', 2),
                           p_body::text,
                           CASE WHEN p_key IS NOT NULL THEN 'Bearer ' || coalesce(pg_temp.fx(p_key), p_key) END)
$$;

-- Runs p_sql as the api role with the claims of a fixture key (as api.dispatch would) and
-- returns the first column of the first row as text.
CREATE OR REPLACE FUNCTION pg_temp.as_key(p_key text, p_sql text) RETURNS text
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
