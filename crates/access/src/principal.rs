//! The resolved principal: a user, their bindings active for the client address, memberships
//! and supervised subtree, folded once per request into per-department facts so that every later
//! decision is a handful of lookups.

use std::net::IpAddr;

use crate::ids::{AccountId, DepartmentId, UserId};
use crate::model::{
    AccessOption, AccountConfig, MembershipKind, QueueAccess, Scope, Settings, StatusClass, User,
};
use crate::permission::{Permission, PermissionSet};
use crate::reason::{BindingRef, MissingNote};

/// Whether the principal can act at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Standing {
    /// Active, with at least one active binding.
    Active,
    /// The user is inactive.
    Inactive,
    /// Active, but no binding is active from the client address.
    NoActiveBinding,
}

/// One flag per status class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ClassFlags {
    waiting: bool,
    in_progress: bool,
    finished: bool,
}

impl ClassFlags {
    fn from_fn(f: impl Fn(StatusClass) -> bool) -> ClassFlags {
        ClassFlags {
            waiting: f(StatusClass::Waiting),
            in_progress: f(StatusClass::InProgress),
            finished: f(StatusClass::Finished),
        }
    }

    pub(crate) fn get(self, k: StatusClass) -> bool {
        match k {
            StatusClass::Waiting => self.waiting,
            StatusClass::InProgress => self.in_progress,
            StatusClass::Finished => self.finished,
        }
    }
}

/// A binding active for the request, with its role's permissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ActiveBinding {
    pub(crate) binding: BindingRef,
    pub(crate) permissions: PermissionSet,
    /// For a department scope: every department of its subtree, sorted.
    pub(crate) covers: Vec<DepartmentId>,
}

/// What the principal has in one department.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DeptFacts {
    pub(crate) id: DepartmentId,
    pub(crate) access: AccessOption,
    pub(crate) member: bool,
    /// The supervised department (this one or an ancestor) that puts it in `supervised(U)`.
    pub(crate) supervised_via: Option<DepartmentId>,
    /// Permissions of active bindings whose scope covers this department.
    pub(crate) permissions: PermissionSet,
    /// Whether a department-shaped rule (V3, V4*, V5) grants each status class here.
    pub(crate) sees: ClassFlags,
}

/// A user resolved for one request. Build it with [`Principal::resolve`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub(crate) account: AccountId,
    pub(crate) user: UserId,
    pub(crate) settings: Settings,
    pub(crate) standing: Standing,
    pub(crate) active_bindings: Vec<ActiveBinding>,
    /// Bindings switched off by allowed networks.
    pub(crate) network_blocked: Vec<ActiveBinding>,
    /// Permissions of active account-scoped bindings.
    pub(crate) account_permissions: PermissionSet,
    /// Permissions of every binding, whatever scope or network (for no escalation).
    pub(crate) held_permissions: PermissionSet,
    /// Per department of the account, sorted by id.
    pub(crate) departments: Vec<DeptFacts>,
    /// Status classes seen in every department through an account-scoped company view.
    pub(crate) everywhere: ClassFlags,
}

pub(crate) const fn company_view(class: StatusClass) -> Permission {
    match class {
        StatusClass::Waiting => Permission::WaitingViewCompany,
        StatusClass::InProgress => Permission::InProgressViewCompany,
        StatusClass::Finished => Permission::FinishedViewCompany,
    }
}

pub(crate) const fn department_view(class: StatusClass) -> Permission {
    match class {
        StatusClass::Waiting => Permission::WaitingViewDepartment,
        StatusClass::InProgress => Permission::InProgressViewDepartment,
        StatusClass::Finished => Permission::FinishedViewDepartment,
    }
}

impl Principal {
    /// Resolves `user` of `config`'s account for a request from `client`.
    ///
    /// A user of another account resolves to a principal that can do nothing in this one.
    pub fn resolve(config: &AccountConfig, user: &User, client: IpAddr) -> Principal {
        Principal::resolve_from(config, user, Some(client))
    }

    /// Resolves `user` of `config`'s account for something that acts for them with no client
    /// address (an outbound webhook): only the bindings of roles without allowed networks are
    /// active; a role restricted to networks acts only for requests from inside them.
    pub fn resolve_unaddressed(config: &AccountConfig, user: &User) -> Principal {
        Principal::resolve_from(config, user, None)
    }

    fn resolve_from(config: &AccountConfig, user: &User, client: Option<IpAddr>) -> Principal {
        let tree = &config.departments;
        let mut active_bindings = Vec::new();
        let mut network_blocked = Vec::new();
        let mut held = PermissionSet::EMPTY;
        for b in &user.bindings {
            let Some(role) = config.roles.get(&b.role) else {
                continue;
            };
            held = held.union(role.permissions);
            let binding = BindingRef {
                role: b.role,
                scope: b.scope,
            };
            let active = role.allowed_networks.is_empty()
                || client.is_some_and(|c| role.allowed_networks.iter().any(|n| n.contains(c)));
            let covers = match b.scope {
                Scope::Account => Vec::new(),
                Scope::Department(root) => tree
                    .iter()
                    .map(|d| d.id)
                    .filter(|d| tree.in_subtree(*d, root))
                    .collect(),
            };
            let resolved = ActiveBinding {
                binding,
                permissions: role.permissions,
                covers,
            };
            if active {
                active_bindings.push(resolved);
            } else {
                network_blocked.push(resolved);
            }
        }
        let same_account = user.account == config.account;
        let standing = if !user.active || !same_account {
            Standing::Inactive
        } else if active_bindings.is_empty() {
            Standing::NoActiveBinding
        } else {
            Standing::Active
        };
        let account_permissions = active_bindings
            .iter()
            .filter(|b| b.binding.scope == Scope::Account)
            .fold(PermissionSet::EMPTY, |acc, b| acc.union(b.permissions));
        let settings = config.settings;
        let everywhere = ClassFlags::from_fn(|k| account_permissions.contains(company_view(k)));

        let departments = tree
            .iter()
            .map(|d| {
                let member = user.is_member_of(d.id);
                let supervised_via = tree.ancestors_or_self(d.id).find(|a| {
                    user.memberships
                        .iter()
                        .any(|m| m.department == *a && m.kind == MembershipKind::Supervisor)
                });
                let permissions = active_bindings
                    .iter()
                    .filter(|b| match b.binding.scope {
                        Scope::Account => true,
                        Scope::Department(_) => b.covers.binary_search(&d.id).is_ok(),
                    })
                    .fold(PermissionSet::EMPTY, |acc, b| acc.union(b.permissions));
                let mut facts = DeptFacts {
                    id: d.id,
                    access: d.access,
                    member,
                    supervised_via,
                    permissions,
                    sees: ClassFlags::default(),
                };
                facts.sees = ClassFlags::from_fn(|k| dept_rule_grants(&settings, &facts, k));
                facts
            })
            .collect();

        Principal {
            account: config.account,
            user: user.id,
            settings,
            standing,
            active_bindings,
            network_blocked,
            account_permissions,
            held_permissions: held,
            departments,
            everywhere,
        }
    }

