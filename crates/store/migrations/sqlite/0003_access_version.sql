-- A per-account counter bumped by every change to the access configuration (settings,
-- departments, roles, users, memberships, bindings), in the same transaction as the change.
-- A server caches resolved configurations and principals by it: one indexed read per request
-- tells every node whether its cache is current.

ALTER TABLE accounts ADD COLUMN access_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER accounts_access_settings AFTER UPDATE OF my_finished_queue, waiting_queue, finished_queue,
    hide_details_until_assumed, shared_inbox, assignment, satisfaction_survey, default_department_id ON accounts
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER departments_access_insert AFTER INSERT ON departments
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER departments_access_update AFTER UPDATE ON departments
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER departments_access_delete AFTER DELETE ON departments
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = OLD.account_id;
END;

CREATE TRIGGER roles_access_insert AFTER INSERT ON roles
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER roles_access_update AFTER UPDATE ON roles
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER roles_access_delete AFTER DELETE ON roles
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = OLD.account_id;
END;

CREATE TRIGGER users_access_insert AFTER INSERT ON users
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER users_access_update AFTER UPDATE ON users
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER users_access_delete AFTER DELETE ON users
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = OLD.account_id;
END;

CREATE TRIGGER memberships_access_insert AFTER INSERT ON memberships
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER memberships_access_update AFTER UPDATE ON memberships
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER memberships_access_delete AFTER DELETE ON memberships
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = OLD.account_id;
END;

CREATE TRIGGER bindings_access_insert AFTER INSERT ON bindings
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER bindings_access_update AFTER UPDATE ON bindings
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER bindings_access_delete AFTER DELETE ON bindings
BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = OLD.account_id;
END;
