/* <pgmi-meta id="urn:uuid:550e8400-e29b-41d4-a716-446655440000" idempotent=""/> */
/*
<pgmi-meta id="550e8400e29b41d4a716446655440000" idempotent="0"/> */