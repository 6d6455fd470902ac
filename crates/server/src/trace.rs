//! Tracing of HTTP requests: one span per request with its method, route template, status and
//! latency, and the caller's account and user once known.
//!
//! Spans and events carry ids only: never the raw path or query string (they can hold phones,
//! names or tokens), headers, bodies, contact data or secrets.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing::field::Empty;

/// The target of the event that ends each request: `ATENDE_LOG=info,atende::request=debug`
/// logs every request.
pub const REQUEST_TARGET: &str = "atende::request";

/// Wraps a request in its span and logs its end: at debug level, or warn for a 5xx answer.
pub async fn request_span(request: Request, next: Next) -> Response {
    // The route template (`/api/v1/conversations/{id}`), never the path the client sent.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        route = %route,
        account = Empty,
        user = Empty,
        channel = Empty,
        status = Empty,
        latency_ms = Empty,
    );
    let start = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    span.record("status", status.as_u16());
    span.record(
        "latency_ms",
        u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
    );
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::warn!(target: REQUEST_TARGET, "request failed");
        } else {
            tracing::debug!(target: REQUEST_TARGET, "request");
        }
    });
    response
}

/// Records the channel a delivery arrived on (and its account) into the current request's span.
pub fn record_channel(channel: &store::Channel) {
    let span = tracing::Span::current();
    span.record("account", channel.account.0);
    span.record("channel", channel.id);
}

/// Records the authenticated caller's account and user into the current request's span.
pub fn record_caller(owner: &store::SessionOwner) {
    let span = tracing::Span::current();
    span.record("account", owner.account.0);
    span.record("user", owner.user.0);
}
