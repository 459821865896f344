/*
<pgmi-meta id="53995291-7e6b-4405-94c6-6b4197b0ad05" idempotent="true">
  <description>membership: row-level security; each organization sees only its own rows</description>
  <sortKeys><key>005/000/004</key></sortKeys>
</pgmi-meta>
*/

-- Handlers run as the api role, which is neither the owner nor a superuser, so these policies
-- apply to every handler. The owner (deploys, SECURITY DEFINER helpers) is not subject to them.
-- A policy is created when missing and re-stated otherwise, so editing one here converges.
CREATE OR REPLACE FUNCTION pg_temp.policy(p_table text, p_name text, p_command text, p_using text,
                                          p_check text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_clauses text := concat(CASE WHEN p_using IS NOT NULL THEN format(' USING (%s)', p_using) END,
                             CASE WHEN p_check IS NOT NULL THEN format(' WITH CHECK (%s)', p_check) END);
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
    IF EXISTS (SELECT 1 FROM pg_policies
                WHERE format('%I.%I', schemaname, tablename) = p_table AND policyname = p_name) THEN
        EXECUTE format('ALTER POLICY %I ON %s%s', p_name, p_table, v_clauses);
    ELSE
        EXECUTE format('CREATE POLICY %I ON %s FOR %s%s', p_name, p_table, p_command, v_clauses);
    END IF;
END
$$;

SELECT pg_temp.policy('membership.organization', 'organization_visible', 'SELECT',
                      'id = ANY (membership.visible_organization_ids())');
SELECT pg_temp.policy('membership.organization_member', 'member_visible', 'SELECT',
                      'organization_id = ANY (membership.visible_organization_ids())');
SELECT pg_temp.policy('membership."user"', 'user_visible', 'SELECT',
                      'id = ANY (membership.visible_user_ids())');
SELECT pg_temp.policy('membership.identity', 'identity_own', 'SELECT',
                      'user_id = membership.current_user_id()');
SELECT pg_temp.policy('membership.api_key', 'api_key_own', 'SELECT',
                      'user_id = membership.current_user_id()');
SELECT pg_temp.policy('membership.invitation', 'invitation_visible', 'SELECT',
                      'organization_id = ANY (membership.visible_organization_ids())');
SELECT pg_temp.policy('core.note', 'note_visible', 'SELECT',
                      'organization_id = ANY (membership.visible_organization_ids())');
SELECT pg_temp.policy('core.note', 'note_insert', 'INSERT', NULL,
                      'organization_id = ANY (membership.visible_organization_ids()) '
                      'AND author_id = membership.current_user_id()');
