-- Contacts, whole: custom attributes (a JSON object of text values), contact tags (the
-- account's tags), the keys the contacts list is ordered and searched by (`sort_name`: the name
-- folded to lower case without accents; `search`: name, email and phone digits folded the same
-- way), and `erased_at`, set when a contact's personal data was erased (LGPD art. 18): the row
-- stays, nameless, so its conversations remain anonymous records.
--
-- Phones are normalised to E.164 and duplicates merged by the store in Rust right after this
-- migration (`data_migrations`: steps that need more than SQL, each recorded once); that step
-- also fills `sort_name` and `search` and adds the unique index on (account_id, phone).
ALTER TABLE contacts ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
ALTER TABLE contacts ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN search TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN updated_at BIGINT;
ALTER TABLE contacts ADD COLUMN erased_at BIGINT;
DROP INDEX contacts_name;
CREATE INDEX contacts_by_name ON contacts(account_id, sort_name, id);

CREATE TABLE contact_tags (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    contact_id BIGINT NOT NULL REFERENCES contacts(id),
    tag_id BIGINT NOT NULL REFERENCES tags(id),
    PRIMARY KEY (contact_id, tag_id)
);
CREATE INDEX contact_tags_tag ON contact_tags(tag_id);

CREATE TABLE data_migrations (
    name TEXT PRIMARY KEY
);

-- Search: a pg_trgm GIN index over `search`, which answers `search LIKE '%text%'` without
-- reading every contact (SQLite has an FTS5 trigram index instead). pg_trgm ships with
-- PostgreSQL (contrib) and is a trusted extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX contacts_search_trgm ON contacts USING gin (search gin_trgm_ops);
