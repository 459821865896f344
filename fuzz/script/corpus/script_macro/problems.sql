CALL pgmi_test(E'x');
CALL pgmi_test(p => 'x');
SELECT pgmi_test();
CALL s.pgmi_test();
CALL "pgmi_test"();
CALL pgmi_test('a'