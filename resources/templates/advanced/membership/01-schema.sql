/*
<pgmi-meta id="59108260-a890-426b-8a6f-7491e44fd669" idempotent="true">
  <description>membership: users, identities, organizations, members, invitations, API keys</description>
  <sortKeys><key>005/000/001</key></sortKeys>
</pgmi-meta>
*/

CREATE TABLE IF NOT EXISTS membership."user" (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email        text NOT NULL UNIQUE CHECK (email = common.normalize_email(email) AND common.is_email(email)),
    display_name text NOT NULL DEFAULT '',
    is_admin     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
CREATE INDEX IF NOT EXISTS user_email_trgm_idx
    ON membership."user" USING gin (email extensions.gin_trgm_ops);

-- How a user proves who they are elsewhere (an OIDC subject, a SAML name id...). API keys are
-- this template's own credential; identities are where an external login would attach.
CREATE TABLE IF NOT EXISTS membership.identity (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES membership."user" (id) ON DELETE CASCADE,
    provider   text NOT NULL CHECK (provider ~ '^[a-z0-9_.-]+$'),
    subject    text NOT NULL CHECK (subject <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, subject)
);

CREATE TABLE IF NOT EXISTS membership.organization (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug       text NOT NULL UNIQUE CHECK (common.is_slug(slug)),
    name       text NOT NULL CHECK (btrim(name) <> ''),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS membership.organization_member (
    organization_id uuid NOT NULL REFERENCES membership.organization (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES membership."user" (id) ON DELETE CASCADE,
    role            text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'member')),
    joined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX IF NOT EXISTS organization_member_user_idx ON membership.organization_member (user_id);

-- An invitation is redeemed with a one-time token; only its SHA-256 is stored.
CREATE TABLE IF NOT EXISTS membership.invitation (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES membership.organization (id) ON DELETE CASCADE,
    email           text NOT NULL CHECK (email = common.normalize_email(email)),
    role            text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'member')),
    token_hash      text NOT NULL UNIQUE,
    invited_by      uuid REFERENCES membership."user" (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL DEFAULT now() + interval '7 days',
    accepted_at     timestamptz
);

-- API keys look like ak_<12 hex prefix>_<48 hex secret>. The prefix is stored in clear and
-- indexed (lookup without scanning); the whole key only as its SHA-256. A key may be scoped to
-- one organization: then it sees that organization's rows only, even if its user belongs to more.
CREATE TABLE IF NOT EXISTS membership.api_key (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES membership."user" (id) ON DELETE CASCADE,
    organization_id uuid REFERENCES membership.organization (id) ON DELETE CASCADE,
    prefix          text NOT NULL UNIQUE CHECK (prefix ~ '^[0-9a-f]{12}$'),
    key_hash        text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    name            text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX IF NOT EXISTS api_key_user_idx ON membership.api_key (user_id);

-- Organization-scoped application data: the example routes' notes. Row-level security
-- (06-rls.sql) keeps each organization's notes to itself.
CREATE TABLE IF NOT EXISTS core.note (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES membership.organization (id) ON DELETE CASCADE,
    author_id       uuid NOT NULL REFERENCES membership."user" (id),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS note_organization_idx ON core.note (organization_id, created_at);
