//! Property tests of changes: growing never removes access, no escalation through user or role
//! edits, department-scoped bindings, and order that does not matter.

use super::*;

/// A change that only adds: a permission to a role, a binding, a membership, or lifting a
/// role's network restriction.
#[derive(Clone, Debug)]
enum Grow {
    Permission(Index, Permission),
    Binding(Index, RawBinding),
    Membership(Index, Index, bool),
    Unrestrict(Index),
}

fn grow() -> impl Strategy<Value = Grow> {
    prop_oneof![
        (any::<Index>(), proptest::sample::select(Permission::ALL))
            .prop_map(|(r, p)| Grow::Permission(r, p)),
        (any::<Index>(), raw_binding()).prop_map(|(u, b)| Grow::Binding(u, b)),
        (any::<Index>(), any::<Index>(), any::<bool>())
            .prop_map(|(u, d, s)| Grow::Membership(u, d, s)),
        any::<Index>().prop_map(Grow::Unrestrict),
    ]
}

fn grown(w: &World, g: &Grow) -> World {
    let mut w = w.clone();
    let role_ids: Vec<RoleId> = w.config().roles.keys().copied().collect();
    let user_ids: Vec<UserId> = w.account.users.keys().copied().collect();
    let depts = w.dept_ids();
    match g {
        Grow::Permission(r, p) => {
            let id = role_ids[r.index(role_ids.len())];
            if let Some(role) = w.account.config.roles.get_mut(&id) {
                role.permissions.insert(*p);
            }
        }
        Grow::Binding(u, b) => {
            let n = role_ids.len();
            let id = user_ids[u.index(user_ids.len())];
            if let Some(user) = w.account.users.get_mut(&id) {
                user.bindings
                    .extend(bindings(std::slice::from_ref(b), n, &depts));
            }
        }
        Grow::Membership(u, d, supervisor) => {
            let id = user_ids[u.index(user_ids.len())];
            let department = depts[d.index(depts.len())];
            if let Some(user) = w.account.users.get_mut(&id) {
                let kind = if *supervisor {
                    MembershipKind::Supervisor
                } else {
                    MembershipKind::Member
                };
                match user
                    .memberships
                    .iter_mut()
                    .find(|m| m.department == department)
                {
                    // Member → supervisor only adds; supervisor stays supervisor.
                    Some(m) => {
                        if kind == MembershipKind::Supervisor {
                            m.kind = kind;
                        }
                    }
                    None => user.memberships.push(Membership { department, kind }),
                }
            }
        }
        Grow::Unrestrict(r) => {
            let id = role_ids[r.index(role_ids.len())];
            if let Some(role) = w.account.config.roles.get_mut(&id) {
                role.allowed_networks.clear();
            }
        }
    }
    w
}

/// What a user may do with a conversation, to compare before and after a change.
fn allowed_set(w: &World, u: &User, addr: std::net::IpAddr) -> BTreeSet<(i64, usize)> {
    let p = w.principal(u, addr);
    let mut set = BTreeSet::new();
    for c in w.all_convs() {
        for (i, a) in w.actions().iter().enumerate() {
            if p.decide(c, *a).is_allowed() {
                set.insert((c.id.0, i));
            }
        }
    }
    set
}

proptest! {
    #![proptest_config(config(256))]

    /// Adding a permission to a role, a binding or a membership, or lifting a role's network
    /// restriction, never removes visibility of a conversation, a listed conversation, or an
    /// allowed action, for anyone.
    #[test]
    fn growing_never_removes_access(w in world(), g in grow()) {
        let after = grown(&w, &g);
        let inbox = w.inbox();
        for addr in addrs() {
            for (id, u) in &w.account.users {
                let u2 = after.user(*id);
                let (p, p2) = (w.principal(u, addr), after.principal(u2, addr));
                for c in w.all_convs() {
                    prop_assert!(!p.visible(c) || p2.visible(c), "{:?} lost {:?} after {:?}", u, c, g);
                }
                for tab in Tab::ALL.iter().copied() {
                    let before: BTreeSet<_> = inbox.list(&p.plan(tab), None, usize::MAX).into_iter().collect();
                    let now: BTreeSet<_> = inbox.list(&p2.plan(tab), None, usize::MAX).into_iter().collect();
                    prop_assert!(before.is_subset(&now), "tab {} shrank after {:?}", tab, g);
                }
                for perm in Permission::ALL.iter().copied() {
                    prop_assert!(!p.has(perm) || p2.has(perm));
                }
                prop_assert!(!p.is_operational() || p2.is_operational());
                let (a, b) = (allowed_set(&w, u, addr), allowed_set(&after, u2, addr));
                prop_assert!(a.is_subset(&b), "{:?} lost actions {:?} after {:?}", u, a.difference(&b).collect::<Vec<_>>(), g);
            }
        }
    }
}

