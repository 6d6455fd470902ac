//! Random worlds for the property tests: one account (`AccountId(1)`) with random settings, a
//! random department forest, custom roles with random permissions and allowed networks, users
//! with random memberships and bindings, conversations in every status, and a few
//! conversations (and a user) of another account (`AccountId(2)`) that must never cross over.

use std::collections::BTreeMap;
use std::net::IpAddr;

use access::{
    AccessOption, Account, AccountConfig, AccountId, Action, Assignment, Binding, BuiltinRole,
    Conversation, ConversationId, Department, DepartmentId, DepartmentTree, Inbox, IpNet,
    Membership, MembershipKind, Permission, PermissionScope, Principal, QueueAccess, Role, RoleId,
    Scope, Settings, Status, User, UserId,
};
use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};

/// The account under test.
pub const ACC: AccountId = AccountId(1);
/// Another account: nothing of it may ever be visible from `ACC`.
pub const OTHER_ACC: AccountId = AccountId(2);
/// Built-in role ids of every world.
pub const AGENT: RoleId = RoleId(1);
pub const ADMIN: RoleId = RoleId(2);
pub const OWNER: RoleId = RoleId(3);
/// First custom role id.
pub const CUSTOM0: i64 = 11;
/// A department id no world has.
pub const UNKNOWN_DEPT: DepartmentId = DepartmentId(999);
/// The user of the other account.
pub const STRANGER: UserId = UserId(50);

/// The client addresses every property is checked from.
pub const ADDRS: [&str; 4] = ["127.0.0.1", "10.1.2.3", "203.0.113.5", "::ffff:10.1.2.3"];

/// Allowed-network choices for custom roles (empty twice: most roles have no restriction).
pub const NETWORKS: &[&[&str]] = &[
    &[],
    &[],
    &["10.0.0.0/8"],
    &["203.0.113.0/24"],
    &["127.0.0.1"],
    &["192.168.0.0/16", "2001:db8::/32"],
    &["10.0.0.0/8", "203.0.113.0/24"],
];

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

pub fn addrs() -> Vec<IpAddr> {
    ADDRS.iter().map(|a| ip(a)).collect()
}

pub fn conversation_permissions() -> Vec<Permission> {
    Permission::ALL
        .iter()
        .copied()
        .filter(|p| p.scope() == PermissionScope::Conversation)
        .collect()
}

pub fn account_permissions() -> Vec<Permission> {
    Permission::ALL
        .iter()
        .copied()
        .filter(|p| p.scope() == PermissionScope::Account)
        .collect()
}

pub fn builtin_roles() -> BTreeMap<RoleId, Role> {
    [
        (AGENT, BuiltinRole::Agent),
        (ADMIN, BuiltinRole::Admin),
        (OWNER, BuiltinRole::Owner),
    ]
    .into_iter()
    .map(|(id, b)| (id, Role::builtin(id, b)))
    .collect()
}

/// A generated world.
#[derive(Clone, Debug)]
pub struct World {
    /// The departments as generated (the oracle reads parents and access from here).
    pub depts: Vec<Department>,
    /// Config (settings, tree, roles) and users of account 1.
    pub account: Account,
    /// Conversations of account 1 with their activity time.
    pub convs: Vec<(Conversation, i64)>,
    /// Conversations of account 2 (same department and user ids as account 1's, on purpose).
    pub foreign: Vec<(Conversation, i64)>,
    /// A user of account 2, owner there, with memberships in account 1's department ids.
    pub stranger: User,
}

impl World {
    pub fn config(&self) -> &AccountConfig {
        &self.account.config
    }

    pub fn users(&self) -> Vec<&User> {
        self.account.users.values().collect()
    }

    pub fn user(&self, id: UserId) -> &User {
        &self.account.users[&id]
    }

    pub fn dept_ids(&self) -> Vec<DepartmentId> {
        self.depts.iter().map(|d| d.id).collect()
    }

    /// Every conversation of both accounts.
    pub fn all_convs(&self) -> impl Iterator<Item = &Conversation> {
        self.convs.iter().chain(&self.foreign).map(|(c, _)| c)
    }

    /// An inbox holding the conversations of both accounts.
    pub fn inbox(&self) -> Inbox {
        Inbox::new(self.convs.iter().chain(&self.foreign).copied())
    }

    pub fn principal(&self, u: &User, addr: IpAddr) -> Principal {
        Principal::resolve(self.config(), u, addr)
    }

