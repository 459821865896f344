-- Fixture: runs once before the tests of this directory (and of its subdirectories), inside a
-- savepoint. Each test sees these rows; everything is rolled back when the tests are done.

SELECT upsert_user('ada@example.com', 'Ada Lovelace');
SELECT upsert_user('grace@example.com', 'Grace Hopper');
SELECT upsert_user('edsger@example.com', NULL);
