//! Tests of the log subscriber (`logging.rs`).

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower_service::Service;

use super::*;

/// Log output kept in memory.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> MakeWriter<'w> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'w self) -> Buffer {
        self.clone()
    }
}

fn filter(value: &str) -> LogFilter {
    LogFilter::parse(value, || Origin::Env("TEST")).unwrap()
}

/// A request with a token and a phone in its query string is logged as one JSON line with its
/// route template, status and span fields, and neither the token nor the phone.
#[tokio::test]
async fn json_request_lines_carry_the_route_and_no_secret() {
    const TOKEN: &str = "secret-token-0123456789abcdef0123456789";
    const PHONE: &str = "5511987654321";
    let buffer = Buffer::default();
    let _default = tracing::subscriber::set_default(subscriber(
        &filter("info,atende::request=debug"),
        LogFormat::Json,
        buffer.clone(),
    ));
    let store = store::Store::open_sqlite_memory().await.unwrap();
    store.migrate().await.unwrap();
    let clock: Arc<dyn server::clock::Clock> = Arc::new(server::clock::SystemClock);
    let state = server::AppState::new(store, clock, server::ServerConfig::default()).unwrap();
    let mut request = Request::get(format!("/api/v1/conversations?q={PHONE}"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let peer: std::net::SocketAddr = "127.0.0.1:40000".parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    let response = server::router(state).call(request).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "{}",
        buffer.text()
    );

    let out = buffer.text();
    assert!(!out.contains(TOKEN) && !out.contains(PHONE), "{out}");
    let line = out
        .lines()
        .find(|l| l.contains(server::trace::REQUEST_TARGET))
        .unwrap_or_else(|| panic!("no request line in {out}"));
    let event: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(event["level"], "DEBUG", "{line}");
    assert_eq!(event["span"]["name"], "request", "{line}");
    assert_eq!(event["span"]["method"], "GET", "{line}");
    assert_eq!(event["span"]["route"], "/api/v1/conversations", "{line}");
    assert_eq!(event["span"]["status"], 401, "{line}");
    assert!(event["span"]["latency_ms"].is_u64(), "{line}");
}

#[test]
fn text_lines_follow_the_filter() {
    let buffer = Buffer::default();
    tracing::subscriber::with_default(
        subscriber(&filter("warn"), LogFormat::Text, buffer.clone()),
        || {
            tracing::info!("quiet");
            tracing::warn!(account = 7, "heard");
        },
    );
    let out = buffer.text();
    assert!(!out.contains("quiet"), "{out}");
    assert!(
        out.contains("WARN") && out.contains("heard") && out.contains("account=7"),
        "{out}"
    );
}
