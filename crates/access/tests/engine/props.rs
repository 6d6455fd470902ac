//! Property tests over random worlds (see `world.rs`), checked against the oracle (`oracle.rs`)
//! and against the engine's own invariants (plans, inbox, explanations, outcomes).

use std::collections::{BTreeMap, BTreeSet};

use access::{
    Action, Binding, Conversation, Cursor, Decision, DepartmentId, Membership, MembershipKind,
    Outcome, Permission, PermissionSet, Reason, Role, RoleChange, RoleId, Rule, Scope, Status, Tab,
    Transition, User, UserChange, UserId,
};
use proptest::prelude::*;
use proptest::sample::{Index, subsequence};

use crate::oracle::{Oracle, held, is_account_manager};
use crate::world::{
    ACC, ADDRS, RawBinding, World, account_permissions, addrs, bindings, conversation_permissions,
    ip, raw_binding, raw_bindings, world,
};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Allow reasons are all grants, deny reasons none, and neither list is empty.
fn assert_polarity(d: &Decision, what: &str) {
    assert!(
        !d.reasons().is_empty(),
        "{what}: a decision without reasons: {d:?}"
    );
    if d.is_allowed() {
        assert!(
            d.reasons().iter().all(Reason::is_grant),
            "{what}: an allow with a non-grant reason: {d:?}"
        );
    } else {
        assert!(
            !d.reasons().iter().any(Reason::is_grant),
            "{what}: a deny with a grant among its reasons: {d:?}"
        );
    }
}

/// The Effects column, written from the table.
fn expected_transition(
    w: &World,
    u: &User,
    c: &Conversation,
    a: &Action<'_>,
) -> Option<Transition> {
    let keep = |status, assignee| Transition {
        status,
        assignee,
        department: c.department,
    };
    match a {
        Action::Assume | Action::Reopen => Some(keep(Status::InProgress, Some(u.id))),
        Action::Transfer(Some(t)) => Some(keep(Status::InProgress, Some(t.id))),
        Action::ChangeDepartment(to) => Some(Transition {
            status: Status::Waiting,
            assignee: None,
            department: *to,
        }),
        Action::Finish => Some(keep(
            if w.config().settings.satisfaction_survey {
                Status::Survey
            } else {
                Status::Finished
            },
            c.assignee,
        )),
        Action::FinishInSurvey => Some(keep(Status::Finished, c.assignee)),
        _ => None,
    }
}

