//! Load on loopback (issue 7, point 13): 200 agents at once, each with its own session and event
//! stream, list their tabs and counts every second and write a note every three seconds, while
//! fifty customer messages a second arrive in their conversations. Bounded in time
//! (`ATENDE_LOAD_SECONDS`, 15 s by default; BENCHMARKS.md records a 180 s run). Checks: every
//! answer is a success, no stream is closed or reset, every note and customer message reaches
//! its conversation's agent exactly once (within 30 s of the end), and the process's resident
//! memory after the load is close to what it was once warm. Prints the figures BENCHMARKS.md
//! records.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use access::{
    AccessOption, AccountId, Binding, BuiltinRole, ConversationId, Membership, MembershipKind,
    Scope, Settings, Status, User,
};
use serde_json::Value;
use store::{NewConversation, NewUser, Store};
use tokio::sync::Mutex;

use crate::common::launch;

const AGENTS: usize = 200;
const PER_AGENT: usize = 3;
const TEAMS: usize = 4;
const PASSWORD: &str = "senha-forte-1";

pub(crate) fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

struct Agent {
    email: String,
    conversations: Vec<ConversationId>,
}

/// An account of four teams, 200 agents each with three conversations in progress, and 400
/// waiting conversations.
async fn world(store: &Store) -> (AccountId, Vec<Agent>) {
    store.migrate().await.unwrap();
    let tag = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let a = store
        .directory()
        .create_account(&format!("Carga {tag}"), &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let mut teams = Vec::new();
    for name in ["Vendas", "Suporte", "Cobrança", "Pós-venda"] {
        teams.push(
            store
                .directory()
                .create_department(a, name, None, AccessOption::Team)
                .await
                .unwrap(),
        );
    }
    let agent_role = store
        .directory()
        .account_config(a)
        .await
        .unwrap()
        .builtin_role(BuiltinRole::Agent)
        .unwrap();
    let hash = server::secret::hash_password(PASSWORD).unwrap();
    let mut agents = Vec::new();
    for i in 0..AGENTS {
        let email = format!("agente{i}.{tag}@carga.example");
        let id = store
            .directory()
            .create_user(
                a,
                &NewUser {
                    email: &email,
                    name: &email,
                    password_hash: Some(&hash),
                    active: true,
                },
                0,
            )
            .await
            .unwrap();
        let team = teams[i % teams.len()];
        store
            .directory()
            .set_user_access(
                a,
                &User {
                    id,
                    account: a,
                    active: true,
                    memberships: vec![Membership {
                        department: team,
                        kind: MembershipKind::Member,
                    }],
                    bindings: vec![Binding {
                        role: agent_role,
                        scope: Scope::Account,
                    }],
                },
            )
            .await
            .unwrap();
        let mut conversations = Vec::new();
        for k in 0..PER_AGENT {
            conversations.push(
                store
                    .conversations()
                    .create_conversation(&NewConversation {
                        account: a,
                        department: team,
                        status: Status::InProgress,
                        assignee: Some(id),
                        contact: None,
                        channel: "api",
                        at: (i * PER_AGENT + k) as i64,
                    })
                    .await
                    .unwrap(),
            );
        }
        agents.push(Agent {
            email,
            conversations,
        });
    }
    for k in 0..400 {
        store
            .conversations()
            .create_conversation(&NewConversation {
                account: a,
                department: teams[k % teams.len()],
                status: Status::Waiting,
                assignee: None,
                contact: None,
                channel: "api",
                at: k as i64,
            })
            .await
            .unwrap();
    }
    (a, agents)
}

/// What each agent's stream received: the messages of the agent's own conversations (body and
/// when), the other conversations it heard of, and anything wrong. Only the agent's own messages
/// are kept, so that the test's bookkeeping does not grow with the load (the memory measured is
/// the process's).
#[derive(Default)]
struct Heard {
    mine: BTreeSet<i64>,
    bodies: BTreeMap<i64, Vec<(String, Instant)>>,
    others: BTreeSet<i64>,
    problems: Vec<String>,
}

/// Reads an agent's event stream until the test ends it.
async fn listen(
    client: reqwest::Client,
    addr: SocketAddr,
    cookie: String,
    heard: Arc<Mutex<Heard>>,
    ready: Arc<AtomicU64>,
) {
    let mut resp = match client
        .get(format!("http://{addr}/api/v1/events"))
        .header("Cookie", &cookie)
        .header("Accept", "text/event-stream")
        .send()
        .await
    {
        Ok(r) if r.status() == 200 => r,
        Ok(r) => {
            heard
                .lock()
                .await
                .problems
                .push(format!("stream: {}", r.status()));
            return;
        }
        Err(e) => {
            heard.lock().await.problems.push(format!("stream: {e}"));
            return;
        }
    };
    let mut text = String::new();
    loop {
        let chunk = match resp.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => {
                heard.lock().await.problems.push("stream ended".into());
                return;
            }
            Err(e) => {
                heard.lock().await.problems.push(format!("stream: {e}"));
                return;
            }
        };
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let mut name = "";
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            match name {
                "message" => {
                    let v: Value = serde_json::from_str(&data).unwrap();
                    let c = v["conversation_id"].as_i64().unwrap();
                    let at = Instant::now();
                    let mut h = heard.lock().await;
                    if h.mine.contains(&c) {
                        let body = v["message"]["body"].as_str().unwrap().to_owned();
                        h.bodies.entry(c).or_default().push((body, at));
                    } else {
                        h.others.insert(c);
                    }
                }
                "ready" => {
                    ready.fetch_add(1, Ordering::Relaxed);
                }
                "closed" | "reset" => {
                    heard
                        .lock()
                        .await
                        .problems
                        .push(format!("stream said {name}"));
                }
                _ => {}
            }
        }
    }
}

