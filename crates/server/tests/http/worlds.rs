//! Random worlds through HTTP (issue 7, points 2, 5 and 6). Each seed builds an account with a
//! random department tree, settings, custom roles (one tied to a network the test never comes
//! from), users with random bindings and memberships, contacts and conversations, then:
//!
//! - **every read path equals visibility**: each tab (all pages), the counts, search by contact,
//!   the department filter, the detail and the messages of every conversation (and of another
//!   account's) answer exactly what the in-memory engine decides for that user, with details
//!   masked as `details_visible` says, and a few files on random conversations are served
//!   (`GET /api/v1/attachments/{id}`) exactly where `details_visible` holds, else 404;
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

#[path = "worlds/contacts.rs"]
mod contacts;
#[path = "worlds/escalation.rs"]
mod escalation;
#[path = "worlds/reads.rs"]
mod reads;
#[path = "worlds/steps.rs"]
mod steps;

use escalation::last_manager;
use reads::check_reads;
use steps::steps;

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
    /// The world's contacts.
    contacts: Vec<i64>,
    /// The other account's conversations.
    foreign: Vec<ConversationId>,
    /// Files on some conversations: (attachment id, its conversation, its bytes).
    files: Vec<(i64, ConversationId, Vec<u8>)>,
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
        .directory()
        .create_account(&format!("Mundo {tag}"), &settings, "Geral", 0)
        .await
        .unwrap();
    // The company's tags t0..t3 (t4 is never created: attaching it is refused).
    for i in 0..4 {
        store
            .tags()
            .create(account, &format!("t{i}"), "gray")
            .await
            .unwrap();
    }
    let mut depts = vec![store.directory().default_department(account).await.unwrap()];
    for name in ["Vendas", "Suporte", "Financeiro", "Pós-venda"] {
        let parent = rng.chance(40).then(|| rng.pick(&depts));
        let d = store
            .directory()
            .create_department(account, name, parent, rng.pick(AccessOption::ALL))
            .await
            .unwrap();
        depts.push(d);
    }
    let config = store.directory().account_config(account).await.unwrap();
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
            .directory()
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
            .directory()
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
        store
            .directory()
            .set_user_access(account, &user)
            .await
            .unwrap();
        users.push(id);
        emails.insert(id, email);
    }
    let mut contacts = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let c = store
            .inbox()
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
    let mut created = Vec::new();
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
            .conversations()
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
            .inbox()
            .add_message(account, id, store::MessageKind::In, None, "Oi", None, at)
            .await
            .unwrap();
        contact_of.insert(id, name);
        created.push((id, at));
    }
    let files = add_files(&store, account, &created, seed, &tag).await;
    // Another account, whose conversations nobody here may see.
    let other = store
        .directory()
        .create_account(&format!("Outra {tag}"), &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let od = store.directory().default_department(other).await.unwrap();
    let mut foreign = Vec::new();
    for status in [Status::Waiting, Status::Finished] {
        foreign.push(
            store
                .conversations()
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
        contacts: contacts.iter().map(|(id, _)| *id).collect(),
        foreign,
        files,
        sessions: BTreeMap::new(),
        far: format!("2001:db8:5eed::{:x}:{:x}", seed & 0xffff, nanos & 0xffff),
    };
    for u in w.users.clone() {
        w.log_in(u).await;
    }
    assert!(w.sessions.contains_key(&w.users[0]), "the owner logs in");
    (w, rng)
}

/// A file on each of a few random conversations (drawn apart from the world's own draws, so
/// that a seed builds the same world as before files existed), in the node's file store, `ready`.
async fn add_files(
    store: &Store,
    account: AccountId,
    conversations: &[(ConversationId, i64)],
    seed: u64,
    tag: &str,
) -> Vec<(i64, ConversationId, Vec<u8>)> {
    let mut rng = Rng(seed ^ 0xf11e_5eed);
    let file_store = server::files::Files::open(&crate::common::test_files(store)).unwrap();
    let mut out = Vec::new();
    for n in 0..3 {
        let (conversation, at) = rng.pick(conversations);
        let bytes = format!("arquivo {n} do mundo {tag}").into_bytes();
        let key = server::files::new_key(&format!("a{}", account.0)).unwrap();
        let chunk = Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(bytes.clone()));
        let written = file_store
            .put(&key, futures_util::stream::iter([chunk]), 1 << 20)
            .await
            .unwrap();
        let sha: String = written.sha256.iter().map(|b| format!("{b:02x}")).collect();
        let (_, id) = store
            .attachments()
            .add_with_file(&store::MessageWithFile {
                account,
                conversation,
                kind: store::MessageKind::In,
                author: None,
                body: "",
                channel: None,
                decided_on: None,
                at,
                file: store::NewFile {
                    kind: store::AttachmentKind::Document,
                    voice: false,
                    mime_type: "text/plain",
                    file_name: Some("arquivo.txt"),
                    size: i64::try_from(bytes.len()).unwrap(),
                    sha256: &sha,
                    duration_ms: None,
                    storage_key: &key,
                },
            })
            .await
            .unwrap();
        out.push((id, conversation, bytes));
    }
    out
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
        self.store.directory().account(self.account).await.unwrap()
    }

    async fn principal(&self, u: UserId) -> Principal {
        let config = self
            .store
            .directory()
            .account_config(self.account)
            .await
            .unwrap();
        let user = self
            .store
            .directory()
            .user(self.account, u)
            .await
            .unwrap()
            .unwrap();
        Principal::resolve(&config, &user, HERE)
    }

    async fn conversations(&self) -> Vec<(Conversation, i64)> {
        self.store
            .conversations()
            .bench_all(self.account)
            .await
            .unwrap()
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
