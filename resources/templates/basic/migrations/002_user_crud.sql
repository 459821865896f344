-- 002: the functions the application calls instead of writing to app.users directly.
-- CREATE OR REPLACE keeps this file re-runnable; change a function here and redeploy.

-- Creates the user, or updates the name of an existing one. A NULL name keeps the stored name.
CREATE OR REPLACE FUNCTION app.upsert_user(p_email text, p_name text DEFAULT NULL)
RETURNS app.users
LANGUAGE sql
AS $fn$
    INSERT INTO app.users AS u (email, name)
    VALUES (lower(btrim(p_email)), p_name)
    ON CONFLICT (email) DO UPDATE
        SET name = coalesce(excluded.name, u.name)
    RETURNING u.*;
$fn$;

-- The user with this email (any case), or NULL when there is none.
CREATE OR REPLACE FUNCTION app.get_user(p_email text)
RETURNS app.users
LANGUAGE sql
STABLE
AS $fn$
    SELECT u.* FROM app.users u WHERE u.email = lower(btrim(p_email));
$fn$;

-- Deletes the user; true when a row was deleted.
CREATE OR REPLACE FUNCTION app.delete_user(p_email text)
RETURNS boolean
LANGUAGE sql
AS $fn$
    WITH gone AS (
        DELETE FROM app.users WHERE email = lower(btrim(p_email)) RETURNING 1
    )
    SELECT count(*) > 0 FROM gone;
$fn$;
