//! The administration story, first part: the catalogue, departments, a custom role and a user
//! bound to it, what he sees, escalations refused, agents refused, ids of another account.

use super::*;

#[expect(
    clippy::too_many_lines,
    reason = "one story, told in order: each step builds on the previous"
)]
pub(super) async fn story(w: &World) -> Carried {
    let dona = w.login(&w.email("dona"), PASSWORD).await;
    let adm = w.login(&w.email("adm"), PASSWORD).await;
    let ana = w.login(&w.email("ana"), PASSWORD).await;

    // The OpenAPI document lists the administration.
    let doc = request(w.addr, "GET", "/api/openapi.json", &[], None)
        .await
        .json();
    for (path, method) in [
        ("/api/v1/departments", "post"),
        ("/api/v1/departments/{id}", "patch"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/{id}/password", "post"),
        ("/api/v1/me/password", "post"),
        ("/api/v1/roles/{id}", "delete"),
        ("/api/v1/permissions", "get"),
        ("/api/v1/settings", "put"),
        ("/api/v1/presets/{id}", "post"),
        ("/api/v1/audit", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }

    // What every logged-in user reads: the catalogue, the departments, the settings.
    let catalogue = w.get(&ana, "/api/v1/permissions").await;
    assert_eq!(catalogue.status, 200, "{}", catalogue.body);
    let groups = catalogue.json();
    let menu = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "menu")
        .unwrap();
    let users_manage = menu["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "users.manage")
        .unwrap();
    assert_eq!(users_manage["scope"], "account");
    assert_eq!(users_manage["label_pt"], "Usuários");
    let total: usize = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["permissions"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, Permission::ALL.len());
    let departments = w.get(&ana, "/api/v1/departments").await.json();
    assert_eq!(
        departments,
        json!([{"id": w.geral.0, "name": "Geral", "parent_id": null, "access": "team", "is_default": true}])
    );
    let settings = w.get(&ana, "/api/v1/settings").await.json();
    assert_eq!(settings["my_finished_queue"], true);
    assert_eq!(settings["waiting_queue"], "members");
    assert_eq!(settings.as_object().unwrap().len(), 7);

    // An admin creates a department with access `agent`.
    let r = w
        .call(
            "POST",
            "/api/v1/departments",
            &adm,
            Some(json!({"name": "Financeiro", "access": "agent"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let fin = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["access"], "agent");
    assert_eq!(r.json()["is_default"], false);
    let dup = w
        .call(
            "POST",
            "/api/v1/departments",
            &adm,
            Some(json!({"name": "Financeiro"})),
        )
        .await;
    assert_eq!((dup.status, dup.code().as_str()), (409, "already_taken"));
    let strict = w
        .call(
            "POST",
            "/api/v1/departments",
            &adm,
            Some(json!({"name": "X", "extra": 1})),
        )
        .await;
    assert_eq!(
        (strict.status, strict.code().as_str()),
        (400, "invalid_json")
    );

    // The owner creates a custom role; unknown permissions and bad networks are named.
    let r = w
        .call(
            "POST",
            "/api/v1/roles",
            &dona,
            Some(json!({"name": "Financeiro andamento", "permissions": [
                "conversation.assume", "conversation.finish", "conversation.transfer",
                "conversations.in_progress.view_department"
            ]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let fin_role = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["builtin"], false);
    let r = w
        .call(
            "POST",
            "/api/v1/roles",
            &dona,
            Some(json!({"name": "x", "permissions": ["conversation.fly"]})),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "unknown_permission"),
        "{}",
        r.body
    );
    assert!(r.body.contains("conversation.fly"), "{}", r.body);
    let r = w
        .call(
            "POST",
            "/api/v1/roles",
            &dona,
            Some(json!({"name": "x", "permissions": [], "allowed_networks": ["10.0.0.1/8"]})),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "bad_network"),
        "{}",
        r.body
    );
    assert!(r.body.contains("10.0.0.0/8"), "{}", r.body);
    let roles = w.get(&adm, "/api/v1/roles").await.json();
    let admin_role = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "admin" && r["builtin"] == true)
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    // The admin creates a user bound to it, member of Financeiro, with a temporary password.
    let caio_email = w.email("caio");
    let weak = w
        .call(
            "POST",
            "/api/v1/users",
            &adm,
            Some(json!({"email": caio_email, "name": "Caio", "password": "curta"})),
        )
        .await;
    assert_eq!((weak.status, weak.code().as_str()), (400, "bad_password"));
    let r = w
        .call(
            "POST",
            "/api/v1/users",
            &adm,
            Some(json!({
                "email": caio_email.to_uppercase(), "name": "Caio", "password": "temporaria-1",
                "roles": [{"role_id": fin_role}],
                "memberships": [{"department_id": fin, "kind": "member"}]
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let caio = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        r.json()["email"],
        caio_email,
        "emails are stored lowercased"
    );
    assert_eq!(r.json()["must_change_password"], true);
    assert_eq!(
        r.json()["roles"],
        json!([{"role_id": fin_role, "department_id": null}])
    );
    assert!(!r.body.contains("temporaria") && !r.body.contains("argon2"));
    let taken = w
        .call(
            "POST",
            "/api/v1/users",
            &adm,
            Some(json!({"email": caio_email, "name": "Outro", "password": "temporaria-1"})),
        )
        .await;
    assert_eq!(taken.status, 409, "{}", taken.body);
    let listed = w.get(&adm, "/api/v1/users").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let listed_caio = listed
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == caio)
        .cloned()
        .unwrap();
    assert_eq!(
        listed_caio["memberships"],
        json!([{"department_id": fin, "kind": "member"}])
    );
    assert!(!listed.body.contains("argon2"));

    // Conversations in Financeiro: waiting, in progress with someone else, finished.
    let conv = |status, assignee: Option<UserId>, at| NewConversation {
        account: w.a,
        department: DepartmentId(fin),
        status,
        assignee,
        contact: None,
        channel: "whatsapp",
        at,
    };
    let w1 = w
        .store
        .conversations()
        .create_conversation(&conv(Status::Waiting, None, 10))
        .await
        .unwrap()
        .0;
    let p1 = w
        .store
        .conversations()
        .create_conversation(&conv(Status::InProgress, Some(w.ana), 11))
        .await
        .unwrap()
        .0;
    let f1 = w
        .store
        .conversations()
        .create_conversation(&conv(Status::Finished, Some(w.ana), 12))
        .await
        .unwrap()
        .0;

    // The new user logs in with the temporary password and must change it.
    let caio_c = w.login(&caio_email, "temporaria-1").await;
    let caio_other = w.login(&caio_email, "temporaria-1").await;
    assert_eq!(
        w.get(&caio_c, "/api/v1/me").await.json()["must_change_password"],
        true
    );
    let wrong = w
        .call(
            "POST",
            "/api/v1/me/password",
            &caio_c,
            Some(json!({"current_password": "errada-123", "new_password": "nova-senha-1"})),
        )
        .await;
    assert_denied(&wrong, 403, "current_password_required");
    let missing = w
        .call(
            "POST",
            "/api/v1/me/password",
            &caio_c,
            Some(json!({"new_password": "nova-senha-1"})),
        )
        .await;
    assert_denied(&missing, 403, "current_password_required");
    let changed = w
        .call(
            "POST",
            "/api/v1/me/password",
            &caio_c,
            Some(json!({"current_password": "temporaria-1", "new_password": "nova-senha-1"})),
        )
        .await;
    assert_eq!(changed.status, 204, "{}", changed.body);
    assert_eq!(
        w.get(&caio_c, "/api/v1/me").await.json()["must_change_password"],
        false
    );
    assert_eq!(
        w.get(&caio_other, "/api/v1/me").await.status,
        401,
        "the other session ended"
    );
    assert_eq!(w.login_as(&caio_email, "temporaria-1").await.status, 401);
    let caio_c = w.login(&caio_email, "nova-senha-1").await;

    // He sees exactly what the role allows: the waiting queue of his team (V4w), the team's
    // conversation in progress through `in_progress.view_department` (access `agent` alone
    // would hide it), no finished conversation.
    let tab = |t: &'static str| {
        let c = caio_c.clone();
        let w = &w;
        async move {
            ids(&w
                .get(&c, &format!("/api/v1/conversations?tab={t}"))
                .await
                .json())
        }
    };
    assert_eq!(tab("waiting").await, vec![w1]);
    assert_eq!(tab("others").await, vec![p1]);
    assert!(tab("finished").await.is_empty());
    assert_eq!(
        w.get(&caio_c, "/api/v1/conversations/counts").await.json(),
        json!({"mine": 0, "waiting": 1, "others": 1, "finished": 0, "my_finished": 0})
    );
    let assumed = w
        .call(
            "POST",
            &format!("/api/v1/conversations/{w1}/assume"),
            &caio_c,
            Some(json!({})),
        )
        .await;
    assert_eq!(assumed.status, 200, "{}", assumed.body);
    assert_eq!(
        w.get(&caio_c, "/api/v1/users").await.status,
        403,
        "no users.manage"
    );

    // The owner adds a permission to the role: it takes effect at the next request.
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/roles/{fin_role}"),
            &dona,
            Some(json!({"permissions": [
                "conversation.assume", "conversation.finish", "conversation.transfer",
                "conversations.in_progress.view_department", "conversations.finished.view_department"
            ]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(tab("finished").await, vec![f1]);

    // The built-in admin cannot touch the owner, create a role (no roles.manage, and it would
    // be an escalation), nor give anyone the owner role.
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{}", w.dona.0),
            &adm,
            Some(json!({"name": "Outra"})),
        )
        .await;
    assert_denied(&r, 403, "escalation");
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{}", w.dona.0),
            &adm,
            Some(json!({"active": false})),
        )
        .await;
    assert_denied(&r, 403, "escalation");
    let r = w
        .call(
            "POST",
            &format!("/api/v1/users/{}/password", w.dona.0),
            &adm,
            Some(json!({"password": "tomada-123"})),
        )
        .await;
    assert_denied(&r, 403, "escalation");
    let r = w
        .call(
            "POST",
            "/api/v1/roles",
            &adm,
            Some(json!({"name": "Super", "permissions": ["roles.manage"]})),
        )
        .await;
    assert_denied(&r, 403, "roles.manage");
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{caio}"),
            &adm,
            Some(json!({"roles": [{"role_id": w.owner_role.0}]})),
        )
        .await;
    assert_denied(&r, 403, "escalation");
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/roles/{admin_role}"),
            &dona,
            Some(json!({"name": "chefe"})),
        )
        .await;
    assert_denied(&r, 403, "builtin_role");
    // The owner may; with a department-scoped binding too.
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{caio}"),
            &dona,
            Some(json!({"name": "Caio Souza", "roles": [
                {"role_id": fin_role}, {"role_id": fin_role, "department_id": fin}
            ]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["name"], "Caio Souza");
    assert_eq!(r.json()["roles"].as_array().unwrap().len(), 2);

    // The owner is the last account.manage holder: they cannot deactivate themself.
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{}", w.dona.0),
            &dona,
            Some(json!({"active": false})),
        )
        .await;
    assert_denied(&r, 403, "last_account_manager");
    assert_eq!(w.get(&dona, "/api/v1/me").await.status, 200);

    // An agent is refused every administrative write, and the users list.
    let writes: Vec<(&str, String, Value)> = vec![
        ("POST", "/api/v1/departments".into(), json!({"name": "Y"})),
        (
            "PATCH",
            format!("/api/v1/departments/{fin}"),
            json!({"name": "Z"}),
        ),
        ("DELETE", format!("/api/v1/departments/{fin}"), json!({})),
        (
            "POST",
            "/api/v1/users".into(),
            json!({"email": w.email("x"), "name": "X", "password": "12345678"}),
        ),
        (
            "PATCH",
            format!("/api/v1/users/{}", w.leo.0),
            json!({"active": false}),
        ),
        (
            "POST",
            format!("/api/v1/users/{}/password", w.leo.0),
            json!({"password": "12345678"}),
        ),
        (
            "POST",
            "/api/v1/roles".into(),
            json!({"name": "R", "permissions": []}),
        ),
        (
            "PATCH",
            format!("/api/v1/roles/{fin_role}"),
            json!({"name": "R"}),
        ),
        ("DELETE", format!("/api/v1/roles/{fin_role}"), json!({})),
        ("PUT", "/api/v1/settings".into(), settings.clone()),
        (
            "POST",
            "/api/v1/presets/zenvia".into(),
            json!({"shared_inbox": true, "assignment": "manual"}),
        ),
    ];
    for (method, path, body) in &writes {
        let body = (*method != "DELETE").then(|| body.clone());
        let r = w.call(method, path, &ana, body).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (403, "forbidden"),
            "{method} {path}: {}",
            r.body
        );
    }
    for path in ["/api/v1/users", "/api/v1/roles", "/api/v1/audit"] {
        assert_eq!(w.get(&ana, path).await.status, 403, "{path}");
    }

    // Ids of another account answer exactly like ids that do not exist.
    let pairs: Vec<(&str, String, String, Option<Value>)> = vec![
        (
            "PATCH",
            format!("/api/v1/departments/{}", w.b_dept.0),
            "/api/v1/departments/987654321".into(),
            Some(json!({"name": "Invasão"})),
        ),
        (
            "DELETE",
            format!("/api/v1/departments/{}", w.b_dept.0),
            "/api/v1/departments/987654321".into(),
            None,
        ),
        (
            "PATCH",
            format!("/api/v1/users/{}", w.b_user.0),
            "/api/v1/users/987654321".into(),
            Some(json!({"active": false})),
        ),
        (
            "POST",
            format!("/api/v1/users/{}/password", w.b_user.0),
            "/api/v1/users/987654321/password".into(),
            Some(json!({"password": "tomada-123"})),
        ),
        (
            "PATCH",
            format!("/api/v1/roles/{}", w.b_role.0),
            "/api/v1/roles/987654321".into(),
            Some(json!({"name": "Invasão"})),
        ),
        (
            "DELETE",
            format!("/api/v1/roles/{}", w.b_role.0),
            "/api/v1/roles/987654321".into(),
            None,
        ),
    ];
    for (method, other, unknown, body) in &pairs {
        let a = w.call(method, other, &dona, body.clone()).await;
        let b = w.call(method, unknown, &dona, body.clone()).await;
        assert_eq!(a.status, 404, "{method} {other}: {}", a.body);
        assert_eq!((a.status, a.body.as_str()), (b.status, b.body.as_str()));
    }
    // In bodies: another account's role or department is refused like an unknown one.
    for body in [
        json!({"roles": [{"role_id": w.b_role.0}]}),
        json!({"roles": [{"role_id": fin_role, "department_id": w.b_dept.0}]}),
        json!({"memberships": [{"department_id": w.b_dept.0, "kind": "member"}]}),
    ] {
        let r = w
            .call("PATCH", &format!("/api/v1/users/{caio}"), &dona, Some(body))
            .await;
        assert_eq!(r.status, 400, "{}", r.body);
    }
    let stored_b = w.store.directory().user(w.a, w.b_user).await.unwrap();
    assert!(stored_b.is_none(), "nothing crossed accounts");

    // Deactivating a user ends their session.
    let leo = w.login(&w.email("leo"), PASSWORD).await;
    assert_eq!(w.get(&leo, "/api/v1/me").await.status, 200);
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/users/{}", w.leo.0),
            &adm,
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["active"], false);
    assert_eq!(w.get(&leo, "/api/v1/me").await.status, 401);
    assert_eq!(w.login_as(&w.email("leo"), PASSWORD).await.status, 401);

    // A password reset by the admin: temporary, and the user's sessions end.
    let r = w
        .call(
            "POST",
            &format!("/api/v1/users/{}/password", w.ana.0),
            &adm,
            Some(json!({"password": "redefinida-1"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(w.get(&ana, "/api/v1/me").await.status, 401);
    let ana = w.login(&w.email("ana"), "redefinida-1").await;
    assert_eq!(
        w.get(&ana, "/api/v1/me").await.json()["must_change_password"],
        true
    );
    // Until the temporary password is replaced, nothing else is served.
    let blocked = w.get(&ana, "/api/v1/conversations?tab=mine").await;
    assert_eq!(
        (blocked.status, blocked.code().as_str()),
        (403, "password_change_required")
    );
    let r = w
        .call(
            "POST",
            "/api/v1/me/password",
            &ana,
            Some(json!({"current_password": "redefinida-1", "new_password": "definitiva-1"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        w.get(&ana, "/api/v1/conversations?tab=mine").await.status,
        200
    );

    Carried {
        dona,
        adm,
        ana,
        caio,
        caio_c,
        fin,
        fin_role,
        admin_role,
        settings,
    }
}
