-- PostgreSQL's migration 6 refuses TRUNCATE of the audit log; SQLite has no TRUNCATE (its
-- DELETE triggers, from migration 2, already refuse every deletion). Kept for equal versions.
SELECT 1;
