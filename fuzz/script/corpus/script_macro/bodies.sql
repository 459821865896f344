BEGIN;
DO $$ BEGIN CALL pgmi_test(); END $$;
CREATE FUNCTION f() RETURNS void AS $f$ BEGIN EXECUTE $x$ call pg_temp.pgmi_test() $x$; END $f$ LANGUAGE plpgsql;
CREATE PROCEDURE p() BEGIN ATOMIC CALL pgmi_test(); END;
-- CALL pgmi_test();
COMMIT;