-- 001: the "user" table.
--
-- deploy.sql runs every file of migrations/ on every deploy, so each statement must be safe to
-- run again (IF NOT EXISTS, CREATE OR REPLACE). To run some files only once instead, see the
-- apply-once ledger in deploy.sql.
--
-- "user" is a reserved word in SQL, so the name is always written in double quotes. It lives in
-- the public schema, so `SELECT * FROM "user"` and the functions of 002 work without a prefix.

CREATE TABLE IF NOT EXISTS public."user" (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text NOT NULL,
    name       text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_email_unique UNIQUE (email),
    CONSTRAINT user_email_lower CHECK (email = lower(email)),
    CONSTRAINT user_email_shape CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$')
);

COMMENT ON TABLE public."user" IS 'People who use the application; emails are stored lower-case.';
