//! The administration story, continued: the department tree, settings, presets, deleting a
//! role, the audit log and concurrent self-deactivation.

use super::*;

#[expect(
    clippy::too_many_lines,
    reason = "one story, told in order: each step builds on the previous"
)]
pub(super) async fn story_rest(w: &World, c: Carried) {
    let Carried {
        dona,
        adm,
        ana,
        caio,
        caio_c,
        fin,
        fin_role,
        admin_role,
        settings,
    } = c;
    // The department tree: no cycle; deletion only of what is unused.
    let create = |name: &'static str, parent: Option<i64>| {
        let adm = adm.clone();
        let w = &w;
        async move {
            let r = w
                .call(
                    "POST",
                    "/api/v1/departments",
                    &adm,
                    Some(json!({"name": name, "parent_id": parent})),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.json()["id"].as_i64().unwrap()
        }
    };
    let norte = create("Norte", None).await;
    let norte1 = create("Norte 1", Some(norte)).await;
    for parent in [norte1, norte] {
        let r = w
            .call(
                "PATCH",
                &format!("/api/v1/departments/{norte}"),
                &adm,
                Some(json!({"parent_id": parent})),
            )
            .await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "department_cycle"),
            "{}",
            r.body
        );
    }
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/departments/{norte1}"),
            &adm,
            Some(json!({"name": "Norte Um", "access": "all"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"id": norte1, "name": "Norte Um", "parent_id": norte, "access": "all", "is_default": false})
    );
    let del = |id: i64| {
        let adm = adm.clone();
        let w = &w;
        async move {
            w.call("DELETE", &format!("/api/v1/departments/{id}"), &adm, None)
                .await
        }
    };
    // A department a channel lands in (and nothing else).
    let landing = create("Entrada do site", None).await;
    let mut tx = w.store.directory().begin_admin(w.a).await.unwrap();
    tx.create_channel(
        store::ChannelKind::Generic,
        &store::ChannelWrite {
            name: "Site",
            department: Some(access::DepartmentId(landing)),
            active: true,
            ..store::ChannelWrite::default()
        },
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Each refusal has its own code; the web says it in the user's language.
    for (id, why, code) in [
        (norte, "child", "department_has_children"),
        (fin, "conversations", "department_has_conversations"),
        (w.geral.0, "default", "default_department"),
        (landing, "channel", "department_has_channels"),
    ] {
        let r = del(id).await;
        assert_eq!((r.status, r.code().as_str()), (409, code), "{why}");
        assert!(r.body.contains(why), "{why}: {}", r.body);
    }
    let r = w
        .call(
            "PATCH",
            &format!("/api/v1/departments/{norte1}"),
            &adm,
            Some(json!({"parent_id": null})),
        )
        .await;
    assert_eq!(r.json()["parent_id"], Value::Null);
    assert_eq!(del(norte).await.status, 204);
    assert_eq!(del(norte1).await.status, 204);
    assert_eq!(del(norte1).await.status, 404);

    // Settings: the admin holds settings.company.
    let mut s = settings.clone();
    s["satisfaction_survey"] = json!(true);
    let r = w
        .call("PUT", "/api/v1/settings", &adm, Some(s.clone()))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        w.get(&ana, "/api/v1/settings").await.json()["satisfaction_survey"],
        true
    );
    s["shared_inbox"] = json!("yes");
    let r = w.call("PUT", "/api/v1/settings", &adm, Some(s)).await;
    assert_eq!(r.status, 400, "{}", r.body);

    // Presets need account.manage; zenvia without the shared inbox sets every department to
    // access `agent`.
    let zenvia = json!({"shared_inbox": false, "assignment": "manual"});
    let r = w
        .call("POST", "/api/v1/presets/zenvia", &adm, Some(zenvia.clone()))
        .await;
    assert_denied(&r, 403, "account.manage");
    let r = w
        .call(
            "POST",
            "/api/v1/presets/zenvia",
            &dona,
            Some(json!({"shared_inbox": false})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = w
        .call("POST", "/api/v1/presets/nenhum", &dona, Some(json!({})))
        .await;
    assert_eq!(r.status, 404);
    let r = w
        .call("POST", "/api/v1/presets/zenvia", &dona, Some(zenvia))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["preset"], "zenvia");
    let departments = w.get(&ana, "/api/v1/departments").await.json();
    assert!(
        departments
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["access"] == "agent"),
        "{departments}"
    );
    let s = w.get(&ana, "/api/v1/settings").await.json();
    assert_eq!(
        (&s["shared_inbox"], &s["assignment"], &s["waiting_queue"]),
        (&json!(false), &json!("manual"), &json!("members"))
    );
    // opa creates its two permission groups, with their networks.
    let r = w
        .call(
            "POST",
            "/api/v1/presets/opa",
            &dona,
            Some(json!({"allowed_networks": ["10.0.0.0/8"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["roles_created"].as_array().unwrap().len(), 2);
    let roles = w.get(&dona, "/api/v1/roles").await.json();
    let opa = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Atendente (departamento)")
        .unwrap();
    assert_eq!(opa["allowed_networks"], json!(["10.0.0.0/8"]));

    // Deleting a role removes its bindings and ends the sessions of its users.
    let r = w
        .call("DELETE", &format!("/api/v1/roles/{fin_role}"), &dona, None)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(w.get(&caio_c, "/api/v1/me").await.status, 401);
    let users = w.get(&dona, "/api/v1/users").await.json();
    let caio_now = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == caio)
        .unwrap();
    assert_eq!(caio_now["roles"], json!([]));

    // The audit log: every change and every refused attempt, newest first, with actor, target,
    // result and address; never a password or its hash.
    let page = w.get(&dona, "/api/v1/audit?limit=200").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("argon2"), "no hash in the log");
    for secret in ["temporaria-1", "nova-senha-1", "redefinida-1", "tomada-123"] {
        assert!(!page.body.contains(secret), "no password in the log");
    }
    let log = page.json();
    let items = log["items"].as_array().unwrap();
    let row_ids: Vec<i64> = items.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(row_ids.windows(2).all(|p| p[0] > p[1]), "newest first");
    assert!(
        items.iter().all(|e| e["address"] == w.far.as_str()),
        "every row has the client address"
    );
    let has = |actor: UserId, action: &str, target: &str, result: &str| {
        items.iter().any(|e| {
            e["actor_id"] == actor.0
                && e["action"] == action
                && e["target"] == target
                && e["result"].as_str().unwrap().starts_with(result)
        })
    };
    let dept = |id: i64| format!("department#{id}");
    let user = |id: i64| format!("user#{id}");
    let role = |id: i64| format!("role#{id}");
    let caio_user = UserId(caio);
    let expected: Vec<(UserId, &str, String, &str)> = vec![
        (w.adm, "department.create", dept(fin), "ok"),
        (w.dona, "role.create", role(fin_role), "ok"),
        (w.adm, "user.create", user(caio), "ok"),
        (w.dona, "role.update", role(fin_role), "ok"),
        (w.adm, "user.update", user(w.dona.0), "denied: escalation"),
        (
            w.adm,
            "user.password.reset",
            user(w.dona.0),
            "denied: escalation",
        ),
        (w.adm, "role.create", "role".into(), "denied: roles.manage"),
        (w.adm, "user.update", user(caio), "denied: escalation"),
        (
            w.dona,
            "role.update",
            role(admin_role),
            "denied: builtin_role",
        ),
        (w.dona, "user.update", user(caio), "ok"),
        (
            w.dona,
            "user.update",
            user(w.dona.0),
            "denied: last_account_manager",
        ),
        (
            w.ana,
            "department.create",
            "department".into(),
            "denied: departments.manage",
        ),
        (w.ana, "user.update", user(w.leo.0), "denied: users.manage"),
        (
            w.ana,
            "settings.update",
            w.a.to_string(),
            "denied: settings.company",
        ),
        (w.ana, "user.list", "users".into(), "denied: users.manage"),
        (
            w.ana,
            "role.list",
            "roles".into(),
            "denied: users.manage, roles.manage",
        ),
        (w.ana, "audit.list", "audit".into(), "denied: audit.view"),
        (
            w.ana,
            "preset.apply",
            "preset#zenvia".into(),
            "denied: account.manage",
        ),
        (
            w.dona,
            "user.update",
            user(w.b_user.0),
            "denied: target_not_found",
        ),
        (
            w.dona,
            "user.update",
            user(987_654_321),
            "denied: target_not_found",
        ),
        (
            w.dona,
            "department.update",
            dept(w.b_dept.0),
            "denied: target_not_found",
        ),
        (
            w.dona,
            "role.delete",
            role(w.b_role.0),
            "denied: target_not_found",
        ),
        (w.adm, "user.update", user(w.leo.0), "ok"),
        (w.adm, "user.password.reset", user(w.ana.0), "ok"),
        (caio_user, "user.password.change", user(caio), "ok"),
        (
            caio_user,
            "user.password.change",
            user(caio),
            "denied: current_password_required",
        ),
        (w.adm, "department.update", dept(norte1), "ok"),
        (w.adm, "department.delete", dept(norte), "ok"),
        (w.adm, "settings.update", w.a.to_string(), "ok"),
        (
            w.adm,
            "preset.apply",
            "preset#zenvia".into(),
            "denied: account.manage",
        ),
        (w.dona, "preset.apply", "preset#zenvia".into(), "ok"),
        (w.dona, "preset.apply", "preset#opa".into(), "ok"),
        (w.dona, "role.delete", role(fin_role), "ok"),
    ];
    for (actor, action, target, result) in &expected {
        assert!(
            has(*actor, action, target, result),
            "missing audit row: {actor} {action} {target} {result}"
        );
    }
    // The admin's refusal on the owner says why.
    let refused = items
        .iter()
        .find(|e| e["actor_id"] == w.adm.0 && e["target"] == user(w.dona.0).as_str())
        .unwrap();
    assert!(
        refused["result"].as_str().unwrap().contains("escalation"),
        "{refused}"
    );
    // A change carries before and after.
    let renamed = items
        .iter()
        .find(|e| {
            e["action"] == "department.update"
                && e["target"] == dept(norte1).as_str()
                && e["result"] == "ok"
                && e["before"]["name"] == "Norte 1"
        })
        .unwrap();
    assert_eq!(renamed["after"]["name"], "Norte Um");
    assert_eq!(renamed["after"]["access"], "all");
    assert_eq!(renamed["before"]["access"], "team");
    let zen = items
        .iter()
        .find(|e| {
            e["action"] == "preset.apply" && e["result"] == "ok" && e["target"] == "preset#zenvia"
        })
        .unwrap();
    assert_eq!(zen["before"]["settings"]["satisfaction_survey"], true);
    assert!(
        zen["after"]["departments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["access"] == "agent")
    );

    // Keyset pages.
    let first = w.get(&dona, "/api/v1/audit?limit=2").await.json();
    let before = first["next_before"].as_i64().unwrap();
    let second = w
        .get(&dona, &format!("/api/v1/audit?limit=2&before={before}"))
        .await
        .json();
    assert_eq!(ids(&first), row_ids[..2].to_vec());
    assert_eq!(ids(&second), row_ids[2..4].to_vec());
    assert_eq!(
        w.get(&dona, "/api/v1/audit?limit=0").await.code(),
        "bad_limit"
    );

    // Two owners deactivate themselves at the same moment: administrative transactions of an
    // account are serialised and decided on the account as it is, so one of them stays.
    let r = w
        .call(
            "POST",
            "/api/v1/users",
            &dona,
            Some(
                json!({"email": w.email("dono2"), "name": "Dono 2", "password": "temporaria-2",
                        "roles": [{"role_id": w.owner_role.0}]}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let dono2_id = r.json()["id"].as_i64().unwrap();
    let dono2 = w.login(&w.email("dono2"), "temporaria-2").await;
    let r = w
        .call(
            "POST",
            "/api/v1/me/password",
            &dono2,
            Some(json!({"current_password": "temporaria-2", "new_password": "definitiva-2"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let off = json!({"active": false});
    let (path_a, path_b) = (
        format!("/api/v1/users/{}", w.dona.0),
        format!("/api/v1/users/{dono2_id}"),
    );
    let (a, b) = tokio::join!(
        w.call("PATCH", &path_a, &dona, Some(off.clone())),
        w.call("PATCH", &path_b, &dono2, Some(off.clone())),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 403], "{} / {}", a.body, b.body);
    let refused = if a.status == 403 { &a } else { &b };
    assert_denied(refused, 403, "last_account_manager");
    let account = w.store.directory().account(w.a).await.unwrap();
    assert_eq!(account.account_managers(), 1);
    let owner = if a.status == 403 { dona } else { dono2 };

    // oklac: custom roles go, administrators become owners (each an owner's decision).
    let r = w.call("POST", "/api/v1/presets/oklac", &owner, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let result = r.json();
    assert_eq!(result["roles_removed"].as_array().unwrap().len(), 2);
    assert!(
        result["users_rebound"]
            .as_array()
            .unwrap()
            .contains(&json!(w.adm.0)),
        "{result}"
    );
    assert_eq!(
        w.get(&adm, "/api/v1/me").await.status,
        401,
        "rebound: session ended"
    );
    let adm = w.login(&w.email("adm"), PASSWORD).await;
    let me = w.get(&adm, "/api/v1/me").await.json();
    assert!(
        me["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("account.manage")),
        "{me}"
    );
    let roles = w.get(&adm, "/api/v1/roles").await.json();
    assert!(
        roles
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["builtin"] == true)
    );
}
