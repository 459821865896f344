/*
<pgmi-meta id="d12b76bc-ffac-43a6-94c6-1688728425e8" idempotent="true">
  <description>membership: per-request claims, the current user, and what they may see</description>
  <sortKeys><key>005/000/002</key></sortKeys>
</pgmi-meta>
*/

-- Claims live in the transaction-local setting membership.claims, written by api.dispatch for
-- each request from the verified API key (never from anything the client sends):
--   {"sub": <user id>, "email", "admin": <bool>, "key": <key id>, "org": <organization id or null>}
CREATE OR REPLACE FUNCTION membership.claims() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('membership.claims', true), '')::jsonb
$$;

CREATE OR REPLACE FUNCTION membership.current_user_id() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT (membership.claims() ->> 'sub')::uuid
$$;

-- Organizations the current request may see: those its user belongs to, narrowed to the key's
-- organization when the key is scoped. SECURITY DEFINER so the RLS policies can call it without
-- recursing into organization_member's own policy.
CREATE OR REPLACE FUNCTION membership.visible_organization_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT coalesce(array_agg(m.organization_id), '{}')
      FROM membership.organization_member m
     WHERE m.user_id = membership.current_user_id()
       AND (membership.claims() ->> 'org' IS NULL
            OR m.organization_id = (membership.claims() ->> 'org')::uuid)
$$;

-- Users the current request may see: itself and the members of its visible organizations.
CREATE OR REPLACE FUNCTION membership.visible_user_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT array_agg(DISTINCT u)
      FROM (SELECT membership.current_user_id() AS u
            UNION ALL
            SELECT m.user_id FROM membership.organization_member m
             WHERE m.organization_id = ANY (membership.visible_organization_ids())) s
     WHERE u IS NOT NULL
$$;

-- "Bearer <key>" -> claims, or NULL when the key is unknown, wrong, revoked or expired, or its
-- user is deleted. Lookup by the clear prefix, then one comparison of SHA-256 digests.
CREATE OR REPLACE FUNCTION membership.authenticate(p_authorization text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    v_parts text[] := regexp_match(coalesce(p_authorization, ''),
                                   '^[Bb]earer +(ak_([0-9a-f]{12})_[0-9a-f]{48}) *$');
    k       record;
BEGIN
    IF v_parts IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT a.id, a.organization_id, a.key_hash, u.id AS user_id, u.email, u.is_admin INTO k
      FROM membership.api_key a
      JOIN membership."user" u ON u.id = a.user_id
     WHERE a.prefix = v_parts[2]
       AND a.revoked_at IS NULL
       AND (a.expires_at IS NULL OR a.expires_at > now())
       AND u.deleted_at IS NULL;
    IF NOT FOUND OR k.key_hash <> common.sha256_hex(v_parts[1]) THEN
        RETURN NULL;
    END IF;
    RETURN jsonb_build_object('sub', k.user_id, 'email', k.email, 'admin', k.is_admin,
                              'key', k.id, 'org', k.organization_id);
END
$$;
