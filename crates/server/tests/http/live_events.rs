//! The live events story (`/api/v1/events`).

use super::*;

/// Live events: each user's stream carries what the engine lets them see at the moment it is
/// sent, removals when a conversation leaves their view (transfer, membership change), nothing
/// of other accounts, a replay after reconnection, and events written on another node.
pub(super) async fn events_story(w: World) {
    // caio and bia are agents of Suporte, whose access option is `agent`: each sees the
    // waiting queue and their own conversations, not a colleague's. ana is only in Vendas.
    let agent = w
        .store
        .directory()
        .account_config(w.a)
        .await
        .unwrap()
        .builtin_role(BuiltinRole::Agent)
        .unwrap();
    let hash = server::secret::hash_password("senha-forte-1").unwrap();
    let caio_id = seed_user(
        &w.store,
        w.a,
        &w.email("caio"),
        &hash,
        true,
        agent,
        &[(w.suporte, MembershipKind::Member)],
    )
    .await;
    let dona = login(&w, "dona").await;
    let ana = login(&w, "ana").await;
    let bia = login(&w, "bia").await;
    let caio = login(&w, "caio").await;
    let b_cookie = login_b(&w).await;
    let mut s_caio = events(&w, w.addr, &caio, None).await;
    let mut s_bia = events(&w, w.addr, &bia, None).await;
    let mut s_ana = events(&w, w.addr, &ana, None).await;
    let mut s_b = events(&w, w.addr, &b_cookie, None).await;
    // A second node on the same database.
    let node2 = launch(w.store.clone()).await;
    let mut s_bia2 = events(&w, node2, &bia, None).await;
    let conv = w.w_suporte;

    // caio assumes the waiting Suporte conversation: he gets it with his counts; bia, who saw
    // it waiting, gets a removal.
    let t0 = std::time::Instant::now();
    let r = post(
        &w,
        &caio,
        &format!("/api/v1/conversations/{conv}/assume"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let e = s_caio.expect("conversation", WAIT).await;
    assert_eq!(
        (e.data["id"].as_i64(), e.data["assignee_id"].as_i64()),
        (Some(conv), Some(caio_id.0))
    );
    let assumed_id = e.id.clone().unwrap();
    let counts = s_caio.expect("counts", WAIT).await;
    assert_eq!(
        (counts.data["mine"].clone(), counts.data["waiting"].clone()),
        (json!(1), json!(0))
    );
    let gone = s_bia.expect("removed", WAIT).await;
    assert_eq!(gone.data, json!({"id": conv}));
    // The other node's stream hears it too (PostgreSQL: LISTEN/NOTIFY; SQLite: its poll).
    let gone2 = s_bia2.expect("removed", WAIT).await;
    assert_eq!(gone2.data, json!({"id": conv}));
    let across = t0.elapsed();

    // A note: caio gets the conversation and the message; bia, who may not see it, nothing.
    let r = post(
        &w,
        &caio,
        &format!("/api/v1/conversations/{conv}/note"),
        json!({"text": "cliente VIP"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let m = s_caio.expect("message", WAIT).await;
    assert_eq!(
        (
            m.data["conversation_id"].as_i64(),
            m.data["message"]["body"].clone()
        ),
        (Some(conv), json!("cliente VIP"))
    );
    // caio transfers it to bia: caio gets a removal, bia the conversation.
    let r = post(
        &w,
        &caio,
        &format!("/api/v1/conversations/{conv}/transfer"),
        json!({"user_id": w.bia.0}),
    )
    .await;
    assert_eq!(
        r.status, 204,
        "transferred away, no longer caio's to see: {}",
        r.body
    );
    let gone = s_caio.expect("removed", WAIT).await;
    assert_eq!(gone.data, json!({"id": conv}));
    let got = s_bia.expect("conversation", WAIT).await;
    assert_eq!(got.data["assignee_id"].as_i64(), Some(w.bia.0));
    // After the removal nothing more about it reaches caio.
    let r = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{conv}/note"),
        json!({"text": "segredo"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    s_bia.expect("message", WAIT).await;
    let after = s_caio.drain(QUIET).await;
    assert_eq!(
        about(&after, "conversation", conv) + about(&after, "message", conv),
        0,
        "{after:?}"
    );
    // ana (Vendas only) and the other account's owner heard of none of it.
    for (who, s) in [("ana", &mut s_ana), ("account B", &mut s_b)] {
        let seen = s.drain(QUIET).await;
        assert!(seen.is_empty(), "{who} saw {seen:?}");
    }

    // Reconnecting after the assume replays what caio missed, as things are now and filtered
    // the same way: the conversation is no longer his to see, so only its removal (not his
    // note, not bia's).
    let mut again = events(&w, w.addr, &caio, Some(&assumed_id)).await;
    let replayed = again.drain(QUIET).await;
    assert_eq!(about(&replayed, "removed", conv), 1, "{replayed:?}");
    assert!(
        !replayed
            .iter()
            .any(|e| e.name == "message" || e.name == "conversation"),
        "{replayed:?}"
    );
    // bia, reconnecting from the same point on the other node, gets the conversation (hers
    // now) and both notes.
    let mut again = events(&w, node2, &bia, Some(&assumed_id)).await;
    let replayed = again.drain(QUIET).await;
    let notes: Vec<&Value> = replayed
        .iter()
        .filter(|e| e.name == "message")
        .map(|e| &e.data["message"]["body"])
        .collect();
    assert_eq!(
        notes,
        vec![&json!("cliente VIP"), &json!("segredo")],
        "{replayed:?}"
    );

    // A new waiting conversation in Suporte reaches both members...
    let r = post(
        &w,
        &dona,
        "/api/v1/conversations",
        json!({"department_id": w.suporte.0, "contact_name": "Cliente Dois"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let fresh = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        s_caio.expect("conversation", WAIT).await.data["id"].as_i64(),
        Some(fresh)
    );
    assert_eq!(
        s_bia.expect("conversation", WAIT).await.data["id"].as_i64(),
        Some(fresh)
    );
    // ...until caio leaves Suporte: his stream removes it and says access changed; afterwards
    // nothing about it reaches him.
    let users = get(&w, &dona, "/api/v1/users").await.json();
    let caio_view = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == caio_id.0)
        .unwrap()
        .clone();
    let r = request(
        w.addr,
        "PATCH",
        &format!("/api/v1/users/{}", caio_id.0),
        &[("Cookie", &dona)],
        Some(&json!({"memberships": [], "roles": caio_view["roles"]}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut saw = Vec::new();
    loop {
        let e = s_caio.next(WAIT).await.expect("an access event");
        let name = e.name.clone();
        saw.push(e);
        if name == "access" {
            break;
        }
    }
    assert_eq!(about(&saw, "removed", fresh), 1, "{saw:?}");
    let r = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{fresh}/assume"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    s_bia.expect("conversation", WAIT).await;
    let after = s_caio.drain(QUIET).await;
    assert_eq!(
        about(&after, "conversation", fresh) + about(&after, "removed", fresh),
        0,
        "{after:?}"
    );
    println!("event across two nodes in {across:?}");
    if w.store.backend() == store::Backend::Postgres {
        // The PostgreSQL node's poll is 5 s: arriving sooner means NOTIFY carried it.
        assert!(
            across < std::time::Duration::from_millis(2500),
            "{across:?}"
        );
    }
}

/// A file's events follow visibility like its message's: a customer's file arrives `pending`
/// through the generic channel into Suporte; when the downloader has it (`ready`), the change
/// reaches bia, who sees the conversation, and nothing of it ever reaches ana (Vendas only), nor
/// the other account.
pub(super) async fn attachment_events_story(w: World) {
    use super::generic_files::{conversation_of, generic_channel, post_generic, start_storage};
    let dona = login(&w, "dona").await;
    let bia = login(&w, "bia").await;
    let ana = login(&w, "ana").await;
    let b_cookie = login_b(&w).await;
    let (files, storage) = start_storage().await;
    let token = generic_channel(w.addr, &dona, w.suporte.0).await;
    let mut s_bia = events(&w, w.addr, &bia, None).await;
    let mut s_ana = events(&w, w.addr, &ana, None).await;
    let mut s_b = events(&w, w.addr, &b_cookie, None).await;
    let t = &w.tag;
    let name = format!("Evento{}", &t[t.len() - 6..]);
    storage.put("foto", super::media::PHOTO, "image/jpeg");
    let r = post_generic(
        w.addr,
        &token,
        &json!({"from": format!("ev-{}", &t[t.len() - 12..]), "name": name,
                "attachment": {"url": format!("http://{files}/f/foto"), "mime_type": "image/jpeg"}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let conv = conversation_of(w.addr, &bia, &name).await;
    // The file's state as bia's stream says it, message after message.
    let state_of = |e: &SseEvent| {
        (e.name == "message" && e.data["conversation_id"] == conv)
            .then(|| {
                e.data["message"]["attachments"][0]["state"]
                    .as_str()
                    .map(str::to_owned)
            })
            .flatten()
    };
    let mut saw = Vec::new();
    while !saw.iter().any(|s| s == "pending") {
        let e = s_bia
            .next(WAIT)
            .await
            .expect("the message with its pending file");
        saw.extend(state_of(&e));
    }
    storage.open_gate();
    while !saw.iter().any(|s| s == "ready") {
        let e = s_bia.next(WAIT).await.expect("the file's change to ready");
        saw.extend(state_of(&e));
    }
    assert_eq!(saw, ["pending", "ready"]);
    // Nothing of the conversation, its message or its file reached ana or the other account.
    for (who, s) in [("ana", &mut s_ana), ("account B", &mut s_b)] {
        let seen = s.drain(QUIET).await;
        assert_eq!(
            about(&seen, "conversation", conv) + about(&seen, "message", conv),
            0,
            "{who} saw {seen:?}"
        );
        assert!(
            !seen.iter().any(|e| e.name == "message"),
            "{who} saw {seen:?}"
        );
    }
}