    /// The user.
    pub fn user(&self) -> UserId {
        self.user
    }

    /// The account.
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// The account's settings the principal was resolved with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the user can act at all.
    pub fn standing(&self) -> Standing {
        self.standing
    }

    /// Active and with an active binding.
    pub fn is_operational(&self) -> bool {
        self.standing == Standing::Active
    }

    /// Permissions of active account-scoped bindings (empty when not operational).
    pub fn account_permissions(&self) -> PermissionSet {
        if self.is_operational() {
            self.account_permissions
        } else {
            PermissionSet::EMPTY
        }
    }

    /// Every permission of every binding, whatever scope or network.
    pub fn held_permissions(&self) -> PermissionSet {
        self.held_permissions
    }

    /// The departments where the user is a member or supervisor.
    pub fn memberships(&self) -> impl Iterator<Item = DepartmentId> + '_ {
        self.departments.iter().filter(|d| d.member).map(|d| d.id)
    }

    /// `supervised(U)`: every department of the subtrees the user supervises.
    pub fn supervised(&self) -> impl Iterator<Item = DepartmentId> + '_ {
        self.departments
            .iter()
            .filter(|d| d.supervised_via.is_some())
            .map(|d| d.id)
    }

    pub(crate) fn dept(&self, id: DepartmentId) -> Option<&DeptFacts> {
        self.departments
            .binary_search_by_key(&id, |d| d.id)
            .ok()
            .and_then(|i| self.departments.get(i))
    }

    /// `has(U, p, C)` for a conversation in `department`.
    pub(crate) fn has_in(&self, p: Permission, department: DepartmentId) -> bool {
        match self.dept(department) {
            Some(d) => d.permissions.contains(p),
            None => self.account_permissions.contains(p),
        }
    }

    /// The first active binding granting `p` in `department` (or at account level with `None`).
    pub(crate) fn granting_binding(
        &self,
        p: Permission,
        department: Option<DepartmentId>,
    ) -> Option<BindingRef> {
        self.active_bindings
            .iter()
            .find(|b| {
                b.permissions.contains(p)
                    && match (b.binding.scope, department) {
                        (Scope::Account, _) => true,
                        (Scope::Department(_), Some(d)) => b.covers.binary_search(&d).is_ok(),
                        (Scope::Department(_), None) => false,
                    }
            })
            .map(|b| b.binding)
    }

    /// Why a permission is missing: at account level (`department` is `None`) or for a
    /// conversation in `department`. The address is blamed only when a binding it switched off
    /// would have granted the permission right there.
    pub(crate) fn missing_note(
        &self,
        p: Permission,
        department: Option<DepartmentId>,
    ) -> MissingNote {
        let grants_here = |b: &ActiveBinding| {
            b.permissions.contains(p)
                && match (b.binding.scope, department) {
                    (Scope::Account, _) => true,
                    (Scope::Department(_), Some(d)) => b.covers.binary_search(&d).is_ok(),
                    (Scope::Department(_), None) => false,
                }
        };
        let elsewhere = self
            .active_bindings
            .iter()
            .chain(&self.network_blocked)
            .any(|b| b.permissions.contains(p));
        if self.network_blocked.iter().any(grants_here) {
            MissingNote::OutsideAllowedNetworks
        } else if elsewhere {
            match department {
                None => MissingNote::OnlyDepartmentScoped,
                Some(_) => MissingNote::OtherDepartments,
            }
        } else {
            MissingNote::NotGranted
        }
    }
}

/// Whether V3, V4 or V5 grants status class `k` in a department, for the principal.
fn dept_rule_grants(settings: &Settings, d: &DeptFacts, k: StatusClass) -> bool {
    if d.supervised_via.is_some() {
        return true; // V3
    }
    let v4 = match k {
        StatusClass::Waiting => d.member && settings.waiting_queue == QueueAccess::Members,
        StatusClass::InProgress => {
            d.member
                && (matches!(d.access, AccessOption::All | AccessOption::Team)
                    || settings.shared_inbox)
        }
        StatusClass::Finished => {
            settings.finished_queue == QueueAccess::Members
                && match d.access {
                    AccessOption::All => true,
                    AccessOption::Team => d.member,
                    AccessOption::Agent => false,
                }
        }
    };
    v4 || d.permissions.contains(company_view(k))
        || (d.permissions.contains(department_view(k)) && d.member)
}