    /// Every action worth asking about a conversation in this world: the argument-free ones,
    /// a transfer to every user (and to nobody, and to the other account's user), a department
    /// change to every department (and to an unknown one).
    pub fn actions(&self) -> Vec<Action<'_>> {
        let mut v = vec![
            Action::View,
            Action::ViewDetails,
            Action::Assume,
            Action::Reply,
            Action::Note,
            Action::Finish,
            Action::FinishInSurvey,
            Action::Reopen,
            Action::Tag,
            Action::Untag,
            Action::LinkContact,
            Action::Transfer(None),
            Action::Transfer(Some(&self.stranger)),
            Action::ChangeDepartment(UNKNOWN_DEPT),
        ];
        v.extend(
            self.account
                .users
                .values()
                .map(|u| Action::Transfer(Some(u))),
        );
        v.extend(self.depts.iter().map(|d| Action::ChangeDepartment(d.id)));
        v
    }
}

// ----- raw generated values -----

#[derive(Clone, Debug)]
pub struct RawRole {
    conv: Vec<Permission>,
    acct: Vec<Permission>,
    networks: usize,
}

#[derive(Clone, Debug)]
pub struct RawBinding {
    role: Index,
    /// `None`: account scope; otherwise a department.
    scope: Option<Index>,
}

#[derive(Clone, Debug)]
pub struct RawUser {
    active: bool,
    memberships: Vec<(Index, bool)>,
    bindings: Vec<RawBinding>,
}

#[derive(Clone, Debug)]
pub struct RawConv {
    dept: Index,
    status: Status,
    assignee: Index,
    finished_assigned: bool,
    at: i64,
}

pub fn settings() -> impl Strategy<Value = Settings> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(a, b, c, d, e, f, g)| Settings {
            my_finished_queue: a,
            waiting_queue: if b {
                QueueAccess::Members
            } else {
                QueueAccess::Admins
            },
            finished_queue: if c {
                QueueAccess::Members
            } else {
                QueueAccess::Admins
            },
            hide_details_until_assumed: d,
            shared_inbox: e,
            assignment: if f {
                Assignment::Manual
            } else {
                Assignment::Auto
            },
            satisfaction_survey: g,
        })
}

pub fn access_option() -> impl Strategy<Value = AccessOption> {
    select(AccessOption::ALL)
}

pub fn raw_role() -> impl Strategy<Value = RawRole> {
    let conv = conversation_permissions();
    let acct = account_permissions();
    let (nc, na) = (conv.len(), acct.len());
    (
        subsequence(conv, 0..=nc),
        subsequence(acct, 0..=na),
        0..NETWORKS.len(),
    )
        .prop_map(|(conv, acct, networks)| RawRole {
            conv,
            acct,
            networks,
        })
}

pub fn raw_binding() -> impl Strategy<Value = RawBinding> {
    (any::<Index>(), prop::option::weighted(0.4, any::<Index>()))
        .prop_map(|(role, scope)| RawBinding { role, scope })
}

pub fn raw_bindings() -> impl Strategy<Value = Vec<RawBinding>> {
    prop::collection::vec(raw_binding(), 0..=3)
}

pub fn raw_user() -> impl Strategy<Value = RawUser> {
    (
        prop::bool::weighted(0.85),
        prop::collection::vec((any::<Index>(), any::<bool>()), 0..=3),
        raw_bindings(),
    )
        .prop_map(|(active, memberships, bindings)| RawUser {
            active,
            memberships,
            bindings,
        })
}

pub fn raw_conv() -> impl Strategy<Value = RawConv> {
    (
        any::<Index>(),
        select(Status::ALL),
        any::<Index>(),
        prop::bool::weighted(0.8),
        0i64..12,
    )
        .prop_map(|(dept, status, assignee, finished_assigned, at)| RawConv {
            dept,
            status,
            assignee,
            finished_assigned,
            at,
        })
}

