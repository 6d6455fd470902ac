-- Atende schema, SQLite. Every row belongs to one account; every foreign key names it too, so
-- a query confined to an account never joins into another. Times are microseconds since the
-- Unix epoch (UTC). Flags are integers 0/1.

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    my_finished_queue INTEGER NOT NULL,
    waiting_queue TEXT NOT NULL,
    finished_queue TEXT NOT NULL,
    hide_details_until_assumed INTEGER NOT NULL,
    shared_inbox INTEGER NOT NULL,
    assignment TEXT NOT NULL,
    satisfaction_survey INTEGER NOT NULL,
    default_department_id INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES departments(id),
    access TEXT NOT NULL CHECK (access IN ('all', 'team', 'agent')),
    UNIQUE (account_id, name)
);
CREATE INDEX departments_account ON departments(account_id);

CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    builtin TEXT CHECK (builtin IN ('agent', 'admin', 'owner')),
    permissions TEXT NOT NULL,
    allowed_networks TEXT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX roles_account ON roles(account_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT,
    active INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (email)
);
CREATE INDEX users_account ON users(account_id);

CREATE TABLE memberships (
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    department_id INTEGER NOT NULL REFERENCES departments(id),
    kind TEXT NOT NULL CHECK (kind IN ('member', 'supervisor')),
    PRIMARY KEY (user_id, department_id)
);
CREATE INDEX memberships_department ON memberships(department_id);

CREATE TABLE bindings (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    role_id INTEGER NOT NULL REFERENCES roles(id),
    department_id INTEGER REFERENCES departments(id)
);
CREATE UNIQUE INDEX bindings_unique ON bindings(user_id, role_id, COALESCE(department_id, 0));
CREATE INDEX bindings_role ON bindings(role_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX contacts_account ON contacts(account_id);

-- status: 0 waiting, 1 in_progress, 2 survey, 3 finished. class: 0 waiting, 1 in progress
-- (in_progress and survey), 2 finished: the visibility plans' status classes, kept as a column so
-- that each plan term seeks one index in activity order.
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    department_id INTEGER NOT NULL REFERENCES departments(id),
    status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),
    class INTEGER NOT NULL CHECK (class BETWEEN 0 AND 2),
    assignee_id INTEGER REFERENCES users(id),
    contact_id INTEGER REFERENCES contacts(id),
    channel TEXT NOT NULL,
    last_activity INTEGER NOT NULL,
    last_customer_message_at INTEGER,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX conversations_by_department ON conversations(account_id, class, department_id, last_activity DESC, id DESC);
CREATE INDEX conversations_by_assignee ON conversations(account_id, class, assignee_id, last_activity DESC, id DESC);
CREATE INDEX conversations_by_class ON conversations(account_id, class, last_activity DESC, id DESC);

-- Tab counts, kept in the same transaction as every conversation write: one row per
-- (account, class, department, assignee or 0).
CREATE TABLE conversation_counts (
    account_id INTEGER NOT NULL,
    class INTEGER NOT NULL,
    department_id INTEGER NOT NULL,
    assignee_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (account_id, class, department_id, assignee_id)
);
CREATE INDEX conversation_counts_assignee ON conversation_counts(account_id, class, assignee_id);
