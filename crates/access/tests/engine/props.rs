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

mod changes;
mod contacts;

use changes::visibility_within;

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
