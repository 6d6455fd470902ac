//! Routing over real HTTP: with `assignment = auto` arrivals go round robin to the online
//! members of their department, within each agent's limit; nobody online leaves them waiting
//! until someone goes online; an agent going away returns their conversations when the account
//! says so; `manual` never assigns; and two nodes taking concurrent arrivals on one database
//! never assign a conversation twice nor put an agent over their limit.

use std::net::SocketAddr;

use serde_json::{Value, json};

use super::*;

struct Routing {
    addrs: Vec<SocketAddr>,
    dona: String,
    token: String,
}

impl Routing {
    async fn call(&self, cookie: &str, method: &str, path: &str, body: Option<Value>) -> Response {
        let body = body.map(|b| b.to_string());
        request(
            self.addrs[0],
            method,
            path,
            &[("Cookie", cookie)],
            body.as_deref(),
        )
        .await
    }

    /// A customer writes through the generic channel, on node `node`; the conversation id.
    async fn arrive(&self, node: usize, from: &str) -> Response {
        let auth = format!("Bearer {}", self.token);
        request(
            self.addrs[node],
            "POST",
            "/webhooks/generic/messages",
            &[("Authorization", &auth)],
            Some(&json!({"from": from, "text": "Olá"}).to_string()),
        )
        .await
    }