/// Turns raw bindings into bindings of a world with `n_roles` roles and departments `depts`.
pub fn bindings(raw: &[RawBinding], n_roles: usize, depts: &[DepartmentId]) -> Vec<Binding> {
    let mut v: Vec<Binding> = raw
        .iter()
        .map(|b| Binding {
            role: role_id(b.role.index(n_roles)),
            scope: match &b.scope {
                None => Scope::Account,
                Some(i) => Scope::Department(depts[i.index(depts.len())]),
            },
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Role id of the `i`-th role: the three built-ins, then customs.
pub fn role_id(i: usize) -> RoleId {
    match i {
        0 => AGENT,
        1 => ADMIN,
        2 => OWNER,
        n => RoleId(CUSTOM0 + n as i64 - 3),
    }
}

fn conv(
    id: i64,
    account: AccountId,
    raw: &RawConv,
    depts: &[DepartmentId],
    users: &[UserId],
) -> (Conversation, i64) {
    let assignee = users[raw.assignee.index(users.len())];
    let assignee = match raw.status {
        Status::Waiting => None,
        Status::InProgress | Status::Survey => Some(assignee),
        Status::Finished => raw.finished_assigned.then_some(assignee),
    };
    (
        Conversation {
            id: ConversationId(id),
            account,
            department: depts[raw.dept.index(depts.len())],
            status: raw.status,
            assignee,
        },
        raw.at,
    )
}

fn build(
    settings: Settings,
    raw_depts: Vec<(Option<Index>, AccessOption)>,
    raw_roles: Vec<RawRole>,
    raw_users: Vec<RawUser>,
    raw_convs: Vec<RawConv>,
    raw_foreign: Vec<RawConv>,
) -> World {
    // Department i has id 10·(i+1); its parent is one of the earlier departments or none.
    let ids: Vec<DepartmentId> = (0..raw_depts.len())
        .map(|i| DepartmentId(10 * (i as i64 + 1)))
        .collect();
    let depts: Vec<Department> = raw_depts
        .iter()
        .enumerate()
        .map(|(i, (parent, access))| Department {
            id: ids[i],
            name: format!("d{}", ids[i].0),
            parent: match parent {
                Some(p) if i > 0 => Some(ids[p.index(i)]),
                _ => None,
            },
            access: *access,
        })
        .collect();
    let tree = DepartmentTree::new(depts.clone(), ids[0]).unwrap();

    let mut roles = builtin_roles();
    for (i, r) in raw_roles.iter().enumerate() {
        let id = role_id(3 + i);
        roles.insert(
            id,
            Role {
                id,
                name: format!("custom{i}"),
                builtin: None,
                permissions: r.conv.iter().chain(&r.acct).copied().collect(),
                allowed_networks: NETWORKS[r.networks].iter().map(|n| net(n)).collect(),
            },
        );
    }
    let n_roles = roles.len();

    let user_ids: Vec<UserId> = (1..=raw_users.len() as i64).map(UserId).collect();
    let users: BTreeMap<UserId, User> = raw_users
        .iter()
        .zip(&user_ids)
        .map(|(r, id)| {
            let mut memberships: Vec<Membership> = Vec::new();
            for (d, sup) in &r.memberships {
                let department = ids[d.index(ids.len())];
                if memberships.iter().all(|m| m.department != department) {
                    memberships.push(Membership {
                        department,
                        kind: if *sup {
                            MembershipKind::Supervisor
                        } else {
                            MembershipKind::Member
                        },
                    });
                }
            }
            let user = User {
                id: *id,
                account: ACC,
                active: r.active,
                memberships,
                bindings: bindings(&r.bindings, n_roles, &ids),
            };
            (*id, user)
        })
        .collect();

    let convs = raw_convs
        .iter()
        .enumerate()
        .map(|(i, r)| conv(i as i64 + 1, ACC, r, &ids, &user_ids))
        .collect();
    // Foreign conversations reuse account 1's department ids and may be "assigned" to an
    // account-1 user id: the account alone must keep them out.
    let mut foreign_assignees = user_ids.clone();
    foreign_assignees.push(STRANGER);
    let foreign = raw_foreign
        .iter()
        .enumerate()
        .map(|(i, r)| conv(1000 + i as i64, OTHER_ACC, r, &ids, &foreign_assignees))
        .collect();
    let stranger = User {
        id: STRANGER,
        account: OTHER_ACC,
        active: true,
        memberships: ids
            .iter()
            .map(|d| Membership {
                department: *d,
                kind: MembershipKind::Supervisor,
            })
            .collect(),
        bindings: vec![Binding {
            role: OWNER,
            scope: Scope::Account,
        }],
    };

    World {
        depts,
        account: Account {
            config: AccountConfig {
                account: ACC,
                settings,
                departments: tree,
                roles,
            },
            users,
        },
        convs,
        foreign,
        stranger,
    }
}

/// A random world, as the brief describes it.
pub fn world() -> impl Strategy<Value = World> {
    (
        settings(),
        prop::collection::vec(
            (prop::option::weighted(0.7, any::<Index>()), access_option()),
            1..=6,
        ),
        prop::collection::vec(raw_role(), 0..=3),
        prop::collection::vec(raw_user(), 1..=8),
        prop::collection::vec(raw_conv(), 0..=30),
        prop::collection::vec(raw_conv(), 0..=4),
    )
        .prop_map(|(s, d, r, u, c, f)| build(s, d, r, u, c, f))
}
