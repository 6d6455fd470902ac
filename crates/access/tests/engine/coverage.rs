//! The generator reaches every rule, action outcome and administrative denial: without this,
//! the property tests could pass on worlds where nothing interesting happens.

use std::collections::{BTreeMap, HashMap};

use access::{Outcome, Permission, Reason, RoleChange, UserChange};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use crate::oracle::Oracle;
use crate::world::{addrs, world};

#[test]
fn generator_reaches_every_rule_and_outcome() {
    let mut runner = TestRunner::deterministic();
    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    let mut actions: HashMap<(&str, Outcome), usize> = HashMap::new();
    let mut admin: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..200 {
        let w = world().new_tree(&mut runner).unwrap().current();
        let acts = w.actions();
        for addr in addrs() {
            let o = Oracle::new(&w, addr);
            for u in w.users() {
                let p = w.principal(u, addr);
                for c in w.all_convs() {
                    for r in o.granting_rules(u, c) {
                        *rules.entry(r.id()).or_default() += 1;
                    }
                    for a in &acts {
                        *actions
                            .entry((a.kind().id(), p.decide(c, *a).outcome()))
                            .or_default() += 1;
                    }
                }
                for t in w.users() {
                    let d = p.decide_manage_user(&w.account, UserChange::Touch(t.id));
                    let key = if d.is_allowed() {
                        "manage allowed"
                    } else {
                        "manage denied"
                    };
                    *admin.entry(key).or_default() += 1;
                    if d.reasons()
                        .iter()
                        .any(|r| matches!(r, Reason::Escalation(_)))
                    {
                        *admin.entry("escalation").or_default() += 1;
                    }
                    let mut after = t.clone();
                    after.active = false;
                    let d = p.decide_manage_user(
                        &w.account,
                        UserChange::Edit {
                            target: t.id,
                            after: &after,
                        },
                    );
                    if d.mentions("last_account_manager") {
                        *admin.entry("last_account_manager").or_default() += 1;
                    }
                }
                for r in w.config().roles.values() {
                    let d = p.decide_role_change(&w.account, RoleChange::Delete(r.id));
                    let key = if d.is_allowed() {
                        "role allowed"
                    } else {
                        "role denied"
                    };
                    *admin.entry(key).or_default() += 1;
                }
                if p.has(Permission::UsersManage) {
                    *admin.entry("users.manage").or_default() += 1;
                }
            }
        }
    }
    eprintln!("rules {rules:?}\nactions {actions:?}\nadmin {admin:?}");
    for r in ["V1", "V2", "V3", "V4w", "V4p", "V4f", "V5"] {
        assert!(
            rules.get(r).copied().unwrap_or(0) >= 20,
            "rule {r} rarely grants: {rules:?}"
        );
    }
    for kind in access::ActionKind::ALL {
        for outcome in [Outcome::Allow, Outcome::Forbidden, Outcome::NotFound] {
            // View and note are never forbidden: visibility is their whole requirement.
            if outcome == Outcome::Forbidden && matches!(kind.id(), "view" | "note") {
                continue;
            }
            let n = actions.get(&(kind.id(), outcome)).copied().unwrap_or(0);
            assert!(n >= 10, "{kind} is {outcome:?} only {n} times: {actions:?}");
        }
    }
    for k in [
        "manage allowed",
        "manage denied",
        "escalation",
        "last_account_manager",
        "role allowed",
        "role denied",
    ] {
        assert!(
            admin.get(k).copied().unwrap_or(0) >= 10,
            "{k} rare: {admin:?}"
        );
    }
}
