-- A key scoped to one organization sees only it, although its user belongs to two.
DO $$
BEGIN
    PERFORM pg_temp.expect(pg_temp.as_key('dave_acme_key', 'SELECT string_agg(slug, '','') FROM membership.organization') = 'acme', 'orgs');
    PERFORM pg_temp.expect(pg_temp.as_key('dave_acme_key', 'SELECT string_agg(body, '','') FROM core.note') = 'acme plan', 'notes');
END
$$;
