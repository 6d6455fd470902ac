//! Where the OpenAPI-driven fuzz run (schemathesis, docs/security.md "Fuzzing") found the
//! server and its document disagreeing: a path id that cannot be an id (not a number, out of
//! range) is 404 byte for byte like an id that does not exist, never axum's plain-text 400; a
//! bad query is a JSON 400 `bad_query`; a body that is not JSON is a JSON 415; and the document
//! declares every path parameter, a 404 for every operation taking one, 400, 413 and 415 for
//! every operation taking a body, and 401 and 403 (`password_change_required`) for every
//! operation that needs a session.

use super::*;

async fn send(w: &World, cookie: &str, method: &str, path: &str, body: Option<&str>) -> Response {
    request(w.addr, method, path, &[("Cookie", cookie)], body).await
}

pub(super) async fn malformed_story(w: World) {
    let dona = login(&w, "dona").await;
    let missing = i64::MAX;
    let cases: [(&str, &str, Option<&str>); 8] = [
        ("GET", "/api/v1/conversations/{}", None),
        ("GET", "/api/v1/conversations/{}/messages", None),
        (
            "POST",
            "/api/v1/conversations/{}/reply",
            Some(r#"{"text":"oi"}"#),
        ),
        ("PATCH", "/api/v1/channels/{}", Some(r#"{"name":"x"}"#)),
        ("DELETE", "/api/v1/roles/{}", None),
        ("PUT", "/api/v1/users/{}/routing", Some(r#"{"max_open":1}"#)),
        ("GET", "/api/v1/webhooks/{}/deliveries", None),
        (
            "GET",
            "/webhooks/whatsapp/{}?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1",
            None,
        ),
    ];
    for (method, path, body) in cases {
        let absent = send(
            &w,
            &dona,
            method,
            &path.replace("{}", &missing.to_string()),
            body,
        )
        .await;
        // A WhatsApp webhook answers an unknown channel as a wrong verify token (403): the id
        // alone tells an unauthenticated caller nothing.
        let expected = if path.starts_with("/webhooks/") {
            403
        } else {
            404
        };
        assert_eq!(absent.status, expected, "{method} {path}: {}", absent.body);
        for bad in ["abc", "9223372036854775808", "1.5", "-", "%00"] {
            let r = send(&w, &dona, method, &path.replace("{}", bad), body).await;
            assert_eq!(
                (r.status, &r.body),
                (absent.status, &absent.body),
                "{method} {path} with {bad:?}"
            );
            assert_eq!(r.header("content-type"), absent.header("content-type"));
        }
    }
    // A query that cannot be read: the API's JSON error, with a stable code.
    for path in [
        "/api/v1/conversations",
        "/api/v1/conversations?tab=waiting&limit=many",
        "/api/v1/audit?limit=-x",
    ] {
        let r = send(&w, &dona, "GET", path, None).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "bad_query".to_owned()),
            "{path}: {}",
            r.body
        );
        assert_eq!(r.header("content-type"), Some("application/json"), "{path}");
    }
    // A body that is not JSON.
    let text = common::request(
        w.addr,
        "POST",
        "/api/v1/roles",
        &[("Cookie", &dona), ("Content-Type", "text/plain")],
        None,
    )
    .await;
    assert_eq!(text.status, 415, "{}", text.body);
    assert_eq!(text.code(), "unsupported_media_type");
    // The document.
    let doc = send(&w, &dona, "GET", "/api/openapi.json", None)
        .await
        .json();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let params: Vec<(&str, &str)> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
                        .collect()
                })
                .unwrap_or_default();
            let responses = op["responses"].as_object().unwrap();
            for name in path
                .split('{')
                .skip(1)
                .map(|s| s.split('}').next().unwrap())
            {
                assert!(
                    params.contains(&(name, "path")),
                    "{method} {path}: path parameter {name} is not declared"
                );
            }
            if path.starts_with("/api/v1/") && path != "/api/v1/auth/login" {
                for status in ["401", "403"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path}: no {status}"
                    );
                }
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path}: no 404");
            }
            if params.iter().any(|(_, place)| *place == "query") {
                assert!(responses.contains_key("400"), "{method} {path}: no 400");
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path}: no {status}"
                    );
                }
            }
        }
    }
    assert!(operations > 50, "{operations}");
}
