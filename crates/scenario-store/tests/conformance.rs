//! The store's conformance story through the scenario runner, on SQLite (in memory and on
//! disk) and PostgreSQL (when `ATENDE_TEST_POSTGRES_URL` is set; required under CI): every
//! access test file of the conformance suite through the database, and random worlds where the
//! SQL listings, counts, tag counts and decisions equal the in-memory engine's, before and
//! after random transitions.

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
use scenario_store::{StoreBackend, load};
use store::Store;

#[path = "../../store/tests/store/support.rs"]
mod support;
use support::{fresh_sqlite_memory, postgres, postgres_url, runtime};

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
    // Tags on some conversations: their counts per reader are compared with the engine's.
    let tagged = rt.block_on(tag_some(store, account, &remapped));
    for step in 0..=steps {
        let inbox = access::Inbox::new(s.conversations.iter().zip(1..).map(|(c, at)| (*c, at)));
        let (config, stored) = rt.block_on(async {
            let config = store.directory().account_config(account).await.unwrap();
            let mut stored = Vec::new();
            for (name, c) in &remapped.names.conversations {
                stored.push((
                    name.clone(),
                    store
                        .conversations()
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
            let duser = rt
                .block_on(store.directory().user(account, du))
                .unwrap()
                .unwrap();
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
                            store.conversations().list(&plan, None, 1000).await.unwrap(),
                            store.conversations().count(&plan).await.unwrap(),
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
                // How many conversations carry each tag: over the details plan, as the engine
                // lists it.
                let mut expected: Vec<(String, u64)> = Vec::new();
                for (tag, names) in &tagged {
                    let mut n = 0;
                    for tab in [Tab::Mine, Tab::Waiting, Tab::Others, Tab::Finished] {
                        n += inbox
                            .list(mem.details_plan(tab).plan(), None, usize::MAX)
                            .iter()
                            .filter(|k| names.contains(&s.names.conversation_name(k.id)))
                            .count() as u64;
                    }
                    if n > 0 {
                        expected.push((tag.clone(), n));
                    }
                }
                let counted = rt
                    .block_on(store.tags().counts(&db.visible_details_plan()))
                    .unwrap();
                prop_assert_eq!(
                    &expected,
                    &counted,
                    "tag counts of seed {} step {} user {} from {}",
                    seed,
                    step,
                    name,
                    from
                );
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
                let record = store
                    .conversations()
                    .conversation(account, dc)
                    .await
                    .unwrap()
                    .unwrap();
                let duser = store.directory().user(account, du).await.unwrap().unwrap();
                let dp = Principal::resolve(&config, &duser, from_list[0]);
                assert!(dp.decide(&record.conversation, action).is_allowed());
                let dt = dp.transition(&record.conversation, action).unwrap();
                // Activity moves forward: the conversation becomes the newest.
                store
                    .conversations()
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

/// Tags `par` (every other conversation, by name) and `tres` (every third) created and
/// attached; answers each tag's conversation names, by tag name.
async fn tag_some(
    store: &Store,
    account: access::AccountId,
    remapped: &Scenario,
) -> Vec<(String, Vec<String>)> {
    let mut names: Vec<(&String, &access::ConversationId)> =
        remapped.names.conversations.iter().collect();
    names.sort();
    let mut out = Vec::new();
    for (tag, every) in [("par", 2), ("tres", 3)] {
        store.tags().create(account, tag, "gray").await.unwrap();
        let mut carrying = Vec::new();
        for (i, (name, id)) in names.iter().enumerate() {
            if i % every == 0 {
                store
                    .inbox()
                    .tag(account, **id, tag, None, 1)
                    .await
                    .unwrap();
                carrying.push((*name).clone());
            }
        }
        out.push((tag.to_owned(), carrying));
    }
    out
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
