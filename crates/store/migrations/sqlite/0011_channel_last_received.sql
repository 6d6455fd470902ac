-- When a channel last brought a customer's message (the channels screen's "last delivery
-- received"): the newest `last_customer_message_at` of the channel's conversations, one seek.
CREATE INDEX conversations_by_channel ON conversations(channel_id, last_customer_message_at);