fn raw_after() -> impl Strategy<Value = (bool, Vec<RawBinding>)> {
    (prop::bool::weighted(0.8), raw_bindings())
}

/// `manage_user` expected from the model: account-level `users.manage` of an operational actor,
/// the target's held permissions before and after within the actor's, and at least one active
/// `account.manage` holder left (when there was one).
fn expected_manage(
    w: &World,
    actor: &User,
    addr: std::net::IpAddr,
    before: Option<&User>,
    after: Option<&User>,
) -> bool {
    let o = Oracle::new(w, addr);
    let target = before
        .into_iter()
        .chain(after)
        .fold(PermissionSet::EMPTY, |acc, u| acc.union(held(w, u)));
    let roles = &w.config().roles;
    let managers_before = w
        .users()
        .into_iter()
        .filter(|u| is_account_manager(roles, u))
        .count();
    let mut users: BTreeMap<UserId, User> = w.account.users.clone();
    if let Some(a) = after {
        users.insert(a.id, a.clone());
    }
    let managers_after = users
        .values()
        .filter(|u| is_account_manager(roles, u))
        .count();
    o.has_account(actor, Permission::UsersManage)
        && target.is_subset(held(w, actor))
        && !(managers_before > 0 && managers_after == 0)
        && visibility_within(w, actor, before.into_iter().chain(after))
        && memberships_within(w, actor, before, after)
}

/// v2: a conversation of every department in every status, assigned to nobody or to somebody
/// who is neither the actor nor the target (their own conversations are not compared).
fn probe_conversations(w: &World) -> Vec<Conversation> {
    let someone = UserId(9_999);
    w.dept_ids()
        .into_iter()
        .flat_map(|d| {
            Status::ALL.iter().map(move |s| Conversation {
                id: access::ConversationId(0),
                account: ACC,
                department: d,
                status: *s,
                assignee: (*s != Status::Waiting).then_some(someone),
            })
        })
        .collect()
}

/// v2: whatever a target holds visible (with details), the actor holds too.
pub(super) fn visibility_within<'a>(
    w: &World,
    actor: &User,
    targets: impl Iterator<Item = &'a User>,
) -> bool {
    let o = Oracle::holding(w);
    let probes = probe_conversations(w);
    targets.collect::<Vec<_>>().iter().all(|t| {
        probes.iter().all(|c| {
            (!o.visible(t, c) || o.visible(actor, c))
                && (!o.details_visible(t, c) || o.details_visible(actor, c))
        })
    })
}

/// v2: a membership (or supervision) is added only where the actor sees every conversation
/// (every status, with details); a supervision reaches the whole subtree.
fn memberships_within(
    w: &World,
    actor: &User,
    before: Option<&User>,
    after: Option<&User>,
) -> bool {
    let Some(after) = after else { return true };
    let o = Oracle::holding(w);
    let probes = probe_conversations(w);
    let sees_all = |d: DepartmentId| {
        probes
            .iter()
            .filter(|c| c.department == d)
            .all(|c| o.details_visible(actor, c))
    };
    after.memberships.iter().all(|m| {
        let had = before.is_some_and(|b| {
            b.memberships.iter().any(|x| {
                x.department == m.department
                    && (x.kind == m.kind || x.kind == MembershipKind::Supervisor)
            })
        });
        had || match m.kind {
            MembershipKind::Member => sees_all(m.department),
            MembershipKind::Supervisor => w
                .dept_ids()
                .into_iter()
                .filter(|d| o.in_subtree(*d, m.department))
                .all(sees_all),
        }
    })
}

