//! A small hand-made account for the rstest tables, described with short strings:
//!
//! ```text
//! 1 sales (team)            3 support (all)
//! └── 2 sales-north (agent) └── 4 support-l2 (team)
//! ```
//!
//! Roles: 1 agent, 2 admin, 3 owner (built-in), 10 "custom" (permissions and networks per case).
//! User 1 is "me" (the principal of a case), user 2 a colleague (active agent, member of every
//! department), user 3 an inactive agent member of every department, user 4 an owner.

use std::collections::BTreeMap;
use std::net::IpAddr;

use access::{
    AccessOption, Account, AccountConfig, Assignment, Binding, Conversation, ConversationId,
    Department, DepartmentId, DepartmentTree, Membership, MembershipKind, Permission,
    PermissionSet, Principal, QueueAccess, Role, RoleId, Scope, Settings, Status, User, UserId,
};

use crate::world::{ACC, ADMIN, AGENT, OWNER, builtin_roles, ip, net};

pub const CUSTOM: RoleId = RoleId(10);
pub const ME: UserId = UserId(1);
pub const COLLEAGUE: UserId = UserId(2);
pub const INACTIVE: UserId = UserId(3);
pub const BOSS: UserId = UserId(4);

pub const SALES: DepartmentId = DepartmentId(1);
pub const NORTH: DepartmentId = DepartmentId(2);
pub const SUPPORT: DepartmentId = DepartmentId(3);
pub const L2: DepartmentId = DepartmentId(4);

/// Who a conversation is assigned to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Me,
    Other,
    Nobody,
}

impl Who {
    pub fn id(self) -> Option<UserId> {
        match self {
            Who::Me => Some(ME),
            Who::Other => Some(COLLEAGUE),
            Who::Nobody => None,
        }
    }
}

/// Settings from `key=value` words over the defaults, e.g. `"shared_inbox=true waiting_queue=admins"`.
pub fn settings(spec: &str) -> Settings {
    let mut s = Settings::default();
    for word in spec.split_whitespace() {
        let (k, v) = word.split_once('=').unwrap();
        let flag = || v.parse::<bool>().unwrap();
        let queue = || QueueAccess::from_id(v).unwrap();
        match k {
            "my_finished_queue" => s.my_finished_queue = flag(),
            "waiting_queue" => s.waiting_queue = queue(),
            "finished_queue" => s.finished_queue = queue(),
            "hide_details_until_assumed" => s.hide_details_until_assumed = flag(),
            "shared_inbox" => s.shared_inbox = flag(),
            "assignment" => s.assignment = Assignment::from_id(v).unwrap(),
            "satisfaction_survey" => s.satisfaction_survey = flag(),
            other => panic!("unknown setting {other}"),
        }
    }
    s
}

/// Permissions from their ids, space separated.
pub fn permissions(spec: &str) -> PermissionSet {
    spec.split_whitespace()
        .map(|id| Permission::from_id(id).unwrap_or_else(|| panic!("unknown permission {id}")))
        .collect()
}

/// A user from words: `member:D`, `supervisor:D`, and bindings `agent`, `admin`, `owner`,
/// `custom`, each optionally `@D` for a department scope; `inactive`.
pub fn user(id: UserId, spec: &str) -> User {
    let mut u = User {
        id,
        account: ACC,
        active: true,
        memberships: Vec::new(),
        bindings: Vec::new(),
    };
    for word in spec.split_whitespace() {
        if word == "inactive" {
            u.active = false;
            continue;
        }
        if let Some((kind, d)) = word.split_once(':') {
            u.memberships.push(Membership {
                department: DepartmentId(d.parse().unwrap()),
                kind: MembershipKind::from_id(kind).unwrap(),
            });
            continue;
        }
        let (role, scope) = match word.split_once('@') {
            Some((r, d)) => (r, Scope::Department(DepartmentId(d.parse().unwrap()))),
            None => (word, Scope::Account),
        };
        let role = match role {
            "agent" => AGENT,
            "admin" => ADMIN,
            "owner" => OWNER,
            "custom" => CUSTOM,
            other => panic!("unknown role {other}"),
        };
        u.bindings.push(Binding { role, scope });
    }
    u
}

pub fn conv(id: i64, department: DepartmentId, status: Status, assignee: Who) -> Conversation {
    Conversation {
        id: ConversationId(id),
        account: ACC,
        department,
        status,
        assignee: assignee.id(),
    }
}

/// The fixture account.
#[derive(Clone, Debug)]
pub struct Fx {
    pub account: Account,
}

impl Fx {
    /// Default settings, the four departments, built-in roles and a custom role without
    /// permissions; users 2, 3 and 4; "me" (user 1) as given.
    pub fn new(me: &str) -> Fx {
        let dept = |id: DepartmentId, parent: Option<DepartmentId>, access| Department {
            id,
            name: format!("d{}", id.0),
            parent,
            access,
        };
        let tree = DepartmentTree::new(
            [
                dept(SALES, None, AccessOption::Team),
                dept(NORTH, Some(SALES), AccessOption::Agent),
                dept(SUPPORT, None, AccessOption::All),
                dept(L2, Some(SUPPORT), AccessOption::Team),
            ],
            SALES,
        )
        .unwrap();
        let mut roles = builtin_roles();
        roles.insert(
            CUSTOM,
            Role {
                id: CUSTOM,
                name: "custom".into(),
                builtin: None,
                permissions: PermissionSet::EMPTY,
                allowed_networks: Vec::new(),
            },
        );
        let everywhere = "member:1 member:2 member:3 member:4";
        let users: BTreeMap<UserId, User> = [
            user(ME, me),
            user(COLLEAGUE, &format!("{everywhere} agent")),
            user(INACTIVE, &format!("{everywhere} agent inactive")),
            user(BOSS, "owner"),
        ]
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
        Fx {
            account: Account {
                config: AccountConfig {
                    account: ACC,
                    settings: Settings::default(),
                    departments: tree,
                    roles,
                },
                users,
            },
        }
    }

    pub fn settings(mut self, spec: &str) -> Fx {
        self.account.config.settings = settings(spec);
        self
    }

    /// Gives the custom role these permissions.
    pub fn custom(mut self, perms: &str) -> Fx {
        if let Some(r) = self.account.config.roles.get_mut(&CUSTOM) {
            r.permissions = permissions(perms);
        }
        self
    }

    /// Restricts a role to networks.
    pub fn networks(mut self, role: RoleId, nets: &[&str]) -> Fx {
        if let Some(r) = self.account.config.roles.get_mut(&role) {
            r.allowed_networks = nets.iter().map(|n| net(n)).collect();
        }
        self
    }

    pub fn with_user(mut self, id: UserId, spec: &str) -> Fx {
        self.account.users.insert(id, user(id, spec));
        self
    }

    pub fn user(&self, id: UserId) -> &User {
        &self.account.users[&id]
    }

    /// The principal of `id` from `addr`; `"unknown"`: from a client whose address is unknown.
    pub fn principal_of(&self, id: UserId, addr: &str) -> Principal {
        if addr == "unknown" {
            return Principal::resolve_unaddressed(&self.account.config, self.user(id));
        }
        let addr: IpAddr = ip(addr);
        Principal::resolve(&self.account.config, self.user(id), addr)
    }

    /// "Me" from 127.0.0.1.
    pub fn me(&self) -> Principal {
        self.principal_of(ME, "127.0.0.1")
    }
}
