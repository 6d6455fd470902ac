//! Random worlds: every read path of every logged-in user equals the engine's decision.

use super::*;

/// Every read path of every logged-in user equals the engine's decision.
pub(super) async fn check_reads(w: &Rand) {
    let all = w.conversations().await;
    let Some(anyone) = w.sessions.values().next() else {
        return;
    };
    let missing = w
        .call(anyone, "GET", "/api/v1/conversations/987654321", None)
        .await;
    assert_eq!(missing["status"], 404);
    let no_file = request(
        w.addr,
        "GET",
        "/api/v1/attachments/987654321",
        &[("Cookie", anyone)],
        None,
    )
    .await;
    assert_eq!(no_file.status, 404);
    for (&u, cookie) in &w.sessions {
        let p = w.principal(u).await;
        let counts = w
            .call(cookie, "GET", "/api/v1/conversations/counts", None)
            .await;
        for &tab in Tab::ALL {
            let plan = p.plan(tab);
            let mut expected: Vec<&(Conversation, i64)> =
                all.iter().filter(|(c, _)| plan.matches(c)).collect();
            expected.sort_by_key(|(c, at)| std::cmp::Reverse((*at, c.id.0)));
            let expected: Vec<i64> = expected.iter().map(|(c, _)| c.id.0).collect();
            let listed = list_all(w, cookie, &format!("tab={}", tab.id())).await;
            let ids: Vec<i64> = listed.iter().map(|c| c["id"].as_i64().unwrap()).collect();
            assert_eq!(ids, expected, "{u:?} tab {tab}");
            assert_eq!(
                counts["body"][tab.id()].as_u64(),
                Some(expected.len() as u64),
                "{u:?} count of {tab}: {counts}"
            );
            for item in &listed {
                let c = all
                    .iter()
                    .find(|(c, _)| c.id.0 == item["id"].as_i64().unwrap())
                    .unwrap()
                    .0;
                let shown = p.details_visible(&c);
                assert_eq!(item["details_hidden"], json!(!shown), "{u:?} {item}");
                assert_eq!(item["contact"].is_object(), shown, "{u:?} {item}");
            }
            // Search by contact: within the conversations whose details the user sees.
            let name = NAMES[(u.0 as usize) % NAMES.len()];
            let details = p.details_plan(tab);
            let mut found: Vec<i64> = all
                .iter()
                .filter(|(c, _)| details.matches(c) && w.contact_of[&c.id].contains(name))
                .map(|(c, _)| c.id.0)
                .collect();
            found.sort_unstable();
            let mut got: Vec<i64> = list_all(w, cookie, &format!("tab={}&q={name}", tab.id()))
                .await
                .iter()
                .map(|c| c["id"].as_i64().unwrap())
                .collect();
            got.sort_unstable();
            assert_eq!(got, found, "{u:?} searches {name} in {tab}");
            // A department filter narrows, never widens.
            let d = w.depts[(u.0 as usize) % w.depts.len()];
            let mut within: Vec<i64> = all
                .iter()
                .filter(|(c, _)| plan.matches(c) && c.department == d)
                .map(|(c, _)| c.id.0)
                .collect();
            within.sort_unstable();
            let mut got: Vec<i64> =
                list_all(w, cookie, &format!("tab={}&department={}", tab.id(), d.0))
                    .await
                    .iter()
                    .map(|c| c["id"].as_i64().unwrap())
                    .collect();
            got.sort_unstable();
            assert_eq!(got, within, "{u:?} filters {tab} by {d:?}");
        }
        for (c, _) in &all {
            let detail = w
                .call(
                    cookie,
                    "GET",
                    &format!("/api/v1/conversations/{}", c.id.0),
                    None,
                )
                .await;
            let messages = w
                .call(
                    cookie,
                    "GET",
                    &format!("/api/v1/conversations/{}/messages", c.id.0),
                    None,
                )
                .await;
            if p.visible(c) {
                assert_eq!(detail["status"], 200, "{u:?} {c:?} {detail}");
                let shown = p.details_visible(c);
                assert_eq!(detail["body"]["details_hidden"], json!(!shown), "{detail}");
                let may = p.decide(c, Action::ViewDetails).is_allowed();
                assert_eq!(
                    messages["status"],
                    if may { 200 } else { 403 },
                    "{messages}"
                );
                if may {
                    assert!(
                        !messages["body"].as_array().unwrap().is_empty(),
                        "{messages}"
                    );
                }
            } else {
                assert_eq!(detail["status"], 404, "{u:?} {c:?} {detail}");
                assert_eq!(detail["body"], missing["body"]);
                assert_eq!(messages["status"], 404, "{u:?} {c:?}");
            }
        }
        // A file: exactly where its conversation's details are visible, else as a file that
        // does not exist.
        for (id, conversation, bytes) in &w.files {
            let (c, _) = all.iter().find(|(c, _)| c.id == *conversation).unwrap();
            let r = request(
                w.addr,
                "GET",
                &format!("/api/v1/attachments/{id}"),
                &[("Cookie", cookie)],
                None,
            )
            .await;
            if p.details_visible(c) {
                assert_eq!(r.status, 200, "{u:?} reads file {id} of {c:?}: {}", r.body);
                assert!(r.raw == *bytes, "{u:?} reads file {id}: other bytes");
            } else {
                assert_eq!(
                    (r.status, &r.body),
                    (404, &no_file.body),
                    "{u:?} reads file {id} of {c:?}"
                );
            }
        }
        for c in &w.foreign {
            let detail = w
                .call(
                    cookie,
                    "GET",
                    &format!("/api/v1/conversations/{}", c.0),
                    None,
                )
                .await;
            assert_eq!(detail, missing, "{u:?} reads another account's {c:?}");
        }
        super::contacts::check_contacts(w, u, &p, cookie).await;
    }
}

/// Every page of a listing, small pages so that cursors are exercised.
pub(super) async fn list_all(w: &Rand, cookie: &str, query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/conversations?{query}&limit=5&cursor={c}"),
            None => format!("/api/v1/conversations?{query}&limit=5"),
        };
        let page = w.call(cookie, "GET", &path, None).await;
        assert_eq!(page["status"], 200, "{path}: {page}");
        items.extend(page["body"]["items"].as_array().unwrap().iter().cloned());
        match page["body"]["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
    panic!("{query}: more than 100 pages");
}
