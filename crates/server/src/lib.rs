//! Atende's HTTP API (axum): authentication, conversations, administration, the OpenAPI
//! document, and the state they share. Every allow and deny comes from the `access` engine;
//! every answer to something the caller may not see is 404; errors are mapped to HTTP in
//! [`error`] only.
//!
//! What does not belong here: SQL (the `store` crate), access rules (`access`), command-line
//! and configuration (the binary).

pub mod admin;
pub mod app;
pub mod attempt;
pub mod audit_action;
pub mod auth;
pub mod cache;
pub mod caller;
pub mod channels;
pub mod client_address;
pub mod clock;
pub mod contacts;
pub mod conversations;
pub mod egress;
pub mod email;
pub mod error;
pub mod error_codes;
pub mod events;
pub mod explorer;
#[doc(hidden)]
pub mod fuzz;
pub mod hashing;
pub mod hub;
pub mod input;
pub mod json;
#[cfg(test)]
mod layers_tests;
pub mod limits;
pub mod media;

/// The file store (re-exported for the binary and the tests).
pub use files;
pub mod openapi;
pub mod outbound_webhooks;
pub mod people;
pub mod routing;
pub mod screens;
pub mod secret;
pub mod serve;
pub mod state;
pub mod trace;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;
use tracing::{Instrument, info_span};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
pub use crate::state::{AppState, ServerConfig};

/// Largest request body.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Every capability's routes with their OpenAPI documentation: adding a capability adds one
/// line here (its module's `routes()`), nothing else.
fn capabilities() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(auth::routes())
        .merge(conversations::routes())
        .merge(channels::routes())
        .merge(media::routes())
        .merge(contacts::routes())
        .merge(routing::routes())
        .merge(events::routes())
        .merge(people::routes())
        .merge(explorer::routes())
        .merge(admin::routes())
}

/// The OpenAPI document of every route [`router`] serves, built from the same registrations.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, mut document) = capabilities().split_for_parts();
    openapi::finish(&mut document);
    document
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    let (api, mut document) = capabilities().split_for_parts();
    openapi::finish(&mut document);
    let document = std::sync::Arc::new(document);
    Router::new()
        .merge(api)
        .route("/", get(web::index))
        .route("/assets/{name}", get(web::asset))
        .route("/healthz", get(healthz))
        .route(
            "/api/openapi.json",
            get(move || openapi::document(std::sync::Arc::clone(&document))),
        )
        .fallback(|| async { ApiError::not_found() })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            wake_events,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.config.connections.body_timeout,
            serve::body_deadline,
        ))
        .layer(axum::middleware::from_fn(serve::response_headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(trace::request_span))
        .with_state(state)
}

/// After a request that may have written (not GET or HEAD), wakes this node's event pump so
/// its streams hear of the change at once.
async fn wake_events(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let writes = !matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let response = next.run(request).await;
    if writes {
        state.hub.poke();
    }
    response
}

/// 200 once the database answers.
async fn healthz(
    State(state): State<AppState>,
) -> Result<&'static str, (StatusCode, &'static str)> {
    match state.store.ping().await {
        Ok(()) => Ok("ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed: the database does not answer");
            Err((StatusCode::SERVICE_UNAVAILABLE, "database unavailable"))
        }
    }
}

/// Serves the application on `listener` until `shutdown` completes.
pub async fn launch_with_listener(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Live events start after the newest one stored.
    let last = state
        .store
        .events()
        .last_event_id()
        .await
        .map_err(std::io::Error::other)?;
    state.hub.start_at(last);
    let pump = tokio::spawn(events::pump(state.clone()).instrument(info_span!("events_pump")));
    let sender = tokio::spawn(
        channels::sender::run(state.clone(), Arc::clone(&state.outbox))
            .instrument(info_span!("outbox_sender")),
    );
    let hooks =
        tokio::spawn(outbound_webhooks::run(state.clone()).instrument(info_span!("webhooks")));
    let downloads = tokio::spawn(
        media::download::run(state.clone(), Arc::clone(&state.downloads))
            .instrument(info_span!("downloads")),
    );
    let committer = tokio::spawn(
        channels::committer::run(state.store.clone(), Arc::clone(&state.committer))
            .instrument(info_span!("committer")),
    );
    tracing::info!("background jobs started");
    let limits = state.config.connections.clone();
    let trusted = state.config.trusted_proxies.clone();
    let served = serve::serve(listener, router(state), &limits, trusted, shutdown).await;
    pump.abort();
    sender.abort();
    committer.abort();
    hooks.abort();
    downloads.abort();
    tracing::info!("stopped");
    served
}
