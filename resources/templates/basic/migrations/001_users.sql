-- 001: the schema and its first table.
--
-- deploy.sql runs every file of migrations/ on every deploy, so each statement must be safe to
-- run again (IF NOT EXISTS, CREATE OR REPLACE). To run some files only once instead, see the
-- apply-once ledger in deploy.sql.

CREATE SCHEMA IF NOT EXISTS app;

CREATE TABLE IF NOT EXISTS app.users (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text NOT NULL,
    name       text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_unique UNIQUE (email),
    CONSTRAINT users_email_lower CHECK (email = lower(email)),
    CONSTRAINT users_email_shape CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$')
);

COMMENT ON TABLE app.users IS 'People who use the application; emails are stored lower-case.';
