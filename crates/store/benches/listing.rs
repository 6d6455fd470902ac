//! Tab listing through the compiled SQL at scale, on SQLite or PostgreSQL:
//!
//! ```text
//! cargo bench -p atende-store --bench listing -- --backend sqlite --rows 1000000 [--db PATH]
//! cargo bench -p atende-store --bench listing -- --backend postgres --rows 1000000   # ATENDE_TEST_POSTGRES_URL
//! ```
//!
//! Builds one account with 50 departments (10 roots with 4 children), 1,000 users and `--rows`
//! conversations (generated inside the database), then times, for users of each kind, the first
//! page of 50 and a deep page (after 1,000 rows) of every tab, the tab counts, and, side by side
//! in the same run, the naive way: load the account's conversations and filter them in Rust with
//! the engine. Without `--bench` (as `cargo test --benches` runs it) it does a quick 20,000-row
//! SQLite run.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a benchmark: a failure should stop it loudly"
)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use access::{
    AccessOption, AccountId, Binding, BuiltinRole, Conversation, ConversationId, Cursor,
    DepartmentId, Membership, MembershipKind, Principal, Scope, Settings, Status, Tab, User,
    UserId,
};
use store::{NewUser, Store};

struct Args {
    backend: String,
    rows: i64,
    db: Option<String>,
    reps: usize,
}

fn args() -> Args {
    let all: Vec<String> = std::env::args().collect();
    let full = all.iter().any(|a| a == "--bench");
    let get = |name: &str| {
        all.iter()
            .position(|a| a == name)
            .and_then(|i| all.get(i + 1))
            .cloned()
    };
    Args {
        backend: get("--backend").unwrap_or_else(|| "sqlite".into()),
        rows: get("--rows").map_or(if full { 1_000_000 } else { 20_000 }, |r| {
            r.parse().expect("--rows N")
        }),
        db: get("--db"),
        reps: get("--reps").map_or(if full { 200 } else { 5 }, |r| r.parse().expect("--reps N")),
    }
}

fn pct(mut v: Vec<Duration>, q: f64) -> Duration {
    v.sort_unstable();
    v[((v.len() as f64 - 1.0) * q) as usize]
}