    async fn set_assignment(&self, mode: &str) {
        let mut settings = self
            .call(&self.dona, "GET", "/api/v1/settings", None)
            .await
            .json();
        settings["assignment"] = json!(mode);
        let r = self
            .call(&self.dona, "PUT", "/api/v1/settings", Some(settings))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

async fn login_on(w: &World, addr: SocketAddr, who: &str) -> String {
    let r = request(
        addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&json!({"email": w.email(who), "password": "senha-forte-1"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// Suporte's conversations as the owner sees them: (id, status, assignee).
async fn suporte(w: &World, r: &Routing) -> Vec<(i64, String, Option<i64>)> {
    let mut out = Vec::new();
    for tab in ["waiting", "mine", "others"] {
        let page = r
            .call(
                &r.dona,
                "GET",
                &format!(
                    "/api/v1/conversations?tab={tab}&department={}&limit=200",
                    w.suporte.0
                ),
                None,
            )
            .await
            .json();
        for c in page["items"].as_array().unwrap() {
            out.push((
                c["id"].as_i64().unwrap(),
                c["status"].as_str().unwrap().to_owned(),
                c["assignee_id"].as_i64(),
            ));
        }
    }
    out.sort();
    out
}

async fn setup(w: &World, nodes: usize) -> (Routing, Vec<(String, access::UserId)>) {
    let mut addrs = Vec::new();
    for _ in 0..nodes {
        addrs.push(launch(w.store.clone()).await);
    }
    let dona = login_on(w, addrs[0], "dona").await;
    let r = request(
        addrs[0],
        "POST",
        "/api/v1/channels",
        &[("Cookie", &dona)],
        Some(&json!({"kind": "generic", "name": "Site", "department_id": w.suporte.0}).to_string()),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.json()["token"].as_str().unwrap().to_owned();
    // Suporte's agents: bia (seeded), caio and duda.
    let agent = w
        .store
        .directory()
        .account_config(w.a)
        .await
        .unwrap()
        .builtin_role(BuiltinRole::Agent)
        .unwrap();
    let hash = server::secret::hash_password("senha-forte-1").unwrap();
    let mut agents = vec![("bia".to_owned(), w.bia)];
    for who in ["caio", "duda"] {
        let id = seed_user(
            &w.store,
            w.a,
            &w.email(who),
            &hash,
            true,
            agent,
            &[(w.suporte, MembershipKind::Member)],
        )
        .await;
        agents.push((who.to_owned(), id));
    }
    let mut cookies = Vec::new();
    for (who, id) in &agents {
        cookies.push((login_on(w, addrs[0], who).await, *id));
    }
    (Routing { addrs, dona, token }, cookies)
}

pub async fn routing_story(w: World) {
    let (r, agents) = setup(&w, 1).await;
    let [(bia, bia_id), (caio, caio_id), (_, _)] =
        [agents[0].clone(), agents[1].clone(), agents[2].clone()];
    r.set_assignment("auto").await;
    let limit = r
        .call(
            &r.dona,
            "PUT",
            &format!("/api/v1/users/{}/routing", caio_id.0),
            Some(json!({"max_open": 1})),
        )
        .await;
    assert_eq!(limit.status, 200, "{}", limit.body);
    // An agent may not set limits.
    let denied = r
        .call(
            &bia,
            "PUT",
            &format!("/api/v1/users/{}/routing", caio_id.0),
            Some(json!({"max_open": 9})),
        )
        .await;
    assert_eq!(denied.status, 403, "{}", denied.body);
    let before: Vec<i64> = suporte(&w, &r).await.iter().map(|c| c.0).collect();
    let new_ones = |all: Vec<(i64, String, Option<i64>)>| {
        all.into_iter()
            .filter(|c| !before.contains(&c.0))
            .collect::<Vec<_>>()
    };

    // Nobody online: it waits.
    assert_eq!(r.arrive(0, "cliente-1").await.status, 200);
    let now = new_ones(suporte(&w, &r).await);
    assert_eq!(now.len(), 1);
    assert_eq!((now[0].1.as_str(), now[0].2), ("waiting", None));
    let first = now[0].0;
    // bia goes online: the waiting conversation is offered to her at once.
    let on = r
        .call(
            &bia,
            "PUT",
            "/api/v1/me/availability",
            Some(json!({"availability": "online"})),
        )
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    assert_eq!(
        r.call(&bia, "GET", "/api/v1/me/availability", None)
            .await
            .json()["availability"],
        "online"
    );
    let now = new_ones(suporte(&w, &r).await);
    assert_eq!(now, vec![(first, "in_progress".into(), Some(bia_id.0))]);
    let bad = r
        .call(
            &bia,
            "PUT",
            "/api/v1/me/availability",
            Some(json!({"availability": "busy"})),
        )
        .await;
    assert_eq!((bad.status, bad.code()), (400, "bad_availability".into()));
    // caio online: round robin gives him the next (given one least recently), then his limit
    // (1) sends the following ones to bia.
    let on = r
        .call(
            &caio,
            "PUT",
            "/api/v1/me/availability",
            Some(json!({"availability": "online"})),
        )
        .await;
    assert_eq!(on.status, 204);
    for from in ["cliente-2", "cliente-3", "cliente-4"] {
        assert_eq!(r.arrive(0, from).await.status, 200);
    }
    let now = new_ones(suporte(&w, &r).await);
    let owners: Vec<Option<i64>> = now.iter().map(|c| c.2).collect();
    assert_eq!(
        owners,
        vec![
            Some(bia_id.0),
            Some(caio_id.0),
            Some(bia_id.0),
            Some(bia_id.0)
        ],
        "{now:?}"
    );
    // caio goes away; with reassign_when_away his conversation goes back and bia gets it.
    let set = r
        .call(
            &r.dona,
            "PUT",
            "/api/v1/routing",
            Some(json!({"reassign_when_away": true})),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let away = r
        .call(
            &caio,
            "PUT",
            "/api/v1/me/availability",
            Some(json!({"availability": "away"})),
        )
        .await;
    assert_eq!(away.status, 204);
    let now = new_ones(suporte(&w, &r).await);
    assert!(now.iter().all(|c| c.2 == Some(bia_id.0)), "{now:?}");
    // manual: arrivals wait even with agents online.
    r.set_assignment("manual").await;
    assert_eq!(r.arrive(0, "cliente-5").await.status, 200);
    let now = new_ones(suporte(&w, &r).await);
    assert_eq!(
        now.iter().filter(|c| c.1 == "waiting").count(),
        1,
        "{now:?}"
    );
    // The audit log has the routing settings and the limit.
    let audit = r.call(&r.dona, "GET", "/api/v1/audit", None).await.json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"routing.update") && actions.contains(&"user.routing"),
        "{actions:?}"
    );
}

/// Two nodes, concurrent arrivals on both: three agents with a limit of 2 each fill exactly
/// their free places; the rest wait; nobody is over the limit; no conversation is assigned twice.
pub async fn two_nodes_story(w: World) {
    let (r, agents) = setup(&w, 2).await;
    r.set_assignment("auto").await;
    for (cookie, id) in &agents {
        let limit = r
            .call(
                &r.dona,
                "PUT",
                &format!("/api/v1/users/{}/routing", id.0),
                Some(json!({"max_open": 2})),
            )
            .await;
        assert_eq!(limit.status, 200, "{}", limit.body);
        let on = r
            .call(
                cookie,
                "PUT",
                "/api/v1/me/availability",
                Some(json!({"availability": "online"})),
            )
            .await;
        assert_eq!(on.status, 204);
    }
    // Going online took some of the seeded waiting conversations: what is left of each limit.
    let mut capacity = 0;
    for (_, id) in &agents {
        capacity += 2 - w
            .store
            .routing()
            .agent_routing(w.a, *id)
            .await
            .unwrap()
            .open
            .min(2);
    }
    let before: Vec<i64> = suporte(&w, &r).await.iter().map(|c| c.0).collect();
    let mut arrivals = tokio::task::JoinSet::new();
    let r = std::sync::Arc::new(r);
    for i in 0..12 {
        let r = std::sync::Arc::clone(&r);
        arrivals.spawn(async move { r.arrive(i % 2, &format!("concorrente-{i}")).await.status });
    }
    while let Some(status) = arrivals.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    let all = suporte(&w, &r).await;
    let fresh: Vec<&(i64, String, Option<i64>)> =
        all.iter().filter(|c| !before.contains(&c.0)).collect();
    assert_eq!(fresh.len(), 12, "{all:?}");
    let assigned = fresh.iter().filter(|c| c.2.is_some()).count();
    assert_eq!(assigned, capacity as usize, "{all:?}");
    for (_, id) in &agents {
        let open = w
            .store
            .routing()
            .agent_routing(w.a, *id)
            .await
            .unwrap()
            .open;
        assert_eq!(open, 2, "agent {id:?}: {all:?}");
    }
    assert_eq!(
        fresh
            .iter()
            .filter(|c| c.1 == "waiting" && c.2.is_none())
            .count(),
        12 - assigned,
        "{all:?}"
    );
}
