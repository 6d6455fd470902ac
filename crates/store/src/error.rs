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
    /// The row changed since it was read (optimistic concurrency), or a unique value is taken.
    #[error("conflict: {0}")]
    Conflict(String),
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

impl StoreError {
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
            StoreError::Conflict(_) => true,
            _ => false,
        }
    }
}
