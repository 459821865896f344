-- The admin creates an organization and adds a member; the member's org-scoped key sees it.
-- members.add asks for repeatable read, so at the deploy's read committed it answers 428 first.
DO $$
DECLARE
    r      jsonb;
    v_org  text;
BEGIN
    r := pg_temp.call('POST', '/admin/organizations', '{"slug": "initech", "name": "Initech"}', 'admin_key');
    PERFORM pg_temp.expect(r -> 'status' = '200', r::text);
    v_org := r #>> '{body,id}';
    r := pg_temp.call('POST', '/admin/organizations', '{"slug": "Not A Slug", "name": "x"}', 'admin_key');
    PERFORM pg_temp.expect(r -> 'status' = '400', 'slug check: ' || r::text);

    r := pg_temp.call('POST', '/admin/organizations/' || v_org || '/members', '{"email": "alice@acme.test"}', 'admin_key');
    PERFORM pg_temp.expect(r -> 'status' = '428' AND r #>> '{body,required_isolation}' = 'repeatable read', r::text);
    -- What the gateway then does is open a repeatable read transaction; here, add the member directly.
    INSERT INTO membership.organization_member (organization_id, user_id) VALUES (v_org::uuid, pg_temp.fx('alice')::uuid);
    INSERT INTO pg_temp.fx VALUES ('alice_initech_key',
        (membership.issue_api_key(pg_temp.fx('alice')::uuid, v_org::uuid, 'initech')).key);
    r := pg_temp.call('GET', '/organizations', NULL, 'alice_initech_key');
    PERFORM pg_temp.expect(r -> 'body' @> '[{"slug": "initech"}]' AND jsonb_array_length(r -> 'body') = 1, r::text);
END
$$;
