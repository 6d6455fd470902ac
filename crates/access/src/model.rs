//! The objects of the access model (ACCESS-MODEL.md, "Objects" and "Account settings"):
//! settings, the department tree, roles, users with memberships and bindings, conversations.

use std::collections::BTreeMap;

use crate::ids::{AccountId, ConversationId, DepartmentId, RoleId, UserId};
use crate::net::IpNet;
use crate::permission::{BuiltinRole, PermissionSet};

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $id:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable id written in files, the API and the database.
            pub fn id(self) -> &'static str {
                match self { $($name::$variant => $id),* }
            }

            /// Reads a value from its stable id.
            pub fn from_id(id: &str) -> Option<$name> {
                match id { $($id => Some($name::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.id())
            }
        }
    };
}
pub(crate) use named_enum;

named_enum!(
    /// Who sees a department's conversations beyond their assignee (HelenaCRM's
    /// "Acesso aos Atendimentos").
    AccessOption {
        /// "Todos": in progress for the team, finished for every user of the account.
        All = "all",
        /// "Equipe": the team's members.
        Team = "team",
        /// "Atendente": only the assignee and the team's supervisors.
        Agent = "agent",
    }
);

#[expect(
    clippy::derivable_impls,
    reason = "the enum comes from a macro; the default is the model's"
)]
impl Default for AccessOption {
    fn default() -> Self {
        AccessOption::Team
    }
}

named_enum!(
    /// Who a common queue (Aguardando, Finalizados) is open to (OmniChat (b)).
    QueueAccess {
        /// Every member of the conversation's department.
        Members = "members",
        /// Only holders of the queue's company or department view permissions.
        Admins = "admins",
    }
);

named_enum!(
    /// How new conversations reach an agent.
    Assignment {
        /// They wait in Aguardando until someone assumes them (Zenvia manual assignment).
        Manual = "manual",
        /// Routing assigns them (OmniChat's routing).
        Auto = "auto",
    }
);

/// Account settings (ACCESS-MODEL.md, "Account settings"). `Default` gives the model's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Settings {
    /// OmniChat (a): users see the finished conversations they had.
    pub my_finished_queue: bool,
    /// OmniChat (b): the Aguardando queue for members or admins only.
    pub waiting_queue: QueueAccess,
    /// OmniChat (b): the Finalizados queue for members or admins only.
    pub finished_queue: QueueAccess,
    /// OmniChat (c): contact and conversation details hidden until assumed.
    pub hide_details_until_assumed: bool,
    /// Zenvia: agents see their colleagues' conversations.
    pub shared_inbox: bool,
    /// Zenvia manual assignment; OmniChat routing.
    pub assignment: Assignment,
    /// Opa!: finishing passes through a satisfaction survey.
    pub satisfaction_survey: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            my_finished_queue: true,
            waiting_queue: QueueAccess::Members,
            finished_queue: QueueAccess::Members,
            hide_details_until_assumed: false,
            shared_inbox: false,
            assignment: Assignment::Manual,
            satisfaction_survey: false,
        }
    }
}

/// A department of the account's tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Department {
    /// Its id.
    pub id: DepartmentId,
    /// Display name.
    pub name: String,
    /// Parent in the tree; `None` for a root.
    pub parent: Option<DepartmentId>,
    /// Access option.
    pub access: AccessOption,
}

/// Why a department tree is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// The account has no department at all.
    #[error("an account needs at least one department (its default department)")]
    Empty,
    /// The default department is not one of the departments.
    #[error("the default department {0} is not a department of the account")]
    UnknownDefault(DepartmentId),
    /// A department names a parent that does not exist.
    #[error(
        "department {department} has parent {parent}, which is not a department of the account"
    )]
    UnknownParent {
        /// The child.
        department: DepartmentId,
        /// The missing parent.
        parent: DepartmentId,
    },
    /// Following parents leads back to the start.
    #[error("departments form a cycle through {0}: a department cannot be its own ancestor")]
    Cycle(DepartmentId),
    /// The same id twice.
    #[error("department {0} appears twice")]
    Duplicate(DepartmentId),
}

/// The account's departments: a forest, validated (parents exist, no cycle), with a default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentTree {
    default: DepartmentId,
    departments: BTreeMap<DepartmentId, Department>,
}

