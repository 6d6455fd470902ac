//! Atende's HTTP API (axum): authentication, conversations, administration, the OpenAPI
//! document, and the state they share. Every allow and deny comes from the `access` engine;
//! every answer to something the caller may not see is 404; errors are mapped to HTTP in
//! [`error`] only.
//!
//! What does not belong here: SQL (the `store` crate), access rules (`access`), command-line
//! and configuration (the binary).

pub mod admin;
pub mod auth;
pub mod cache;
pub mod channels;
pub mod client;
pub mod clock;
pub mod conversations;
pub mod egress;
pub mod error;
pub mod events;
pub mod explorer;
#[doc(hidden)]
pub mod fuzz;
pub mod hashing;
pub mod input;
pub mod json;
pub mod openapi;
pub mod people;
pub mod routing;
pub mod secret;
pub mod serve;
pub mod trace;
pub mod web;
pub mod webhook_principal;
pub mod webhooks;

use std::sync::Arc;

use access::IpNet;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use store::Store;
use tokio::net::TcpListener;
use tracing::{Instrument, info_span};

use crate::clock::Clock;
use crate::error::ApiError;

/// Settings of the HTTP layer.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// How long a session lasts, µs.
    pub session_ttl_micros: i64,
    /// Mark the session cookie `Secure` (serving behind TLS).
    pub secure_cookies: bool,
    /// SHA-256 (hex) of the installation operator's token; `None`: no operator endpoints.
    pub operator_token_hash: Option<String>,
    /// The unit of the sender's exponential backoff, µs (a second; tests shorten it).
    pub retry_unit_micros: i64,
    /// Store concurrent arrivals in shared transactions (see `channels::committer`).
    pub group_commit: bool,
    /// How long live events are kept for replay, µs (`None`: never pruned).
    pub event_retention_micros: Option<i64>,
    /// Exceptions to the egress policy: networks and host names outbound requests may reach
    /// although internal, also over plain `http` (see [`egress`]).
    pub outbound_allow: Vec<egress::Allowed>,
    /// Connections, timeouts and the per-address cap ([`serve`]).
    pub connections: serve::Limits,
    /// Password hashes computed at once ([`hashing`]; by default one per core).
    pub hashing_threads: usize,
    /// How long a login waits for a free hashing thread before it is answered 503 `busy`.
    pub hashing_wait: std::time::Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            trusted_proxies: Vec::new(),
            session_ttl_micros: 12 * 3600 * 1_000_000,
            secure_cookies: false,
            operator_token_hash: None,
            retry_unit_micros: 1_000_000,
            group_commit: true,
            event_retention_micros: Some(events::KEEP),
            outbound_allow: Vec::new(),
            connections: serve::Limits::default(),
            hashing_threads: hashing::default_threads(),
            hashing_wait: std::time::Duration::from_secs(5),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// HTTP settings.
    pub config: Arc<ServerConfig>,
    /// A real argon2id hash of a random password, verified when the email is unknown so that
    /// every failed login costs the same time.
    pub dummy_hash: String,
    /// Resolved configurations and principals, by access version.
    pub cache: Arc<cache::AccessCache>,
    /// This node's live events.
    pub hub: Arc<events::Hub>,
    /// The one client of requests made on a tenant's behalf (webhooks, the Graph API).
    pub egress: egress::Egress,
    /// The Graph API client (through `egress`).
    pub graph: channels::sender::GraphClient,
    /// Wakes this node's sender when a message is queued.
    pub outbox: Arc<tokio::sync::Notify>,
    /// Group commit of arrivals.
    pub committer: Arc<channels::committer::Committer>,
    /// The bounded pool every password hash of a request runs on.
    pub hasher: Arc<hashing::Hasher>,
}

impl AppState {
    /// Builds the state (hashes the dummy password: call it once at start).
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: ServerConfig,
    ) -> Result<AppState, String> {
        let dummy = secret::random_token("")?;
        let egress = egress::Egress::new(egress::EgressPolicy::new(config.outbound_allow.clone()))?;
        let hasher = hashing::Hasher::new(config.hashing_threads, config.hashing_wait)
            .map_err(|e| format!("cannot start the password hashing threads: {e}"))?;
        Ok(AppState {
            store,
            clock,
            config: Arc::new(config),
            dummy_hash: secret::hash_password(&dummy)?,
            cache: Arc::default(),
            hub: Arc::default(),
            graph: channels::sender::GraphClient::new(egress.clone()),
            egress,
            outbox: Arc::default(),
            committer: Arc::default(),
            hasher: Arc::new(hasher),
        })
    }
}

