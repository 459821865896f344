/*
<pgmi-meta id="21b2a6f5-2729-4523-8796-a525fa5793ac" idempotent="false">
  <description>membership: the first organization, created once (an apply-once data change)</description>
  <sortKeys><key>005/000/005</key></sortKeys>
</pgmi-meta>
*/

-- idempotent="false": deploy.sql runs this file once per id and records it in the ledger
-- (internal.deployment_script_execution_log); later deploys skip it. Running it twice would fail
-- on the unique slug, which is how the ledger's skip is visible. Renaming the organization
-- afterwards is the application's business; this file never runs again to undo it.
INSERT INTO membership.organization (slug, name) VALUES ('default', 'Default organization');
