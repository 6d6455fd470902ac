//! The access explorer story ("Quem vê o quê?").

use super::*;

/// "Quem vê o quê?": for a conversation the caller sees, every user with whether they see it and
/// the engine's reasons; `users.manage` needed; a conversation the caller may not see (or of
/// another account) is 404 like an unknown one. Then what else the web inbox reads (names,
/// tags, messages backwards) and the page itself.
pub(super) async fn explorer_story(w: World) {
    let dona = login(&w, "dona").await;
    let ana = login(&w, "ana").await;
    let path = |id: i64| format!("/api/v1/access/conversations/{id}/viewers");
    let r = get(&w, &dona, &path(w.w_suporte)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let user = |id: UserId| {
        v["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["user_id"] == id.0)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (user(w.bia)["sees"].clone(), user(w.ana)["sees"].clone()),
        (json!(true), json!(false)),
        "{v}"
    );
    assert!(!user(w.ana)["reasons"].as_array().unwrap().is_empty());
    // Each answer agrees with what the user gets from the API.
    let bia = login(&w, "bia").await;
    assert_eq!(
        get(&w, &bia, &format!("/api/v1/conversations/{}", w.w_suporte))
            .await
            .status,
        200
    );
    assert_eq!(
        get(&w, &ana, &format!("/api/v1/conversations/{}", w.w_suporte))
            .await
            .status,
        404
    );
    let en = get(&w, &dona, &format!("{}?lang=en", path(w.w_suporte)))
        .await
        .json();
    let reasons = |v: &Value, id: UserId| {
        v["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["user_id"] == id.0)
            .unwrap()["reasons"]
            .clone()
    };
    assert_ne!(
        reasons(&en, w.ana),
        reasons(&v, w.ana),
        "English differs from Portuguese"
    );
    // An agent may not use it; ids the caller may not see are 404 like unknown ones.
    let r = get(&w, &ana, &path(w.w_vendas)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let unknown = get(&w, &dona, &path(987_654_321)).await;
    let other = get(&w, &dona, &path(w.b_conv)).await;
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (404, other.body.as_str())
    );
    let bad = get(&w, &dona, &format!("{}?from=nowhere", path(w.w_suporte))).await;
    assert_eq!((bad.status, bad.code()), (400, "bad_address".into()));

    // What the inbox shows besides conversations: colleagues' names (no emails), the
    // account's tags, and a conversation read backwards.
    let people = get(&w, &ana, "/api/v1/directory").await;
    assert_eq!(people.status, 200, "{}", people.body);
    let people = people.json();
    assert!(
        people
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == w.bia.0 && p["active"] == true),
        "{people}"
    );
    assert!(
        people
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p.get("email").is_none()),
        "no emails: {people}"
    );
    let r = post(
        &w,
        &dona,
        &format!("/api/v1/conversations/{}/tag", w.w_vendas),
        json!({"tag": "vip"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        get(&w, &ana, "/api/v1/tags")
            .await
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "vip")
    );
    for text in ["um", "dois", "três"] {
        let r = post(
            &w,
            &dona,
            &format!("/api/v1/conversations/{}/note", w.w_vendas),
            json!({"text": text}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let all = get(
        &w,
        &dona,
        &format!("/api/v1/conversations/{}/messages", w.w_vendas),
    )
    .await
    .json();
    let last = all.as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    let back = get(
        &w,
        &dona,
        &format!(
            "/api/v1/conversations/{}/messages?before={last}&limit=2",
            w.w_vendas
        ),
    )
    .await
    .json();
    let bodies: Vec<&str> = back
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, vec!["um", "dois"], "{back}");
    let both = get(
        &w,
        &dona,
        &format!(
            "/api/v1/conversations/{}/messages?before=5&after=1",
            w.w_vendas
        ),
    )
    .await;
    assert_eq!((both.status, both.code()), (400, "bad_cursor".into()));

    // The web inbox is served from the binary, under a strict Content-Security-Policy.
    let page = request(w.addr, "GET", "/", &[], None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("/assets/app.js"), "{}", page.body);
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let js = request(w.addr, "GET", "/assets/app.js", &[], None).await;
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        request(w.addr, "GET", "/assets/../Cargo.toml", &[], None)
            .await
            .status,
        404
    );
    assert_eq!(
        request(w.addr, "GET", "/assets/nothing.js", &[], None)
            .await
            .status,
        404
    );
}
