-- Fixture of the membership tests: acme (alice owner, dave member), globex (bob owner, dave
-- member), a note in each, a key per user, dave's acme-only key and an admin key (see
-- pg_temp.seed_organizations in lib/testing.sql); rolled back after this directory's tests.
SELECT pg_temp.seed_organizations();
