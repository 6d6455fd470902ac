//! `atende serve`, `atende demo`, `atende migrate`, `atende healthcheck`: opening the database
//! the configuration names, and running the HTTP server on it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use server::clock::{Clock, SystemClock};
use server::{AppState, ServerConfig};
use store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::{Config, DatabaseTarget};
use crate::demo;

/// Opens the configured database, refuses weak durability unless allowed, and migrates it.
pub async fn open(config: &Config) -> Result<Store> {
    let store = match config.database() {
        DatabaseTarget::Sqlite(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).with_context(|| {
                    format!("cannot create the data directory {}", dir.display())
                })?;
            }
            Store::open_sqlite(&path)
                .await
                .with_context(|| format!("cannot open the SQLite database {}", path.display()))?
        }
        DatabaseTarget::Postgres(url) => Store::open_postgres(url.expose())
            .await
            .context("cannot connect to PostgreSQL (ATENDE_DATABASE_URL)")?,
    };
    let problems = store.durability_problems().await?;
    if !problems.is_empty() {
        let list = problems.join("; ");
        if config.allow_weak_durability {
            tracing::warn!(
                problems = %list,
                "acknowledged writes may be lost on a crash (allowed by allow_weak_durability)"
            );
        } else {
            bail!(
                "acknowledged writes could be lost on a crash: {list}. Fix the database settings, or set allow_weak_durability = true to start anyway"
            );
        }
    }
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

/// Fills the demo account when the database is empty and prints how to log in.
pub async fn fill_demo(store: &Store, clock: &dyn Clock, config: &Config) -> Result<()> {
    let hash = tokio::task::spawn_blocking(|| server::secret::hash_password(demo::PASSWORD))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
    let summary = demo::fill(store, &hash, clock.now_micros()).await?;
    if summary.logins.is_empty() {
        println!(
            "The database already has an account that is not the demo: the demo was not added."
        );
        return Ok(());
    }
    if summary.created {
        let files = files::Files::open(&config.files())
            .with_context(|| "opening the file store for the demo's files")?;
        let added = demo::media::add(store, &files, summary.account, &summary.in_progress).await?;
        println!(
            "Demo account \"{}\" created with {} conversations ({added} with photos, voice notes and documents).",
            demo::ACCOUNT_NAME,
            summary.conversations
        );
    }
    println!(
        "Demo logins (password \"{}\" for every one; for trying Atende only):",
        demo::PASSWORD
    );
    for (email, sees) in &summary.logins {
        println!("  {email:<28} {sees}");
    }
    if let Some(channel) = summary.channel {
        println!(
            "Demo WhatsApp channel: POST /webhooks/whatsapp/{channel} (phone number id {}), signed with the app secret \"{}\" (docs/channels.md shows how to post a recorded payload).",
            demo::CHANNEL_NUMBER,
            demo::CHANNEL_APP_SECRET
        );
    }
    Ok(())
}

/// `atende serve`.
pub async fn serve(config: Config) -> Result<()> {
    let store = open(&config).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    if config.demo {
        fill_demo(&store, clock.as_ref(), &config).await?;
    }
    // A database with no account: the browser shows the first-run setup, which asks for this
    // code (printed below), so that whoever reaches a fresh server first cannot make it theirs.
    let setup_code = if store.directory().first_account().await?.is_some() {
        None
    } else {
        Some(server::secret::setup_code().map_err(|e| anyhow::anyhow!("a setup code: {e}"))?)
    };
    let server_config = ServerConfig {
        setup_code: setup_code.clone(),
        trusted_proxies: config.trusted_proxies.clone(),
        outbound_allow: config.outbound_allow.clone(),
        session_ttl_micros: i64::from(config.session_hours) * 3600 * 1_000_000,
        secure_cookies: config.secure_cookies,
        operator_token_hash: config
            .operator_token
            .as_ref()
            .map(|t| server::secret::token_hash(t.expose())),
        group_commit: config.group_commit,
        connections: server::serve::Limits {
            header_timeout: Duration::from_secs(u64::from(config.header_timeout_seconds)),
            body_timeout: Duration::from_secs(u64::from(config.body_timeout_seconds)),
            per_address: usize::try_from(config.connections_per_address).unwrap_or(usize::MAX),
        },
        files: config.files(),
        ..ServerConfig::default()
    };
    let state = tokio::task::spawn_blocking(move || AppState::new(store, clock, server_config))
        .await?
        .map_err(|e| anyhow::anyhow!("preparing the server: {e}"))?;
    // A wrong bucket or a read-only directory is reported now, not at the first photo.
    state
        .files
        .check()
        .await
        .with_context(|| format!("the file store does not work ({})", state.files))?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}: is another program using it? (--listen changes it)",
                config.listen
            )
        })?;
    let addr = listener.local_addr()?;
    let db = match config.database() {
        DatabaseTarget::Sqlite(path) => format!("SQLite at {}", path.display()),
        DatabaseTarget::Postgres(_) => "PostgreSQL".to_owned(),
    };
    println!(
        "Atende is listening on http://{addr} ({db}, {}). API: http://{addr}/api/openapi.json",
        state.files
    );
    tracing::info!(address = %addr, database = %db, files = %state.files, "listening");
    if let Some(code) = &setup_code {
        println!(
            "First run: there is no account yet. Open http://{addr}/ in a browser and type the setup code {code} to create the company and its owner."
        );
    }
    server::launch_with_listener(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
        println!("Stopping: finishing the requests in flight.");
    })
    .await
    .context("serving HTTP")
}

/// `atende healthcheck`: exit 0 when the server at `addr` answers `/healthz` with 200.
pub async fn healthcheck(addr: std::net::SocketAddr) -> Result<()> {
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(
                format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        anyhow::Ok(
            String::from_utf8_lossy(&response)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let status = tokio::time::timeout(Duration::from_secs(5), attempt)
        .await
        .context("no answer from the server within 5 s")?
        .with_context(|| format!("cannot reach the server at {addr}"))?;
    if status.split(' ').nth(1) == Some("200") {
        println!("ok: {addr} is ready");
        Ok(())
    } else {
        bail!("the server at {addr} is not ready: {status}")
    }
}
