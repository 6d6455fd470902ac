-- A per-account counter bumped by every change to the access configuration (settings,
-- departments, roles, users, memberships, bindings), in the same transaction as the change.
-- A server caches resolved configurations and principals by it: one indexed read per request
-- tells every node whether its cache is current.

ALTER TABLE accounts ADD COLUMN access_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_access_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE accounts SET access_version = access_version + 1 WHERE id = OLD.account_id;
    ELSE
        UPDATE accounts SET access_version = access_version + 1 WHERE id = NEW.account_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION bump_access_version_on_settings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.my_finished_queue, NEW.waiting_queue, NEW.finished_queue, NEW.hide_details_until_assumed, NEW.shared_inbox,
        NEW.assignment, NEW.satisfaction_survey, NEW.default_department_id)
       IS DISTINCT FROM
       (OLD.my_finished_queue, OLD.waiting_queue, OLD.finished_queue, OLD.hide_details_until_assumed, OLD.shared_inbox,
        OLD.assignment, OLD.satisfaction_survey, OLD.default_department_id) THEN
        NEW.access_version := OLD.access_version + 1;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER accounts_access_settings BEFORE UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION bump_access_version_on_settings();

CREATE TRIGGER departments_access AFTER INSERT OR UPDATE OR DELETE ON departments
    FOR EACH ROW EXECUTE FUNCTION bump_access_version();

CREATE TRIGGER roles_access AFTER INSERT OR UPDATE OR DELETE ON roles
    FOR EACH ROW EXECUTE FUNCTION bump_access_version();

CREATE TRIGGER users_access AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION bump_access_version();

CREATE TRIGGER memberships_access AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION bump_access_version();

CREATE TRIGGER bindings_access AFTER INSERT OR UPDATE OR DELETE ON bindings
    FOR EACH ROW EXECUTE FUNCTION bump_access_version();
