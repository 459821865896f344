-- Fixture of the route tests: two organizations with their users, notes and keys (see
-- pg_temp.seed_organizations in lib/testing.sql); rolled back after this directory's tests.
SELECT pg_temp.seed_organizations();
