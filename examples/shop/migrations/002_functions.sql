-- Price of a product in the deployment's currency, formatted for display.
CREATE OR REPLACE FUNCTION shop.price_label(p_sku text) RETURNS text
LANGUAGE sql STABLE AS $fn$
    SELECT to_char(p.price_cents / 100.0, 'FM999999990.00') || ' ' ||
           coalesce((SELECT value FROM shop.deploy_setting WHERE key = 'currency'), 'USD')
    FROM shop.product p
    WHERE p.sku = p_sku
$fn$;
