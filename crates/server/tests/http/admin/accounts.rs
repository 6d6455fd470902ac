//! The accounts story.

use super::*;

/// The account over HTTP: the operator (installation token) lists and creates accounts, each
/// with its owner in one transaction; the owner renames the account; an agent may not; the
/// operator's token is no user session and a user's session is no operator token.
pub(super) async fn accounts_story(store: Store) {
    let tag = format!("{}{}", std::process::id(), rand_tag());
    let far = format!("10.77.{}.{}", tag.len() % 200, std::process::id() % 250);
    // Without a configured token the operator's endpoints do not exist.
    let plain = launch(store.clone()).await;
    let r = request(
        plain,
        "GET",
        "/api/v1/accounts",
        &[("Authorization", "Bearer x")],
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (404, "not_found".into()),
        "{}",
        r.body
    );
    let token = format!("op-{tag}-0123456789abcdef0123456789abcdef");
    let config = server::ServerConfig {
        operator_token_hash: Some(server::secret::token_hash(&token)),
        ..server::ServerConfig::default()
    };
    let addr = launch_with(store.clone(), config).await;
    let bearer = format!("Bearer {token}");
    let op = |method: &'static str, path: &'static str, body: Option<Value>| {
        let bearer = bearer.clone();
        let far = far.clone();
        async move {
            let body = body.map(|b| b.to_string());
            request(
                addr,
                method,
                path,
                &[("Authorization", &bearer), ("X-Forwarded-For", &far)],
                body.as_deref(),
            )
            .await
        }
    };
    for auth in ["", "Bearer wrong-token-wrong-token-wrong-token-1234"] {
        let headers: Vec<(&str, &str)> = if auth.is_empty() {
            vec![]
        } else {
            vec![("Authorization", auth)]
        };
        let r = request(addr, "GET", "/api/v1/accounts", &headers, None).await;
        assert_eq!(
            (r.status, r.code()),
            (401, "unauthorized".into()),
            "{auth}: {}",
            r.body
        );
    }
    let email = format!("dona.{tag}@contas.example");
    // Bad input: a clear 400, nothing created.
    let before = store.directory().accounts().await.unwrap().len();
    for (body, code) in [
        (json!({"name": " ", "owner_email": email}), "bad_name"),
        (
            json!({"name": "Loja", "owner_email": "not-an-email"}),
            "bad_email",
        ),
        (
            json!({"name": "Loja", "owner_email": email, "owner_password": "curta"}),
            "bad_password",
        ),
        (
            json!({"name": "Loja", "owner_email": email, "plan": "gold"}),
            "invalid_json",
        ),
    ] {
        let r = op("POST", "/api/v1/accounts", Some(body.clone())).await;
        assert_eq!(
            (r.status, r.code()),
            (400, code.into()),
            "{body}: {}",
            r.body
        );
    }
    assert_eq!(store.directory().accounts().await.unwrap().len(), before);
    let created = op(
        "POST",
        "/api/v1/accounts",
        Some(json!({"name": "Loja Nova", "owner_email": email, "owner_name": "Dona"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let c = created.json();
    let temporary = c["temporary_password"].as_str().unwrap().to_owned();
    assert_eq!(temporary.len(), 20);
    assert_eq!(c["account"]["name"], "Loja Nova");
    let account = c["account"]["id"].as_i64().unwrap();
    // The same owner email again: 409, and no second account (one transaction).
    let again = op(
        "POST",
        "/api/v1/accounts",
        Some(json!({"name": "Outra", "owner_email": email.to_uppercase(), "owner_password": "senha-longa-1"})),
    )
    .await;
    assert_eq!(
        (again.status, again.code()),
        (409, "already_taken".into()),
        "{}",
        again.body
    );
    assert_eq!(
        store.directory().accounts().await.unwrap().len(),
        before + 1
    );
    let listed = op("GET", "/api/v1/accounts", None).await.json();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == account)
        .unwrap();
    assert_eq!(
        (mine["name"].clone(), mine["users"].clone()),
        (json!("Loja Nova"), json!(1))
    );
    // The owner logs in with the temporary password and must change it first.
    let login = |email: String, password: String| {
        let far = far.clone();
        async move {
            let r = request(
                addr,
                "POST",
                "/api/v1/auth/login",
                &[("X-Forwarded-For", &far)],
                Some(&json!({"email": email, "password": password}).to_string()),
            )
            .await;
            assert_eq!(r.status, 200, "login {email}: {}", r.body);
            r.header("set-cookie")
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        }
    };
    let call = |cookie: String, method: &'static str, path: &'static str, body: Option<Value>| {
        let far = far.clone();
        async move {
            let body = body.map(|b| b.to_string());
            request(
                addr,
                method,
                path,
                &[("Cookie", &cookie), ("X-Forwarded-For", &far)],
                body.as_deref(),
            )
            .await
        }
    };
    let dona = login(email.clone(), temporary.clone()).await;
    let r = call(dona.clone(), "GET", "/api/v1/account", None).await;
    assert_eq!(
        (r.status, r.code()),
        (403, "password_change_required".into()),
        "{}",
        r.body
    );
    let r = call(
        dona.clone(),
        "POST",
        "/api/v1/me/password",
        Some(json!({"current_password": temporary, "new_password": "senha-da-dona-1"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = call(dona.clone(), "GET", "/api/v1/account", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.json()["id"].as_i64(), r.json()["name"].clone()),
        (Some(account), json!("Loja Nova"))
    );
    // A user's session is not the operator's token.
    let r = call(dona.clone(), "GET", "/api/v1/accounts", None).await;
    assert_eq!(r.status, 401, "{}", r.body);
    // The owner renames the account; an agent of it may read but not rename.
    let r = call(
        dona.clone(),
        "PATCH",
        "/api/v1/account",
        Some(json!({"name": "Loja Renomeada"})),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["name"].clone()),
        (200, json!("Loja Renomeada")),
        "{}",
        r.body
    );
    let r = call(
        dona.clone(),
        "PATCH",
        "/api/v1/account",
        Some(json!({"name": ""})),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "bad_name".into()), "{}", r.body);
    let roles = call(dona.clone(), "GET", "/api/v1/roles", None)
        .await
        .json();
    let agent_role = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["builtin"] == true && r["name"] == "agent")
        .unwrap_or_else(|| panic!("no agent role in {roles}"))["id"]
        .clone();
    let agent_email = format!("agente.{tag}@contas.example");
    let r = call(
        dona.clone(),
        "POST",
        "/api/v1/users",
        Some(
            json!({"email": agent_email, "name": "Agente", "password": "temporaria-9",
                    "roles": [{"role_id": agent_role}]}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let agent = login(agent_email.clone(), "temporaria-9".into()).await;
    let r = call(
        agent.clone(),
        "POST",
        "/api/v1/me/password",
        Some(json!({"current_password": "temporaria-9", "new_password": "senha-do-agente-1"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        call(agent.clone(), "GET", "/api/v1/account", None)
            .await
            .json()["name"],
        "Loja Renomeada"
    );
    let r = call(
        agent.clone(),
        "PATCH",
        "/api/v1/account",
        Some(json!({"name": "Minha"})),
    )
    .await;
    assert_denied(&r, 403, "account.manage");
    // The audit log has the creation (by the operator), the rename and the refusal.
    let audit = call(dona.clone(), "GET", "/api/v1/audit", None)
        .await
        .json();
    let entries = audit["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"));
    let find = |action: &str, result: &str| {
        entries
            .iter()
            .any(|e| e["action"] == action && e["result"].as_str().unwrap().starts_with(result))
    };
    assert!(find("account.create", "ok"), "{audit}");
    assert!(find("account.update", "ok"), "{audit}");
    assert!(find("account.update", "denied"), "{audit}");
    let doc = request(addr, "GET", "/api/openapi.json", &[], None)
        .await
        .json();
    for (path, method) in [
        ("/api/v1/account", "get"),
        ("/api/v1/account", "patch"),
        ("/api/v1/accounts", "get"),
        ("/api/v1/accounts", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
}
