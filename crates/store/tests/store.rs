//! The store on SQLite and PostgreSQL (when `ATENDE_TEST_POSTGRES_URL` is set; required under
//! CI): arrivals, versioned writes, login attempts and the two migration trees. The conformance
//! suite and the random worlds run through the scenario runner in `atende-scenario-store`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

use store::Store;
use support::{fresh_sqlite_memory, postgres, postgres_url, runtime};

#[path = "store/attachments.rs"]
mod attachments;
#[path = "store/contacts.rs"]
mod contacts;
#[path = "store/schema.rs"]
mod schema;
#[path = "store/support.rs"]
mod support;
#[path = "store/versions.rs"]
mod versions;
/// Arrivals: one batch with a duplicate inside it, two messages of one customer, and a known
/// customer; then a finished conversation, after which the customer's next message starts a new
/// one; statuses move forward only; old events are pruned but never the newest.
async fn arrivals(store: &Store) {
    use access::{Settings, Status, Transition};
    use store::{ChannelKind, ChannelWrite, Inbound, Received};
    store.migrate().await.unwrap();
    let a = store
        .directory()
        .create_account("arrivals", &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let tag = format!("{}{}", std::process::id(), a.0);
    let mut tx = store.directory().begin_admin(a).await.unwrap();
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
        .inbox()
        .create_contact(a, "Cliente Antigo", Some("5511000000001"), None, 0)
        .await
        .unwrap();
    let m = |id: &'static str, from: &'static str, name: Option<&'static str>, at: i64| Inbound {
        external_id: id,
        from,
        profile_name: name,
        body: "oi",
        at,
        media: None,
        quoted: None,
    };
    let got = store
        .channels()
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
        .inbox()
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
            .inbox()
            .conversation_contact(a, c_new)
            .await
            .unwrap()
            .unwrap()
            .name,
        "Nova"
    );
    // Delivered again later: nothing new.
    let again = store
        .channels()
        .receive(&channel, &[m("w2", "5511000000002", None, 20)])
        .await
        .unwrap();
    assert_eq!(again, vec![Received::Duplicate]);
    let rows = store
        .conversations()
        .conversation_rows(a, &[c_new])
        .await
        .unwrap();
    assert_eq!(
        (
            rows[0].record.last_activity,
            rows[0].last_customer_message_at
        ),
        (11, Some(11))
    );
    // Finished: the next message starts a new conversation.
    let record = store
        .conversations()
        .conversation(a, c_new)
        .await
        .unwrap()
        .unwrap();
    let t = Transition {
        status: Status::Finished,
        assignee: None,
        department: record.conversation.department,
    };
    store
        .conversations()
        .apply_transition(&record, &t, 30)
        .await
        .unwrap();
    let next = store
        .channels()
        .receive(&channel, &[m("w4", "5511000000002", None, 40)])
        .await
        .unwrap();
    let (c_next, created) = conv(&next[0]);
    assert!(created && c_next != c_new);
    assert_eq!(
        store
            .inbox()
            .conversation_contact(a, c_next)
            .await
            .unwrap()
            .unwrap()
            .name,
        "Nova"
    );
    // The events of the batch are in order: each conversation's creation before its messages.
    let events = store
        .events()
        .account_events_after(a, 0, 1000)
        .await
        .unwrap();
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
    let before_prune = store
        .events()
        .account_events_after(a, 0, 1000)
        .await
        .unwrap();
    let last_of_account = before_prune.last().unwrap().id;
    store.events().prune_events(1_000).await.unwrap();
    let left = store
        .events()
        .account_events_after(a, 0, 1000)
        .await
        .unwrap();
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
                    .channels()
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
fn contacts_on_sqlite_and_postgres() {
    let rt = runtime();
    rt.block_on(async {
        contacts::contacts(&fresh_sqlite_memory().await).await;
        let dir = std::env::temp_dir().join(format!("atende-contacts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (own, raw) = contacts::own_sqlite(&dir).await;
        contacts::duplicates_merge(&own, &raw).await;
        if let Some(url) = postgres_url() {
            contacts::contacts(&postgres(&url).await).await;
            let (own, raw) = contacts::own_postgres(&url).await;
            contacts::duplicates_merge(&own, &raw).await;
            own.close().await;
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
}

#[test]
fn attachments_on_sqlite_and_postgres() {
    let rt = runtime();
    rt.block_on(async {
        attachments::attachments(&fresh_sqlite_memory().await).await;
        if let Some(url) = postgres_url() {
            attachments::attachments(&postgres(&url).await).await;
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
                .auth()
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
        .auth()
        .claim_login_attempt(&[&other, &address], now, window, wait)
        .await
        .unwrap();
    assert_eq!(got, Some(7));
    a.auth().clear_login_failures(&address).await.unwrap();
    for n in 1..=5 {
        let got = a
            .auth()
            .claim_login_attempt(&[&other, &address], now, window, wait)
            .await
            .unwrap();
        assert_eq!(got, None, "attempt {n} of the other email");
    }
    // After the window the count starts again.
    let later = now + window + 1;
    let got = b
        .auth()
        .claim_login_attempt(&[&email], later, window, |f, l| {
            (f >= 5 && later - l <= window).then_some(7)
        })
        .await
        .unwrap();
    assert_eq!(got, None);
    assert_eq!(a.auth().login_failures(&email).await.unwrap(), (1, later));
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
