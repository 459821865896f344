/*
<pgmi-meta id="cfc9f529-d0a1-4020-bf6b-23dd19752553" idempotent="true">
  <description>membership: issue, revoke and bootstrap API keys; invitations</description>
  <sortKeys><key>005/000/003</key></sortKeys>
</pgmi-meta>
*/

-- Issues a key and returns it: the only time the whole key exists outside its holder. The key
-- is 24 random bytes; its first 6 bytes (hex) are the lookup prefix.
CREATE OR REPLACE FUNCTION membership.issue_api_key(p_user_id uuid, p_organization_id uuid,
                                                    p_name text DEFAULT '',
                                                    p_expires_at timestamptz DEFAULT NULL,
                                                    OUT id uuid, OUT prefix text, OUT key text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    v_random text := common.random_hex(30);
BEGIN
    IF p_organization_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM membership.organization_member m
         WHERE m.user_id = p_user_id AND m.organization_id = p_organization_id) THEN
        RAISE EXCEPTION 'user % is not a member of organization %', p_user_id, p_organization_id
            USING ERRCODE = 'PT409';
    END IF;
    prefix := substr(v_random, 1, 12);
    key := 'ak_' || prefix || '_' || substr(v_random, 13, 48);
    INSERT INTO membership.api_key (user_id, organization_id, prefix, key_hash, name, expires_at)
    VALUES (p_user_id, p_organization_id, prefix, common.sha256_hex(key), coalesce(p_name, ''),
            p_expires_at)
    RETURNING api_key.id INTO id;
END
$$;

CREATE OR REPLACE FUNCTION membership.revoke_api_key(p_key_id uuid) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
    WITH revoked AS (
        UPDATE membership.api_key SET revoked_at = now()
         WHERE id = p_key_id AND revoked_at IS NULL RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM revoked)
$$;

-- The first key: run by an operator over SQL (as the admin role), since no HTTP route can
-- issue a key before one exists. Creates the admin user when missing; returns a new key.
--   SELECT membership.bootstrap_admin('ops@example.com');
CREATE OR REPLACE FUNCTION membership.bootstrap_admin(p_email text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    v_user uuid;
BEGIN
    INSERT INTO membership."user" (email, display_name, is_admin)
    VALUES (common.normalize_email(p_email), 'Administrator', true)
    ON CONFLICT (email) DO UPDATE SET is_admin = true
    RETURNING "user".id INTO v_user;
    RETURN (membership.issue_api_key(v_user, NULL, 'bootstrap')).key;
END
$$;

-- Invites p_email into an organization; returns the one-time token (stored hashed). The caller
-- (membership.claims) must be an owner of the organization or an administrator.
CREATE OR REPLACE FUNCTION membership.invite(p_organization_id uuid, p_email text, p_role text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    v_token text := 'inv_' || common.random_hex(24);
BEGIN
    IF NOT coalesce((membership.claims() ->> 'admin')::boolean, false) AND NOT EXISTS (
        SELECT 1 FROM membership.organization_member m
         WHERE m.organization_id = p_organization_id AND m.user_id = membership.current_user_id()
           AND m.role = 'owner') THEN
        RAISE EXCEPTION 'Forbidden' USING ERRCODE = 'PT403',
            DETAIL = 'only an owner of the organization may invite';
    END IF;
    INSERT INTO membership.invitation (organization_id, email, role, token_hash, invited_by)
    VALUES (p_organization_id, common.normalize_email(p_email), p_role, common.sha256_hex(v_token),
            membership.current_user_id());
    RETURN v_token;
END
$$;

-- Redeems a token for the current user (whose e-mail must be the invited one); returns the
-- organization joined.
CREATE OR REPLACE FUNCTION membership.accept_invitation(p_token text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    i membership.invitation;
BEGIN
    SELECT * INTO i FROM membership.invitation
     WHERE token_hash = common.sha256_hex(p_token) AND accepted_at IS NULL AND expires_at > now()
       FOR UPDATE;
    IF NOT FOUND OR i.email IS DISTINCT FROM (SELECT email FROM membership."user"
                                               WHERE id = membership.current_user_id()) THEN
        RAISE EXCEPTION 'Not Found' USING ERRCODE = 'PT404',
            DETAIL = 'no open invitation for this token and user';
    END IF;
    UPDATE membership.invitation SET accepted_at = now() WHERE id = i.id;
    INSERT INTO membership.organization_member (organization_id, user_id, role)
    VALUES (i.organization_id, membership.current_user_id(), i.role)
    ON CONFLICT (organization_id, user_id) DO NOTHING;
    RETURN i.organization_id;
END
$$;