/// Largest request body.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The application's routes.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/me/tokens", post(auth::create_token))
        .route("/me/tokens/{id}", axum::routing::delete(auth::revoke_token))
        .route("/me/password", post(admin::users::change_own_password))
        .route(
            "/me/availability",
            get(routing::get_availability).put(routing::set_availability),
        )
        .route(
            "/routing",
            get(admin::channels::get_routing).put(admin::channels::put_routing),
        )
        .route(
            "/users/{id}/routing",
            get(admin::channels::get_agent_limit).put(admin::channels::put_agent_limit),
        )
        .route(
            "/channels",
            get(admin::channels::list).post(admin::channels::create),
        )
        .route(
            "/channels/{id}",
            patch(admin::channels::update).delete(admin::channels::delete),
        )
        .route(
            "/conversations/{id}/template",
            post(channels::replies::send_template),
        )
        .route(
            "/account",
            get(admin::accounts::get).patch(admin::accounts::update),
        )
        .route(
            "/accounts",
            get(admin::accounts::list).post(admin::accounts::create),
        )
        .route(
            "/departments",
            get(admin::departments::list).post(admin::departments::create),
        )
        .route(
            "/departments/{id}",
            patch(admin::departments::update).delete(admin::departments::delete),
        )
        .route("/users", get(admin::users::list).post(admin::users::create))
        .route("/users/{id}", patch(admin::users::update))
        .route("/users/{id}/password", post(admin::users::reset_password))
        .route("/roles", get(admin::roles::list).post(admin::roles::create))
        .route(
            "/roles/{id}",
            patch(admin::roles::update).delete(admin::roles::delete),
        )
        .route("/permissions", get(admin::roles::catalogue))
        .route(
            "/settings",
            get(admin::settings::get).put(admin::settings::put),
        )
        .route("/presets/{id}", post(admin::settings::apply))
        .route("/audit", get(admin::audit_log::list))
        .route(
            "/conversations",
            get(conversations::list).post(conversations::create),
        )
        .route("/conversations/counts", get(conversations::counts))
        .route("/events", get(events::stream))
        .route("/directory", get(people::directory))
        .route("/tags", get(people::tags).post(admin::tags::create))
        .route("/tags/{name}", axum::routing::delete(admin::tags::delete))
        .route("/access/conversations/{id}/viewers", get(explorer::viewers))
        .route("/access/users/{id}/conversations", get(explorer::user_sees))
        .route("/conversations/{id}", get(conversations::get))
        .route("/conversations/{id}/messages", get(conversations::messages))
        .route(
            "/conversations/{id}/transfer_targets",
            get(conversations::transfer_targets),
        )
        .route("/conversations/{id}/{action}", post(conversations::act))
        .route(
            "/webhooks",
            get(admin::webhooks::list).post(admin::webhooks::create),
        )
        .route(
            "/webhooks/{id}",
            patch(admin::webhooks::update).delete(admin::webhooks::delete),
        )
        .route(
            "/webhooks/{id}/deliveries",
            get(admin::webhooks::deliveries),
        );
    // What channels post: bodies up to 1 MiB, no session.
    let webhooks = Router::new()
        .route(
            "/webhooks/whatsapp/{channel}",
            get(channels::webhook::verify).post(channels::webhook::whatsapp_delivery),
        )
        .route(
            "/webhooks/generic/messages",
            post(channels::webhook::generic_message),
        )
        .layer(DefaultBodyLimit::max(channels::webhook::WEBHOOK_BODY_LIMIT));
    Router::new()
        .merge(webhooks)
        .route("/", get(web::index))
        .route("/assets/{name}", get(web::asset))
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(openapi::document))
        .nest("/api/v1", api)
        .fallback(|| async { ApiError::not_found() })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            wake_events,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
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
        .last_event_id()
        .await
        .map_err(std::io::Error::other)?;
    state.hub.start_at(last);
    let pump = tokio::spawn(events::pump(state.clone()).instrument(info_span!("events_pump")));
    let sender = tokio::spawn(
        channels::sender::run(state.clone(), Arc::clone(&state.outbox))
            .instrument(info_span!("outbox_sender")),
    );
    let hooks = tokio::spawn(webhooks::run(state.clone()).instrument(info_span!("webhooks")));
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
    tracing::info!("stopped");
    served
}
