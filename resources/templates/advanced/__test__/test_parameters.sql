-- Parameters reached the application: the settings table holds the reconciled, non-secret
-- values; no password was stored anywhere in it.
DO $$
BEGIN
    IF internal.setting('env') IS NULL OR internal.setting('database_api_role') IS NULL THEN
        RAISE EXCEPTION 'settings missing';
    END IF;
    IF internal.setting('database_owner_role') <> current_setting('deployment.database_owner_role') THEN
        RAISE EXCEPTION 'owner role setting differs from the deployment parameter';
    END IF;
    IF EXISTS (SELECT 1 FROM internal.deployment_setting WHERE key LIKE '%password%') THEN
        RAISE EXCEPTION 'passwords must not be stored';
    END IF;
    IF (SELECT datdba::regrole::text FROM pg_database WHERE datname = current_database())
       <> quote_ident(internal.setting('database_owner_role')) THEN
        RAISE EXCEPTION 'the owner role owns the database';
    END IF;
END
$$;
