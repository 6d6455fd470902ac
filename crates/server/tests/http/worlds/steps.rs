//! Random worlds: random actions and edits, the events of each stream checked after each.

use super::escalation::{expect_manage, expect_role_edit};
use super::*;

/// The conversation an event concerns, if any.
pub(super) fn concerns(e: &SseEvent) -> Option<i64> {
    match e.name.as_str() {
        "conversation" | "removed" => e.data["id"].as_i64(),
        "message" => e.data["conversation_id"].as_i64(),
        _ => None,
    }
}

/// What a random step does.
enum Step {
    /// A conversation action by a user.
    Act,
    /// A user edits another's bindings and active flag.
    EditUser,
    /// A user edits a custom role's permissions.
    EditRole,
}

/// Random actions and edits; after each, the events each stream got are checked against the
/// engine at that moment, and edits against the no-escalation model.
pub(super) async fn steps(w: &mut Rand, rng: &mut Rng, count: usize) {
    let mut streams: BTreeMap<UserId, EventStream> = BTreeMap::new();
    for (&u, cookie) in &w.sessions {
        streams.insert(u, open(w.addr, cookie).await);
    }
    let mut allowed_edits = 0;
    let mut refused_edits = 0;
    let mut heard_total = 0;
    for step in 0..count {
        let before_convs = w.conversations().await;
        let mut before_seen: BTreeMap<UserId, BTreeSet<i64>> = BTreeMap::new();
        for &u in streams.keys() {
            let p = w.principal(u).await;
            before_seen.insert(
                u,
                before_convs
                    .iter()
                    .filter(|(c, _)| p.visible(c))
                    .map(|(c, _)| c.id.0)
                    .collect(),
            );
        }
        let actors: Vec<UserId> = w.sessions.keys().copied().collect();
        if actors.is_empty() {
            break;
        }
        // The owner often, so that edits are allowed too; anyone otherwise.
        let actor = match w.sessions.contains_key(&w.users[0]) && rng.chance(35) {
            true => w.users[0],
            false => rng.pick(&actors),
        };
        let cookie = w.sessions[&actor].clone();
        let kind = match rng.below(10) {
            0..=5 => Step::Act,
            6..=8 => Step::EditUser,
            _ => Step::EditRole,
        };
        let mut touched: Option<i64> = None;
        let mut relog: Vec<UserId> = Vec::new();
        // Users whose sessions the step ended: their streams must close.
        let mut ends: Vec<UserId> = Vec::new();
        match kind {
            Step::Act => {
                // Mostly a conversation the actor sees; sometimes any (404 when unseen).
                let seen: Vec<&(Conversation, i64)> = before_convs
                    .iter()
                    .filter(|(c, _)| before_seen.get(&actor).is_some_and(|s| s.contains(&c.id.0)))
                    .collect();
                let (c, _) = match seen.is_empty() || rng.chance(20) {
                    true => before_convs[rng.below(before_convs.len())],
                    false => *seen[rng.below(seen.len())],
                };
                let (action, body) = match rng.below(8) {
                    0 => ("assume", json!({})),
                    1 => ("finish", json!({})),
                    2 => ("reopen", json!({})),
                    3 => ("finish_in_survey", json!({})),
                    4 => ("note", json!({"text": format!("nota {step}")})),
                    5 => ("transfer", json!({"user_id": rng.pick(&w.users).0})),
                    6 => (
                        "change_department",
                        json!({"department_id": rng.pick(&w.depts).0}),
                    ),
                    _ => ("tag", json!({"tag": format!("t{}", rng.below(5))})),
                };
                let r = w
                    .call(
                        &cookie,
                        "POST",
                        &format!("/api/v1/conversations/{}/{action}", c.id.0),
                        Some(body),
                    )
                    .await;
                let status = r["status"].as_u64().unwrap();
                // 400: only `unknown_tag` (t4 is no company tag; agents never create tags).
                let unknown_tag = status == 400 && r["body"]["error"]["code"] == "unknown_tag";
                assert!(
                    [200, 204, 403, 404, 409].contains(&status) || unknown_tag,
                    "{action}: {r}"
                );
                if !p_visible(w, actor, &c).await {
                    assert_eq!(status, 404, "an action on an unseen conversation: {r}");
                }
                if status == 200 || status == 204 {
                    touched = Some(c.id.0);
                }
            }
            Step::EditUser => {
                let target = rng.pick(&w.users);
                let account = w.account().await;
                let before = account.users[&target].clone();
                // Memberships too, sometimes (v2: decided like permissions).
                let new_memberships = rng.chance(40);
                let memberships = match new_memberships {
                    true => random_memberships(rng, &w.depts),
                    false => before.memberships.clone(),
                };
                let after = User {
                    active: rng.chance(85),
                    bindings: random_bindings(rng, &w.roles, &w.depts),
                    memberships,
                    ..before.clone()
                };
                let expected = expect_manage(&account, actor, Some(&before), Some(&after));
                let mut body = json!({"active": after.active});
                if new_memberships {
                    body["memberships"] = after
                        .memberships
                        .iter()
                        .map(|m| json!({"department_id": m.department.0, "kind": m.kind.id()}))
                        .collect();
                }
                let roles: Vec<Value> = after
                    .bindings
                    .iter()
                    .map(|b| match b.scope {
                        Scope::Account => json!({"role_id": b.role.0}),
                        Scope::Department(d) => json!({"role_id": b.role.0, "department_id": d.0}),
                    })
                    .collect();
                let r = w
                    .call(
                        &cookie,
                        "PATCH",
                        &format!("/api/v1/users/{}", target.0),
                        Some({
                            body["roles"] = Value::Array(roles);
                            body
                        }),
                    )
                    .await;
                let now = w.account().await.users[&target].clone();
                if expected {
                    allowed_edits += 1;
                    assert_eq!(
                        r["status"], 200,
                        "{actor:?} edits {before:?} into {after:?}: {r}"
                    );
                    assert_eq!(now.active, after.active);
                    assert_eq!(
                        sorted(&now.bindings),
                        sorted(&after.bindings),
                        "{actor:?} edited {target:?}"
                    );
                    let mut got = now.memberships.clone();
                    let mut want = after.memberships.clone();
                    got.sort_by_key(|m| m.department);
                    want.sort_by_key(|m| m.department);
                    assert_eq!(got, want, "{actor:?} edited {target:?}'s memberships");
                    relog.push(target);
                    let kept = sorted(&now.bindings);
                    if !after.active || sorted(&before.bindings).iter().any(|b| !kept.contains(b)) {
                        ends.push(target);
                    }
                } else {
                    refused_edits += 1;
                    assert_eq!(
                        r["status"], 403,
                        "{actor:?} edits {before:?} into {after:?}: {r}"
                    );
                    assert_eq!(now, before, "a refused edit changed {target:?}");
                }
            }
            Step::EditRole => {
                let role = rng.pick(&w.custom);
                let account = w.account().await;
                let old = account.config.roles[&role].clone();
                let all: Vec<Permission> = Permission::ALL.to_vec();
                let perms = rng.subset(&all, 35);
                let expected = expect_role_edit(&account, actor, old.permissions, perms, role);
                let ids: Vec<&str> = perms.iter().map(|p| p.id()).collect();
                let r = w
                    .call(
                        &cookie,
                        "PATCH",
                        &format!("/api/v1/roles/{}", role.0),
                        Some(json!({"permissions": ids})),
                    )
                    .await;
                let now = w.account().await.config.roles[&role].permissions;
                if expected {
                    allowed_edits += 1;
                    assert_eq!(r["status"], 200, "{actor:?} sets {role:?} to {ids:?}: {r}");
                    assert_eq!(now, perms);
                } else {
                    refused_edits += 1;
                    assert_eq!(r["status"], 403, "{actor:?} sets {role:?} to {ids:?}: {r}");
                    assert_eq!(now, old.permissions, "a refused role edit changed it");
                }
            }
        }
        // Events: what each stream heard since the step.
        let after_convs = w.conversations().await;
        let mut wait = QUIET;
        for (&u, stream) in streams.iter_mut() {
            // The first stream waits for quiet; the others had that time too.
            let heard = stream.drain(wait).await;
            wait = std::time::Duration::from_millis(30);
            heard_total += heard.iter().filter(|e| concerns(e).is_some()).count();
            let p = w.principal(u).await;
            assert_eq!(
                heard.iter().any(|e| e.name == "closed"),
                ends.contains(&u),
                "step {step}: {u:?}'s stream: {heard:?}"
            );
            if heard.iter().any(|e| e.name == "closed") {
                // Sessions end with a binding removed or the user deactivated: nothing after.
                assert!(
                    relog.contains(&u),
                    "{u:?}'s stream closed without a reason: {heard:?}"
                );
                continue;
            }
            let now_seen: BTreeSet<i64> = after_convs
                .iter()
                .filter(|(c, _)| p.visible(c))
                .map(|(c, _)| c.id.0)
                .collect();
            for e in &heard {
                let Some(id) = concerns(e) else { continue };
                match e.name.as_str() {
                    "removed" => assert!(
                        !now_seen.contains(&id),
                        "step {step}: {u:?} told {id} was removed but sees it: {heard:?}"
                    ),
                    "message" => {
                        let c = after_convs.iter().find(|(c, _)| c.id.0 == id).unwrap().0;
                        assert!(
                            p.details_visible(&c),
                            "step {step}: {u:?} got a message of {id} without its details"
                        );
                    }
                    _ => assert!(
                        now_seen.contains(&id),
                        "step {step}: {u:?} heard of {id}, which they do not see: {heard:?}"
                    ),
                }
            }
            if let Some(id) = touched {
                let saw = before_seen[&u].contains(&id);
                let sees = now_seen.contains(&id);
                let told: Vec<&str> = heard
                    .iter()
                    .filter(|e| concerns(e) == Some(id))
                    .map(|e| e.name.as_str())
                    .collect();
                if sees {
                    assert!(
                        told.contains(&"conversation") || told.contains(&"message"),
                        "step {step}: {u:?} sees {id} but heard {told:?}"
                    );
                } else if saw {
                    assert!(
                        told.contains(&"removed"),
                        "step {step}: {u:?} no longer sees {id} but heard {told:?}"
                    );
                } else {
                    assert!(told.is_empty(), "step {step}: {u:?} heard {told:?} of {id}");
                }
            }
        }
        // Sessions the edit ended are opened again (when the user may still log in).
        for u in relog {
            let alive = match w.sessions.get(&u) {
                Some(c) => w.call(c, "GET", "/api/v1/me", None).await["status"] == 200,
                None => false,
            };
            if !alive {
                w.log_in(u).await;
                streams.remove(&u);
                if let Some(c) = w.sessions.get(&u) {
                    streams.insert(u, open(w.addr, c).await);
                }
            }
        }
    }
    eprintln!(
        "{count} steps: {allowed_edits} edits allowed, {refused_edits} refused, {heard_total} events checked"
    );
    assert!(heard_total > 0, "no event was heard in {count} steps");
}

pub(super) async fn p_visible(w: &Rand, u: UserId, c: &Conversation) -> bool {
    w.principal(u).await.visible(c)
}

pub(super) async fn open(addr: SocketAddr, cookie: &str) -> EventStream {
    let mut s = EventStream::open(addr, "/api/v1/events", &[("Cookie", cookie)]).await;
    // `ready` says the stream is live.
    s.expect("ready", std::time::Duration::from_secs(5)).await;
    s
}

pub(super) fn sorted(b: &[Binding]) -> Vec<(i64, Option<i64>)> {
    let mut v: Vec<(i64, Option<i64>)> = b
        .iter()
        .map(|b| {
            (
                b.role.0,
                match b.scope {
                    Scope::Account => None,
                    Scope::Department(d) => Some(d.0),
                },
            )
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}
