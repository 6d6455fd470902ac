//! Random worlds through HTTP (issue 7, points 2, 5 and 6). Each seed builds an account with a
//! random department tree, settings, custom roles (one tied to a network the test never comes
//! from), users with random bindings and memberships, contacts and conversations, then:
//!
//! - **every read path equals visibility**: each tab (all pages), the counts, search by contact,
//!   the department filter, the detail and the messages of every conversation (and of another
//!   account's) answer exactly what the in-memory engine decides for that user, with details
//!   masked as `details_visible` says;
//! - **events follow visibility**: random actions by random users; after each, every event a
//!   user's stream received concerns a conversation that user sees at that moment (a removal, one
//!   they saw before and no longer see), and every user who sees a changed conversation heard of
//!   it;
//! - **no escalation**: random users edit random users' bindings and active flag and random custom
//!   roles' permissions; an edit succeeds exactly when a model written here from ACCESS-MODEL.md
//!   says so (account-level `users.manage`/`roles.manage`, every permission of the target before
//!   and after held by the editor, an active `account.manage` holder left), and a refused edit
//!   changes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use access::{
    AccessOption, Account, AccountId, Action, Assignment, Binding, BuiltinRole, Conversation,
    ConversationId, DepartmentId, IpNet, Membership, MembershipKind, Permission, PermissionSet,
    Principal, QueueAccess, RoleId, Scope, Settings, Status, Tab, User, UserId,
};
use serde_json::{Value, json};
use store::{NewConversation, NewUser, Store};

use crate::common::{EventStream, SseEvent, launch, request};

/// Where the test's requests come from (no forwarded address): what the engine resolves with.
const HERE: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const PASSWORD: &str = "senha-forte-1";
/// How long a stream stays quiet before its events are taken as complete.
const QUIET: std::time::Duration = std::time::Duration::from_millis(250);

/// splitmix64: small, seedable, good enough to draw worlds.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    fn subset(&mut self, items: &[Permission], percent: u64) -> PermissionSet {
        items
            .iter()
            .copied()
            .filter(|_| self.chance(percent))
            .collect()
    }
}

struct Rand {
    addr: SocketAddr,
    store: Store,
    account: AccountId,
    depts: Vec<DepartmentId>,
    /// Built-in and custom roles (custom ones last).
    roles: Vec<RoleId>,
    custom: Vec<RoleId>,
    users: Vec<UserId>,
    emails: BTreeMap<UserId, String>,
    /// Conversation → its contact's name.
    contact_of: BTreeMap<ConversationId, String>,
    /// The other account's conversations.
    foreign: Vec<ConversationId>,
    /// Open sessions (cookie) of users who could log in.
    sessions: BTreeMap<UserId, String>,
    /// This world's login address (through the trusted loopback proxy): login throttling of
    /// other stories and runs stays apart. Outside every network of the world's roles, like
    /// [`HERE`].
    far: String,
}

const NAMES: [&str; 4] = ["Alfa", "Beta", "Gama", "Delta"];