fn apply(c: &Conversation, t: Transition) -> Conversation {
    Conversation {
        status: t.status,
        assignee: t.assignee,
        department: t.department,
        ..*c
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// `plan(tab).matches(c) == visible(c) && tab.filter(c, user)` for every user, address, tab
    /// and conversation (both accounts).
    #[test]
    fn plan_equals_visible_and_filter(w in world()) {
        for u in w.users() {
            for addr in addrs() {
                let p = w.principal(u, addr);
                for tab in Tab::ALL.iter().copied() {
                    let plan = p.plan(tab);
                    prop_assert_eq!(plan.account, ACC);
                    for c in w.all_convs() {
                        prop_assert_eq!(
                            plan.matches(c),
                            p.visible(c) && tab.filter(c, u.id),
                            "user {:?} from {} tab {} conversation {:?} plan {:?}", u, addr, tab, c, plan
                        );
                    }
                    // Terms are pairwise disjoint: no conversation matches two of them.
                    for c in w.all_convs() {
                        prop_assert!(plan.terms.iter().filter(|t| t.matches(c)).count() <= 1, "{plan:?} {c:?}");
                    }
                    // The details plan (search, tag filter) is exactly visible ∧ filter ∧ details.
                    let details = p.details_plan(tab);
                    for c in w.all_convs() {
                        prop_assert_eq!(
                            details.matches(c),
                            p.details_visible(c) && tab.filter(c, u.id),
                            "details plan: user {:?} tab {} conversation {:?} plan {:?}", u, tab, c, details
                        );
                    }
                    // Narrowing to one department keeps exactly that department's rows.
                    for d in w.config().departments.iter().map(|d| d.id) {
                        let narrowed = plan.within(&access::DeptSet::Only(vec![d]));
                        for c in w.all_convs() {
                            prop_assert_eq!(narrowed.matches(c), plan.matches(c) && c.department == d);
                        }
                    }
                }
            }
        }
    }

    /// The explorer's plans: `visible_plan` lists exactly what the principal sees, and a
    /// target's tab met with a caller's visible plan lists exactly what both see, as disjoint
    /// terms, for every pair of users and addresses.
    #[test]
    fn meet_equals_both_visible(w in world()) {
        let departments: Vec<_> = w.config().departments.iter().map(|d| d.id).collect();
        for caller in w.users() {
            let p = w.principal(caller, addrs()[0]);
            let seen = p.visible_plan();
            for c in w.all_convs() {
                prop_assert_eq!(seen.matches(c), p.visible(c), "visible plan {:?} {:?}", seen, c);
            }
            for target in w.users() {
                for addr in addrs() {
                    let t = w.principal(target, addr);
                    let mut plans: Vec<(Option<Tab>, access::Plan)> = vec![(None, t.visible_plan())];
                    plans.extend(Tab::ALL.iter().map(|tab| (Some(*tab), t.plan(*tab))));
                    for (tab, plan) in plans {
                        let both = plan.meet(&seen, &departments);
                        for c in w.all_convs() {
                            let expected = t.visible(c)
                                && p.visible(c)
                                && tab.is_none_or(|tab| tab.filter(c, target.id));
                            prop_assert_eq!(
                                both.matches(c), expected,
                                "caller {:?} target {:?} tab {:?} conversation {:?} meet {:?}", caller, target, tab, c, both
                            );
                            prop_assert!(both.terms.iter().filter(|x| x.matches(c)).count() <= 1, "{both:?} {c:?}");
                        }
                    }
                }
            }
        }
    }

    /// The in-memory inbox lists by plan exactly `visible ∧ filter`, newest first (ties by larger
    /// id); keyset pages concatenate to the whole listing; `count` is its length.
    #[test]
    fn inbox_lists_by_plan(w in world(), sizes in prop::collection::vec(1usize..6, 1..5)) {
        let inbox = w.inbox();
        let at: BTreeMap<_, _> = w.convs.iter().chain(&w.foreign).map(|(c, t)| (c.id, *t)).collect();
        for u in w.users() {
            for addr in addrs() {
                let p = w.principal(u, addr);
                for tab in Tab::ALL.iter().copied() {
                    let plan = p.plan(tab);
                    let mut expected: Vec<Cursor> = w
                        .all_convs()
                        .filter(|c| p.visible(c) && tab.filter(c, u.id))
                        .map(|c| Cursor { last_activity: at[&c.id], id: c.id })
                        .collect();
                    expected.sort_by(|a, b| b.cmp(a));
                    let listed = inbox.list(&plan, None, usize::MAX);
                    prop_assert_eq!(&listed, &expected, "user {:?} from {} tab {}", u, addr, tab);
                    for pair in listed.windows(2) {
                        prop_assert!(pair[0] > pair[1], "not newest first: {:?}", listed);
                    }
                    prop_assert_eq!(inbox.count(&plan), expected.len());
                    // Keyset pagination with pages of varying size.
                    let mut pages = Vec::new();
                    let mut after = None;
                    for step in 0.. {
                        let size = sizes[step % sizes.len()];
                        let page = inbox.list(&plan, after, size);
                        prop_assert!(page.len() <= size);
                        let done = page.len() < size;
                        after = page.last().copied().or(after);
                        pages.extend(page);
                        if done {
                            break;
                        }
                        prop_assert!(step <= expected.len() + 1, "pagination does not end");
                    }
                    prop_assert_eq!(&pages, &expected, "pages of {:?}", sizes);
                    let unique: BTreeSet<_> = pages.iter().map(|c| c.id).collect();
                    prop_assert_eq!(unique.len(), pages.len());
                    prop_assert!(inbox.list(&plan, None, 0).is_empty());
                }
            }
        }
    }

    /// `visible == explain_visible.is_allowed()`; an allow lists exactly the rules the oracle
    /// finds granting, as grants; a deny lists none.
    #[test]
    fn explain_visible_agrees(w in world()) {
        for u in w.users() {
            for addr in addrs() {
                let p = w.principal(u, addr);
                let o = Oracle::new(&w, addr);
                for c in w.all_convs() {
                    let d = p.explain_visible(c);
                    prop_assert_eq!(p.visible(c), d.is_allowed(), "{:?} {:?}", c, d);
                    assert_polarity(&d, "explain_visible");
                    if d.is_allowed() {
                        prop_assert_eq!(d.outcome(), Outcome::Allow);
                        let rules: BTreeSet<Rule> = d
                            .reasons()
                            .iter()
                            .map(|r| match r {
                                Reason::Rule(rule, _) => Ok(*rule),
                                other => Err(other.clone()),
                            })
                            .collect::<Result<_, _>>()
                            .map_err(|r| TestCaseError::fail(format!("not a rule: {r:?}")))?;
                        prop_assert_eq!(rules.clone(), o.granting_rules(u, c), "{:?} {:?}", c, d);
                        for r in &rules {
                            prop_assert!(d.mentions(r.id()));
                        }
                    } else {
                        prop_assert_eq!(d.outcome(), Outcome::NotFound);
                    }
                }
            }
        }
    }

    /// `visible`, `details_visible` and `owns` equal the rule-by-rule oracle.
    #[test]
    fn visibility_matches_oracle(w in world()) {
        for u in w.users() {
            for addr in addrs() {
                let p = w.principal(u, addr);
                let o = Oracle::new(&w, addr);
                for c in w.all_convs() {
                    prop_assert_eq!(p.visible(c), o.visible(u, c), "visible: user {:?} from {} conversation {:?} settings {:?} depts {:?}", u, addr, c, w.config().settings, w.depts);
                    prop_assert_eq!(p.details_visible(c), o.details_visible(u, c), "details_visible: user {:?} from {} conversation {:?}", u, addr, c);
                    if c.account == ACC && o.operational(u) {
                        prop_assert_eq!(p.owns(c).is_some(), o.owns(u, c), "owns: user {:?} from {} conversation {:?}", u, addr, c);
                    }
                }
            }
        }
    }

    /// Every conversation action (transfer to every user, department change to every department)
    /// equals the oracle; denies are NotFound exactly when the conversation is not visible,
    /// Forbidden otherwise; reasons have the right polarity; allowed actions follow the Effects
    /// column.
    #[test]
    fn actions_match_oracle(w in world()) {
        let actions = w.actions();
        for u in w.users() {
            for addr in addrs() {
                let p = w.principal(u, addr);
                let o = Oracle::new(&w, addr);
                for c in w.all_convs() {
                    let visible = o.visible(u, c);
                    for a in &actions {
                        let d = p.decide(c, *a);
                        prop_assert_eq!(
                            d.is_allowed(), o.allowed(u, c, a),
                            "{} by {:?} from {} on {:?}: {:?} (settings {:?}, depts {:?}, roles {:?})",
                            a.kind(), u, addr, c, d, w.config().settings, w.depts, w.config().roles
                        );
                        assert_polarity(&d, a.kind().id());
                        let expected_outcome = if d.is_allowed() {
                            Outcome::Allow
                        } else if visible {
                            Outcome::Forbidden
                        } else {
                            Outcome::NotFound
                        };
                        prop_assert_eq!(d.outcome(), expected_outcome, "{} on {:?}: {:?}", a.kind(), c, d);
                        if d.is_allowed() {
                            let t = p.transition(c, *a);
                            prop_assert_eq!(t, expected_transition(&w, u, c, a), "{} on {:?}", a.kind(), c);
                            // Whoever assumes or reopens sees and owns the result (V1).
                            if matches!(a, Action::Assume | Action::Reopen) {
                                let after = apply(c, t.unwrap());
                                prop_assert!(p.visible(&after) && p.owns(&after).is_some());
                            }
                        }
                    }
                }
            }
        }
    }

    /// Account-level decisions equal the oracle: login, every account permission, `has(U, p, C)`
    /// for every conversation permission, own password, another user's password.
    #[test]
    fn account_level_matches_oracle(w in world()) {
        for u in w.users() {
            for addr in addrs() {
                let p = w.principal(u, addr);
                let o = Oracle::new(&w, addr);
                let login = p.decide_login();
                prop_assert_eq!(login.is_allowed(), o.operational(u), "login {:?} from {}", u, addr);
                prop_assert_eq!(p.is_operational(), o.operational(u));
                assert_polarity(&login, "login");
                for perm in Permission::ALL.iter().copied() {
                    let d = p.decide_permission(perm);
                    prop_assert_eq!(d.is_allowed(), o.has_account(u, perm), "{} for {:?} from {}", perm, u, addr);
                    prop_assert_eq!(p.has(perm), o.has_account(u, perm));
                    prop_assert_eq!(p.account_permissions().contains(perm), o.has_account(u, perm));
                    assert_polarity(&d, perm.id());
                    prop_assert!(d.mentions(perm.id()) || !o.operational(u), "{:?} does not name {}", d, perm);
                }
                for perm in conversation_permissions() {
                    for c in w.all_convs() {
                        let d = p.decide_permission_in(perm, c);
                        prop_assert_eq!(d.is_allowed(), c.account == ACC && o.has(u, perm, c.department), "{} in {:?} for {:?} from {}", perm, c, u, addr);
                        prop_assert_eq!(d.outcome() == Outcome::NotFound, c.account != ACC);
                        assert_polarity(&d, perm.id());
                    }
                }
                prop_assert_eq!(p.held_permissions(), held(&w, u));
                let own = p.decide_own_password(true);
                prop_assert_eq!(own.is_allowed(), o.operational(u));
                let own = p.decide_own_password(false);
                prop_assert_eq!(own.is_allowed(), o.has_account(u, Permission::PasswordChangeWithoutCurrent));
                assert_polarity(&own, "own password");
                for t in w.users() {
                    let d = p.decide_password_of(&w.account, t.id);
                    let expected = o.has_account(u, Permission::PasswordChangeOthers)
                        && o.has_account(u, Permission::UsersManage)
                        && held(&w, t).is_subset(held(&w, u))
                        && visibility_within(&w, u, std::iter::once(t));
                    prop_assert_eq!(d.is_allowed(), expected, "password of {:?} by {:?} from {}: {:?}", t, u, addr, d);
                    assert_polarity(&d, "password of");
                    prop_assert_ne!(d.outcome(), Outcome::NotFound);
                }
                let d = p.decide_password_of(&w.account, UserId(4242));
                prop_assert_eq!(d.outcome(), Outcome::NotFound);
            }
        }
    }

    /// Nothing crosses accounts: account 2's conversations are never visible nor listed, every
    /// action on them is NotFound; account 2's user can do nothing in account 1.
    #[test]
    fn nothing_crosses_accounts(w in world()) {
        let inbox = w.inbox();
        let foreign: BTreeSet<_> = w.foreign.iter().map(|(c, _)| c.id).collect();
        let actions = w.actions();
        for addr in addrs() {
            for u in w.users() {
                let p = w.principal(u, addr);
                for tab in Tab::ALL.iter().copied() {
                    let plan = p.plan(tab);
                    for cur in inbox.list(&plan, None, usize::MAX) {
                        prop_assert!(!foreign.contains(&cur.id), "listed a conversation of account 2");
                    }
                }
                for (c, _) in &w.foreign {
                    prop_assert!(!p.visible(c) && !p.details_visible(c));
                    for a in &actions {
                        let d = p.decide(c, *a);
                        prop_assert_eq!(d.outcome(), Outcome::NotFound, "{} on {:?}", a.kind(), c);
                        prop_assert!(d.mentions("not_found"));
                    }
                    for perm in conversation_permissions() {
                        prop_assert_eq!(p.decide_permission_in(perm, c).outcome(), Outcome::NotFound);
                    }
                }
            }
            // The other account's owner, resolved against account 1.
            let s = w.principal(&w.stranger, addr);
            prop_assert!(!s.is_operational());
            prop_assert!(!s.decide_login().is_allowed());
            for perm in Permission::ALL.iter().copied() {
                prop_assert!(!s.decide_permission(perm).is_allowed());
            }
            for c in w.all_convs() {
                prop_assert!(!s.visible(c));
                for a in &actions {
                    prop_assert_eq!(s.decide(c, *a).outcome(), Outcome::NotFound);
                }
            }
            for tab in Tab::ALL.iter().copied() {
                prop_assert!(s.plan(tab).is_empty());
            }
            for t in w.users() {
                prop_assert!(!s.decide_manage_user(&w.account, UserChange::Touch(t.id)).is_allowed());
            }
            // A user of account 2 is never a transfer target.
            for u in w.users() {
                let p = w.principal(u, addr);
                for (c, _) in &w.convs {
                    let d = p.decide(c, Action::Transfer(Some(&w.stranger)));
                    prop_assert!(!d.is_allowed());
                }
            }
        }
    }

    /// An inactive user sees nothing and can do nothing, from any address.
    #[test]
    fn inactive_user_can_do_nothing(mut w in world(), who in any::<Index>()) {
        let ids: Vec<UserId> = w.account.users.keys().copied().collect();
        let id = ids[who.index(ids.len())];
        if let Some(u) = w.account.users.get_mut(&id) {
            u.active = false;
        }
        let u = w.user(id).clone();
        let actions = w.actions();
        for addr in addrs() {
            let p = w.principal(&u, addr);
            prop_assert!(!p.is_operational());
            let login = p.decide_login();
            prop_assert!(!login.is_allowed() && login.mentions("inactive"));
            for perm in Permission::ALL.iter().copied() {
                let d = p.decide_permission(perm);
                prop_assert!(!d.is_allowed() && d.mentions("inactive"), "{:?}", d);
                prop_assert!(!p.has(perm));
            }
            prop_assert!(p.account_permissions().is_empty());
            for tab in Tab::ALL.iter().copied() {
                prop_assert!(p.plan(tab).is_empty());
            }
            for c in w.all_convs() {
                prop_assert!(!p.visible(c) && !p.details_visible(c));
                for a in &actions {
                    let d = p.decide(c, *a);
                    prop_assert!(!d.is_allowed());
                    prop_assert_eq!(d.outcome(), Outcome::NotFound);
                }
                for perm in conversation_permissions() {
                    prop_assert!(!p.decide_permission_in(perm, c).is_allowed());
                }
            }
            prop_assert!(!p.decide_own_password(true).is_allowed());
            prop_assert!(!p.decide_own_password(false).is_allowed());
            for t in w.users() {
                prop_assert!(!p.decide_manage_user(&w.account, UserChange::Touch(t.id)).is_allowed());
                prop_assert!(!p.decide_password_of(&w.account, t.id).is_allowed());
            }
            for r in w.config().roles.values() {
                prop_assert!(!p.decide_role_change(&w.account, RoleChange::Edit(r)).is_allowed());
            }
        }
    }
}

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
fn visibility_within<'a>(w: &World, actor: &User, targets: impl Iterator<Item = &'a User>) -> bool {
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
