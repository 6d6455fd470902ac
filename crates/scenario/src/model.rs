//! A parsed access test file: the account it describes, the names of its objects, and its
//! expectations.

use std::collections::BTreeMap;
use std::net::IpAddr;

use access::{
    Account, ActionKind, Conversation, ConversationId, DepartmentId, Permission, RoleId, Rule, Tab,
    UserId,
};

/// The file's ids for each kind of object, both ways.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    /// Users by file id.
    pub users: BTreeMap<String, UserId>,
    /// Departments by file id.
    pub departments: BTreeMap<String, DepartmentId>,
    /// Roles by file id (built-in ones included).
    pub roles: BTreeMap<String, RoleId>,
    /// Conversations by file id.
    pub conversations: BTreeMap<String, ConversationId>,
}

fn reverse<T: PartialEq + Copy + std::fmt::Display>(map: &BTreeMap<String, T>, id: T) -> String {
    map.iter()
        .find(|(_, v)| **v == id)
        .map_or_else(|| id.to_string(), |(k, _)| k.clone())
}

impl Names {
    /// A user's file id.
    pub fn user_name(&self, id: UserId) -> String {
        reverse(&self.users, id)
    }
    /// A department's file id.
    pub fn department_name(&self, id: DepartmentId) -> String {
        reverse(&self.departments, id)
    }
    /// A role's file id.
    pub fn role_name(&self, id: RoleId) -> String {
        reverse(&self.roles, id)
    }
    /// A conversation's file id.
    pub fn conversation_name(&self, id: ConversationId) -> String {
        reverse(&self.conversations, id)
    }
}

impl access::explain::Names for Names {
    fn user(&self, id: UserId) -> String {
        self.user_name(id)
    }
    fn department(&self, id: DepartmentId) -> String {
        self.department_name(id)
    }
    fn role(&self, id: RoleId) -> String {
        self.role_name(id)
    }
}

/// What a `can:` / `cannot:` expectation asks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A conversation action.
    Action {
        /// The action.
        action: ActionKind,
        /// The conversation.
        conversation: ConversationId,
        /// `to_user:` of a transfer.
        to_user: Option<UserId>,
        /// `to_department:` of a change of department.
        to_department: Option<DepartmentId>,
    },
    /// `login`.
    Login,
    /// `manage_user` with `target:`.
    ManageUser {
        /// The user to manage.
        target: UserId,
    },
    /// A permission: account level, or `has(U, p, C)` with `conversation:`.
    Permission {
        /// The permission.
        permission: Permission,
        /// The conversation, for a conversation permission.
        conversation: Option<ConversationId>,
    },
}

/// What `because:` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Because {
    /// A visibility rule.
    Rule(Rule),
    /// A permission.
    Permission(Permission),
    /// Another reason code of the engine (`inactive`, `no_active_binding`, `status`, ...), an
    /// extension of the format documented in `docs/access-model.md`.
    Code(&'static str),
}

impl Because {
    /// The code as written.
    pub fn code(&self) -> &'static str {
        match self {
            Because::Rule(r) => r.id(),
            Because::Permission(p) => p.id(),
            Because::Code(c) => c,
        }
    }
}

/// What an expectation checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// `can:` / `cannot:`.
    Decision {
        /// The question.
        subject: Subject,
        /// `true` for `can:`, `false` for `cannot:` (or `expect: false`).
        allowed: bool,
        /// `because:`.
        because: Option<Because>,
    },
    /// `tab:` with `sees:`.
    Tab {
        /// The tab.
        tab: Tab,
        /// The exact set expected.
        sees: Vec<ConversationId>,
    },
}

/// One expectation of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    /// 1-based position in `expect:`.
    pub index: usize,
    /// Line where it starts.
    pub line: usize,
    /// The user.
    pub user: UserId,
    /// The client address (`from:`, default 127.0.0.1).
    pub from: IpAddr,
    /// The check.
    pub check: Check,
}

/// A valid access test file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// `name:`.
    pub name: String,
    /// The account, with its users.
    pub account: Account,
    /// The conversations.
    pub conversations: Vec<Conversation>,
    /// Ids as written in the file.
    pub names: Names,
    /// The expectations, in file order.
    pub expectations: Vec<Expectation>,
}