impl DepartmentTree {
    /// Builds and validates a tree.
    pub fn new(
        departments: impl IntoIterator<Item = Department>,
        default: DepartmentId,
    ) -> Result<DepartmentTree, TreeError> {
        let mut map = BTreeMap::new();
        for d in departments {
            let id = d.id;
            if map.insert(id, d).is_some() {
                return Err(TreeError::Duplicate(id));
            }
        }
        if map.is_empty() {
            return Err(TreeError::Empty);
        }
        if !map.contains_key(&default) {
            return Err(TreeError::UnknownDefault(default));
        }
        for d in map.values() {
            if let Some(parent) = d.parent.filter(|p| !map.contains_key(p)) {
                return Err(TreeError::UnknownParent {
                    department: d.id,
                    parent,
                });
            }
        }
        for d in map.values() {
            let mut steps = 0usize;
            let mut cur = d.parent;
            while let Some(p) = cur {
                if p == d.id || steps > map.len() {
                    return Err(TreeError::Cycle(d.id));
                }
                steps += 1;
                cur = map.get(&p).and_then(|x| x.parent);
            }
        }
        Ok(DepartmentTree {
            default,
            departments: map,
        })
    }

    /// The department where new conversations land.
    pub fn default_department(&self) -> DepartmentId {
        self.default
    }

    /// A department by id.
    pub fn get(&self, id: DepartmentId) -> Option<&Department> {
        self.departments.get(&id)
    }

    /// Whether `id` is a department of the account.
    pub fn contains(&self, id: DepartmentId) -> bool {
        self.departments.contains_key(&id)
    }

    /// Every department, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Department> {
        self.departments.values()
    }

    /// Number of departments.
    pub fn len(&self) -> usize {
        self.departments.len()
    }

    /// Whether there is no department (never true for a built tree).
    pub fn is_empty(&self) -> bool {
        self.departments.is_empty()
    }

    /// `department` followed by its ancestors up to its root.
    pub fn ancestors_or_self(
        &self,
        department: DepartmentId,
    ) -> impl Iterator<Item = DepartmentId> + '_ {
        let mut cur = self.contains(department).then_some(department);
        std::iter::from_fn(move || {
            let here = cur?;
            cur = self.departments.get(&here).and_then(|d| d.parent);
            Some(here)
        })
    }

    /// Whether `department` is `root` or lies below it.
    pub fn in_subtree(&self, department: DepartmentId, root: DepartmentId) -> bool {
        self.ancestors_or_self(department).any(|a| a == root)
    }

    /// Changes a department's access option (for presets and administration).
    pub fn set_access(&mut self, department: DepartmentId, access: AccessOption) -> bool {
        match self.departments.get_mut(&department) {
            Some(d) => {
                d.access = access;
                true
            }
            None => false,
        }
    }
}

/// A role binding's scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The whole account.
    Account,
    /// One department and its subtree.
    Department(DepartmentId),
}

/// A role bound to a user with a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Binding {
    /// The role.
    pub role: RoleId,
    /// Where it applies.
    pub scope: Scope,
}

named_enum!(
    /// The kind of a membership (HelenaCRM's "supervisores da equipe").
    MembershipKind {
        /// A member of the team.
        Member = "member",
        /// A supervisor: also oversees the department's subtree.
        Supervisor = "supervisor",
    }
);

/// A user's membership in one department.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Membership {
    /// The department.
    pub department: DepartmentId,
    /// Member or supervisor.
    pub kind: MembershipKind,
}

/// A user as the engine sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Its account.
    pub account: AccountId,
    /// Inactive users can do nothing.
    pub active: bool,
    /// Memberships, at most one per department.
    pub memberships: Vec<Membership>,
    /// Role bindings; permissions are additive.
    pub bindings: Vec<Binding>,
}

impl User {
    /// Whether the user has a membership (member or supervisor) in `department` itself.
    pub fn is_member_of(&self, department: DepartmentId) -> bool {
        self.memberships.iter().any(|m| m.department == department)
    }
}

/// A named set of permissions, optionally restricted to networks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// Its id.
    pub id: RoleId,
    /// Display name (for built-in roles, their id).
    pub name: String,
    /// Which built-in role this is, if any.
    pub builtin: Option<BuiltinRole>,
    /// The permissions it grants.
    pub permissions: PermissionSet,
    /// When not empty, a binding of this role is active only from inside one of these networks.
    pub allowed_networks: Vec<IpNet>,
}

