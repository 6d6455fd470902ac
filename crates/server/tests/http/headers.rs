//! The headers of every answer (hardening round 2, finding 8b): every API answer, which carries
//! personal data, says `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`: lists of
//! conversations and users, one user's view, the login, an event stream, the OpenAPI document,
//! refusals and errors (404, 401, 400, 405). The WhatsApp handshake echoes `hub.challenge` as
//! `text/plain` with `nosniff` (a browser never reads it as a page) and `no-store`, and so do its
//! refusals. The web inbox keeps its own `no-cache`, with `nosniff`.

use serde_json::json;

use super::*;

fn hardened(what: &str, r: &Response) {
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}: {r:?}"
    );
    assert_eq!(r.header("cache-control"), Some("no-store"), "{what}: {r:?}");
}

pub(crate) async fn headers_story(w: World) {
    let dona = login(&w, "dona").await;
    let r = request(
        w.addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", &w.far)],
        Some(&json!({"email": w.email("ana"), "password": "senha-forte-1"}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    hardened("login", &r);
    let answers = [
        ("conversations", "/api/v1/conversations?tab=waiting", 200),
        (
            "conversation",
            &format!("/api/v1/conversations/{}", w.w_vendas),
            200,
        ),
        ("users", "/api/v1/users", 200),
        ("me", "/api/v1/me", 200),
        ("counts", "/api/v1/conversations/counts", 200),
        ("audit", "/api/v1/audit", 200),
        ("not found", "/api/v1/conversations/987654321", 404),
        ("bad input", "/api/v1/conversations?tab=nenhuma", 400),
        ("unknown route", "/api/v1/nada", 404),
        ("openapi", "/api/openapi.json", 200),
    ];
    for (what, path, status) in answers {
        let r = get(&w, &dona, path).await;
        assert_eq!(r.status, status, "{what}: {}", r.body);
        hardened(what, &r);
    }
    let r = request(w.addr, "GET", "/api/v1/users", &[], None).await;
    assert_eq!(r.status, 401);
    hardened("not logged in", &r);
    let r = request(
        w.addr,
        "DELETE",
        "/api/v1/users",
        &[("Cookie", &dona)],
        None,
    )
    .await;
    assert_eq!(r.status, 405);
    hardened("method not allowed", &r);
    let r = request(w.addr, "GET", "/nada", &[], None).await;
    assert_eq!(r.status, 404);
    hardened("outside the API", &r);
    // The event stream.
    let mut stream = tokio::net::TcpStream::connect(w.addr).await.unwrap();
    let head = format!(
        "GET /api/v1/events HTTP/1.1\r\nHost: atende\r\nAccept: text/event-stream\r\nCookie: {dona}\r\n\r\n"
    );
    tokio::io::AsyncWriteExt::write_all(&mut stream, head.as_bytes())
        .await
        .unwrap();
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let mut buf = [0u8; 1024];
        let n = tokio::io::AsyncReadExt::read(&mut stream, &mut buf)
            .await
            .unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&got).to_ascii_lowercase();
    assert!(
        head.contains("x-content-type-options: nosniff")
            && head.contains("cache-control: no-store"),
        "{head}"
    );

    // The WhatsApp handshake.
    // The Graph API's fake confirms that the token may use the number (finding 7b).
    let (graph_addr, graph) = super::channels::start_fake_on("127.0.0.1").await;
    let number = format!("2065{}", &w.tag[w.tag.len() - 11..]);
    graph.grant(&number, "EAAG-cabecalhos");
    let r = post(
        &w,
        &dona,
        "/api/v1/channels",
        json!({"kind": "whatsapp", "name": "WhatsApp", "department_id": w.vendas.0,
               "phone_number_id": number,
               "verify_token": "verifica-cabecalhos", "app_secret": "segredo",
               "access_token": "EAAG-cabecalhos",
               "graph_base_url": format!("http://{graph_addr}/v21.0")}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let channel = r.json()["id"].as_i64().unwrap();
    let challenge = "<script>alert(1)</script>";
    let path = |token: &str| {
        format!(
            "/webhooks/whatsapp/{channel}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        )
    };
    let r = request(w.addr, "GET", &path("verifica-cabecalhos"), &[], None).await;
    assert_eq!((r.status, r.body.as_str()), (200, challenge));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    hardened("handshake", &r);
    let r = request(w.addr, "GET", &path("outro"), &[], None).await;
    assert_eq!(r.status, 403);
    hardened("handshake refused", &r);

    // The web inbox: its own cache policy, nosniff as before.
    let page = request(w.addr, "GET", "/", &[], None).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("cache-control"), Some("no-cache"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_on_sqlite() {
    let (store, dir) = on_sqlite("headers").await;
    headers_story(start(store).await).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_on_postgres() {
    let Some(store) = on_postgres().await else {
        return;
    };
    headers_story(start(store).await).await;
}
