-- 002: the functions the application calls instead of writing to "user" directly:
--   SELECT * FROM upsert_user('ada@example.com', 'Ada Lovelace');
--   SELECT * FROM get_user('ada@example.com');
--   SELECT delete_user('ada@example.com');
-- CREATE OR REPLACE keeps this file re-runnable; change a function here and redeploy.

-- Creates the user, or updates the name of an existing one. A NULL name keeps the stored name.
CREATE OR REPLACE FUNCTION public.upsert_user(p_email text, p_name text DEFAULT NULL)
RETURNS public."user"
LANGUAGE sql
AS $fn$
    INSERT INTO public."user" AS u (email, name)
    VALUES (lower(btrim(p_email)), p_name)
    ON CONFLICT (email) DO UPDATE
        SET name = coalesce(excluded.name, u.name)
    RETURNING u.*;
$fn$;

-- The user with this email (any case): one row, or no row when there is none.
CREATE OR REPLACE FUNCTION public.get_user(p_email text)
RETURNS SETOF public."user"
LANGUAGE sql
STABLE
AS $fn$
    SELECT u.* FROM public."user" u WHERE u.email = lower(btrim(p_email));
$fn$;

-- Deletes the user; true when a row was deleted.
CREATE OR REPLACE FUNCTION public.delete_user(p_email text)
RETURNS boolean
LANGUAGE sql
AS $fn$
    WITH gone AS (
        DELETE FROM public."user" WHERE email = lower(btrim(p_email)) RETURNING 1
    )
    SELECT count(*) > 0 FROM gone;
$fn$;