impl Role {
    /// A built-in role with the given id.
    pub fn builtin(id: RoleId, builtin: BuiltinRole) -> Role {
        Role {
            id,
            name: builtin.id().to_owned(),
            builtin: Some(builtin),
            permissions: builtin.permissions(),
            allowed_networks: Vec::new(),
        }
    }
}

named_enum!(
    /// A conversation's status.
    Status {
        /// Unassigned, in Aguardando / Não atribuídos.
        Waiting = "waiting",
        /// Assigned, em andamento.
        InProgress = "in_progress",
        /// In the satisfaction survey.
        Survey = "survey",
        /// Concluído / Finalizado.
        Finished = "finished",
    }
);

/// The three status classes visibility rules and plans speak of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusClass {
    /// `waiting`.
    Waiting,
    /// `in_progress` and `survey`.
    InProgress,
    /// `finished`.
    Finished,
}

impl StatusClass {
    /// The three classes.
    pub const ALL: [StatusClass; 3] = [
        StatusClass::Waiting,
        StatusClass::InProgress,
        StatusClass::Finished,
    ];

    /// Position in [`StatusClass::ALL`].
    pub fn index(self) -> usize {
        match self {
            StatusClass::Waiting => 0,
            StatusClass::InProgress => 1,
            StatusClass::Finished => 2,
        }
    }

    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            StatusClass::Waiting => "waiting",
            StatusClass::InProgress => "in_progress",
            StatusClass::Finished => "finished",
        }
    }

    /// The statuses of the class.
    pub fn statuses(self) -> &'static [Status] {
        match self {
            StatusClass::Waiting => &[Status::Waiting],
            StatusClass::InProgress => &[Status::InProgress, Status::Survey],
            StatusClass::Finished => &[Status::Finished],
        }
    }
}

impl Status {
    /// The class the status belongs to.
    pub fn class(self) -> StatusClass {
        match self {
            Status::Waiting => StatusClass::Waiting,
            Status::InProgress | Status::Survey => StatusClass::InProgress,
            Status::Finished => StatusClass::Finished,
        }
    }
}

/// What the engine needs of a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// Its account.
    pub account: AccountId,
    /// Its department.
    pub department: DepartmentId,
    /// Its status.
    pub status: Status,
    /// The assignee; kept when finished.
    pub assignee: Option<UserId>,
}

/// An account's access configuration: everything a principal is resolved against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountConfig {
    /// The account.
    pub account: AccountId,
    /// Its settings.
    pub settings: Settings,
    /// Its departments.
    pub departments: DepartmentTree,
    /// Its roles, built-in and custom.
    pub roles: BTreeMap<RoleId, Role>,
}

impl AccountConfig {
    /// The id of a built-in role in this account.
    pub fn builtin_role(&self, builtin: BuiltinRole) -> Option<RoleId> {
        self.roles
            .values()
            .find(|r| r.builtin == Some(builtin))
            .map(|r| r.id)
    }

    /// Every permission any binding of `user` could grant, whatever its scope or networks
    /// (what the no-escalation rule compares).
    pub fn held_permissions(&self, user: &User) -> PermissionSet {
        user.bindings
            .iter()
            .filter_map(|b| self.roles.get(&b.role))
            .fold(PermissionSet::EMPTY, |acc, r| acc.union(r.permissions))
    }

    /// Whether `user` is an active holder of `account.manage` (an account-scoped binding of a role
    /// that grants it, whatever the role's networks).
    pub fn is_account_manager(&self, user: &User) -> bool {
        user.active
            && user.bindings.iter().any(|b| {
                b.scope == Scope::Account
                    && self
                        .roles
                        .get(&b.role)
                        .is_some_and(|r| r.permissions.contains(crate::Permission::AccountManage))
            })
    }
}

/// An account with its users: what administrative decisions (no escalation, last
/// `account.manage`) are made against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Settings, departments, roles.
    pub config: AccountConfig,
    /// Users by id.
    pub users: BTreeMap<UserId, User>,
}

impl Account {
    /// Number of active `account.manage` holders.
    pub fn account_managers(&self) -> usize {
        self.users
            .values()
            .filter(|u| u.account == self.config.account && self.config.is_account_manager(u))
            .count()
    }
}