proptest! {
    #![proptest_config(config(512))]

    /// No escalation: editing a user (random new bindings and active flag) is allowed exactly as
    /// the model says; creating one likewise.
    #[test]
    fn manage_user_no_escalation(
        w in world(),
        actor in any::<Index>(),
        target in any::<Index>(),
        (active, raw) in raw_after(),
        raw_memberships in prop::option::of(prop::collection::vec((any::<Index>(), any::<bool>()), 0..=3)),
        addr in 0..ADDRS.len(),
    ) {
        let users = w.users();
        let actor = users[actor.index(users.len())];
        let before = users[target.index(users.len())];
        let addr = ip(ADDRS[addr]);
        let ids = w.dept_ids();
        // Memberships kept (None) or replaced by random ones, supervisions included.
        let memberships = match &raw_memberships {
            None => before.memberships.clone(),
            Some(raw) => {
                let mut ms: Vec<Membership> = Vec::new();
                for (d, sup) in raw {
                    let department = ids[d.index(ids.len())];
                    if ms.iter().all(|m| m.department != department) {
                        let kind = if *sup { MembershipKind::Supervisor } else { MembershipKind::Member };
                        ms.push(Membership { department, kind });
                    }
                }
                ms
            }
        };
        let after = User {
            active,
            bindings: bindings(&raw, w.config().roles.len(), &ids),
            memberships,
            ..before.clone()
        };
        let p = w.principal(actor, addr);
        let d = p.decide_manage_user(&w.account, UserChange::Edit { target: before.id, after: &after });
        let expected = expected_manage(&w, actor, addr, Some(before), Some(&after));
        prop_assert_eq!(d.is_allowed(), expected, "{:?} edits {:?} into {:?} from {}: {:?}", actor, before, after, addr, d);
        assert_polarity(&d, "manage_user");
        prop_assert_ne!(d.outcome(), Outcome::NotFound);
        let excess = held(&w, before).union(held(&w, &after)).difference(held(&w, actor));
        if d.is_allowed() {
            prop_assert!(d.mentions("no_escalation") && d.mentions("users.manage"));
        } else {
            for perm in excess.iter() {
                prop_assert!(d.mentions(perm.id()) && d.mentions("escalation"), "{:?} should name {}", d, perm);
            }
        }
        // Touch: the target as it is.
        let d = p.decide_manage_user(&w.account, UserChange::Touch(before.id));
        prop_assert_eq!(d.is_allowed(), expected_manage(&w, actor, addr, Some(before), None));
        // Create: a new user with the "after" bindings.
        let new = User { id: UserId(77), ..after.clone() };
        let d = p.decide_manage_user(&w.account, UserChange::Create(&new));
        prop_assert_eq!(d.is_allowed(), expected_manage(&w, actor, addr, None, Some(&new)));
        // An unknown target is not found.
        let d = p.decide_manage_user(&w.account, UserChange::Edit { target: UserId(4242), after: &after });
        prop_assert_eq!(d.outcome(), Outcome::NotFound);
    }

    /// Role editing: allowed exactly with account-level `roles.manage`, no permission outside
    /// the actor's held set (before or after), never on a built-in role, and never leaving the
    /// account without an `account.manage` holder.
    #[test]
    fn role_change_no_escalation(
        w in world(),
        actor in any::<Index>(),
        which in any::<Index>(),
        kind in 0u8..3,
        conv in subsequence(conversation_permissions(), 0..=4),
        acct in subsequence(account_permissions(), 0..=4),
        keep in any::<bool>(),
        addr in 0..ADDRS.len(),
    ) {
        let users = w.users();
        let actor = users[actor.index(users.len())];
        let addr = ip(ADDRS[addr]);
        let roles: Vec<&Role> = w.config().roles.values().collect();
        let existing = roles[which.index(roles.len())];
        let mut new_perms: PermissionSet = conv.iter().chain(&acct).copied().collect();
        if keep {
            // Keep the role's permissions and add a few: a pure "add" edit.
            new_perms = new_perms.union(existing.permissions);
        }
        let created = Role {
            id: RoleId(88),
            name: "new".into(),
            builtin: None,
            permissions: new_perms,
            allowed_networks: Vec::new(),
        };
        let edited = Role { permissions: new_perms, ..existing.clone() };
        let (change, before, after) = match kind {
            0 => (RoleChange::Create(&created), None, Some(&created)),
            1 => (RoleChange::Edit(&edited), Some(existing), Some(&edited)),
            _ => (RoleChange::Delete(existing.id), Some(existing), None),
        };
        let p = w.principal(actor, addr);
        let d = p.decide_role_change(&w.account, change);
        let o = Oracle::new(&w, addr);
        let perms = before.into_iter().chain(after).fold(PermissionSet::EMPTY, |acc, r| acc.union(r.permissions));
        let builtin = before.is_some_and(|r| r.builtin.is_some()) || after.is_some_and(|r| r.builtin.is_some());
        let mut changed = w.config().roles.clone();
        match (before, after) {
            (_, Some(a)) => { changed.insert(a.id, a.clone()); }
            (Some(b), None) => { changed.remove(&b.id); }
            (None, None) => {}
        }
        let roles_now = &w.config().roles;
        let managers_before = w.users().into_iter().filter(|u| is_account_manager(roles_now, u)).count();
        let managers_after = w.users().into_iter().filter(|u| is_account_manager(&changed, u)).count();
        let expected = o.has_account(actor, Permission::RolesManage)
            && !builtin
            && perms.is_subset(held(&w, actor))
            && !(managers_before > 0 && managers_after == 0);
        prop_assert_eq!(d.is_allowed(), expected, "{:?} by {:?} from {}: {:?}", change, actor, addr, d);
        assert_polarity(&d, "role change");
        if d.is_allowed() {
            prop_assert!(after.is_none_or(|a| a.permissions.is_subset(p.held_permissions())));
        }
        if builtin {
            prop_assert!(!d.is_allowed() && d.mentions("builtin_role"));
        }
    }
}

