//! The store's conformance story, run against SQLite (in memory and on disk) and PostgreSQL
//! (when `ATENDE_TEST_POSTGRES_URL` is set; required under CI): every access test file of the
//! conformance suite through the database, and random worlds where the SQL listings, counts and
//! decisions equal the in-memory engine's, before and after random transitions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use access::explain::Lang;
use access::{Action, Principal, Tab};
use proptest::prelude::*;
use scenario::Scenario;
use store::Store;
use store::scenario_backend::{StoreBackend, load};

#[path = "store/schema.rs"]
mod schema;
#[path = "store/versions.rs"]
mod versions;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn postgres_url() -> Option<String> {
    match std::env::var("ATENDE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "under CI the PostgreSQL tests need ATENDE_TEST_POSTGRES_URL"
            );
            eprintln!(
                "ATENDE_TEST_POSTGRES_URL is not set: skipping the PostgreSQL half (scripts/pg-test-server starts one)"
            );
            None
        }
    }
}

fn scenarios() -> Vec<(PathBuf, Scenario)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the conformance suite is missing");
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let s = scenario::parse(&text).unwrap_or_else(|e| panic!("{}: {e:?}", p.display()));
            (p, s)
        })
        .collect()
}

async fn fresh_sqlite_memory() -> Store {
    let s = Store::open_sqlite_memory().await.unwrap();
    s.migrate().await.unwrap();
    s
}

async fn postgres(url: &str) -> Store {
    let s = Store::open_postgres(url).await.unwrap();
    s.migrate().await.unwrap();
    s
}

/// Runs every file through `store`; `fresh` opens a new database per file when given.
fn conformance(rt: &tokio::runtime::Runtime, open: &dyn Fn() -> Store) {
    let mut total = 0;
    for (path, s) in scenarios() {
        let store = open();
        let (account, remapped) = rt.block_on(load(&store, &s)).unwrap();
        let mut backend = StoreBackend::new(store.clone(), account, rt);
        let report = scenario::run(&remapped, &mut backend, Lang::En)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            report.failed.is_empty(),
            "{}: {:#?}",
            path.display(),
            report.failed
        );
        assert_eq!(report.passed, s.expectations.len());
        total += report.passed;
    }
    assert!(total > 500, "only {total} expectations ran");
}

#[test]
fn conformance_suite_on_sqlite_in_memory() {
    let rt = runtime();
    conformance(&rt, &|| rt.block_on(fresh_sqlite_memory()));
}

