//! Random worlds: the no-escalation model, written from ACCESS-MODEL.md without the engine.

use super::*;

/// The model, written from ACCESS-MODEL.md without the engine: a binding counts from here when
/// its role has no networks or one containing this address; an actor acts with an account-scoped
/// binding granting the permission; "held" permissions are every binding's, whatever the scope
/// or network.
pub(super) fn binding_here(account: &Account, b: &Binding) -> bool {
    account.config.roles.get(&b.role).is_some_and(|r| {
        r.allowed_networks.is_empty() || r.allowed_networks.iter().any(|n| n.contains(HERE))
    })
}

pub(super) fn has_account(account: &Account, u: &User, p: Permission) -> bool {
    u.active
        && u.bindings.iter().any(|b| binding_here(account, b))
        && u.bindings.iter().any(|b| {
            b.scope == Scope::Account
                && binding_here(account, b)
                && account.config.roles[&b.role].permissions.contains(p)
        })
}

pub(super) fn held(account: &Account, u: &User) -> PermissionSet {
    u.bindings
        .iter()
        .filter_map(|b| account.config.roles.get(&b.role))
        .fold(PermissionSet::EMPTY, |acc, r| acc.union(r.permissions))
}

pub(super) fn managers(roles: &BTreeMap<RoleId, access::Role>, users: &[&User]) -> usize {
    users
        .iter()
        .filter(|u| {
            u.active
                && u.bindings.iter().any(|b| {
                    b.scope == Scope::Account
                        && roles
                            .get(&b.role)
                            .is_some_and(|r| r.permissions.contains(Permission::AccountManage))
                })
        })
        .count()
}

pub(super) fn expect_manage(
    account: &Account,
    actor: UserId,
    before: Option<&User>,
    after: Option<&User>,
) -> bool {
    let a = &account.users[&actor];
    let target = before
        .into_iter()
        .chain(after)
        .fold(PermissionSet::EMPTY, |acc, u| acc.union(held(account, u)));
    let now: Vec<&User> = account.users.values().collect();
    let mut changed = account.users.clone();
    if let Some(x) = after {
        changed.insert(x.id, x.clone());
    }
    let then: Vec<&User> = changed.values().collect();
    let roles = &account.config.roles;
    has_account(account, a, Permission::UsersManage)
        && target.is_subset(held(account, a))
        && !(managers(roles, &now) > 0 && managers(roles, &then) == 0)
        && sees_within(account, a, before.into_iter().chain(after))
        && memberships_within(account, a, before, after)
}

/// v2: every conversation of every department in every status, assigned to nobody or to
/// someone who is neither the actor nor the target.
pub(super) fn probes(account: &Account) -> Vec<Conversation> {
    account
        .config
        .departments
        .iter()
        .flat_map(|d| {
            Status::ALL.iter().map(|s| Conversation {
                id: ConversationId(0),
                account: account.config.account,
                department: d.id,
                status: *s,
                assignee: (*s != Status::Waiting).then_some(UserId(-7)),
            })
        })
        .collect()
}

/// v2: what a target holds visible (with details), before and after, the actor holds too;
/// "holds": every binding, whatever its networks.
pub(super) fn sees_within<'a>(
    account: &Account,
    actor: &User,
    targets: impl Iterator<Item = &'a User>,
) -> bool {
    let a = Principal::resolve_held(&account.config, actor);
    let probes = probes(account);
    targets.collect::<Vec<_>>().iter().all(|t| {
        let t = Principal::resolve_held(&account.config, t);
        probes.iter().all(|c| {
            (!t.visible(c) || a.visible(c)) && (!t.details_visible(c) || a.details_visible(c))
        })
    })
}

/// v2: a new membership (or supervision, over its subtree) only where the actor sees every
/// conversation with details.
pub(super) fn memberships_within(
    account: &Account,
    actor: &User,
    before: Option<&User>,
    after: Option<&User>,
) -> bool {
    let Some(after) = after else { return true };
    let a = Principal::resolve_held(&account.config, actor);
    let probes = probes(account);
    let tree = &account.config.departments;
    let whole = |d: DepartmentId| {
        probes
            .iter()
            .filter(|c| c.department == d)
            .all(|c| a.details_visible(c))
    };
    after.memberships.iter().all(|m| {
        let had = before.is_some_and(|b| {
            b.memberships.iter().any(|x| {
                x.department == m.department
                    && (x.kind == m.kind || x.kind == MembershipKind::Supervisor)
            })
        });
        had || match m.kind {
            MembershipKind::Member => whole(m.department),
            MembershipKind::Supervisor => tree
                .iter()
                .filter(|d| tree.in_subtree(d.id, m.department))
                .all(|d| whole(d.id)),
        }
    })
}

pub(super) fn expect_role_edit(
    account: &Account,
    actor: UserId,
    old: PermissionSet,
    new: PermissionSet,
    role: RoleId,
) -> bool {
    let a = &account.users[&actor];
    let mut roles = account.config.roles.clone();
    if let Some(r) = roles.get_mut(&role) {
        r.permissions = new;
    }
    let users: Vec<&User> = account.users.values().collect();
    has_account(account, a, Permission::RolesManage)
        && old.union(new).is_subset(held(account, a))
        && !(managers(&account.config.roles, &users) > 0 && managers(&roles, &users) == 0)
}

/// The last `account.manage` holder can be neither deactivated nor stripped of the role.
pub(super) async fn last_manager(w: &Rand) {
    let owner = w.users[0];
    let account = w.account().await;
    let users: Vec<&User> = account.users.values().collect();
    if managers(&account.config.roles, &users) != 1 {
        return;
    }
    let cookie = &w.sessions[&owner];
    for body in [
        json!({"active": false}),
        // `roles[0]` is the built-in Atendente, which has no `account.manage`.
        json!({"roles": [{"role_id": w.roles[0].0}]}),
    ] {
        let r = w
            .call(
                cookie,
                "PATCH",
                &format!("/api/v1/users/{}", owner.0),
                Some(body),
            )
            .await;
        assert_eq!(r["status"], 403, "{r}");
        assert_eq!(w.account().await.users[&owner], account.users[&owner]);
    }
}
