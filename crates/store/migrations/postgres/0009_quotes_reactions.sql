-- A message that replies to (quotes) another: reply_to_id, set when the quoted message is known
-- in the same channel. A customer's reaction to a message (an emoji; NULL: none or removed) is
-- kept on the message reacted to instead of being a message of its own.
ALTER TABLE messages ADD COLUMN reply_to_id BIGINT REFERENCES messages(id);
ALTER TABLE messages ADD COLUMN reaction TEXT;