#[test]
fn conformance_suite_on_sqlite_file() {
    let rt = runtime();
    let dir = std::env::temp_dir().join(format!("atende-store-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = rt.block_on(async {
        let s = Store::open_sqlite(&dir.join("atende.sqlite"))
            .await
            .unwrap();
        s.migrate().await.unwrap();
        // Migrating twice is a no-op.
        s.migrate().await.unwrap();
        s
    });
    // One database, one account per file: nothing crosses accounts.
    conformance(&rt, &|| store.clone());
    rt.block_on(store.close());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn conformance_suite_on_postgres() {
    let Some(url) = postgres_url() else { return };
    let rt = runtime();
    let store = rt.block_on(postgres(&url));
    conformance(&rt, &|| store.clone());
}

/// Every tab of every user (listing and count), and every action on every conversation, agree
/// between the engine in memory and the store (principals resolved from stored rows); then a
/// random allowed transition is applied to both, and they are compared again.
fn compare_world(
    rt: &tokio::runtime::Runtime,
    store: &Store,
    seed: u64,
    steps: usize,
) -> Result<(), TestCaseError> {
    let mut rng = scenario::generate::Rng(seed | 1);
    let text = format!("{}expect: []\n", scenario::generate::world(&mut rng, 0, 30));
    let mut s = scenario::parse(&text).unwrap();
    let (account, remapped) = rt.block_on(load(store, &s)).unwrap();
    let from_list = [
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V4(Ipv4Addr::new(10, 9, 8, 7)),
    ];
    let actions = [
        Action::View,
        Action::ViewDetails,
        Action::Assume,
        Action::Reply,
        Action::Finish,
        Action::FinishInSurvey,
        Action::Reopen,
    ];
    for step in 0..=steps {
        let inbox = access::Inbox::new(s.conversations.iter().zip(1..).map(|(c, at)| (*c, at)));
        let (config, stored) = rt.block_on(async {
            let config = store.account_config(account).await.unwrap();
            let mut stored = Vec::new();
            for (name, c) in &remapped.names.conversations {
                stored.push((
                    name.clone(),
                    store
                        .conversation(account, *c)
                        .await
                        .unwrap()
                        .unwrap()
                        .conversation,
                ));
            }
            (config, stored)
        });
        for (name, &u) in &s.names.users {
            let du = remapped.names.users[name];
            let duser = rt.block_on(store.user(account, du)).unwrap().unwrap();
            for from in from_list {
                let mem = Principal::resolve(&s.account.config, &s.account.users[&u], from);
                let db = Principal::resolve(&config, &duser, from);
                for tab in Tab::ALL {
                    let listed: Vec<String> = inbox
                        .list(&mem.plan(*tab), None, usize::MAX)
                        .iter()
                        .map(|k| s.names.conversation_name(k.id))
                        .collect();
                    let plan = db.plan(*tab);
                    let (sql, count) = rt.block_on(async {
                        (
                            store.list(&plan, None, 1000).await.unwrap(),
                            store.count(&plan).await.unwrap(),
                        )
                    });
                    let sql: Vec<String> = sql
                        .iter()
                        .map(|k| remapped.names.conversation_name(k.id))
                        .collect();
                    prop_assert_eq!(
                        &listed,
                        &sql,
                        "seed {} step {} user {} tab {} from {}",
                        seed,
                        step,
                        name,
                        tab.id(),
                        from
                    );
                    prop_assert_eq!(
                        count as usize,
                        sql.len(),
                        "count of seed {} user {} tab {}",
                        seed,
                        name,
                        tab.id()
                    );
                }
                for (cname, dc) in &stored {
                    let c = s
                        .conversations
                        .iter()
                        .find(|x| x.id == s.names.conversations[cname])
                        .unwrap();
                    for action in actions {
                        prop_assert_eq!(
                            mem.decide(c, action).outcome(),
                            db.decide(dc, action).outcome(),
                            "seed {} {} {:?} {}",
                            seed,
                            name,
                            action,
                            cname
                        );
                    }
                }
            }
        }
        if step == steps {
            break;
        }
        // A random allowed transition, applied to both.
        let users: Vec<(&String, &access::UserId)> = s.names.users.iter().collect();
        for _ in 0..60 {
            let (uname, u) = users[rng.below(users.len())];
            let index = rng.below(s.conversations.len());
            let conv = s.conversations[index];
            let p = Principal::resolve(&s.account.config, &s.account.users[u], from_list[0]);
            let action = [
                Action::Assume,
                Action::Finish,
                Action::FinishInSurvey,
                Action::Reopen,
            ][rng.below(4)];
            if !p.decide(&conv, action).is_allowed() {
                continue;
            }
            let t = p.transition(&conv, action).unwrap();
            let cname = s.names.conversation_name(conv.id);
            let (du, dc) = (
                remapped.names.users[uname],
                remapped.names.conversations[&cname],
            );
            rt.block_on(async {
                let record = store.conversation(account, dc).await.unwrap().unwrap();
                let duser = store.user(account, du).await.unwrap().unwrap();
                let dp = Principal::resolve(&config, &duser, from_list[0]);
                assert!(dp.decide(&record.conversation, action).is_allowed());
                let dt = dp.transition(&record.conversation, action).unwrap();
                // Activity moves forward: the conversation becomes the newest.
                store
                    .apply_transition(&record, &dt, 1_000 + (step as i64) * 100)
                    .await
                    .unwrap();
            });
            // In memory, activity is the position in the list: the moved conversation goes last.
            s.conversations.remove(index);
            s.conversations.push(access::Conversation {
                status: t.status,
                assignee: t.assignee,
                department: t.department,
                ..conv
            });
            break;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn random_worlds_sql_equals_engine_on_sqlite(seed in any::<u64>()) {
        let rt = runtime();
        let store = rt.block_on(fresh_sqlite_memory());
        compare_world(&rt, &store, seed, 3)?;
    }
}

#[test]
fn random_worlds_sql_equals_engine_on_postgres() {
    let Some(url) = postgres_url() else { return };
    let rt = runtime();
    let store = rt.block_on(postgres(&url));
    for seed in 1..=8u64 {
        compare_world(&rt, &store, seed * 7919, 3).unwrap();
    }
}

/// Arrivals: one batch with a duplicate inside it, two messages of one customer, and a known
/// customer; then a finished conversation, after which the customer's next message starts a new
/// one; statuses move forward only; old events are pruned but never the newest.
async fn arrivals(store: &Store) {
    use access::{Settings, Status, Transition};
    use store::{ChannelKind, ChannelWrite, Inbound, Received};
    store.migrate().await.unwrap();
    let a = store
        .create_account("arrivals", &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let tag = format!("{}{}", std::process::id(), a.0);
    let mut tx = store.begin_admin(a).await.unwrap();
    let number = format!("55{tag}");
    let id = tx
        .create_channel(
            ChannelKind::WhatsApp,
            &ChannelWrite {
                name: "w",
                phone_number_id: Some(&number),
                active: true,
                ..ChannelWrite::default()
            },
            0,
        )
        .await
        .unwrap();
    let channel = tx.channel(id).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    let known = store
        .create_contact(a, "Cliente Antigo", Some("5511000000001"), None, 0)
        .await
        .unwrap();
    let m = |id: &'static str, from: &'static str, name: Option<&'static str>, at: i64| Inbound {
        external_id: id,
        from,
        profile_name: name,
        body: "oi",
        at,
    };
    let got = store
        .receive(
            &channel,
            &[
                m("w1", "5511000000002", Some("Nova"), 10),
                m("w2", "5511000000002", Some("Nova"), 11),
                m("w1", "5511000000002", Some("Nova"), 12),
                m("w3", "5511000000001", Some("Outro Nome"), 13),
            ],
        )
        .await
        .unwrap();
    let conv = |r: &Received| match r {
        Received::Stored {
            conversation,
            created,
            ..
        } => (*conversation, *created),
        Received::Duplicate => panic!("expected stored, got {r:?}"),
    };
    let (c_new, created) = conv(&got[0]);
    assert!(created);
    assert_eq!(
        conv(&got[1]),
        (c_new, false),
        "the same customer's second message continues it"
    );
    assert_eq!(
        got[2],
        Received::Duplicate,
        "the same id twice in one batch is stored once"
    );
    let (c_known, created) = conv(&got[3]);
    assert!(created && c_known != c_new);
    // The known contact keeps the name an agent gave; the new one has the profile name.
    let contact = store
        .conversation_contact(a, c_known)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (contact.id, contact.name.as_str()),
        (known, "Cliente Antigo")
    );
    assert_eq!(
        store
            .conversation_contact(a, c_new)
            .await
            .unwrap()
            .unwrap()
            .name,
        "Nova"
    );
    // Delivered again later: nothing new.
    let again = store
        .receive(&channel, &[m("w2", "5511000000002", None, 20)])
        .await
        .unwrap();
    assert_eq!(again, vec![Received::Duplicate]);
    let rows = store.conversation_rows(a, &[c_new]).await.unwrap();
    assert_eq!(
        (
            rows[0].record.last_activity,
            rows[0].last_customer_message_at
        ),
        (11, Some(11))
    );
    // Finished: the next message starts a new conversation.
    let record = store.conversation(a, c_new).await.unwrap().unwrap();
    let t = Transition {
        status: Status::Finished,
        assignee: None,
        department: record.conversation.department,
    };
    store.apply_transition(&record, &t, 30).await.unwrap();
    let next = store
        .receive(&channel, &[m("w4", "5511000000002", None, 40)])
        .await
        .unwrap();
    let (c_next, created) = conv(&next[0]);
    assert!(created && c_next != c_new);
    assert_eq!(
        store
            .conversation_contact(a, c_next)
            .await
            .unwrap()
            .unwrap()
            .name,
        "Nova"
    );
    // The events of the batch are in order: each conversation's creation before its messages.
    let events = store.account_events_after(a, 0, 1000).await.unwrap();
    let first_new = events
        .iter()
        .position(|e| e.conversation == Some(c_new))
        .unwrap();
    assert_eq!(events[first_new].kind, store::EventKind::Conversation);
    // Pruning removes what is older than the cutoff (this account's events are at 10..40 µs;
    // other tests' events on a shared database are at real times), but never the newest event,
    // so that ids are never reused.
    // (Other tests may write events meanwhile: at most this account's last event, the newest
    // when pruning ran, may stay.)
    let before_prune = store.account_events_after(a, 0, 1000).await.unwrap();
    let last_of_account = before_prune.last().unwrap().id;
    store.prune_events(1_000).await.unwrap();
    let left = store.account_events_after(a, 0, 1000).await.unwrap();
    assert!(
        left.iter()
            .all(|e| e.id == last_of_account || e.at >= 1_000),
        "{left:?}"
    );
    assert!(
        left.iter().all(|e| e.conversation != Some(c_known)),
        "{left:?}"
    );
    // The same new message delivered many times at once (a channel's retries racing its first
    // delivery; a transaction committed after a crash): one is stored, every other answer is a
    // duplicate, none an error (a unique violation between lookup and insert is tried again).
    let racers: Vec<_> = (0..16)
        .map(|_| {
            let (store, channel) = (store.clone(), channel.clone());
            tokio::spawn(async move {
                store
                    .receive(
                        &channel,
                        &[m("race-1", "5511000000099", Some("Rápida"), 60)],
                    )
                    .await
            })
        })
        .collect();
    let mut stored = 0;
    for r in racers {
        match r.await.unwrap().unwrap().as_slice() {
            [Received::Stored { .. }] => stored += 1,
            [Received::Duplicate] => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(stored, 1, "the raced message is stored exactly once");
}

#[test]
fn arrivals_on_sqlite_and_postgres() {
    let rt = runtime();
    rt.block_on(async {
        arrivals(&fresh_sqlite_memory().await).await;
        if let Some(url) = postgres_url() {
            arrivals(&postgres(&url).await).await;
        }
    });
}

#[test]
fn versioned_writes_on_sqlite_and_postgres() {
    let rt = runtime();
    rt.block_on(async {
        versions::versioned_writes(&fresh_sqlite_memory().await).await;
        if let Some(url) = postgres_url() {
            versions::versioned_writes(&postgres(&url).await).await;
        }
    });
}

/// Login attempts counted before the password is checked (hardening round 2, finding 4): thirty
/// claims at once on one email and address, from two handles on the database as two nodes
/// would be, are counted one after the other, so exactly five get through; while one key must
/// wait nothing is counted on the other; failures older than the window are forgotten.
async fn login_attempts(a: &Store, b: &Store, tag: &str) {
    let (email, address) = (format!("email:{tag}@x"), format!("address:{tag}"));
    let now = 1_000_000_000;
    let window = 1_000_000;
    let wait =
        move |failures: i64, last_at: i64| (failures >= 5 && now - last_at <= window).then_some(7);
    let mut claims = Vec::new();
    for i in 0..30 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let (email, address) = (email.clone(), address.clone());
        claims.push(tokio::spawn(async move {
            store
                .claim_login_attempt(&[&email, &address], now, window, wait)
                .await
                .unwrap()
        }));
    }
    let mut answers = Vec::new();
    for c in claims {
        answers.push(c.await.unwrap());
    }
    assert_eq!(
        answers.iter().filter(|w| w.is_none()).count(),
        5,
        "{answers:?}"
    );
    assert!(answers.iter().flatten().all(|w| *w == 7), "{answers:?}");
    // Another email from the same address: the address must wait, the email is not counted.
    let other = format!("email:{tag}-2@x");
    let got = a
        .claim_login_attempt(&[&other, &address], now, window, wait)
        .await
        .unwrap();
    assert_eq!(got, Some(7));
    a.clear_login_failures(&address).await.unwrap();
    for n in 1..=5 {
        let got = a
            .claim_login_attempt(&[&other, &address], now, window, wait)
            .await
            .unwrap();
        assert_eq!(got, None, "attempt {n} of the other email");
    }
    // After the window the count starts again.
    let later = now + window + 1;
    let got = b
        .claim_login_attempt(&[&email], later, window, |f, l| {
            (f >= 5 && later - l <= window).then_some(7)
        })
        .await
        .unwrap();
    assert_eq!(got, None);
    assert_eq!(a.login_failures(&email).await.unwrap(), (1, later));
}

#[test]
fn login_attempts_on_sqlite_and_postgres() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("atende-store-login-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("atende.sqlite");
        let a = Store::open_sqlite(&path).await.unwrap();
        a.migrate().await.unwrap();
        let b = Store::open_sqlite(&path).await.unwrap();
        login_attempts(&a, &b, "sqlite").await;
        std::fs::remove_dir_all(&dir).ok();
        if let Some(url) = postgres_url() {
            let tag = format!(
                "pg{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            );
            login_attempts(&postgres(&url).await, &postgres(&url).await, &tag).await;
        }
    });
}

#[test]
fn migration_trees_describe_one_schema() {
    let Some(url) = postgres_url() else { return };
    let rt = runtime();
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("atende-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("schema.sqlite");
        Store::open_sqlite(&path)
            .await
            .unwrap()
            .migrate()
            .await
            .unwrap();
        postgres(&url).await;
        let (lite, pg) = (schema::sqlite(&path).await, schema::postgres(&url).await);
        std::fs::remove_dir_all(&dir).ok();
        assert!(lite.tables() > 15 && lite.index_count() > 10, "{lite:?}");
        let diff = schema::differences(&lite, &pg);
        assert!(
            diff.is_empty(),
            "the migration trees differ:\n{}",
            diff.join("\n")
        );
    });
}
