//! The node's downloader: fetches the files customers send. An arrival stores its file
//! `pending` and is acknowledged at once; this task claims due files with a lease (so that one
//! node fetches each, and a node that dies leaves it to another when the lease ends), asks the
//! channel for it (WhatsApp: the Graph API's media id → URL → bytes, with the channel's token,
//! through the egress policy), streams it into the file store within its kind's size limit,
//! checks the SHA-256 the channel announced, and records it `ready`. A failure is retried with
//! exponential backoff and shown on the message; a file too large, or refused by the channel,
//! or still failing after the last attempt, ends `failed` with the reason.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use base64::Engine as _;
use store::{ChannelKind, Download, DownloadOutcome};
use tokio::sync::Notify;
use tracing::Instrument;

use crate::channels::sender::{MAX_ATTEMPTS, backoff_seconds};
use crate::state::AppState;

/// How long a claimed download is reserved for the node that claimed it, µs (a 100 MiB
/// document on a slow link fits).
const LEASE: i64 = 15 * 60 * 1_000_000;
/// Downloads claimed per round (fetched one after the other).
const BATCH: u32 = 8;

/// Whether `announced` (hex or base64, as channels write it) is `digest`.
pub fn digest_matches(announced: &str, digest: &[u8; 32]) -> bool {
    let announced = announced.trim();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if announced.eq_ignore_ascii_case(&hex) {
        return true;
    }
    [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
    ]
    .iter()
    .any(|e| e.decode(announced).is_ok_and(|d| d == digest))
        || base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(announced.trim_end_matches('='))
            .is_ok_and(|d| d == digest)
}

/// A stored file: its key, size, SHA-256 (hex) and the MIME type the channel answered with.
struct Fetched {
    key: String,
    size: u64,
    sha256: String,
    mime_type: Option<String>,
}

/// Fetches one file into the file store; the error says why and whether to try again.
async fn fetch(state: &AppState, d: &Download) -> Result<Fetched, (String, bool)> {
    let channel = state
        .store
        .channels()
        .channel(d.channel)
        .await
        .map_err(|e| (format!("reading the channel: {e}"), true))?;
    let channel = match channel {
        Some(c) if c.kind == ChannelKind::WhatsApp && c.active => c,
        Some(c) if !c.active => return Err(("the channel is deactivated".to_owned(), false)),
        _ => return Err(("the channel cannot fetch files".to_owned(), false)),
    };
    let (info, answer) = state.graph.media(&channel, &d.source).await?;
    let limit = crate::limits::media_bytes(d.kind);
    let too_large = || {
        (
            format!(
                "the file is larger than WhatsApp's limit for this kind ({})",
                crate::limits::size_text(limit)
            ),
            false,
        )
    };
    if info.file_size.is_some_and(|s| s > limit) {
        return Err(too_large());
    }
    let key = files::new_key(&format!("a{}", d.account.0)).map_err(|e| (e.to_string(), true))?;
    let chunks = futures_util::stream::unfold(answer, |mut a| async move {
        match a.chunk().await {
            Ok(Some(c)) => Some((Ok::<Bytes, reqwest::Error>(c), a)),
            Ok(None) => None,
            Err(e) => Some((Err(e.without_url()), a)),
        }
    });
    let written = match state.files.put(&key, chunks, limit).await {
        Ok(w) => w,
        Err(files::FilesError::TooLarge { .. }) => return Err(too_large()),
        Err(files::FilesError::Source(e)) => {
            return Err((format!("the download broke off: {e}"), true));
        }
        Err(e) => {
            tracing::error!(error = %e, "storing a file failed");
            return Err((
                "the file could not be stored (see the server's log)".to_owned(),
                true,
            ));
        }
    };
    let announced = [d.sha256.as_deref(), info.sha256.as_deref()]
        .into_iter()
        .flatten()
        .find(|s| !s.trim().is_empty());
    if let Some(a) = announced.filter(|a| !digest_matches(a, &written.sha256)) {
        let _ = state.files.delete(&key).await;
        tracing::warn!(
            announced = a,
            "a downloaded file does not match its SHA-256"
        );
        return Err((
            "the file received does not match the SHA-256 WhatsApp announced".to_owned(),
            true,
        ));
    }
    Ok(Fetched {
        key,
        size: written.size,
        sha256: written.sha256.iter().map(|b| format!("{b:02x}")).collect(),
        mime_type: info.mime_type,
    })
}

/// Fetches one claimed file and records the outcome.
async fn run_one(state: &AppState, d: &Download) -> store::Result<()> {
    let fetched = fetch(state, d).await;
    let now = state.clock.now_micros();
    let outcome = match &fetched {
        Ok(f) => DownloadOutcome::Stored {
            key: &f.key,
            size: i64::try_from(f.size).unwrap_or(i64::MAX),
            sha256: &f.sha256,
            mime_type: f.mime_type.as_deref(),
        },
        Err((e, true)) if d.attempts + 1 < MAX_ATTEMPTS => DownloadOutcome::Failed {
            error: e,
            retry_at: Some(now + backoff_seconds(d.attempts) * state.config.retry_unit_micros),
        },
        Err((e, _)) => DownloadOutcome::Failed {
            error: e,
            retry_at: None,
        },
    };
    let recorded = state
        .store
        .attachments()
        .download_result(d, outcome, now)
        .await?;
    if let (false, Ok(f)) = (recorded, &fetched) {
        // Another node stored it first (this node's lease ran out): keep one copy.
        let _ = state.files.delete(&f.key).await;
    }
    state.hub.poke();
    Ok(())
}

/// The node's downloader loop: runs until the process ends.
pub async fn run(state: AppState, wake: Arc<Notify>) {
    loop {
        let now = state.clock.now_micros();
        let claimed = match state
            .store
            .attachments()
            .claim_downloads(now, LEASE, BATCH)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "claiming files to download failed: retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for d in &claimed {
            let span = tracing::info_span!(
                "download",
                account = d.account.0,
                conversation = d.conversation.0,
                attachment = d.id,
                attempt = d.attempts + 1,
            );
            if let Err(e) = run_one(&state, d).instrument(span.clone()).await {
                span.in_scope(|| tracing::error!(error = %e, "recording a download failed"));
            }
        }
        if claimed.len() == BATCH as usize {
            continue;
        }
        let wait = match state.store.attachments().next_download_due().await {
            Ok(Some(due)) => Duration::from_micros(
                u64::try_from(due.saturating_sub(state.clock.now_micros())).unwrap_or(0),
            )
            .min(Duration::from_secs(1)),
            Ok(None) | Err(_) => Duration::from_secs(1),
        };
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use sha2::Digest as _;

    use super::digest_matches;

    #[test]
    fn digests_in_hex_and_base64() {
        let d: [u8; 32] = sha2::Sha256::digest(b"atende").into();
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, d);
        assert!(digest_matches(&hex, &d));
        assert!(digest_matches(&hex.to_uppercase(), &d));
        assert!(digest_matches(&b64, &d));
        assert!(digest_matches(b64.trim_end_matches('='), &d));
        assert!(!digest_matches(
            "ZK4fKQ7ivv1gTQyS6Oq+vG4S3C8DTMR0mBXD3Cqk9Ns=",
            &d
        ));
        assert!(!digest_matches("", &d));
        assert!(!digest_matches("não é um hash", &d));
    }
}
