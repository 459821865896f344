-- Row-level security: each key sees its own organizations, never another's.
DO $$
BEGIN
    PERFORM pg_temp.expect(pg_temp.as_key('alice_key', 'SELECT string_agg(slug, '','' ORDER BY slug) FROM membership.organization') = 'acme', 'alice');
    PERFORM pg_temp.expect(pg_temp.as_key('bob_key', 'SELECT string_agg(slug, '','' ORDER BY slug) FROM membership.organization') = 'globex', 'bob');
    PERFORM pg_temp.expect(pg_temp.as_key('dave_key', 'SELECT string_agg(slug, '','' ORDER BY slug) FROM membership.organization') = 'acme,globex', 'dave');
    PERFORM pg_temp.expect(pg_temp.as_key('alice_key', 'SELECT count(*) FROM membership.organization_member') = '2',
                           'alice sees acme''s two members only');
    PERFORM pg_temp.expect(pg_temp.as_key('alice_key', 'SELECT string_agg(email, '','' ORDER BY email) FROM membership."user"')
                           = 'alice@acme.test,dave@both.test', 'users: self and fellow members');
END
$$;
