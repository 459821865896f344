-- The CRUD functions of migrations/002_user_crud.sql, against the rows of _setup.sql.
-- Every check raises with a message that says what was expected, so a failing deploy tells you
-- exactly which promise broke.

DO $test$
DECLARE
    v_user  "user";
    v_again "user";
    v_count bigint;
BEGIN
    -- get_user finds a fixture row, whatever the case of the email.
    SELECT * INTO v_user FROM get_user('ADA@example.com');
    IF v_user.id IS NULL OR v_user.name IS DISTINCT FROM 'Ada Lovelace' THEN
        RAISE EXCEPTION 'get_user should find Ada, got %', v_user;
    END IF;

    -- A missing user is no row, not an error.
    IF EXISTS (SELECT 1 FROM get_user('nobody@example.com')) THEN
        RAISE EXCEPTION 'get_user should return no row for an unknown email';
    END IF;

    -- upsert_user is idempotent: same email, same row, no duplicate.
    v_again := upsert_user('ada@example.com', 'Ada Lovelace');
    IF v_again.id <> v_user.id THEN
        RAISE EXCEPTION 'upsert_user should keep id %, got %', v_user.id, v_again.id;
    END IF;
    SELECT count(*) INTO v_count FROM "user" WHERE email = 'ada@example.com';
    IF v_count <> 1 THEN
        RAISE EXCEPTION 'expected one row for ada@example.com, found %', v_count;
    END IF;

    -- A NULL name keeps the stored name; a new name replaces it.
    v_again := upsert_user('grace@example.com', NULL);
    IF v_again.name IS DISTINCT FROM 'Grace Hopper' THEN
        RAISE EXCEPTION 'a NULL name should keep "Grace Hopper", got %', v_again.name;
    END IF;
    v_again := upsert_user('edsger@example.com', 'Edsger Dijkstra');
    IF v_again.name IS DISTINCT FROM 'Edsger Dijkstra' THEN
        RAISE EXCEPTION 'a new name should replace NULL, got %', v_again.name;
    END IF;

    -- delete_user reports whether it deleted something.
    IF NOT delete_user('grace@example.com') THEN
        RAISE EXCEPTION 'delete_user should return true for an existing user';
    END IF;
    IF delete_user('grace@example.com') THEN
        RAISE EXCEPTION 'delete_user should return false the second time';
    END IF;

    -- The table refuses malformed emails.
    BEGIN
        PERFORM upsert_user('not-an-email', 'Nobody');
        RAISE EXCEPTION 'upsert_user should reject "not-an-email"';
    EXCEPTION WHEN check_violation THEN
        NULL;  -- expected
    END;
END
$test$;
