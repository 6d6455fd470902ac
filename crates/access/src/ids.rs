//! Newtype identifiers. The engine never mixes a user id with a department id.

use std::fmt;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

id_type!(
    /// An account (tenant): "empresa", "loja".
    AccountId,
    "account#"
);
id_type!(
    /// A user of one account.
    UserId,
    "user#"
);
id_type!(
    /// A department ("equipe", "departamento", "grupo").
    DepartmentId,
    "department#"
);
id_type!(
    /// A role, built-in or custom.
    RoleId,
    "role#"
);
id_type!(
    /// A conversation ("atendimento").
    ConversationId,
    "conversation#"
);
