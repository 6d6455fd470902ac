//! Login under concurrency (hardening round 2, finding 4). Thirty wrong passwords sent at once
//! for one email from one address: the throttle's check and count are one step taken before
//! the hash, so five are answered 401 and the other twenty-five 429 with `Retry-After`, also
//! when the thirty are shared between two nodes of one database, and for an email nobody has;
//! thirty emails from one address likewise. With one hashing thread and no patience, the
//! logins that find it busy are answered 503 `busy` with `Retry-After`. A flood of logins for two hundred different emails from two hundred addresses: at most one
//! password hash per core at a time, the excess answered 503 `busy` with `Retry-After`, and the
//! process's resident memory stays flat (run alone, like the load test: it measures the
//! process's memory).

use std::time::{Duration, Instant};

use serde_json::json;
use server::ServerConfig;

use super::load::rss_kib;
use super::networks::from;
use super::*;

/// Sends `n` logins at once for `email` with a wrong password from `address`, alternating
/// between `nodes`; their statuses (with `Retry-After` for the 429s).
async fn at_once(
    nodes: &[SocketAddr],
    email: &str,
    address: &str,
    n: usize,
) -> Vec<(u16, Option<String>)> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let (node, email, address) = (nodes[i % nodes.len()], email.to_owned(), address.to_owned());
        tasks.push(tokio::spawn(async move {
            let r = from(
                node,
                "POST",
                "/api/v1/auth/login",
                None,
                &address,
                Some(json!({"email": email, "password": "errada-123"})),
            )
            .await;
            (r.status, r.header("retry-after").map(str::to_owned))
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn tally(answers: &[(u16, Option<String>)]) -> (usize, usize) {
    let failed = answers.iter().filter(|(s, _)| *s == 401).count();
    let throttled = answers
        .iter()
        .filter(|(s, wait)| *s == 429 && wait.is_some())
        .count();
    (failed, throttled)
}

pub(crate) async fn race_story(w: World) {
    // One node: a known email, then an email nobody has (no difference to be seen).
    for (who, n) in [("bia", 1), ("ninguem-aqui", 2)] {
        let address = format!("{}:4:{n}", w.far);
        let answers = at_once(&[w.addr], &w.email(who), &address, 30).await;
        assert_eq!(
            tally(&answers),
            (5, 25),
            "{who}: five failures, then throttled: {answers:?}"
        );
    }
    // Two nodes sharing the database: still five in all.
    let second = common::launch(w.store.clone()).await;
    let address = format!("{}:4:3", w.far);
    let answers = at_once(&[w.addr, second], &w.email("ana"), &address, 30).await;
    assert_eq!(tally(&answers), (5, 25), "across two nodes: {answers:?}");
    // Per address too: thirty emails at once from one address.
    let address = format!("{}:4:4", w.far);
    let mut tasks = Vec::new();
    for i in 0..30 {
        let (node, email, address) = (w.addr, w.email(&format!("spray{i}")), address.clone());
        tasks.push(tokio::spawn(async move {
            from(
                node,
                "POST",
                "/api/v1/auth/login",
                None,
                &address,
                Some(json!({"email": email, "password": "errada-123"})),
            )
            .await
            .status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(
        (
            statuses.iter().filter(|s| **s == 401).count(),
            statuses.iter().filter(|s| **s == 429).count()
        ),
        (5, 25),
        "{statuses:?}"
    );

    // One hashing thread and no patience: of twelve logins at once (each its own email and
    // address), the first is checked and the others that find the thread busy are answered
    // 503 `busy` with `Retry-After`.
    let narrow = common::launch_with(
        w.store.clone(),
        ServerConfig {
            hashing_threads: 1,
            hashing_wait: Duration::from_millis(1),
            ..ServerConfig::default()
        },
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let email = w.email(&format!("estreito{i}"));
        let address = format!("{}:4:6:{i}", w.far);
        tasks.push(tokio::spawn(async move {
            from(
                narrow,
                "POST",
                "/api/v1/auth/login",
                None,
                &address,
                Some(json!({"email": email, "password": "errada-123"})),
            )
            .await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let busy: Vec<&Response> = answers.iter().filter(|r| r.status == 503).collect();
    assert!(
        answers.iter().all(|r| r.status == 401 || r.status == 503),
        "{answers:?}"
    );
    assert!(answers.iter().any(|r| r.status == 401), "{answers:?}");
    assert!(!busy.is_empty(), "{answers:?}");
    for r in busy {
        assert_eq!(
            (r.code(), r.header("retry-after")),
            ("busy".to_owned(), Some("1")),
            "{}",
            r.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_race_on_sqlite() {
    let (store, dir) = on_sqlite("login-race").await;
    race_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_race_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    race_story(start(store).await).await;
}

/// The peak of the process's resident memory (KiB) while `f` runs, sampled every 20 ms.
async fn peak_while<T>(f: impl Future<Output = T>) -> (T, u64) {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = std::sync::Arc::clone(&done);
    let sampler = tokio::spawn(async move {
        let mut peak = rss_kib();
        while !flag.load(std::sync::atomic::Ordering::Relaxed) {
            peak = peak.max(rss_kib());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        peak.max(rss_kib())
    });
    let out = f.await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    (out, sampler.await.unwrap())
}

/// 200 logins at once, each for its own email (half of them real users with a wrong password)
/// from its own address: every answer is 401 or 503 `busy` with `Retry-After`, at least one
/// password per hashing thread was checked, and resident memory grows by less than 100 MiB
/// (unbounded, it grew by 19 MiB per attempt in flight).
async fn flood(w: World, backend: &str) {
    const ATTEMPTS: usize = 200;
    let attempt = move |node: SocketAddr, i: usize, email: String| async move {
        let address = format!("198.18.{}.{}", i / 250, i % 250 + 1);
        let t = Instant::now();
        let r = from(
            node,
            "POST",
            "/api/v1/auth/login",
            None,
            &address,
            Some(json!({"email": email, "password": "errada-123"})),
        )
        .await;
        (
            r.status,
            r.code(),
            r.header("retry-after").is_some(),
            t.elapsed(),
        )
    };
    // Warm: every hashing thread has hashed once, the connections' buffers exist.
    for round in 0..2 {
        let mut warm = Vec::new();
        for i in 0..8 {
            let email = w.email(&format!("aquece{round}-{i}"));
            warm.push(tokio::spawn(attempt(w.addr, 1000 + round * 10 + i, email)));
        }
        for t in warm {
            assert_eq!(t.await.unwrap().0, 401);
        }
    }
    let before = rss_kib();
    let (answers, peak) = peak_while(async {
        let mut tasks = Vec::new();
        for i in 0..ATTEMPTS {
            let email = match i % 4 {
                0 => w.email("ana"),
                1 => w.email("bia"),
                _ => w.email(&format!("inundacao{i}")),
            };
            tasks.push(tokio::spawn(attempt(w.addr, i, email)));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    })
    .await;
    let after = rss_kib();
    let failed = answers.iter().filter(|a| a.0 == 401).count();
    let busy = answers
        .iter()
        .filter(|a| a.0 == 503 && a.1 == "busy" && a.2)
        .count();
    let throttled = answers.iter().filter(|a| a.0 == 429).count();
    let slowest = answers.iter().map(|a| a.3).max().unwrap_or_default();
    println!(
        "{backend}: login flood of {ATTEMPTS}: {failed} × 401, {busy} × 503 busy, {throttled} × 429 \
         (the two real emails), slowest {slowest:?}; resident memory {before} KiB before, \
         peak {peak} KiB, {after} KiB after"
    );
    assert_eq!(
        failed + busy + throttled,
        ATTEMPTS,
        "only 401, 429 and 503 busy with Retry-After: {answers:?}"
    );
    assert!(failed >= 2, "{answers:?}");
    assert!(
        peak < before + 100 * 1024,
        "{backend}: resident memory rose from {before} KiB to {peak} KiB"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run alone by scripts/test: it measures the process's memory"]
async fn login_flood_on_sqlite() {
    let (store, dir) = on_sqlite("login-flood").await;
    flood(start(store).await, "sqlite").await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run alone by scripts/test: it measures the process's memory"]
async fn login_flood_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    flood(start(store).await, "postgres").await;
}
