/*
<pgmi-meta id="550e8400-e29b-41d4-a716-446655440000" idempotent="true">
  <description>Create users</description>
  <sortKeys><key>10-utils/0010</key><key>90-cleanup/9999</key></sortKeys>
</pgmi-meta>
*/
CREATE TABLE users (id int);