async fn build(store: Store, seed: u64) -> (Rand, Rng) {
    store.migrate().await.unwrap();
    let mut rng = Rng(seed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let tag = format!("w{seed}-{}-{nanos}", std::process::id());
    let settings = Settings {
        my_finished_queue: rng.chance(50),
        waiting_queue: rng.pick(QueueAccess::ALL),
        finished_queue: rng.pick(QueueAccess::ALL),
        hide_details_until_assumed: rng.chance(50),
        shared_inbox: rng.chance(50),
        assignment: Assignment::Manual,
        satisfaction_survey: rng.chance(50),
    };
    let account = store
        .create_account(&format!("Mundo {tag}"), &settings, "Geral", 0)
        .await
        .unwrap();
    // The company's tags t0..t3 (t4 is never created: attaching it is refused).
    for i in 0..4 {
        store.create_tag(account, &format!("t{i}")).await.unwrap();
    }
    let mut depts = vec![store.default_department(account).await.unwrap()];
    for name in ["Vendas", "Suporte", "Financeiro", "Pós-venda"] {
        let parent = rng.chance(40).then(|| rng.pick(&depts));
        let d = store
            .create_department(account, name, parent, rng.pick(AccessOption::ALL))
            .await
            .unwrap();
        depts.push(d);
    }
    let config = store.account_config(account).await.unwrap();
    let mut roles: Vec<RoleId> = BuiltinRole::ALL
        .iter()
        .map(|b| config.builtin_role(*b).unwrap())
        .collect();
    let all: Vec<Permission> = Permission::ALL.to_vec();
    let mut custom = Vec::new();
    for (i, networks) in [vec![], vec![], vec!["10.0.0.0/8".parse::<IpNet>().unwrap()]]
        .iter()
        .enumerate()
    {
        let r = store
            .create_role(
                account,
                &format!("Papel {i}"),
                rng.subset(&all, 35),
                networks,
            )
            .await
            .unwrap();
        custom.push(r);
    }
    roles.extend(&custom);
    let hash = server::secret::hash_password(PASSWORD).unwrap();
    let mut users = Vec::new();
    let mut emails = BTreeMap::new();
    for i in 0..7 {
        let email = format!("u{i}.{tag}@w.example");
        let active = i == 0 || rng.chance(90);
        let id = store
            .create_user(
                account,
                &NewUser {
                    email: &email,
                    name: &email,
                    password_hash: Some(&hash),
                    active,
                },
                0,
            )
            .await
            .unwrap();
        // The first user is an owner: the account always has an administrator to start from.
        let bindings = if i == 0 {
            vec![Binding {
                role: config.builtin_role(BuiltinRole::Owner).unwrap(),
                scope: Scope::Account,
            }]
        } else {
            random_bindings(&mut rng, &roles, &depts)
        };
        let memberships = (0..rng.below(3))
            .map(|_| Membership {
                department: rng.pick(&depts),
                kind: if rng.chance(30) {
                    MembershipKind::Supervisor
                } else {
                    MembershipKind::Member
                },
            })
            .collect::<Vec<_>>();
        let mut seen = BTreeSet::new();
        let memberships = memberships
            .into_iter()
            .filter(|m| seen.insert(m.department))
            .collect();
        let user = User {
            id,
            account,
            active,
            memberships,
            bindings,
        };
        store.set_user_access(account, &user).await.unwrap();
        users.push(id);
        emails.insert(id, email);
    }
    let mut contacts = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let c = store
            .create_contact(
                account,
                &format!("Cliente {name}"),
                Some(&format!("+55119000{i:05}")),
                None,
                0,
            )
            .await
            .unwrap();
        contacts.push((c, format!("Cliente {name}")));
    }
    let mut contact_of = BTreeMap::new();
    for i in 0..24i64 {
        let status = rng.pick(Status::ALL);
        let assignee = match status {
            Status::Waiting => None,
            _ if rng.chance(10) => None,
            _ => Some(rng.pick(&users)),
        };
        let (contact, name) = contacts[rng.below(contacts.len())].clone();
        // Some activity times repeat: ties are ordered by id.
        let at = 1_000 + 10 * (i / 2);
        let id = store
            .create_conversation(&NewConversation {
                account,
                department: rng.pick(&depts),
                status,
                assignee,
                contact: Some(contact),
                channel: "api",
                at,
            })
            .await
            .unwrap();
        store
            .add_message(account, id, store::MessageKind::In, None, "Oi", None, at)
            .await
            .unwrap();
        contact_of.insert(id, name);
    }
    // Another account, whose conversations nobody here may see.
    let other = store
        .create_account(&format!("Outra {tag}"), &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let od = store.default_department(other).await.unwrap();
    let mut foreign = Vec::new();
    for status in [Status::Waiting, Status::Finished] {
        foreign.push(
            store
                .create_conversation(&NewConversation {
                    account: other,
                    department: od,
                    status,
                    assignee: None,
                    contact: None,
                    channel: "api",
                    at: 5,
                })
                .await
                .unwrap(),
        );
    }
    let addr = launch(store.clone()).await;
    let mut w = Rand {
        addr,
        store,
        account,
        depts,
        roles,
        custom,
        users,
        emails,
        contact_of,
        foreign,
        sessions: BTreeMap::new(),
        far: format!("2001:db8:5eed::{:x}:{:x}", seed & 0xffff, nanos & 0xffff),
    };
    for u in w.users.clone() {
        w.log_in(u).await;
    }
    assert!(w.sessions.contains_key(&w.users[0]), "the owner logs in");
    (w, rng)
}

fn random_memberships(rng: &mut Rng, depts: &[DepartmentId]) -> Vec<Membership> {
    let mut out: Vec<Membership> = Vec::new();
    for _ in 0..rng.below(3) {
        let department = rng.pick(depts);
        if out.iter().all(|m| m.department != department) {
            let kind = match rng.chance(30) {
                true => MembershipKind::Supervisor,
                false => MembershipKind::Member,
            };
            out.push(Membership { department, kind });
        }
    }
    out
}

fn random_bindings(rng: &mut Rng, roles: &[RoleId], depts: &[DepartmentId]) -> Vec<Binding> {
    let mut seen = BTreeSet::new();
    (0..1 + rng.below(2))
        .map(|_| Binding {
            role: rng.pick(roles),
            scope: if rng.chance(60) {
                Scope::Account
            } else {
                Scope::Department(rng.pick(depts))
            },
        })
        .filter(|b| {
            seen.insert((
                b.role,
                match b.scope {
                    Scope::Account => None,
                    Scope::Department(d) => Some(d),
                },
            ))
        })
        .collect()
}

impl Rand {
    /// Logs the user in; whether they may is the engine's `login` (active, a binding usable
    /// from here).
    async fn log_in(&mut self, u: UserId) {
        self.sessions.remove(&u);
        let r = request(
            self.addr,
            "POST",
            "/api/v1/auth/login",
            &[("X-Forwarded-For", &self.far)],
            Some(&json!({"email": self.emails[&u], "password": PASSWORD}).to_string()),
        )
        .await;
        let p = self.principal(u).await;
        let may = p.is_operational();
        assert_eq!(
            r.status == 200,
            may,
            "login of {u:?}: {} {}",
            r.status,
            r.body
        );
        if may {
            let cookie = r.header("set-cookie").unwrap();
            self.sessions
                .insert(u, cookie.split(';').next().unwrap().to_owned());
        }
    }

    async fn account(&self) -> Account {
        self.store.account(self.account).await.unwrap()
    }

    async fn principal(&self, u: UserId) -> Principal {
        let config = self.store.account_config(self.account).await.unwrap();
        let user = self.store.user(self.account, u).await.unwrap().unwrap();
        Principal::resolve(&config, &user, HERE)
    }

    async fn conversations(&self) -> Vec<(Conversation, i64)> {
        self.store.bench_all(self.account).await.unwrap()
    }

    async fn call(&self, cookie: &str, method: &str, path: &str, body: Option<Value>) -> Value {
        let r = request(
            self.addr,
            method,
            path,
            &[("Cookie", cookie)],
            body.map(|b| b.to_string()).as_deref(),
        )
        .await;
        json!({"status": r.status, "body": serde_json::from_str::<Value>(&r.body).unwrap_or(Value::Null)})
    }
}

/// Every read path of every logged-in user equals the engine's decision.
async fn check_reads(w: &Rand) {
    let all = w.conversations().await;
    let Some(anyone) = w.sessions.values().next() else {
        return;
    };
    let missing = w
        .call(anyone, "GET", "/api/v1/conversations/987654321", None)
        .await;
    assert_eq!(missing["status"], 404);
    for (&u, cookie) in &w.sessions {
        let p = w.principal(u).await;
        let counts = w
            .call(cookie, "GET", "/api/v1/conversations/counts", None)
            .await;
        for &tab in Tab::ALL {
            let plan = p.plan(tab);
            let mut expected: Vec<&(Conversation, i64)> =
                all.iter().filter(|(c, _)| plan.matches(c)).collect();
            expected.sort_by_key(|(c, at)| std::cmp::Reverse((*at, c.id.0)));
            let expected: Vec<i64> = expected.iter().map(|(c, _)| c.id.0).collect();
            let listed = list_all(w, cookie, &format!("tab={}", tab.id())).await;
            let ids: Vec<i64> = listed.iter().map(|c| c["id"].as_i64().unwrap()).collect();
            assert_eq!(ids, expected, "{u:?} tab {tab}");
            assert_eq!(
                counts["body"][tab.id()].as_u64(),
                Some(expected.len() as u64),
                "{u:?} count of {tab}: {counts}"
            );
            for item in &listed {
                let c = all
                    .iter()
                    .find(|(c, _)| c.id.0 == item["id"].as_i64().unwrap())
                    .unwrap()
                    .0;
                let shown = p.details_visible(&c);
                assert_eq!(item["details_hidden"], json!(!shown), "{u:?} {item}");
                assert_eq!(item["contact"].is_object(), shown, "{u:?} {item}");
            }
            // Search by contact: within the conversations whose details the user sees.
            let name = NAMES[(u.0 as usize) % NAMES.len()];
            let details = p.details_plan(tab);
            let mut found: Vec<i64> = all
                .iter()
                .filter(|(c, _)| details.matches(c) && w.contact_of[&c.id].contains(name))
                .map(|(c, _)| c.id.0)
                .collect();
            found.sort_unstable();
            let mut got: Vec<i64> = list_all(w, cookie, &format!("tab={}&q={name}", tab.id()))
                .await
                .iter()
                .map(|c| c["id"].as_i64().unwrap())
                .collect();
            got.sort_unstable();
            assert_eq!(got, found, "{u:?} searches {name} in {tab}");
            // A department filter narrows, never widens.
            let d = w.depts[(u.0 as usize) % w.depts.len()];
            let mut within: Vec<i64> = all
                .iter()
                .filter(|(c, _)| plan.matches(c) && c.department == d)
                .map(|(c, _)| c.id.0)
                .collect();
            within.sort_unstable();
            let mut got: Vec<i64> =
                list_all(w, cookie, &format!("tab={}&department={}", tab.id(), d.0))
                    .await
                    .iter()
                    .map(|c| c["id"].as_i64().unwrap())
                    .collect();
            got.sort_unstable();
            assert_eq!(got, within, "{u:?} filters {tab} by {d:?}");
        }
        for (c, _) in &all {
            let detail = w
                .call(
                    cookie,
                    "GET",
                    &format!("/api/v1/conversations/{}", c.id.0),
                    None,
                )
                .await;
            let messages = w
                .call(
                    cookie,
                    "GET",
                    &format!("/api/v1/conversations/{}/messages", c.id.0),
                    None,
                )
                .await;
            if p.visible(c) {
                assert_eq!(detail["status"], 200, "{u:?} {c:?} {detail}");
                let shown = p.details_visible(c);
                assert_eq!(detail["body"]["details_hidden"], json!(!shown), "{detail}");
                let may = p.decide(c, Action::ViewDetails).is_allowed();
                assert_eq!(
                    messages["status"],
                    if may { 200 } else { 403 },
                    "{messages}"
                );
                if may {
                    assert!(
                        !messages["body"].as_array().unwrap().is_empty(),
                        "{messages}"
                    );
                }
            } else {
                assert_eq!(detail["status"], 404, "{u:?} {c:?} {detail}");
                assert_eq!(detail["body"], missing["body"]);
                assert_eq!(messages["status"], 404, "{u:?} {c:?}");
            }
        }
        for c in &w.foreign {
            let detail = w
                .call(
                    cookie,
                    "GET",
                    &format!("/api/v1/conversations/{}", c.0),
                    None,
                )
                .await;
            assert_eq!(detail, missing, "{u:?} reads another account's {c:?}");
        }
    }
}

/// Every page of a listing, small pages so that cursors are exercised.
async fn list_all(w: &Rand, cookie: &str, query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/conversations?{query}&limit=5&cursor={c}"),
            None => format!("/api/v1/conversations?{query}&limit=5"),
        };
        let page = w.call(cookie, "GET", &path, None).await;
        assert_eq!(page["status"], 200, "{path}: {page}");
        items.extend(page["body"]["items"].as_array().unwrap().iter().cloned());
        match page["body"]["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
    panic!("{query}: more than 100 pages");
}

/// The conversation an event concerns, if any.
fn concerns(e: &SseEvent) -> Option<i64> {
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
async fn steps(w: &mut Rand, rng: &mut Rng, count: usize) {
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

async fn p_visible(w: &Rand, u: UserId, c: &Conversation) -> bool {
    w.principal(u).await.visible(c)
}

async fn open(addr: SocketAddr, cookie: &str) -> EventStream {
    let mut s = EventStream::open(addr, "/api/v1/events", &[("Cookie", cookie)]).await;
    // `ready` says the stream is live.
    s.expect("ready", std::time::Duration::from_secs(5)).await;
    s
}

fn sorted(b: &[Binding]) -> Vec<(i64, Option<i64>)> {
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

/// The model, written from ACCESS-MODEL.md without the engine: a binding counts from here when
/// its role has no networks or one containing this address; an actor acts with an account-scoped
/// binding granting the permission; "held" permissions are every binding's, whatever the scope
/// or network.
fn binding_here(account: &Account, b: &Binding) -> bool {
    account.config.roles.get(&b.role).is_some_and(|r| {
        r.allowed_networks.is_empty() || r.allowed_networks.iter().any(|n| n.contains(HERE))
    })
}

fn has_account(account: &Account, u: &User, p: Permission) -> bool {
    u.active
        && u.bindings.iter().any(|b| binding_here(account, b))
        && u.bindings.iter().any(|b| {
            b.scope == Scope::Account
                && binding_here(account, b)
                && account.config.roles[&b.role].permissions.contains(p)
        })
}

fn held(account: &Account, u: &User) -> PermissionSet {
    u.bindings
        .iter()
        .filter_map(|b| account.config.roles.get(&b.role))
        .fold(PermissionSet::EMPTY, |acc, r| acc.union(r.permissions))
}

fn managers(roles: &BTreeMap<RoleId, access::Role>, users: &[&User]) -> usize {
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

fn expect_manage(
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
fn probes(account: &Account) -> Vec<Conversation> {
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
fn sees_within<'a>(
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
fn memberships_within(
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

fn expect_role_edit(
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
async fn last_manager(w: &Rand) {
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

async fn worlds(store: Store, seeds: &[u64]) {
    for &seed in seeds {
        let (mut w, mut rng) = build(store.clone(), seed).await;
        last_manager(&w).await;
        check_reads(&w).await;
        steps(&mut w, &mut rng, 24).await;
        check_reads(&w).await;
    }
}

/// Seeds: fixed ones, plus `ATENDE_WORLD_SEED` to replay or explore another.
fn seeds(fixed: &[u64]) -> Vec<u64> {
    match std::env::var("ATENDE_WORLD_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(s) => vec![s],
        None => fixed.to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_worlds_on_sqlite() {
    let (store, dir) = super::on_sqlite("worlds").await;
    worlds(store, &seeds(&[1, 2, 3])).await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_worlds_on_postgres() {
    let Some(store) = super::on_postgres().await else {
        return;
    };
    worlds(store, &seeds(&[4, 5])).await;
}
