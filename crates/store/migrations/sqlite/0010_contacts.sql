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
ALTER TABLE contacts ADD COLUMN updated_at INTEGER;
ALTER TABLE contacts ADD COLUMN erased_at INTEGER;
DROP INDEX contacts_name;
CREATE INDEX contacts_by_name ON contacts(account_id, sort_name, id);

CREATE TABLE contact_tags (
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    tag_id INTEGER NOT NULL REFERENCES tags(id),
    PRIMARY KEY (contact_id, tag_id)
);
CREATE INDEX contact_tags_tag ON contact_tags(tag_id);

CREATE TABLE data_migrations (
    name TEXT PRIMARY KEY
);

-- Search: an FTS5 index of trigrams over `search` (external content: the text stays in
-- `contacts`), kept by triggers; `search LIKE '%text%'` on it reads the index instead of every
-- contact. PostgreSQL has a pg_trgm GIN index on the column instead.
CREATE VIRTUAL TABLE contacts_search USING fts5(search, content='contacts', content_rowid='id', tokenize='trigram');
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_search(rowid, search) VALUES (new.id, new.search);
END;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_search(contacts_search, rowid, search) VALUES ('delete', old.id, old.search);
END;
CREATE TRIGGER contacts_search_update AFTER UPDATE OF search ON contacts BEGIN
    INSERT INTO contacts_search(contacts_search, rowid, search) VALUES ('delete', old.id, old.search);
    INSERT INTO contacts_search(rowid, search) VALUES (new.id, new.search);
END;
INSERT INTO contacts_search(contacts_search) VALUES ('rebuild');
