//! Store errors. A database failure stays a database failure: it is never turned into "not
//! found" or a bad request.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed (connection, I/O, constraint the caller did not expect).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A row that must exist does not (or belongs to another account).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The row changed since it was read (optimistic concurrency), a unique value is taken, or
    /// the row's state forbids the change (a department that still has conversations).
    #[error("conflict ({code}): {message}")]
    Conflict {
        /// A stable code (the API answers with it; [`CONFLICT_CODES`] lists them).
        code: &'static str,
        /// What happened, in English, for logs and API clients.
        message: String,
        /// A count the message speaks of (child departments, role bindings...).
        count: Option<i64>,
    },
    /// A stored value the code cannot read: the database was changed outside the application.
    #[error("unreadable value in {table}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What could not be read.
        detail: String,
    },
    /// The schema is newer than this binary.
    #[error(
        "the database schema is at version {found}, newer than this binary's {supported}: upgrade atende"
    )]
    SchemaTooNew {
        /// The database's version.
        found: i64,
        /// The newest this binary knows.
        supported: i64,
    },
}

/// Every code a [`StoreError::Conflict`] carries.
pub const CONFLICT_CODES: &[&str] = &[
    "conflict",
    "channel_in_use",
    "default_department",
    "department_has_children",
    "department_has_conversations",
    "department_has_bindings",
    "department_has_channels",
    "tag_exists",
    "same_tag",
    "phone_taken",
    "same_contact",
];

impl StoreError {
    /// A conflict with its stable code (one of [`CONFLICT_CODES`]).
    pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> StoreError {
        debug_assert!(CONFLICT_CODES.contains(&code), "{code}");
        StoreError::Conflict {
            code,
            message: message.into(),
            count: None,
        }
    }

    /// A conflict about `count` things.
    pub(crate) fn conflict_counting(
        code: &'static str,
        count: i64,
        message: impl Into<String>,
    ) -> StoreError {
        debug_assert!(CONFLICT_CODES.contains(&code), "{code}");
        StoreError::Conflict {
            code,
            message: message.into(),
            count: Some(count),
        }
    }

    pub(crate) fn corrupt(table: &'static str, detail: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            table,
            detail: detail.into(),
        }
    }

    /// Whether the error is a unique-constraint violation (a duplicate email, name...).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            StoreError::Conflict { .. } => true,
            _ => false,
        }
    }
}
