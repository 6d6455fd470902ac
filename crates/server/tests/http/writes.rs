//! Writes need visibility (issue 7, point 3). Every action on a conversation the user may not
//! see (every action of the model, the template, and the reads beside them) answers 404,
//! byte-identical to a conversation that does not exist, and changes nothing: the
//! conversation's state, its messages and tags, the account's events and audit rows. Ids in
//! the bodies of actions on a conversation the user does see (transfer target, department,
//! contact) that are of another account, do not exist or are outside what the engine allows
//! are refused, with the same bytes for another account's id and an unknown one, and change
//! nothing.

use serde_json::json;

use super::sweep::{actions, send};
use super::two_accounts::{Kind, assert_clean, setup};
use super::*;

const NOWHERE: i64 = 9_000_000_000_002;

/// What a refused write must leave as it was: the conversation (state, department, assignee,
/// activity, messages, tags) and the account's events and audit rows.
async fn state_of(w: &World, conv: i64) -> String {
    let id = access::ConversationId(conv);
    let c = w
        .store
        .conversations()
        .conversation(w.a, id)
        .await
        .unwrap()
        .unwrap();
    let messages = w.store.inbox().messages(w.a, id, 0, 1000).await.unwrap();
    let tags = w.store.inbox().tags(w.a, id).await.unwrap();
    let events = w
        .store
        .events()
        .account_events_after(w.a, 0, 100_000)
        .await
        .unwrap();
    let audit = w.store.audit().page(w.a, None, 10_000).await.unwrap();
    format!(
        "{:?} {} {:?} {:?} events {} audit {}",
        c.conversation,
        c.last_activity,
        messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        tags,
        events.len(),
        audit.len()
    )
}

fn answer(r: &Response) -> (u16, String, Option<String>) {
    (
        r.status,
        r.body.clone(),
        r.header("content-type").map(str::to_owned),
    )
}

