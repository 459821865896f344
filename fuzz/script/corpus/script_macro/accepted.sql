BEGIN;
CALL pgmi_test();
CALL pg_temp.pgmi_test('^./a/', 's.cb');
COMMIT;
