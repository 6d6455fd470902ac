//! The state every handler and background job shares, and the server's settings: the low
//! floor of the crate (it imports only leaf modules, never a handler's module).

use std::sync::Arc;

use access::IpNet;
use store::Store;

use crate::channels::committer::Committer;
use crate::channels::graph::GraphClient;
use crate::clock::Clock;
use crate::{cache, egress, hashing, hub, secret, serve};

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
    /// Where the files of messages are kept (the binary: `<data_dir>/files` or a bucket).
    pub files: files::Location,
    /// The first-run setup's code: the binary sets it (and prints it) when it starts on a
    /// database with no account; `POST /api/v1/setup` asks for it ([`crate::admin::setup`]).
    /// `None`: no setup.
    pub setup_code: Option<String>,
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
            event_retention_micros: Some(hub::KEEP),
            outbound_allow: Vec::new(),
            connections: serve::Limits::default(),
            hashing_threads: hashing::default_threads(),
            hashing_wait: std::time::Duration::from_secs(5),
            files: files::Location::Directory(std::path::PathBuf::from("./data/files")),
            setup_code: None,
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
    pub hub: Arc<hub::Hub>,
    /// The one client of requests made on a tenant's behalf (webhooks, the Graph API).
    pub egress: egress::Egress,
    /// The Graph API client (through `egress`).
    pub graph: GraphClient,
    /// Wakes this node's sender when a message is queued.
    pub outbox: Arc<tokio::sync::Notify>,
    /// Group commit of arrivals.
    pub committer: Arc<Committer>,
    /// The bounded pool every password hash of a request runs on.
    pub hasher: Arc<hashing::Hasher>,
    /// The files of messages.
    pub files: files::Files,
    /// Wakes this node's downloader when a file is announced.
    pub downloads: Arc<tokio::sync::Notify>,
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
        let files = files::Files::open(&config.files)
            .map_err(|e| format!("cannot open the file store: {e}"))?;
        let hasher = hashing::Hasher::new(config.hashing_threads, config.hashing_wait)
            .map_err(|e| format!("cannot start the password hashing threads: {e}"))?;
        Ok(AppState {
            store,
            clock,
            config: Arc::new(config),
            dummy_hash: secret::hash_password(&dummy)?,
            cache: Arc::default(),
            hub: Arc::default(),
            graph: GraphClient::new(egress.clone()),
            egress,
            outbox: Arc::default(),
            committer: Arc::default(),
            hasher: Arc::new(hasher),
            files,
            downloads: Arc::default(),
        })
    }
}

impl AppState {
    /// The use cases' view of the state.
    pub fn ctx(&self) -> crate::app::Ctx<'_> {
        crate::app::Ctx {
            store: &self.store,
            clock: self.clock.as_ref(),
            hub: &self.hub,
            outbox: &self.outbox,
            cache: &self.cache,
            committer: self.config.group_commit.then_some(&*self.committer),
            downloads: &self.downloads,
            files: &self.files,
        }
    }
}