async fn writes_story(w: World) {
    let cx = setup(&w).await;
    let ana = login(&w, "ana").await;
    let contact = w
        .store
        .inbox()
        .create_contact(w.a, "Cliente de A", None, None, 0)
        .await
        .unwrap();
    // bia's conversation has a contact and a note ana may never learn of.
    let (secret_name, secret_phone, secret_note) = (
        "Cliente Sigiloso",
        "+5511988887777",
        "nota sigilosa de Suporte",
    );
    let k = w
        .store
        .inbox()
        .create_contact(w.a, secret_name, Some(secret_phone), None, 0)
        .await
        .unwrap();
    let p_bia = access::ConversationId(w.p_bia);
    w.store
        .inbox()
        .link_contact(w.a, p_bia, Some(k), None, 20)
        .await
        .unwrap();
    w.store
        .inbox()
        .add_message(
            w.a,
            p_bia,
            store::MessageKind::Note,
            Some(w.bia),
            secret_note,
            None,
            21,
        )
        .await
        .unwrap();
    let mut s_ana = events(&w, w.addr, &ana, None).await;
    let mut seen: Vec<String> = Vec::new();
    // ana (an agent of Vendas) sees nothing of Suporte (access `agent`): neither the waiting
    // conversation nor bia's.
    for conv in [w.w_suporte, w.p_bia] {
        let before = state_of(&w, conv).await;
        let mut tried = 0;
        let mut bodies = actions(w.ana.0, w.vendas.0);
        bodies.push(("link_contact", json!({"contact_id": contact})));
        bodies.push(("tag", json!({"tag": "vip"})));
        for (action, body) in bodies {
            let on = |id: i64| format!("/api/v1/conversations/{id}/{action}");
            let hidden = post(&w, &ana, &on(conv), body.clone()).await;
            let missing = post(&w, &ana, &on(NOWHERE), body.clone()).await;
            assert_eq!(answer(&hidden), answer(&missing), "{action} on {conv}");
            assert_eq!(hidden.status, 404, "{action}: {}", hidden.body);
            seen.push(hidden.body);
            tried += 1;
        }
        let template = json!({"name": "ola", "language": "pt_BR"});
        let reads = ["", "/messages", "/transfer_targets"];
        for (method, tail, body) in reads.iter().map(|t| ("GET", *t, None)).chain([(
            "POST",
            "/template",
            Some(template.to_string()),
        )]) {
            let at = |id: i64| format!("/api/v1/conversations/{id}{tail}");
            let hidden = request(
                w.addr,
                method,
                &at(conv),
                &[("Cookie", &ana)],
                body.as_deref(),
            )
            .await;
            let missing = request(
                w.addr,
                method,
                &at(NOWHERE),
                &[("Cookie", &ana)],
                body.as_deref(),
            )
            .await;
            assert_eq!(
                answer(&hidden),
                answer(&missing),
                "{method} {tail} on {conv}"
            );
            assert_eq!(hidden.status, 404);
            seen.push(hidden.body);
            tried += 1;
        }
        assert_eq!(
            state_of(&w, conv).await,
            before,
            "a refused write changed {conv}"
        );
        println!("writes: {tried} requests on hidden conversation {conv}, nothing changed");
    }

    // On a conversation ana does see (waiting in Vendas): targets outside the engine's set,
    // and ids of B, are refused; B's ids exactly as unknown ones; nothing changes.
    let conv = w.w_vendas;
    let before = state_of(&w, conv).await;
    let on = |action: &str| format!("/api/v1/conversations/{conv}/{action}");
    let targets = get(&w, &ana, &on("transfer_targets")).await.json();
    let allowed: Vec<i64> = targets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    let people = get(&w, &ana, "/api/v1/directory").await.json();
    let outside: Vec<i64> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .filter(|id| !allowed.contains(id))
        .collect();
    assert!(!outside.is_empty(), "some user of A is not a valid target");
    for id in &outside {
        let r = post(&w, &ana, &on("transfer"), json!({"user_id": id})).await;
        assert_eq!(r.status, 403, "transfer to {id}: {}", r.body);
    }
    let unknown_user = post(&w, &ana, &on("transfer"), json!({"user_id": NOWHERE})).await;
    assert_eq!(unknown_user.status, 403, "{}", unknown_user.body);
    let unknown_department = post(
        &w,
        &ana,
        &on("change_department"),
        json!({"department_id": NOWHERE}),
    )
    .await;
    assert_eq!(
        unknown_department.status, 403,
        "{}",
        unknown_department.body
    );
    let unknown_contact = post(
        &w,
        &ana,
        &on("link_contact"),
        json!({"contact_id": NOWHERE}),
    )
    .await;
    assert_eq!(unknown_contact.status, 404, "{}", unknown_contact.body);
    for (kind, action, field, unknown) in [
        (Kind::User, "transfer", "user_id", &unknown_user),
        (
            Kind::Department,
            "change_department",
            "department_id",
            &unknown_department,
        ),
        (
            Kind::Contact,
            "link_contact",
            "contact_id",
            &unknown_contact,
        ),
    ] {
        for id in &cx.b[&kind] {
            let r = post(&w, &ana, &on(action), json!({ field: id })).await;
            assert_eq!(
                answer(&r),
                answer(unknown),
                "{action} with B's {kind:?} {id}"
            );
        }
    }
    assert_eq!(
        state_of(&w, conv).await,
        before,
        "a refused write changed {conv}"
    );
    // Through an API token the same.
    let t = post(&w, &ana, "/api/v1/me/tokens", json!({"name": "w"}))
        .await
        .json();
    let auth = format!("Bearer {}", t["token"].as_str().unwrap());
    // Creating the token is audited (`token.create`); the refusals below write nothing.
    let before = state_of(&w, conv).await;
    let r = send(
        &w,
        &super::sweep::Req {
            method: "POST",
            path: format!("/api/v1/conversations/{}/assume", w.w_suporte),
            body: Some("{}".to_owned()),
            headers: vec![("Authorization".to_owned(), auth)],
        },
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let after = state_of(&w, conv).await;
    assert_eq!(after, before, "a refused write changed {conv}");

    // What ana read and heard meanwhile, and while bia works on her conversation: nothing of
    // bia's conversation, no secret, nothing of B.
    let bia = login(&w, "bia").await;
    let r = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{}/note", w.p_bia),
        json!({"text": secret_note}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for path in [
        "/api/v1/conversations?tab=waiting",
        "/api/v1/conversations?tab=others",
        "/api/v1/conversations/counts",
        "/api/v1/directory",
        "/api/v1/tags",
    ] {
        seen.push(get(&w, &ana, path).await.body);
    }
    seen.push(targets.to_string());
    seen.push(people.to_string());
    for e in s_ana.drain(QUIET).await {
        for c in [w.p_bia, w.w_suporte] {
            assert!(e.data["id"] != c && e.data["conversation_id"] != c, "{e:?}");
        }
        seen.push(e.data.to_string());
    }
    for text in &seen {
        for hidden in [secret_name, secret_phone, secret_note] {
            assert!(!text.contains(hidden), "ana learnt `{hidden}`: {text}");
        }
        assert_clean(&cx, "ana's view", text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_on_sqlite() {
    let (store, dir) = on_sqlite("writes").await;
    writes_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    writes_story(start(store).await).await;
}