#[derive(Default)]
struct Figures {
    requests: AtomicU64,
    errors: AtomicU64,
    notes: AtomicU64,
    latencies: Mutex<Vec<u32>>,
}

async fn timed(f: &Figures, what: &str, req: reqwest::RequestBuilder) -> Option<reqwest::Response> {
    let t = Instant::now();
    let r = req.send().await;
    let micros = t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
    f.requests.fetch_add(1, Ordering::Relaxed);
    f.latencies.lock().await.push(micros);
    match r {
        Ok(r) if r.status().is_success() => Some(r),
        Ok(r) => {
            f.errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("{what}: {}", r.status());
            None
        }
        Err(e) => {
            f.errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("{what}: {e}");
            None
        }
    }
}

async fn load(store: Store, backend: &str) {
    let seconds: u64 = std::env::var("ATENDE_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let (account, agents) = world(&store).await;
    let addr = launch(store.clone()).await;
    // An idle connection is dropped by the client before the server's idle timeout (10 s)
    // closes it: otherwise a request sent on it just as the server closes it fails ("error
    // sending request"), a race of keep-alive that browsers absorb by retrying.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(AGENTS * 2)
        .pool_idle_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    // Log everyone in and open their streams.
    let mut cookies = Vec::new();
    for a in &agents {
        let r = client
            .post(format!("http://{addr}/api/v1/auth/login"))
            .header("Content-Type", "application/json")
            .body(serde_json::json!({"email": a.email, "password": PASSWORD}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cookie = r.headers()["set-cookie"].to_str().unwrap();
        cookies.push(cookie.split(';').next().unwrap().to_owned());
    }
    let heard: Vec<Arc<Mutex<Heard>>> = agents
        .iter()
        .map(|a| {
            Arc::new(Mutex::new(Heard {
                mine: a.conversations.iter().map(|c| c.0).collect(),
                ..Heard::default()
            }))
        })
        .collect();
    let mut listeners = Vec::new();
    let ready = Arc::new(AtomicU64::new(0));
    for (cookie, h) in cookies.iter().zip(&heard) {
        listeners.push(tokio::spawn(listen(
            client.clone(),
            addr,
            cookie.clone(),
            h.clone(),
            ready.clone(),
        )));
    }
    // Every stream is live before the load starts (polling, not sleeping for it).
    let t0 = Instant::now();
    while ready.load(Ordering::Relaxed) < AGENTS as u64 {
        assert!(t0.elapsed() < Duration::from_secs(60), "streams not ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let figures = Arc::new(Figures::default());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let warm_at = Instant::now() + Duration::from_secs(seconds / 4);
    let warm = Arc::new(AtomicU64::new(0));
    // What was sent: conversation → bodies acknowledged, with when.
    let sent: Arc<Mutex<BTreeMap<i64, BTreeMap<String, Instant>>>> = Arc::default();
    let mut workers = Vec::new();
    for (i, (a, cookie)) in agents.iter().zip(&cookies).enumerate() {
        let (client, cookie, figures, sent) = (
            client.clone(),
            cookie.clone(),
            figures.clone(),
            sent.clone(),
        );
        let conversations = a.conversations.clone();
        workers.push(tokio::spawn(async move {
            let base = format!("http://{addr}/api/v1");
            let mut n = 0usize;
            // Agents do not act in step.
            tokio::time::sleep(Duration::from_millis(5 * i as u64)).await;
            while Instant::now() < deadline {
                for path in [
                    "/conversations/counts",
                    "/conversations?tab=mine",
                    "/conversations?tab=waiting&limit=20",
                ] {
                    timed(
                        &figures,
                        path,
                        client
                            .get(format!("{base}{path}"))
                            .header("Cookie", &cookie),
                    )
                    .await;
                }
                if n.is_multiple_of(3) {
                    let c = conversations[n / 3 % conversations.len()];
                    let body = format!("nota {i}-{n}");
                    let req = client
                        .post(format!("{base}/conversations/{}/note", c.0))
                        .header("Cookie", &cookie)
                        .header("Content-Type", "application/json")
                        .body(serde_json::json!({"text": body}).to_string());
                    if timed(&figures, "note", req).await.is_some() {
                        figures.notes.fetch_add(1, Ordering::Relaxed);
                        let at = Instant::now();
                        sent.lock().await.entry(c.0).or_default().insert(body, at);
                    }
                }
                n += 1;
                // A busy agent: the three reads every second, a note every three seconds.
                tokio::time::sleep(Duration::from_millis(1000)).await;
            }
        }));
    }
    // Customers write too: through the store, as a channel would.
    let inbound = {
        let (store, sent) = (store.clone(), sent.clone());
        let all: Vec<ConversationId> = agents
            .iter()
            .flat_map(|a| a.conversations.clone())
            .collect();
        let warm = warm.clone();
        tokio::spawn(async move {
            let mut k = 0usize;
            while Instant::now() < deadline {
                let c = all[(k * 7919) % all.len()];
                let body = format!("cliente {k}");
                store
                    .inbox()
                    .add_message(
                        account,
                        c,
                        store::MessageKind::In,
                        None,
                        &body,
                        None,
                        10_000 + k as i64,
                    )
                    .await
                    .unwrap();
                let at = Instant::now();
                sent.lock().await.entry(c.0).or_default().insert(body, at);
                k += 1;
                if warm.load(Ordering::Relaxed) == 0 && Instant::now() >= warm_at {
                    warm.store(rss_kib(), Ordering::Relaxed);
                }
                // Fifty customer messages a second.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            k
        })
    };
    for w in workers {
        w.await.unwrap();
    }
    let customer_messages = inbound.await.unwrap();
    let after = rss_kib();
    // Let the last events arrive, then compare.
    let sent = sent.lock().await.clone();
    let owner: BTreeMap<i64, usize> = agents
        .iter()
        .enumerate()
        .flat_map(|(i, a)| a.conversations.iter().map(move |c| (c.0, i)))
        .collect();
    let settle = Instant::now() + Duration::from_secs(30);
    let mut delays: Vec<u32> = Vec::new();
    loop {
        let mut missing = 0;
        delays.clear();
        for (c, bodies) in &sent {
            let h = heard[owner[c]].lock().await;
            let got: BTreeMap<&String, Instant> = h
                .bodies
                .get(c)
                .into_iter()
                .flatten()
                .map(|(b, at)| (b, *at))
                .collect();
            for (body, acked) in bodies {
                match got.get(body) {
                    // From the acknowledgement to the agent's stream (0 when it came first).
                    Some(at) => delays.push(
                        at.saturating_duration_since(*acked)
                            .as_micros()
                            .min(u128::from(u32::MAX)) as u32,
                    ),
                    None => missing += 1,
                }
            }
        }
        if missing == 0 || Instant::now() > settle {
            if missing > 0 {
                let mut problems = Vec::new();
                for h in &heard {
                    problems.extend(h.lock().await.problems.iter().cloned());
                }
                panic!(
                    "{backend}: {missing} messages never reached their agent ({} of {} delivered); stream problems: {problems:?}",
                    delays.len(),
                    delays.len() + missing
                );
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    delays.sort_unstable();
    for (i, h) in heard.iter().enumerate() {
        let h = h.lock().await;
        assert!(
            h.problems.is_empty(),
            "{backend}: agent {i}: {:?}",
            h.problems
        );
        for (c, bodies) in &h.bodies {
            let unique: BTreeSet<&String> = bodies.iter().map(|(b, _)| b).collect();
            assert_eq!(
                unique.len(),
                bodies.len(),
                "{backend}: a message of {c} arrived twice"
            );
        }
        for c in &h.others {
            // Teams are `team` departments: members see each other's conversations.
            let team = owner.get(c).map(|o| o % TEAMS);
            assert_eq!(team, Some(i % TEAMS), "{backend}: agent {i} heard of {c}");
        }
    }
    for l in listeners {
        l.abort();
    }
    let errors = figures.errors.load(Ordering::Relaxed);
    let requests = figures.requests.load(Ordering::Relaxed);
    let mut lat = figures.latencies.lock().await.clone();
    lat.sort_unstable();
    let pct = |v: &[u32], p: f64| {
        v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
            .copied()
            .map_or(0.0, |us| f64::from(us) / 1000.0)
    };
    let warm = warm.load(Ordering::Relaxed);
    eprintln!(
        "load {backend}: {AGENTS} agents, {seconds} s: {requests} requests ({:.0}/s), {} notes, {customer_messages} customer messages, {errors} errors; request latency p50 {:.1} ms p99 {:.1} ms max {:.1} ms; message to its agent's stream p50 {:.1} ms p99 {:.1} ms max {:.1} ms ({} messages); RSS warm {} MiB, after {} MiB",
        requests as f64 / seconds as f64,
        figures.notes.load(Ordering::Relaxed),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        pct(&lat, 1.0),
        pct(&delays, 0.5),
        pct(&delays, 0.99),
        pct(&delays, 1.0),
        delays.len(),
        warm / 1024,
        after / 1024,
    );
    assert_eq!(errors, 0, "{backend}: {errors} failed requests");
    // Memory flat: no more than a third above the warm figure (allocator slack included).
    assert!(
        warm == 0 || after <= warm + warm / 3 + 16 * 1024,
        "{backend}: resident memory grew from {warm} KiB to {after} KiB"
    );
}

// Run alone (`scripts/test` does, after the rest): the memory measured is the test process's,
// which other stories running at the same time would fill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run alone by scripts/test: it measures the process's memory"]
async fn load_on_sqlite() {
    let (store, dir) = crate::on_sqlite("load").await;
    load(store, "sqlite").await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run alone by scripts/test: it measures the process's memory"]
async fn load_on_postgres() {
    let Some(store) = crate::on_postgres().await else {
        return;
    };
    load(store, "postgres").await;
}
