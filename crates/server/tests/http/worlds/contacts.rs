//! Random worlds: the contacts a user lists (every page) and opens are exactly those the
//! in-memory engine's `contact_visible` allows; any other answers like a contact that does not
//! exist.

use super::*;

/// The contacts list and profiles of user `u` (principal `p`, session `cookie`).
pub(super) async fn check_contacts(w: &Rand, u: UserId, p: &Principal, cookie: &str) {
    let missing = w
        .call(cookie, "GET", "/api/v1/contacts/987654321", None)
        .await;
    assert_eq!(missing["status"], 404);
    let mut expected = Vec::new();
    for &k in &w.contacts {
        let conversations = w
            .store
            .inbox()
            .contact_conversations(w.account, k)
            .await
            .unwrap()
            .unwrap();
        let visible = p.contact_visible(&conversations);
        if visible {
            expected.push(k);
        }
        let profile = w
            .call(cookie, "GET", &format!("/api/v1/contacts/{k}"), None)
            .await;
        if visible {
            assert_eq!(profile["status"], 200, "{u:?} opens contact {k}: {profile}");
        } else {
            assert_eq!(profile, missing, "{u:?} opens contact {k}");
        }
    }
    expected.sort_unstable();
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/contacts?limit=2&cursor={c}"),
            None => "/api/v1/contacts?limit=2".to_owned(),
        };
        let page = w.call(cookie, "GET", &path, None).await;
        assert_eq!(page["status"], 200, "{path}: {page}");
        for c in page["body"]["items"].as_array().unwrap() {
            listed.push(c["id"].as_i64().unwrap());
        }
        match page["body"]["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    listed.sort_unstable();
    assert_eq!(listed, expected, "{u:?} lists contacts");
}