/// Department-scoped bindings never grant account-level permissions, whatever the role.
#[test]
fn department_scoped_owner_has_no_account_permission() {
    let mut runner = proptest::test_runner::TestRunner::new(config(64));
    runner
        .run(&world(), |w| {
            for d in w.dept_ids() {
                let u = User {
                    id: UserId(60),
                    account: ACC,
                    active: true,
                    memberships: Vec::new(),
                    bindings: vec![Binding {
                        role: crate::world::OWNER,
                        scope: Scope::Department(d),
                    }],
                };
                let p = w.principal(&u, ip("127.0.0.1"));
                prop_assert!(p.decide_login().is_allowed());
                for perm in account_permissions()
                    .into_iter()
                    .chain(conversation_permissions())
                {
                    prop_assert!(!p.has(perm) && !p.decide_permission(perm).is_allowed());
                }
            }
            Ok(())
        })
        .unwrap();
}

proptest! {
    #![proptest_config(config(256))]

    /// The order of a user's bindings and memberships changes no decision (only which binding a
    /// reason names first).
    #[test]
    fn binding_and_membership_order_do_not_matter(w in world()) {
        let mut shuffled = w.clone();
        for u in shuffled.account.users.values_mut() {
            u.bindings.reverse();
            u.memberships.reverse();
        }
        let actions = w.actions();
        for addr in addrs() {
            for (id, u) in &w.account.users {
                let (p, q) = (w.principal(u, addr), shuffled.principal(shuffled.user(*id), addr));
                prop_assert_eq!(p.held_permissions(), q.held_permissions());
                prop_assert_eq!(p.account_permissions(), q.account_permissions());
                for tab in Tab::ALL.iter().copied() {
                    prop_assert_eq!(p.plan(tab), q.plan(tab));
                }
                for c in w.all_convs() {
                    for a in &actions {
                        prop_assert_eq!(p.decide(c, *a).outcome(), q.decide(c, *a).outcome());
                    }
                }
            }
        }
    }
}
