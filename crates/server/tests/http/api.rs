//! The API story: health and the OpenAPI document, one answer for every failed login, tabs,
//! search and filters, 404 for what may not be seen, actions allowed and denied, API tokens,
//! strict input and throttling.

use super::*;

pub(super) async fn story(w: World) {
    // Health and the OpenAPI document.
    assert_eq!(
        request(w.addr, "GET", "/healthz", &[], None).await.status,
        200
    );
    let doc = request(w.addr, "GET", "/api/openapi.json", &[], None)
        .await
        .json();
    assert!(doc["paths"]["/api/v1/conversations"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/auth/login"]["post"].is_object());

    // One generic answer for every failed login.
    let fail =
        |email: &str, password: &str| json!({"email": email, "password": password}).to_string();
    let wrong = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&fail(&w.email("ana"), "nope")),
    )
    .await;
    let unknown = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&fail(&w.email("ninguem"), "senha-forte-1")),
    )
    .await;
    let inactive = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&fail(&w.email("inativa"), "senha-forte-1")),
    )
    .await;
    for r in [&wrong, &unknown, &inactive] {
        assert_eq!((r.status, r.body.as_str()), (401, wrong.body.as_str()));
    }
    assert_eq!(wrong.json()["error"]["code"], "login_failed");
    assert!(request(w.addr, "GET", "/api/v1/me", &[], None).await.status == 401);

    let ana = login(&w, "ana").await;
    let me = get(&w, &ana, "/api/v1/me").await.json();
    assert_eq!(me["id"], w.ana.0);
    assert_eq!(me["departments"], json!([w.vendas.0]));
    assert!(me.get("password_hash").is_none());

    // Tabs: ana sees Vendas' waiting queue only.
    let waiting = get(&w, &ana, "/api/v1/conversations?tab=waiting")
        .await
        .json();
    assert_eq!(ids(&waiting), vec![w.w_vendas]);
    assert_eq!(waiting["items"][0]["contact"]["name"], "Cliente Um");
    // Search by contact and filter by department, inside what ana may see.
    assert_eq!(
        ids(
            &get(&w, &ana, "/api/v1/conversations?tab=waiting&q=cliente")
                .await
                .json()
        ),
        vec![w.w_vendas]
    );
    assert_eq!(
        ids(
            &get(&w, &ana, "/api/v1/conversations?tab=waiting&q=99990001")
                .await
                .json()
        ),
        vec![w.w_vendas]
    );
    assert!(
        ids(
            &get(&w, &ana, "/api/v1/conversations?tab=waiting&q=ninguem")
                .await
                .json()
        )
        .is_empty()
    );
    assert!(
        ids(&get(
            &w,
            &ana,
            &format!(
                "/api/v1/conversations?tab=waiting&department={}",
                w.suporte.0
            )
        )
        .await
        .json())
        .is_empty()
    );
    let counts = get(&w, &ana, "/api/v1/conversations/counts").await.json();
    assert_eq!(
        counts,
        json!({"mine": 0, "waiting": 1, "others": 0, "finished": 0, "my_finished": 0})
    );

    // What ana may not see is byte-identical to what does not exist, also across accounts.
    let hidden = get(&w, &ana, &format!("/api/v1/conversations/{}", w.w_suporte)).await;
    let missing = get(&w, &ana, "/api/v1/conversations/987654321").await;
    let other_account = get(&w, &ana, &format!("/api/v1/conversations/{}", w.b_conv)).await;
    for r in [&hidden, &missing, &other_account] {
        assert_eq!((r.status, r.body.as_str()), (404, missing.body.as_str()));
    }
    let act_hidden = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/assume", w.w_suporte),
        json!({}),
    )
    .await;
    assert_eq!(
        (act_hidden.status, act_hidden.body.as_str()),
        (404, missing.body.as_str())
    );
    let act_other = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/assume", w.b_conv),
        json!({}),
    )
    .await;
    assert_eq!(
        (act_other.status, act_other.body.as_str()),
        (404, missing.body.as_str())
    );

    // The conversation with its allowed actions and messages.
    let detail = get(&w, &ana, &format!("/api/v1/conversations/{}", w.w_vendas))
        .await
        .json();
    let actions: Vec<&str> = detail["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"assume")
            && actions.contains(&"transfer")
            && !actions.contains(&"reply")
            && !actions.contains(&"finish"),
        "{actions:?}"
    );
    let msgs = get(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/messages", w.w_vendas),
    )
    .await
    .json();
    assert_eq!(msgs[0]["body"], "Olá, preciso de ajuda");

    // Denied while visible: 403 with the engine's reasons.
    let reply = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/reply", w.w_vendas),
        json!({"text": "oi"}),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(
        reply.json()["error"]["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("status"))
    );

    // Assume, reply, finish: transitions, durable and counted.
    let assumed = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/assume", w.w_vendas),
        json!({}),
    )
    .await;
    assert_eq!(assumed.status, 200, "{}", assumed.body);
    assert_eq!(assumed.json()["status"], "in_progress");
    assert_eq!(assumed.json()["assignee_id"], w.ana.0);
    let again = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/assume", w.w_vendas),
        json!({}),
    )
    .await;
    assert_eq!(
        again.status, 403,
        "assuming twice is refused: {}",
        again.body
    );
    let r = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/reply", w.w_vendas),
        json!({"text": "Olá! Já vou ajudar."}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/note", w.w_vendas),
        json!({"text": "cliente antigo"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/tag", w.w_vendas),
        json!({"tag": "urgente"}),
    )
    .await;
    assert_eq!(r.json()["tags"], json!(["urgente"]));
    assert_eq!(
        ids(&get(&w, &ana, "/api/v1/conversations?tab=mine&tag=urgente")
            .await
            .json()),
        vec![w.w_vendas]
    );
    assert!(
        ids(&get(&w, &ana, "/api/v1/conversations?tab=mine&tag=outra")
            .await
            .json())
        .is_empty()
    );
    let msgs = get(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/messages", w.w_vendas),
    )
    .await
    .json();
    let kinds: Vec<&str> = msgs
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["in", "out", "note"]);
    assert_eq!(
        get(&w, &ana, "/api/v1/conversations/counts").await.json()["mine"],
        1
    );
    assert_eq!(
        ids(&get(&w, &ana, "/api/v1/conversations?tab=mine").await.json()),
        vec![w.w_vendas]
    );

    // Ids in bodies: another account's user is refused like an unknown one, nothing changes.
    let t = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/transfer", w.w_vendas),
        json!({"user_id": w.b_user.0}),
    )
    .await;
    assert_eq!(t.status, 403);
    assert_eq!(t.json()["error"]["reasons"], json!(["target_not_found"]));
    let t2 = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/transfer", w.w_vendas),
        json!({"user_id": 987654321}),
    )
    .await;
    assert_eq!(t.body, t2.body);
    let d = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/change_department", w.w_vendas),
        json!({"department_id": w.b_dept.0}),
    )
    .await;
    assert_eq!(d.status, 403, "{}", d.body);
    let row = w
        .store
        .conversations()
        .conversation(w.a, access::ConversationId(w.w_vendas))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.conversation.status, row.conversation.assignee),
        (Status::InProgress, Some(w.ana))
    );

    // Transfer to bia: it leaves ana's tabs (Vendas is `team`: still visible in Outros).
    let t = post(
        &w,
        &ana,
        &format!("/api/v1/conversations/{}/transfer", w.w_vendas),
        json!({"user_id": w.bia.0}),
    )
    .await;
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(
        ids(&get(&w, &ana, "/api/v1/conversations?tab=others")
            .await
            .json()),
        vec![w.w_vendas]
    );
    let bia = login(&w, "bia").await;
    assert_eq!(
        ids(&get(&w, &bia, "/api/v1/conversations?tab=mine").await.json()),
        vec![w.w_vendas, w.p_bia]
    );
    // bia moves it to Suporte (access `agent`): it leaves ana's view entirely; the answer says so.
    let moved = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{}/change_department", w.w_vendas),
        json!({"department_id": w.suporte.0}),
    )
    .await;
    assert_eq!(
        moved.status, 200,
        "bia still sees the waiting conversation: {}",
        moved.body
    );
    assert_eq!(
        get(&w, &ana, &format!("/api/v1/conversations/{}", w.w_vendas))
            .await
            .status,
        404
    );

    // Strict input.
    let unknown_field = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{}/note", w.p_bia),
        json!({"text": "x", "extra": 1}),
    )
    .await;
    assert_eq!(
        (
            unknown_field.status,
            unknown_field.json()["error"]["code"].as_str()
        ),
        (400, Some("invalid_json"))
    );
    let wrong_field = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{}/note", w.p_bia),
        json!({"user_id": 1, "text": "x"}),
    )
    .await;
    assert_eq!(wrong_field.json()["error"]["code"], "unexpected_field");
    let bad_tab = get(&w, &bia, "/api/v1/conversations?tab=todos").await;
    assert_eq!(
        (bad_tab.status, bad_tab.json()["error"]["code"].as_str()),
        (400, Some("bad_tab"))
    );
    let huge = get(&w, &bia, "/api/v1/conversations?tab=mine&limit=100000").await;
    assert_eq!(huge.json()["error"]["code"], "bad_limit");
    let big_body = "x".repeat(server::BODY_LIMIT + 10);
    let too_large = post(
        &w,
        &bia,
        &format!("/api/v1/conversations/{}/note", w.p_bia),
        json!({ "text": big_body }),
    )
    .await;
    assert_eq!(too_large.status, 413, "{}", too_large.body);

    // Cross-site POST with the cookie is refused; the same-origin one goes through.
    let evil = request(
        w.addr,
        "POST",
        &format!("/api/v1/conversations/{}/note", w.p_bia),
        &[("Cookie", &bia), ("Origin", "https://evil.example")],
        Some(r#"{"text":"x"}"#),
    )
    .await;
    assert_eq!(
        (evil.status, evil.json()["error"]["code"].as_str()),
        (403, Some("cross_site"))
    );

    // API tokens carry the user's own rights; revoked tokens stop working.
    let created = post(&w, &bia, "/api/v1/me/tokens", json!({"name": "integração"})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let token = created.json()["token"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {token}");
    let via_token = request(
        w.addr,
        "GET",
        "/api/v1/conversations?tab=mine",
        &[("Authorization", &auth)],
        None,
    )
    .await;
    assert_eq!(ids(&via_token.json()), vec![w.p_bia]);
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(
        request(
            w.addr,
            "DELETE",
            &format!("/api/v1/me/tokens/{id}"),
            &[("Authorization", &auth)],
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        request(
            w.addr,
            "GET",
            "/api/v1/me",
            &[("Authorization", &auth)],
            None
        )
        .await
        .status,
        401
    );

    // The remaining actions, allowed and denied, on bia's conversation in Suporte (access
    // `agent`): tags, the contact link, finish, reopen, and the satisfaction survey.
    let on = |action: &str| format!("/api/v1/conversations/{}/{action}", w.p_bia);
    let r = post(&w, &bia, &on("tag"), json!({"tag": "vip"})).await;
    assert_eq!(r.json()["tags"], json!(["vip"]));
    let r = post(&w, &bia, &on("untag"), json!({"tag": "vip"})).await;
    assert_eq!((r.status, r.json()["tags"].clone()), (200, json!([])));
    let other_contact = w
        .store
        .inbox()
        .create_contact(w.b, "Outra conta", None, None, 0)
        .await
        .unwrap();
    let r = post(
        &w,
        &bia,
        &on("link_contact"),
        json!({"contact_id": other_contact}),
    )
    .await;
    assert_eq!(
        r.status, 404,
        "a contact of another account is unknown here: {}",
        r.body
    );
    let mine = w
        .store
        .inbox()
        .create_contact(w.a, "Cliente Dois", None, None, 0)
        .await
        .unwrap();
    // v2: a contact bia sees no conversation of (and without `contacts.view`) is unknown to her.
    let r = post(&w, &bia, &on("link_contact"), json!({"contact_id": mine})).await;
    assert_eq!(r.status, 404, "{}", r.body);
    // Once it is the contact of a waiting conversation of Vendas (bia sees its details), it is hers to link.
    w.store
        .conversations()
        .create_conversation(&NewConversation {
            account: w.a,
            department: w.vendas,
            status: Status::Waiting,
            assignee: None,
            contact: Some(mine),
            channel: "api",
            at: 30,
        })
        .await
        .unwrap();
    let r = post(&w, &bia, &on("link_contact"), json!({"contact_id": mine})).await;
    assert_eq!(
        (r.status, r.json()["contact"]["name"].as_str()),
        (200, Some("Cliente Dois"))
    );
    // ana sees nothing of Suporte: every action is 404.
    for action in ["finish", "reopen", "tag", "untag", "link_contact", "note"] {
        let r = post(&w, &ana, &on(action), json!({})).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (404, missing.body.as_str()),
            "{action}"
        );
    }
    let r = post(&w, &bia, &on("reopen"), json!({})).await;
    assert_eq!(r.status, 403, "not finished yet: {}", r.body);
    let r = post(&w, &bia, &on("finish"), json!({})).await;
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (200, Some("finished")),
        "{}",
        r.body
    );
    let r = post(&w, &bia, &on("reopen"), json!({})).await;
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (200, Some("in_progress")),
        "{}",
        r.body
    );
    let survey = Settings {
        satisfaction_survey: true,
        ..Settings::default()
    };
    w.store
        .directory()
        .set_settings(w.a, &survey)
        .await
        .unwrap();
    let r = post(&w, &bia, &on("finish"), json!({})).await;
    assert_eq!(r.json()["status"], "survey", "{}", r.body);
    let r = post(&w, &bia, &on("finish_in_survey"), json!({})).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.json()["error"]["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("conversation.finish_in_survey"))
    );
    let dona = login(&w, "dona").await;
    let r = post(&w, &dona, &on("finish_in_survey"), json!({})).await;
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (200, Some("finished")),
        "{}",
        r.body
    );

    // Starting a conversation, and the engine's transfer targets for it.
    let created = post(
        &w,
        &bia,
        "/api/v1/conversations",
        json!({"department_id": w.vendas.0, "contact_name": "Nova Cliente", "message": "Oi!"}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let new_id = created.json()["id"].as_i64().unwrap();
    assert_eq!(created.json()["status"], "waiting");
    let foreign = post(
        &w,
        &bia,
        "/api/v1/conversations",
        json!({"department_id": w.b_dept.0, "contact_name": "X"}),
    )
    .await;
    assert_eq!(
        (foreign.status, foreign.json()["error"]["code"].as_str()),
        (400, Some("unknown_department"))
    );
    let targets = get(
        &w,
        &bia,
        &format!("/api/v1/conversations/{new_id}/transfer_targets"),
    )
    .await
    .json();
    let mut target_ids: Vec<i64> = targets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    target_ids.sort_unstable();
    assert_eq!(
        target_ids,
        vec![w.ana.0, w.bia.0],
        "active members of Vendas; the inactive one is not offered"
    );
    assert_eq!(
        get(
            &w,
            &ana,
            &format!("/api/v1/conversations/{}/transfer_targets", w.w_suporte)
        )
        .await
        .status,
        404
    );

    // Logout ends the session on the server.
    assert_eq!(
        post(&w, &ana, "/api/v1/auth/logout", json!({}))
            .await
            .status,
        204
    );
    assert_eq!(get(&w, &ana, "/api/v1/me").await.status, 401);

    // Throttling: after five failures the account and the address wait, with Retry-After.
    for _ in 0..5 {
        let r = request(
            w.addr,
            "POST",
            "/api/v1/auth/login",
            &[("X-Forwarded-For", &w.far)],
            Some(&fail(&w.email("bia"), "errada")),
        )
        .await;
        assert_eq!(r.status, 401);
    }
    let limited = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&fail(&w.email("bia"), "senha-forte-1")),
    )
    .await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.header("retry-after").is_some());
}
