//! Contacts against a real `atende serve` process on SQLite:
//!
//! ```text
//! cargo build --release -p atende
//! cargo bench -p atende-server --bench contacts -- --bench [--rows 100000] [--searches 300]
//! ```
//!
//! 1. Import: a CSV of `--rows` contacts (name, phone written as people write it, email for a
//!    third, a city as a custom attribute) through `POST /api/v1/contacts/import`: the preview,
//!    then the commit (all rows in one transaction); against the obvious way in the same run,
//!    one `POST /api/v1/contacts` per contact (timed on 1,000 and scaled).
//! 2. Search: `--searches` searches of the list (a name, a part of a phone, a whole phone in
//!    another format, an email, a name that is nowhere), one after the other; p50 and p99.
//! 3. Export: `GET /api/v1/contacts/export` read to the end; the time and the server's resident
//!    memory growth (sampled every 5 ms) against the size of the file.
//!
//! Without `--bench` it only says how to run it.

#![allow(clippy::disallowed_methods)]
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a benchmark: a failure should stop it loudly"
)]

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{arg, login, rss_kib, serve};
use futures_util::StreamExt as _;

fn pct(v: &[Duration], p: f64) -> f64 {
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

/// Brazil's area codes (DDD).
const AREA: &[u32] = &[
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43,
    44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74, 75, 77,
    79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
];

/// Row `i`'s phone, as a person would type it: `(11) 9XXXX-XXXX`, a mobile, one per row.
fn phone(i: usize) -> String {
    let n = 60_000_000 + i * 7 % 39_999_999;
    let d = format!("9{n:08}");
    format!("({}) {}-{}", AREA[i % AREA.len()], &d[..5], &d[5..])
}

fn csv(rows: usize) -> String {
    const FIRST: &[&str] = &[
        "Ana", "Bruno", "Carla", "Diego", "Érica", "Fábio", "Gisele", "Hugo", "Íris", "João",
    ];
    const LAST: &[&str] = &[
        "Silva",
        "Souza",
        "Oliveira",
        "Conceição",
        "Lima",
        "Araújo",
        "Gonçalves",
    ];
    let mut out = String::from("nome;telefone;email;cidade\n");
    for i in 0..rows {
        let name = format!(
            "{} {} {i}",
            FIRST[i % FIRST.len()],
            LAST[i / 7 % LAST.len()]
        );
        let email = if i % 3 == 0 {
            format!("cliente{i}@exemplo.com.br")
        } else {
            String::new()
        };
        out.push_str(&format!("{name};{};{email};Cidade {}\n", phone(i), i % 500));
    }
    out
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "contacts: run it with `cargo bench -p atende-server --bench contacts -- --bench` after `cargo build --release -p atende`"
        );
        return;
    }
    let rows: usize = arg("--rows").map_or(100_000, |v| v.parse().unwrap());
    let searches: usize = arg("--searches").map_or(300, |v| v.parse().unwrap());
    let dir = std::env::temp_dir().join(format!("atende-contacts-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = store::Store::open_sqlite(&dir.join("atende.sqlite"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    common::seed_owner(&store, "dona@bench.example").await;
    store.close().await;
    let server = serve(&dir, None, &[]).await;
    let addr = server.addr;
    let pid = server.child.id();
    let cookie = login(addr, "dona@bench.example").await;
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let file = csv(rows);
    println!(
        "contacts: {rows} rows, CSV of {:.1} MiB, SQLite",
        file.len() as f64 / 1048576.0
    );

    // 1. Import.
    let post = |commit: bool| {
        http.post(format!("{base}/api/v1/contacts/import?commit={commit}"))
            .header("Cookie", &cookie)
            .header("Content-Type", "text/csv")
            .body(file.clone())
            .send()
    };
    let t = Instant::now();
    let r = post(false).await.unwrap();
    assert_eq!(r.status(), 200);
    let preview: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(preview["error_count"], 0, "{}", preview["errors"][0]);
    let preview_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let r = post(true).await.unwrap();
    assert_eq!(r.status(), 200);
    let done: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    let import_s = t.elapsed().as_secs_f64();
    assert_eq!(done["created"].as_u64(), Some(rows as u64), "{done}");
    let one_by_one = 1000;
    let t = Instant::now();
    for i in 0..one_by_one {
        let body = serde_json::json!({"name": format!("Um a um {i}"), "phone": format!("+55 21 98{:07}", i)});
        let r = http
            .post(format!("{base}/api/v1/contacts"))
            .header("Cookie", &cookie)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let obvious_s = t.elapsed().as_secs_f64() * rows as f64 / one_by_one as f64;
    println!(
        "import: preview {preview_s:.2} s, commit {import_s:.2} s ({:.0} rows/s); one POST per contact: {obvious_s:.1} s for {rows} (scaled from {one_by_one}): {:.0}x",
        rows as f64 / import_s,
        obvious_s / import_s
    );

    // 2. Search.
    let queries: Vec<String> = (0..searches)
        .map(|k| {
            let i = k * 7919 % rows;
            match k % 5 {
                0 => format!("joao araujo {i}"),
                1 => phone(i)[5..].replace('-', ""),
                2 => format!("+55 {} {}", AREA[i % AREA.len()], &phone(i)[5..]),
                3 => format!("cliente{}@exemplo", i / 3 * 3),
                _ => format!("ninguém {k}"),
            }
        })
        .collect();
    let mut times = Vec::with_capacity(searches);
    let mut found = 0;
    for q in &queries {
        let t = Instant::now();
        let r = http
            .get(format!("{base}/api/v1/contacts"))
            .query(&[("q", q.as_str()), ("limit", "50")])
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        times.push(t.elapsed());
        if !page["items"].as_array().unwrap().is_empty() {
            found += 1;
        }
    }
    times.sort();
    println!(
        "search: {searches} searches ({found} found something), p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(&times, 0.5),
        pct(&times, 0.99),
        pct(&times, 1.0)
    );

    // 3. Export.
    let before = rss_kib(pid);
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
    let sampling = {
        let peak = std::sync::Arc::clone(&peak);
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kib(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let t = Instant::now();
    let r = http
        .get(format!("{base}/api/v1/contacts/export"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut bytes = 0usize;
    let mut lines = 0usize;
    let mut stream = r.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let export_s = t.elapsed().as_secs_f64();
    sampling.abort();
    let growth = peak
        .load(std::sync::atomic::Ordering::Relaxed)
        .saturating_sub(before);
    println!(
        "export: {} contacts, {:.1} MiB in {export_s:.2} s; server memory grew {:.1} MiB (peak over the start)",
        lines - 1,
        bytes as f64 / 1048576.0,
        growth as f64 / 1024.0
    );
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}
