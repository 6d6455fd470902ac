//! Serving connections: HTTP/1.1 on hyper, with the limits a server facing the Internet needs
//! (none of which `axum::serve` sets), and the headers every answer carries.
//!
//! - **Header timeout**: a request's header must arrive whole within [`Limits::header_timeout`]
//!   of the connection's start, or of the end of the previous answer on a kept-alive
//!   connection; so it is also the idle timeout. Otherwise the connection is closed.
//! - **Body timeout**: once its header has arrived, a request's body must arrive whole within
//!   [`Limits::body_timeout`]; otherwise the answer is 408 `request_timeout` and the connection
//!   is closed.
//! - **Connections per address**: at most [`Limits::per_address`] connections open at once
//!   from one address; the next is answered 503 and closed. Trusted proxies are not counted
//!   (every client behind them shares their address; the proxy is where to cap them).
//!
//! An answer being written is never cut: a live event stream (`GET /api/v1/events`) stays open
//! past every timeout, its keep-alive comments flowing.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use access::IpNet;
use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower_service::Service;

use crate::error::ApiError;

/// Limits on connections (see the module's documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A request's header must arrive within this (also the idle keep-alive timeout).
    pub header_timeout: Duration,
    /// A request's body must arrive within this once its header has.
    pub body_timeout: Duration,
    /// Connections open at once from one address (trusted proxies excepted); 0: no cap.
    pub per_address: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            per_address: 256,
        }
    }
}

/// What a connection over the cap is told before it is closed.
const TOO_MANY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\
X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nRetry-After: 1\r\nConnection: close\r\n\
Content-Length: 100\r\n\r\n\
{\"error\":{\"code\":\"too_many_connections\",\"message\":\"too many connections from this address at once\"}}";

/// IPv4-mapped IPv6 addresses count as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// Open connections by address.
#[derive(Default)]
struct Counts(Mutex<HashMap<IpAddr, usize>>);

/// One counted connection; uncounted when dropped.
struct Slot {
    counts: Arc<Counts>,
    ip: IpAddr,
}

impl Slot {
    /// A slot for `ip`, unless `cap` are taken.
    fn take(counts: &Arc<Counts>, ip: IpAddr, cap: usize) -> Option<Slot> {
        let mut map = counts.0.lock().ok()?;
        let n = map.entry(ip).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(Slot {
            counts: Arc::clone(counts),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.counts.0.lock()
            && let Some(n) = map.get_mut(&self.ip)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Accept errors that concern one connection only (the next accept may succeed at once).
fn per_connection(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Serves `app` on `listener` until `shutdown` completes, then lets the answers in flight end.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    trusted: Vec<IpNet>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let counts = Arc::new(Counts::default());
    let mut make = app.into_make_service_with_connect_info::<SocketAddr>();
    // Connections watch `stop` (closed when shutting down); `running` is closed when the last
    // connection has ended.
    let (stop_tx, stop_rx) = watch::channel(());
    let (running_tx, running_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) if per_connection(&e) => continue,
                Err(e) => {
                    // Out of file descriptors, most likely: wait rather than spin.
                    tracing::error!(error = %e, "accepting a connection failed: waiting a second");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let ip = canonical(peer.ip());
        let slot = if limits.per_address == 0 || trusted.iter().any(|n| n.contains(ip)) {
            None
        } else {
            match Slot::take(&counts, ip, limits.per_address) {
                Some(slot) => Some(slot),
                None => {
                    // Best effort, without waiting for a slow reader; then closed.
                    let _ = stream.try_write(TOO_MANY);
                    continue;
                }
            }
        };
        let Ok(service) = make.call(peer).await;
        connection(
            stream,
            TowerToHyperService::new(service),
            limits,
            stop_tx.clone(),
            running_rx.clone(),
            slot,
        );
    }
    drop(stop_rx);
    drop(running_rx);
    drop(listener);
    running_tx.closed().await;
    Ok(())
}

/// Serves one connection on its own task.
fn connection<S>(
    stream: TcpStream,
    service: S,
    limits: &Limits,
    stop: watch::Sender<()>,
    running: watch::Receiver<()>,
    slot: Option<Slot>,
) where
    S: hyper::service::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = Response,
            Error = Infallible,
        > + Send
        + 'static,
    S::Future: Send + 'static,
{
    let _ = stream.set_nodelay(true);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::spawn(async move {
        let mut conn = std::pin::pin!(builder.serve_connection(TokioIo::new(stream), service));
        let mut stopping = false;
        loop {
            tokio::select! {
                _ = conn.as_mut() => break,
                () = stop.closed(), if !stopping => {
                    stopping = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
        drop(slot);
        drop(running);
    });
}

/// The body of a request must arrive within the body timeout of its header: read through a
/// deadline, and when the deadline passes the answer (whatever the handler made of the cut
/// body) is 408 and the connection is closed. Bodies no handler reads are never waited for.
pub(crate) async fn body_deadline(
    State(body_timeout): State<std::time::Duration>,
    request: Request,
    next: Next,
) -> Response {
    if request.body().size_hint().exact() == Some(0) {
        return next.run(request).await;
    }
    let deadline = tokio::time::Instant::now() + body_timeout;
    let expired = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&expired);
    let (parts, body) = request.into_parts();
    let chunks = futures_util::stream::unfold(Some(body.into_data_stream()), move |rest| {
        let flag = Arc::clone(&flag);
        async move {
            let mut rest = rest?;
            match tokio::time::timeout_at(deadline, rest.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(rest))),
                Ok(None) => None,
                Err(_) => {
                    flag.store(true, Ordering::SeqCst);
                    let e = axum::Error::new(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body did not arrive in time",
                    ));
                    Some((Err(e), None))
                }
            }
        }
    });
    let response = next
        .run(Request::from_parts(parts, Body::from_stream(chunks)))
        .await;
    if !expired.load(Ordering::SeqCst) {
        return response;
    }
    let mut response = ApiError::body_timeout().into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Every answer: `X-Content-Type-Options: nosniff` (nothing is ever read as another type than
/// it says, such as a WhatsApp challenge echoed as text). Every API and webhook answer (JSON,
/// with personal data, event streams, the echoed challenge): `Cache-Control: no-store`, so no
/// browser or proxy keeps a copy; other answers keep theirs (the web inbox's pages say
/// `no-cache`) or get `no-store` too.
pub(crate) async fn response_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/api/") || path.starts_with("/webhooks/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let no_store = HeaderValue::from_static("no-store");
    if api {
        headers.insert(header::CACHE_CONTROL, no_store);
    } else {
        headers.entry(header::CACHE_CONTROL).or_insert(no_store);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_address_and_given_back() {
        let counts = Arc::new(Counts::default());
        let a: IpAddr = "203.0.113.1".parse().unwrap();
        let b: IpAddr = "203.0.113.2".parse().unwrap();
        let first = Slot::take(&counts, a, 2).unwrap();
        let _second = Slot::take(&counts, a, 2).unwrap();
        assert!(Slot::take(&counts, a, 2).is_none());
        assert!(Slot::take(&counts, b, 2).is_some());
        drop(first);
        assert!(Slot::take(&counts, a, 2).is_some());
        assert_eq!(
            canonical("::ffff:203.0.113.1".parse().unwrap()),
            a,
            "IPv4-mapped counts as IPv4"
        );
    }

    #[test]
    fn the_refusal_is_a_whole_answer() {
        let text = std::str::from_utf8(TOO_MANY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(&format!("Content-Length: {}", body.len())),
            "{head}"
        );
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"]["code"], "too_many_connections");
    }
}
