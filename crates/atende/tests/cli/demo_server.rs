//! The demo server, end to end.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// One HTTP/1.1 request on its own connection: (status, headers and body as text).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    (status, text)
}

struct Server(std::process::Child);
impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// `atende serve --demo`: a recorded WhatsApp payload posted to the demo channel's webhook
/// reaches, live, exactly the demo users the engine lets see the new conversation (the same
/// ones to whom `GET /api/v1/conversations/{id}` answers 200), and nobody else; a bad
/// signature stores nothing.
#[test]
fn recorded_whatsapp_payload_reaches_exactly_the_users_who_may_see_it() {
    let dir = super::TempDir::new("demo-server");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_atende"))
        .args([
            "serve",
            "--demo",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--listen",
            &addr.to_string(),
        ])
        .env("ATENDE_ALLOW_WEAK_DURABILITY", "true")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    // The demo prints its logins and the channel's webhook.
    let mut emails = Vec::new();
    let mut channel = None;
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        // Every demo login but the inactive one, who cannot log in.
        if let Some(email) = line
            .split_whitespace()
            .next()
            .filter(|w| w.ends_with("@demo.example") && !line.contains("inactive"))
        {
            emails.push(email.to_owned());
        }
        if let Some(rest) = line.split("/webhooks/whatsapp/").nth(1) {
            channel = Some(rest.split_whitespace().next().unwrap().to_owned());
            break;
        }
    }
    // Keep reading what the server prints, so that it never writes to a closed pipe.
    std::thread::spawn(move || for _ in lines {});
    let channel = channel.expect("the demo printed its WhatsApp channel");
    assert!(emails.len() >= 5, "{emails:?}");
    let started = Instant::now();
    while http_ok(addr).is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server never became ready"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Every demo user logs in and opens their event stream.
    let mut streams = Vec::new();
    for email in &emails {
        let body = format!(r#"{{"email":"{email}","password":"demo"}}"#);
        let (status, text) = http(addr, "POST", "/api/v1/auth/login", &[], &body);
        assert_eq!(status, 200, "{text}");
        let cookie = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("set-cookie: ")
                    .or_else(|| l.strip_prefix("Set-Cookie: "))
            })
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(
            format!("GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
        s.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        streams.push((email.clone(), cookie, s, String::new()));
    }
    let read_all = |streams: &mut Vec<(String, String, TcpStream, String)>, wait: Duration| {
        let until = Instant::now() + wait;
        while Instant::now() < until {
            for (_, _, s, seen) in streams.iter_mut() {
                let mut buf = [0u8; 65536];
                if let Ok(n) = s.read(&mut buf) {
                    seen.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        }
    };
    read_all(&mut streams, Duration::from_millis(500));
    let payload = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../server/tests/fixtures/whatsapp/text.json"),
    )
    .unwrap();
    let path = format!("/webhooks/whatsapp/{channel}");
    let bad = server::channels::whatsapp::sign("not-the-secret", payload.as_bytes());
    let (status, _) = http(
        addr,
        "POST",
        &path,
        &[("X-Hub-Signature-256", &bad)],
        &payload,
    );
    assert_eq!(status, 401);
    let good = server::channels::whatsapp::sign("demo-app-secret", payload.as_bytes());
    let (status, text) = http(
        addr,
        "POST",
        &path,
        &[("X-Hub-Signature-256", &good)],
        &payload,
    );
    assert_eq!(status, 200, "{text}");
    read_all(&mut streams, Duration::from_millis(1500));
    // Who may see the conversation, by the API (the engine), against who was told.
    let marker = "Meu pedido #4821";
    let mut conversation = None;
    for (_, _, _, seen) in &streams {
        if let Some(i) = seen.find(marker) {
            let before = &seen[..i];
            let id = before.rsplit("\"conversation_id\":").next().unwrap();
            conversation = Some(
                id.split(|c: char| !c.is_ascii_digit())
                    .next()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    let conversation = conversation.expect("somebody was told");
    let (mut told, mut may) = (Vec::new(), Vec::new());
    for (email, cookie, _, seen) in &streams {
        let (status, _) = http(
            addr,
            "GET",
            &format!("/api/v1/conversations/{conversation}"),
            &[("Cookie", cookie)],
            "",
        );
        if status == 200 {
            may.push(email.clone());
        }
        if seen.contains(&format!("\"id\":{conversation},")) || seen.contains(marker) {
            told.push(email.clone());
        }
    }
    assert_eq!(told, may, "told of the conversation vs allowed to see it");
    assert!(
        !may.is_empty() && may.len() < emails.len(),
        "{may:?} of {emails:?}"
    );
}

fn http_ok(addr: SocketAddr) -> Option<()> {
    let s = TcpStream::connect(addr).ok()?;
    drop(s);
    (http(addr, "GET", "/healthz", &[], "").0 == 200).then_some(())
}
