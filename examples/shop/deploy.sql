-- deploy.sql: pgmi loads every file of this project into session tables, then runs this script.
-- The script decides what runs, in which order, and inside which transaction.
--
-- Try it:  pgmi deploy examples/shop --ephemeral --param currency=EUR

BEGIN;

-- Parameters arrive as session variables (pgmi.<key>) and as rows of pgmi_parameter_view.
-- Defaults are this script's business:
SELECT set_config('pgmi.currency', coalesce(current_setting('pgmi.currency', true), 'USD'), false);

-- 1. Migrations, in plan order. Each file runs through EXECUTE; a failure is re-raised as
--    "Failed in <path>: ..." with the original SQLSTATE, so pgmi can name the file.
DO $deploy$
DECLARE
    f record;
BEGIN
    FOR f IN
        SELECT path, content
        FROM pg_temp.pgmi_plan_view
        WHERE path LIKE './migrations/%' AND pg_temp.pgmi_is_sql_file(path)
        ORDER BY execution_order
    LOOP
        RAISE NOTICE 'migrating %', f.path;
        BEGIN
            EXECUTE f.content;
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'Failed in %: %', f.path, SQLERRM USING ERRCODE = SQLSTATE;
        END;
    END LOOP;
END
$deploy$;

-- 2. Data: a JSON file of the project, read straight from the session's source view.
INSERT INTO shop.product (sku, name, price_cents)
SELECT p ->> 'sku', p ->> 'name', (p ->> 'price_cents')::integer
FROM pg_temp.pgmi_source_view s
CROSS JOIN LATERAL jsonb_array_elements(s.content::jsonb -> 'products') AS p
WHERE s.path = './data/products.json'
ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price_cents = excluded.price_cents;

-- 3. Every parameter is recorded, so the database says how it was deployed.
INSERT INTO shop.deploy_setting (key, value)
SELECT key, value FROM pg_temp.pgmi_parameter_view WHERE key <> 'currency'
UNION ALL
SELECT 'currency', current_setting('pgmi.currency')
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

COMMIT;

-- Everything after the first COMMIT runs statement by statement (psql mode), so work that
-- cannot run inside a transaction block belongs here.
CREATE INDEX CONCURRENTLY IF NOT EXISTS product_name_idx ON shop.product (name);

DO $$ BEGIN RAISE NOTICE 'shop deployed: % products', (SELECT count(*) FROM shop.product); END $$;
