-- A company tag's colour (the tags screen): one name of a fixed palette the web UI draws with
-- readable contrast, `gray` for the tags made before colours.
ALTER TABLE tags ADD COLUMN colour TEXT NOT NULL DEFAULT 'gray';