/// Creates the account's departments and users; returns (account, departments, users by kind).
async fn directory(store: &Store) -> (AccountId, Vec<DepartmentId>, Vec<(&'static str, UserId)>) {
    let a = store
        .directory()
        .create_account("bench", &Settings::default(), "d1", 0)
        .await
        .unwrap();
    let mut depts = vec![store.directory().default_department(a).await.unwrap()];
    for i in 2..=50i64 {
        let parent = if i <= 10 {
            None
        } else {
            Some(depts[((i - 11) / 4) as usize])
        };
        let access = [AccessOption::Team, AccessOption::Agent, AccessOption::All][(i % 3) as usize];
        depts.push(
            store
                .directory()
                .create_department(a, &format!("d{i}"), parent, access)
                .await
                .unwrap(),
        );
    }
    let config = store.directory().account_config(a).await.unwrap();
    let agent = config.builtin_role(BuiltinRole::Agent).unwrap();
    let admin = config.builtin_role(BuiltinRole::Admin).unwrap();
    let mut kinds = Vec::new();
    for i in 1..=1000i64 {
        let id = store
            .directory()
            .create_user(
                a,
                &NewUser {
                    email: &format!("u{i}@bench.{}", a.0),
                    name: "u",
                    password_hash: None,
                    active: true,
                },
                0,
            )
            .await
            .unwrap();
        let (memberships, role) = match i {
            1 => (vec![], admin), // company-wide viewer
            2 => (
                vec![Membership {
                    department: depts[0],
                    kind: MembershipKind::Supervisor,
                }],
                agent,
            ), // supervisor of a subtree
            3 => (vec![], agent), // sees almost nothing
            _ => (
                vec![Membership {
                    department: depts[(i % 50) as usize],
                    kind: MembershipKind::Member,
                }],
                agent,
            ),
        };
        store
            .directory()
            .set_user_access(
                a,
                &User {
                    id,
                    account: a,
                    active: true,
                    memberships,
                    bindings: vec![Binding {
                        role,
                        scope: Scope::Account,
                    }],
                },
            )
            .await
            .unwrap();
        match i {
            1 => kinds.push(("company-wide viewer (admin)", id)),
            2 => kinds.push(("supervisor of a subtree", id)),
            3 => kinds.push(("agent who sees almost nothing", id)),
            14 => kinds.push(("agent in one team", id)), // department index 14: access `all`
            _ => {}
        }
    }
    (a, depts, kinds)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = args();
    let mut temporary: Option<String> = None;
    let store = match args.backend.as_str() {
        "postgres" => Store::open_postgres(
            &std::env::var("ATENDE_TEST_POSTGRES_URL").expect("ATENDE_TEST_POSTGRES_URL"),
        )
        .await
        .unwrap(),
        _ => {
            let path = args.db.clone().unwrap_or_else(|| {
                format!(
                    "{}/atende-bench-{}.sqlite",
                    std::env::temp_dir().display(),
                    std::process::id()
                )
            });
            if args.db.is_none() {
                let _ = std::fs::remove_file(&path);
                temporary = Some(path.clone());
            }
            Store::open_sqlite(std::path::Path::new(&path))
                .await
                .unwrap()
        }
    };
    store.migrate().await.unwrap();
    let t = Instant::now();
    let reuse = args.db.is_some() && store.directory().first_account().await.unwrap().is_some();
    let (account, depts, kinds) = if reuse {
        // `--db PATH` of an earlier run: measure again without filling again (`--account N`
        // picks one of several filled accounts, as on a PostgreSQL database of two runs).
        let account = match std::env::args()
            .position(|a| a == "--account")
            .and_then(|i| std::env::args().nth(i + 1))
        {
            Some(n) => access::AccountId(n.parse().expect("--account N")),
            None => store.directory().first_account().await.unwrap().unwrap(),
        };
        let users: Vec<UserId> = store
            .directory()
            .account(account)
            .await
            .unwrap()
            .users
            .keys()
            .copied()
            .collect();
        let depts = store
            .directory()
            .account_config(account)
            .await
            .unwrap()
            .departments
            .iter()
            .map(|d| d.id)
            .collect();
        let kinds = vec![
            ("company-wide viewer (admin)", users[0]),
            ("supervisor of a subtree", users[1]),
            ("agent who sees almost nothing", users[2]),
            ("agent in one team", users[13]),
        ];
        (account, depts, kinds)
    } else {
        directory(&store).await
    };
    let users: Vec<UserId> = store
        .directory()
        .account(account)
        .await
        .unwrap()
        .users
        .keys()
        .copied()
        .collect();
    let t_fill = Instant::now();
    if !reuse {
        store
            .conversations()
            .bench_fill(account, &depts, &users, args.rows)
            .await
            .unwrap();
    }
    println!(
        "{}: {} conversations, {} departments, {} users (directory {:?}, conversations {:?})",
        args.backend,
        args.rows,
        depts.len(),
        users.len(),
        t_fill - t,
        t_fill.elapsed()
    );
    if let Some(size) = store.conversations().bench_size().await.unwrap() {
        println!("database size: {:.1} MiB", size as f64 / 1_048_576.0);
    }
    if std::env::args().any(|a| a == "--compact") {
        let t = Instant::now();
        store.compact().await.unwrap();
        let size = store
            .conversations()
            .bench_size()
            .await
            .unwrap()
            .unwrap_or(0);
        println!(
            "after `atende compact` ({:.1?}): {:.1} MiB",
            t.elapsed(),
            size as f64 / 1_048_576.0
        );
    }
    let config = store.directory().account_config(account).await.unwrap();
    let from = IpAddr::V4(Ipv4Addr::LOCALHOST);
    println!(
        "{:<30} {:<11} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "user", "tab", "first p50", "first p99", "deep p50", "deep p99", "count p99"
    );
    for (name, user) in &kinds {
        let p = Principal::resolve(
            &config,
            &store
                .directory()
                .user(account, *user)
                .await
                .unwrap()
                .unwrap(),
            from,
        );
        for tab in Tab::ALL {
            let plan = p.plan(*tab);
            // The cursor of a deep page: after 1,000 rows (or the last row of a shorter tab).
            let deep_rows = store.conversations().list(&plan, None, 1000).await.unwrap();
            let deep = deep_rows.last().copied();
            let (mut first, mut deep_t, mut count_t) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..args.reps {
                let t = Instant::now();
                std::hint::black_box(store.conversations().list(&plan, None, 50).await.unwrap());
                first.push(t.elapsed());
                let t = Instant::now();
                std::hint::black_box(store.conversations().list(&plan, deep, 50).await.unwrap());
                deep_t.push(t.elapsed());
                let t = Instant::now();
                std::hint::black_box(store.conversations().count(&plan).await.unwrap());
                count_t.push(t.elapsed());
            }
            println!(
                "{name:<30} {:<11} {:>9.2?} {:>9.2?} {:>9.2?} {:>9.2?} {:>9.2?}",
                tab.id(),
                pct(first.clone(), 0.5),
                pct(first, 0.99),
                pct(deep_t.clone(), 0.5),
                pct(deep_t, 0.99),
                pct(count_t, 0.99)
            );
        }
    }
    // The naive way, side by side: load the account's conversations, filter with the engine
    // (only up to 2M rows: beyond, loading them takes more memory than the machine should give).
    if args.rows > 2_000_000 {
        println!("naive way skipped above 2,000,000 rows");
        remove(temporary);
        return;
    }
    let (name, user) = kinds[3];
    let p = Principal::resolve(
        &config,
        &store
            .directory()
            .user(account, user)
            .await
            .unwrap()
            .unwrap(),
        from,
    );
    let plan = p.plan(Tab::Waiting);
    // Ours first (as the inbox asks it: warm), then the naive way; the answers must agree.
    let mut ours = Vec::new();
    let mut page = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        page = store.conversations().list(&plan, None, 50).await.unwrap();
        ours.push(t.elapsed());
    }
    let mut naive = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let all = store.conversations().bench_all(account).await.unwrap();
        let mut rows: Vec<(Conversation, i64)> = all
            .into_iter()
            .filter(|(c, _)| p.visible(c) && Tab::Waiting.filter(c, user))
            .collect();
        rows.sort_unstable_by_key(|r| std::cmp::Reverse((r.1, r.0.id)));
        rows.truncate(50);
        naive.push(t.elapsed());
        let naive_page: Vec<Cursor> = rows
            .iter()
            .map(|(c, at)| Cursor {
                last_activity: *at,
                id: c.id,
            })
            .collect();
        assert_eq!(page, naive_page, "SQL and naive listings differ");
    }
    let (o, n) = (pct(ours, 0.5), pct(naive, 0.5));
    println!(
        "naive vs plan ({name}, waiting, first page): {n:.2?} vs {o:.2?}: {:.0}x",
        n.as_secs_f64() / o.as_secs_f64()
    );
    let _ = (ConversationId(0), Status::Waiting);
    remove(temporary);
}

/// Deletes a database file this run created (with its WAL and shared-memory files).
fn remove(path: Option<String>) {
    if let Some(p) = path {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{p}{suffix}"));
        }
    }
}
