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

impl Subject {
    /// The question in a few words, with the file's ids: `transfer c1 → bia`, `login`,
    /// `conversation.assume on c2`.
    pub fn describe(&self, n: &Names) -> String {
        match self {
            Subject::Action {
                action,
                conversation,
                to_user,
                to_department,
            } => {
                let mut t = format!("{} {}", action.id(), n.conversation_name(*conversation));
                if let Some(u) = to_user {
                    t.push_str(&format!(" → {}", n.user_name(*u)));
                }
                if let Some(d) = to_department {
                    t.push_str(&format!(" → {}", n.department_name(*d)));
                }
                t
            }
            Subject::Login => "login".to_owned(),
            Subject::ManageUser { target } => format!("manage_user {}", n.user_name(*target)),
            Subject::Permission {
                permission,
                conversation: None,
            } => permission.id().to_owned(),
            Subject::Permission {
                permission,
                conversation: Some(c),
            } => {
                format!("{} on {}", permission.id(), n.conversation_name(*c))
            }
        }
    }
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

/// New ids for a scenario's objects (a database gives its own).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdMap {
    /// The account.
    pub account: Option<access::AccountId>,
    /// Users.
    pub users: BTreeMap<UserId, UserId>,
    /// Departments.
    pub departments: BTreeMap<DepartmentId, DepartmentId>,
    /// Roles.
    pub roles: BTreeMap<RoleId, RoleId>,
    /// Conversations.
    pub conversations: BTreeMap<ConversationId, ConversationId>,
}

fn map_id<T: Ord + Copy>(map: &BTreeMap<T, T>, id: T) -> T {
    map.get(&id).copied().unwrap_or(id)
}

impl IdMap {
    fn user(&self, u: UserId) -> UserId {
        map_id(&self.users, u)
    }
    fn department(&self, d: DepartmentId) -> DepartmentId {
        map_id(&self.departments, d)
    }
    fn conversation(&self, c: ConversationId) -> ConversationId {
        map_id(&self.conversations, c)
    }
    fn subject(&self, s: &Subject) -> Subject {
        match s {
            Subject::Action {
                action,
                conversation,
                to_user,
                to_department,
            } => Subject::Action {
                action: *action,
                conversation: self.conversation(*conversation),
                to_user: to_user.map(|u| self.user(u)),
                to_department: to_department.map(|d| self.department(d)),
            },
            Subject::Login => Subject::Login,
            Subject::ManageUser { target } => Subject::ManageUser {
                target: self.user(*target),
            },
            Subject::Permission {
                permission,
                conversation,
            } => Subject::Permission {
                permission: *permission,
                conversation: conversation.map(|c| self.conversation(c)),
            },
        }
    }
}

impl Scenario {
    /// The same scenario with its names and expectations speaking of the ids in `map` (ids not
    /// in the map stay). The account itself is left as parsed: a backend that loaded it elsewhere
    /// answers from there.
    pub fn remapped(&self, map: &IdMap) -> Scenario {
        let names = Names {
            users: self
                .names
                .users
                .iter()
                .map(|(k, v)| (k.clone(), map.user(*v)))
                .collect(),
            departments: self
                .names
                .departments
                .iter()
                .map(|(k, v)| (k.clone(), map.department(*v)))
                .collect(),
            roles: self
                .names
                .roles
                .iter()
                .map(|(k, v)| (k.clone(), map_id(&map.roles, *v)))
                .collect(),
            conversations: self
                .names
                .conversations
                .iter()
                .map(|(k, v)| (k.clone(), map.conversation(*v)))
                .collect(),
        };
        let expectations = self
            .expectations
            .iter()
            .map(|e| Expectation {
                user: map.user(e.user),
                check: match &e.check {
                    Check::Decision {
                        subject,
                        allowed,
                        because,
                    } => Check::Decision {
                        subject: map.subject(subject),
                        allowed: *allowed,
                        because: *because,
                    },
                    Check::Tab { tab, sees } => Check::Tab {
                        tab: *tab,
                        sees: sees.iter().map(|c| map.conversation(*c)).collect(),
                    },
                },
                ..e.clone()
            })
            .collect();
        Scenario {
            name: self.name.clone(),
            account: self.account.clone(),
            conversations: self.conversations.clone(),
            names,
            expectations,
        }
    }
}
