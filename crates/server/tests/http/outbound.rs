//! The agent writes first, over real HTTP with the fake Graph API: a conversation started with a
//! contact (in progress, assigned to the caller, the template sent through the WhatsApp
//! channel to the contact's number), one with a new number (which becomes a contact), one with
//! the number of a contact the caller may not see (treated like a new number: the same contact,
//! nothing revealed before), and the refusals.

use serde_json::{Value, json};

use crate::common::launch_with;

use super::fake_graph::start_fake;
use super::media::{connect_channel, login};
use super::*;

async fn post(
    addr: std::net::SocketAddr,
    cookie: &str,
    path: &str,
    body: Value,
) -> common::Response {
    request(
        addr,
        "POST",
        path,
        &[("Cookie", cookie), ("Content-Type", "application/json")],
        Some(&body.to_string()),
    )
    .await
}

pub async fn outbound_story(w: World) {
    let (graph, fake) = start_fake().await;
    let addr = launch_with(w.store.clone(), server::ServerConfig::default()).await;
    let (dona, ana) = (login(&w, addr, "dona").await, login(&w, addr, "ana").await);
    // No WhatsApp channel yet: said in words.
    let maria = post(addr, &dona, "/api/v1/contacts", json!({"name": "Maria Outbound", "phone": format!("+55 85 9{}", &w.tag[w.tag.len() - 8..])})).await;
    assert_eq!(maria.status, 201, "{}", maria.body);
    let maria = maria.json();
    let id = maria["id"].as_i64().unwrap();
    let start = format!("/api/v1/contacts/{id}/conversations");
    let r = post(addr, &dona, &start, json!({})).await;
    assert_eq!(
        (r.status, r.code()),
        (400, "no_whatsapp_channel".into()),
        "{}",
        r.body
    );
    let (channel, number, _) =
        connect_channel(&w, addr, &dona, (graph, &fake), "4077", "segredo-saida").await;

    // With a contact: in progress, the caller's, the template sent to the contact's number.
    let template = json!({"name": "retorno", "language": "pt_BR", "parameters": ["Maria"]});
    let r = post(
        addr,
        &dona,
        &start,
        json!({"department_id": w.suporte.0, "template": template}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let c = r.json();
    assert_eq!(
        (c["status"].as_str(), c["department_id"].as_i64()),
        (Some("in_progress"), Some(w.suporte.0))
    );
    assert_eq!(c["contact"]["id"], id);
    let digits = maria["phone"]
        .as_str()
        .unwrap()
        .trim_start_matches('+')
        .to_owned();
    for _ in 0..200 {
        if fake
            .received
            .lock()
            .unwrap()
            .iter()
            .any(|(_, _, b)| b["type"] == "template")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    {
        let received = fake.received.lock().unwrap();
        let (path, _, body) = received
            .iter()
            .find(|(_, _, b)| b["type"] == "template")
            .expect("the template was sent");
        assert_eq!(path, &format!("/v21.0/{number}/messages"));
        assert_eq!(body["to"], digits.as_str());
        assert_eq!(body["template"]["name"], "retorno");
    }

    // Still not ana's (Suporte is not her department); bad input in words.
    let r = post(addr, &ana, &start, json!({})).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = post(
        addr,
        &dona,
        &start,
        json!({"channel_id": channel + 100_000}),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "unknown_channel".into()),
        "{}",
        r.body
    );
    let r = post(
        addr,
        &dona,
        "/api/v1/conversations/outbound",
        json!({"phone": "abc"}),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "bad_phone".into()),
        "{}",
        r.body
    );
    let nameless = post(
        addr,
        &dona,
        "/api/v1/contacts",
        json!({"name": "Sem telefone"}),
    )
    .await
    .json();
    let r = post(
        addr,
        &dona,
        &format!("/api/v1/contacts/{}/conversations", nameless["id"]),
        json!({}),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "no_phone".into()), "{}", r.body);

    // A new number: it becomes a contact, seen by the agent through her conversation.
    let fresh = format!(
        "(11) 9{}-{}",
        &w.tag[w.tag.len() - 8..w.tag.len() - 4],
        &w.tag[w.tag.len() - 4..]
    );
    let r = post(
        addr,
        &ana,
        "/api/v1/conversations/outbound",
        json!({"phone": fresh, "name": "Cliente Novo", "department_id": w.vendas.0}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let c = r.json();
    assert_eq!(c["contact"]["name"], "Cliente Novo");
    let mine = call_get(
        addr,
        &ana,
        &format!("/api/v1/contacts/{}", c["contact"]["id"]),
    )
    .await;
    assert_eq!(mine.status, 200, "{}", mine.body);

    // Maria's number, which ana may not see: like a new number, and the conversation is Maria's.
    let r = post(
        addr,
        &ana,
        "/api/v1/conversations/outbound",
        json!({"phone": maria["phone"], "department_id": w.vendas.0}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["contact"]["id"], id);
}

async fn call_get(addr: std::net::SocketAddr, cookie: &str, path: &str) -> common::Response {
    request(addr, "GET", path, &[("Cookie", cookie)], None).await
}
