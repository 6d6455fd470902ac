//! Account-level decisions (ACCESS-MODEL.md, "Account-level actions"): login, account
//! permissions, managing users (no escalation, last `account.manage`), editing roles, passwords.

use crate::ids::{AccountId, ConversationId, DepartmentId, UserId};
use crate::model::{
    Account, AccountConfig, Conversation, Membership, MembershipKind, Role, Status, User,
};
use crate::permission::{Permission, PermissionSet};
use crate::principal::{Principal, Standing};
use crate::reason::{Decision, MissingNote, Reason};
use crate::visibility::gate;

/// A change to a user, as `manage_user` decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserChange<'a> {
    /// Create this user (its bindings are the "after").
    Create(&'a User),
    /// Change the user `target` into `after` (edit, deactivate, set roles).
    Edit {
        /// The user as stored.
        target: UserId,
        /// The user after the change.
        after: &'a User,
    },
    /// Any change that leaves memberships and bindings as they are (reset a password, or just
    /// "may U manage T").
    Touch(UserId),
}

/// A change to a role, as role editing decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleChange<'a> {
    /// Create a custom role.
    Create(&'a Role),
    /// Change a role.
    Edit(&'a Role),
    /// Delete a role (its bindings go with it).
    Delete(crate::RoleId),
}

/// Stands for "somebody else" when probing what a principal sees of a department: stored
/// users have positive ids.
const SOMEONE_ELSE: UserId = UserId(-1);

/// The shapes a conversation of `department` takes for a viewer who is not its assignee:
/// waiting (nobody's), in progress, in survey and finished (somebody else's). Visibility depends
/// only on the account, the department, the status and whether the viewer is the assignee, so
/// these four stand for every such conversation.
fn probes(account: AccountId, department: DepartmentId) -> [Conversation; 4] {
    let probe = |status, assignee| Conversation {
        id: ConversationId(0),
        account,
        department,
        status,
        assignee,
    };
    [
        probe(Status::Waiting, None),
        probe(Status::InProgress, Some(SOMEONE_ELSE)),
        probe(Status::Survey, Some(SOMEONE_ELSE)),
        probe(Status::Finished, Some(SOMEONE_ELSE)),
    ]
}

impl Principal {
    /// Per probe of [`probes`]: whether the conversation is visible, and with details.
    fn department_view(&self, department: DepartmentId) -> [(bool, bool); 4] {
        probes(self.account, department).map(|c| (self.visible(&c), self.details_visible(&c)))
    }

    /// Whether the principal sees every conversation of `department` that is not assigned to
    /// them, in every status, with details (v2: the bar for adding a membership there).
    pub fn sees_whole_department(&self, department: DepartmentId) -> bool {
        self.department_view(department)
            .iter()
            .all(|(seen, details)| *seen && *details)
    }

    /// The departments where `other` sees a conversation (or its details) assigned to neither
    /// of them that this principal does not: where `other`'s view escapes this one's.
    pub fn sees_less_than(&self, config: &AccountConfig, other: &Principal) -> Vec<DepartmentId> {
        config
            .departments
            .iter()
            .map(|d| d.id)
            .filter(|d| {
                let mine = self.department_view(*d);
                let theirs = other.department_view(*d);
                mine.iter()
                    .zip(theirs.iter())
                    .any(|(m, t)| (t.0 && !m.0) || (t.1 && !m.1))
            })
            .collect()
    }

    /// The departments where the change adds a membership (or turns one into a supervision,
    /// which reaches the whole subtree) that this principal does not wholly see.
    fn memberships_beyond_view(
        &self,
        config: &AccountConfig,
        before: Option<&User>,
        after: Option<&User>,
    ) -> Vec<DepartmentId> {
        let Some(after) = after else {
            return Vec::new();
        };
        let had = |m: &Membership| {
            before.is_some_and(|b| {
                b.memberships.iter().any(|o| {
                    o.department == m.department
                        && (o.kind == m.kind || o.kind == MembershipKind::Supervisor)
                })
            })
        };
        let tree = &config.departments;
        let mut out = std::collections::BTreeSet::new();
        for m in after.memberships.iter().filter(|m| !had(m)) {
            let reached: Vec<DepartmentId> = match m.kind {
                MembershipKind::Member => vec![m.department],
                MembershipKind::Supervisor => tree
                    .iter()
                    .map(|d| d.id)
                    .filter(|d| tree.in_subtree(*d, m.department))
                    .collect(),
            };
            out.extend(
                reached
                    .into_iter()
                    .filter(|d| !self.sees_whole_department(*d)),
            );
        }
        out.into_iter().collect()
    }

    fn standing_reason(&self) -> Option<Reason> {
        match self.standing {
            Standing::Active => None,
            Standing::Inactive => Some(Reason::UserInactive),
            Standing::NoActiveBinding => Some(Reason::NoActiveBinding),
        }
    }

    /// `login`: active, with at least one binding active from the client address.
    pub fn decide_login(&self) -> Decision {
        match self.standing_reason() {
            Some(r) => Decision::deny(vec![r]),
            None => Decision::allow(
                self.active_bindings
                    .iter()
                    .map(|b| Reason::ActiveBinding(b.binding))
                    .collect(),
            ),
        }
    }

    /// `has(U, p)`: an active account-scoped binding grants `p`.
    pub fn decide_permission(&self, p: Permission) -> Decision {
        match self.standing {
            Standing::Active => {}
            Standing::Inactive => return Decision::deny(vec![Reason::UserInactive]),
            // Say which permission the address cost, when a network-restricted role grants it.
            Standing::NoActiveBinding => {
                let mut reasons = vec![Reason::NoActiveBinding];
                if self
                    .network_blocked
                    .iter()
                    .any(|b| b.binding.scope == crate::Scope::Account && b.permissions.contains(p))
                {
                    reasons.push(Reason::MissingPermission(
                        p,
                        MissingNote::OutsideAllowedNetworks,
                    ));
                }
                return Decision::deny(reasons);
            }
        }
        match self
            .account_permissions
            .contains(p)
            .then(|| self.granting_binding(p, None))
            .flatten()
        {
            Some(b) => Decision::allow(vec![Reason::Permission(p, b)]),
            None => Decision::deny(vec![Reason::MissingPermission(
                p,
                self.missing_note(p, None),
            )]),
        }
    }

    /// Whether the account-level permission `p` is held.
    pub fn has(&self, p: Permission) -> bool {
        self.is_operational() && self.account_permissions.contains(p)
    }

    /// `has(U, p, C)`: an active binding grants `p` with a scope covering the conversation's
    /// department. Visibility is not part of it; a conversation of another account is not found.
    pub fn decide_permission_in(&self, p: Permission, c: &Conversation) -> Decision {
        if let Some(r) = gate(self, c) {
            return if r == Reason::OtherAccount {
                Decision::not_found(vec![r])
            } else {
                Decision::deny(vec![r])
            };
        }
        match self
            .has_in(p, c.department)
            .then(|| self.granting_binding(p, Some(c.department)))
            .flatten()
        {
            Some(b) => Decision::allow(vec![Reason::Permission(p, b)]),
            None => Decision::deny(vec![Reason::MissingPermission(
                p,
                self.missing_note(p, Some(c.department)),
            )]),
        }
    }

    /// `manage_user`: `users.manage` at account level, no escalation (the target's whole
    /// permission set, before and after, within the actor's), and the account keeps an active
    /// `account.manage` holder. A target of another account is not found.
    pub fn decide_manage_user(&self, account: &Account, change: UserChange<'_>) -> Decision {
        let config = &account.config;
        let (before, after) = match change {
            UserChange::Create(after) => (None, Some(after)),
            UserChange::Edit { target, after } => {
                match account.users.get(&target).filter(|_| after.id == target) {
                    Some(before) => (Some(before), Some(after)),
                    None => return Decision::not_found(vec![Reason::TargetNotFound]),
                }
            }
            UserChange::Touch(target) => match account.users.get(&target) {
                Some(before) => (Some(before), None),
                None => return Decision::not_found(vec![Reason::TargetNotFound]),
            },
        };
        if config.account != self.account
            || before.is_some_and(|u| u.account != self.account)
            || after.is_some_and(|u| u.account != self.account)
        {
            return Decision::not_found(vec![Reason::TargetNotFound]);
        }
        let base = self.decide_permission(Permission::UsersManage);
        let mut grants = Vec::new();
        let mut missing = Vec::new();
        if base.is_allowed() {
            grants.extend_from_slice(base.reasons());
        } else {
            missing.extend_from_slice(base.reasons());
        }
        let target_perms = before
            .into_iter()
            .chain(after)
            .fold(PermissionSet::EMPTY, |acc, u| {
                acc.union(config.held_permissions(u))
            });
        let excess = target_perms.difference(self.held_permissions);
        if excess.is_empty() {
            grants.push(Reason::WithinActorPermissions);
        } else {
            missing.push(Reason::Escalation(excess));
        }
        // v2: memberships and supervision grant visibility, so they are decided like
        // permissions. What the actor holds is compared, whatever networks, as above.
        let actor = account
            .users
            .get(&self.user)
            .map(|u| Principal::resolve_held(config, u));
        let actor = actor.as_ref().unwrap_or(self);
        let beyond = actor.memberships_beyond_view(config, before, after);
        if !beyond.is_empty() {
            missing.push(Reason::MembershipBeyondView(beyond));
        }
        let wider = before
            .into_iter()
            .chain(after)
            .flat_map(|u| actor.sees_less_than(config, &Principal::resolve_held(config, u)))
            .collect::<std::collections::BTreeSet<_>>();
        if !wider.is_empty() {
            missing.push(Reason::VisibilityEscalation(wider.into_iter().collect()));
        }
        if let (Some(after), Some(before)) = (after, before)
            && config.is_account_manager(before)
            && !config.is_account_manager(after)
            && account.account_managers() <= 1
        {
            missing.push(Reason::LastAccountManager);
        }
        if missing.is_empty() {
            Decision::allow(grants)
        } else {
            Decision::deny(missing)
        }
    }

    /// Role editing: `roles.manage`, no permission the actor does not hold in the role before or
    /// after, built-in roles unchanged, and the account keeps an active `account.manage` holder.
    pub fn decide_role_change(&self, account: &Account, change: RoleChange<'_>) -> Decision {
        let config = &account.config;
        if config.account != self.account {
            return Decision::not_found(vec![Reason::TargetNotFound]);
        }
        let (before, after) = match change {
            RoleChange::Create(r) => (None, Some(r)),
            RoleChange::Edit(r) => match config.roles.get(&r.id) {
                Some(b) => (Some(b), Some(r)),
                None => return Decision::not_found(vec![Reason::TargetNotFound]),
            },
            RoleChange::Delete(id) => match config.roles.get(&id) {
                Some(b) => (Some(b), None),
                None => return Decision::not_found(vec![Reason::TargetNotFound]),
            },
        };
        let base = self.decide_permission(Permission::RolesManage);
        let mut grants = Vec::new();
        let mut missing = Vec::new();
        if base.is_allowed() {
            grants.extend_from_slice(base.reasons());
        } else {
            missing.extend_from_slice(base.reasons());
        }
        if before.is_some_and(|r| r.builtin.is_some()) || after.is_some_and(|r| r.builtin.is_some())
        {
            missing.push(Reason::BuiltinRole);
        }
        let perms = before
            .into_iter()
            .chain(after)
            .fold(PermissionSet::EMPTY, |acc, r| acc.union(r.permissions));
        let excess = perms.difference(self.held_permissions);
        if excess.is_empty() {
            grants.push(Reason::WithinActorPermissions);
        } else {
            missing.push(Reason::Escalation(excess));
        }
        if let Some(before) = before {
            let loses = before.permissions.contains(Permission::AccountManage)
                && after.is_none_or(|a| !a.permissions.contains(Permission::AccountManage));
            if loses {
                let mut changed = config.clone();
                match after {
                    Some(a) => {
                        changed.roles.insert(a.id, a.clone());
                    }
                    None => {
                        changed.roles.remove(&before.id);
                    }
                }
                let remaining = account
                    .users
                    .values()
                    .filter(|u| changed.is_account_manager(u))
                    .count();
                if remaining == 0 && account.account_managers() > 0 {
                    missing.push(Reason::LastAccountManager);
                }
            }
        }
        if missing.is_empty() {
            Decision::allow(grants)
        } else {
            Decision::deny(missing)
        }
    }

    /// Changing one's own password: the current password, or
    /// `user.password.change_without_current`.
    pub fn decide_own_password(&self, current_given: bool) -> Decision {
        if let Some(r) = self.standing_reason() {
            return Decision::deny(vec![r]);
        }
        if current_given {
            return Decision::allow(vec![Reason::CurrentPasswordGiven]);
        }
        let d = self.decide_permission(Permission::PasswordChangeWithoutCurrent);
        if d.is_allowed() {
            d
        } else {
            let mut reasons = vec![Reason::CurrentPasswordRequired];
            reasons.extend_from_slice(d.reasons());
            Decision::deny(reasons)
        }
    }

    /// Changing another user's password: `user.password.change_others` and `manage_user` T.
    pub fn decide_password_of(&self, account: &Account, target: UserId) -> Decision {
        let manage = self.decide_manage_user(account, UserChange::Touch(target));
        if manage.outcome() == crate::Outcome::NotFound {
            return manage;
        }
        let perm = self.decide_permission(Permission::PasswordChangeOthers);
        let mut grants = Vec::new();
        let mut missing = Vec::new();
        for d in [&perm, &manage] {
            if d.is_allowed() {
                grants.extend_from_slice(d.reasons());
            } else {
                missing.extend_from_slice(d.reasons());
            }
        }
        missing.dedup();
        if missing.is_empty() {
            Decision::allow(grants)
        } else {
            Decision::deny(missing)
        }
    }
}
