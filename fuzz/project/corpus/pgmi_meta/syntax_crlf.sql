SELECT 1;
/*
<pgmi-meta id="550e8400-e29b-41d4-a716-446655440000" idempotent="true">
<description>x</descr>
</pgmi-meta>
*/
