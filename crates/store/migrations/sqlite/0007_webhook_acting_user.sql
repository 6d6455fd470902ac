-- A webhook acts with a user's principal (its creator, or whoever last changed it): it delivers
-- only what that user may see. Webhooks created before this migration have none: they deliver
-- nothing (the API shows them paused, `no_user`) until a holder of `settings.webhooks` changes
-- them, which makes that holder their acting user.
ALTER TABLE webhooks ADD COLUMN acting_user_id INTEGER REFERENCES users(id);
