//! The address book over real HTTP: one contact per phone written in any format, search in
//! any format, `contact_visible` for an agent (the contacts of the conversations whose details
//! she sees; any other contact answers exactly like one that does not exist), edits, merges,
//! history, the CSV import (preview with each row's errors, all or nothing) and export
//! (streamed, audited, `contacts.view` only), and erasure with the files of its conversations.

use serde_json::{Value, json};

use crate::common::request_bytes;

use super::media::{PHOTO, login};
use super::*;

async fn call(
    w: &World,
    cookie: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> common::Response {
    let body = body.map(|b| b.to_string());
    request(
        w.addr,
        method,
        path,
        &[("Cookie", cookie), ("Content-Type", "application/json")],
        body.as_deref(),
    )
    .await
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn csv(w: &World, cookie: &str, commit: bool, text: &str) -> common::Response {
    let path = format!("/api/v1/contacts/import?commit={commit}");
    request_bytes(
        w.addr,
        "POST",
        &path,
        &[("Cookie", cookie), ("Content-Type", "text/csv")],
        Some(text.as_bytes()),
    )
    .await
}

#[expect(clippy::too_many_lines, reason = "one story, told in order")]
pub async fn contacts_story(w: World) {
    let (dona, ana) = (
        login(&w, w.addr, "dona").await,
        login(&w, w.addr, "ana").await,
    );
    let tag = &w.tag;
    // A phone made of the run's tag, so PostgreSQL's earlier runs never hold it.
    let digits: String = {
        let d: String = tag.chars().filter(char::is_ascii_digit).collect();
        // A mobile line: eight digits starting 8 (with the ninth digit, 98…).
        format!("8{:0>7}", d.chars().rev().take(7).collect::<String>())
    };
    let written = format!("(85) 9{}-{}", &digits[..4], &digits[4..]);
    let e164 = format!("+55859{digits}");

    // Create, with the phone as people write it: stored in E.164, shown formatted.
    let maria = call(
        &w,
        &dona,
        "POST",
        "/api/v1/contacts",
        Some(json!({
        "name": format!("Maria Souza {tag}"), "phone": written, "email": "maria@example.com",
        "attributes": {"cpf": "123"}, "tags": ["vip"]})),
    )
    .await;
    assert_eq!(maria.status, 201, "{}", maria.body);
    let maria = maria.json();
    assert_eq!(maria["phone"], e164.as_str());
    assert_eq!(
        maria["phone_display"],
        format!("+55 85 9{}-{}", &digits[..4], &digits[4..])
    );
    assert_eq!(maria["tags"], json!(["vip"]));
    let id = maria["id"].as_i64().unwrap();
    // The same line without its ninth digit is the same person.
    let again = call(
        &w,
        &dona,
        "POST",
        "/api/v1/contacts",
        Some(json!({
        "name": "Outra", "phone": format!("+55 85 {}-{}", &digits[..4], &digits[4..])})),
    )
    .await;
    assert_eq!(
        (again.status, again.code()),
        (409, "phone_taken".into()),
        "{}",
        again.body
    );
    for (body, code) in [
        (json!({"name": "X", "phone": "abc"}), "bad_phone"),
        (json!({"name": " "}), "bad_contact_name"),
        (json!({"name": "X", "email": "maria@"}), "bad_email"),
        (json!({"name": "X", "tags": ["não-existe"]}), "unknown_tag"),
    ] {
        let r = call(&w, &dona, "POST", "/api/v1/contacts", Some(body)).await;
        assert_eq!((r.status, r.code()), (400, code.into()), "{}", r.body);
    }
    let r = call(
        &w,
        &ana,
        "POST",
        "/api/v1/contacts",
        Some(json!({"name": "X"})),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // Search: the name without accents or case, the email, the phone in any format.
    for q in [
        format!("maria souza {tag}"),
        "MARIA@EXAMPLE".into(),
        written.clone(),
        digits[2..].to_owned(),
    ] {
        let r = call(
            &w,
            &dona,
            "GET",
            &format!("/api/v1/contacts?q={}", urlencode(&q)),
            None,
        )
        .await;
        assert_eq!(names(&r.json()), [format!("Maria Souza {tag}")], "{q}");
    }

    // The agent sees only the contacts of conversations whose details she sees; any other is
    // "not found", answered like an id that does not exist.
    let page = call(&w, &ana, "GET", "/api/v1/contacts", None).await.json();
    assert_eq!(names(&page), ["Cliente Um"]);
    let cliente = page["items"][0]["id"].as_i64().unwrap();
    let hidden = call(&w, &ana, "GET", &format!("/api/v1/contacts/{id}"), None).await;
    let missing = call(&w, &ana, "GET", "/api/v1/contacts/999999999", None).await;
    assert_eq!(
        (hidden.status, &hidden.body),
        (missing.status, &missing.body)
    );
    assert_eq!(hidden.status, 404);
    for path in [format!("/api/v1/contacts/{id}/conversations")] {
        assert_eq!(call(&w, &ana, "GET", &path, None).await.status, 404);
    }
    let r = call(
        &w,
        &ana,
        "GET",
        &format!("/api/v1/contacts/{cliente}/conversations"),
        None,
    )
    .await;
    let seen: Vec<i64> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, [w.w_vendas]);
    let r = call(
        &w,
        &ana,
        "PUT",
        &format!("/api/v1/contacts/{cliente}"),
        Some(json!({"name": "Y"})),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(
        call(
            &w,
            &ana,
            "DELETE",
            &format!("/api/v1/contacts/{cliente}"),
            None
        )
        .await
        .status,
        403
    );
    assert_eq!(
        call(&w, &ana, "GET", "/api/v1/contacts/export", None)
            .await
            .status,
        403
    );

    // Edit, merge, history.
    let r = call(&w, &dona, "PUT", &format!("/api/v1/contacts/{id}"), Some(json!({
        "name": format!("Maria S. {tag}"), "phone": e164, "attributes": {"cpf": "123", "plano": "ouro"}, "tags": ["vip"]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["email"], Value::Null);
    let dup = call(
        &w,
        &dona,
        "POST",
        "/api/v1/contacts",
        Some(json!({"name": "Maria (dup)", "email": "m2@example.com", "tags": ["urgente"]})),
    )
    .await
    .json()["id"]
        .as_i64()
        .unwrap();
    let r = call(
        &w,
        &dona,
        "POST",
        &format!("/api/v1/contacts/{id}/merge"),
        Some(json!({"from": dup})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["email"], "m2@example.com");
    assert_eq!(r.json()["tags"], json!(["urgente", "vip"]));
    assert_eq!(
        call(&w, &dona, "GET", &format!("/api/v1/contacts/{dup}"), None)
            .await
            .status,
        404
    );
    let r = call(
        &w,
        &dona,
        "POST",
        &format!("/api/v1/conversations/{}/link_contact", w.w_suporte),
        Some(json!({"contact_id": id})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(
        &w,
        &dona,
        "GET",
        &format!("/api/v1/contacts/{id}/conversations"),
        None,
    )
    .await;
    assert_eq!(r.json()[0]["id"], w.w_suporte);
    // Suporte is not ana's: Maria stays hidden from her.
    assert_eq!(
        call(&w, &ana, "GET", &format!("/api/v1/contacts/{id}"), None)
            .await
            .status,
        404
    );

    // Import: a preview with each row's errors; with errors, nothing is imported.
    let bad = format!(
        "nome;telefone;email;etiquetas\nAna Import {tag};(11) 98888-{};;vip\nErrada;abc;;\n",
        &digits[..4]
    );
    let r = csv(&w, &dona, false, &bad).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let report = r.json();
    assert_eq!(
        (report["rows"].as_u64(), report["valid"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(report["errors"][0]["line"], 3);
    assert_eq!(report["errors"][0]["code"], "bad_phone");
    assert_eq!(
        report["preview"][0]["phone_display"],
        format!("+55 11 98888-{}", &digits[..4])
    );
    let r = csv(&w, &dona, true, &bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["committed"], false);
    let q = format!("/api/v1/contacts?q=ana%20import%20{tag}");
    assert!(names(&call(&w, &dona, "GET", &q, None).await.json()).is_empty());
    let good = bad.lines().take(2).collect::<Vec<_>>().join("\n");
    let r = csv(&w, &dona, true, &good).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            r.json()["created"].as_u64(),
            r.json()["committed"].as_bool()
        ),
        (Some(1), Some(true))
    );
    assert_eq!(
        names(&call(&w, &dona, "GET", &q, None).await.json()),
        [format!("Ana Import {tag}")]
    );
    assert_eq!(csv(&w, &ana, false, &good).await.status, 403);

    // Export: CSV, every contact, formulas neutralised, audited.
    let r = call(&w, &dona, "GET", "/api/v1/contacts/export", None).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    assert!(
        r.body
            .starts_with("name,phone,email,tags,attributes,created_at\n"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(&format!(
            "Maria S. {tag},'{e164},m2@example.com,urgente;vip,"
        )),
        "{}",
        r.body
    );
    let audit = call(&w, &dona, "GET", "/api/v1/audit?limit=5", None)
        .await
        .json();
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["action"] == "contact.export"),
        "{audit}"
    );

    // Erase: the contact, the text and the files of its conversations.
    let note = request_bytes(
        w.addr,
        "POST",
        &format!(
            "/api/v1/conversations/{}/files?mode=note&name=foto.jpg",
            w.w_suporte
        ),
        &[("Cookie", &dona), ("Content-Type", "image/jpeg")],
        Some(PHOTO),
    )
    .await;
    assert_eq!(note.status, 201, "{}", note.body);
    let file = note.json()["attachments"][0]["id"].as_i64().unwrap();
    let url = format!("/api/v1/attachments/{file}");
    assert_eq!(call(&w, &dona, "GET", &url, None).await.status, 200);
    assert_eq!(
        call(&w, &dona, "DELETE", &format!("/api/v1/contacts/{id}"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        call(&w, &dona, "GET", &format!("/api/v1/contacts/{id}"), None)
            .await
            .status,
        404
    );
    assert_eq!(call(&w, &dona, "GET", &url, None).await.status, 404);
    let msgs = call(
        &w,
        &dona,
        "GET",
        &format!("/api/v1/conversations/{}/messages", w.w_suporte),
        None,
    )
    .await
    .json();
    let items = msgs.as_array().unwrap();
    assert!(
        !items.is_empty()
            && items
                .iter()
                .all(|m| m["body"] == "" && m["attachments"].as_array().is_none_or(Vec::is_empty)),
        "{msgs}"
    );
    // A generic channel's contact (its key is not a phone) is edited with its key unchanged.
    let key = format!("visitor-{tag}");
    let visitor = w
        .store
        .inbox()
        .create_contact(w.a, "Visitante", Some(&key), None, 0)
        .await
        .unwrap();
    let r = call(
        &w,
        &dona,
        "PUT",
        &format!("/api/v1/contacts/{visitor}"),
        Some(json!({"name": "Visitante do site", "phone": key})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            r.json()["phone"].as_str(),
            r.json()["phone_display"].as_str()
        ),
        (Some(key.as_str()), Some(key.as_str()))
    );
    // The phone is free again.
    let r = call(
        &w,
        &dona,
        "POST",
        "/api/v1/contacts",
        Some(json!({"name": "Nova", "phone": e164})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
