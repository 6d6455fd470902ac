//! The node's downloader: fetches the files customers send. An arrival stores its file
//! `pending` and is acknowledged at once; this task claims due files with a lease (so that one
//! node fetches each, and a node that dies leaves it to another when the lease ends), asks the
//! channel's [`Source`] for it (WhatsApp: the Graph API's media id → URL → bytes, with the
//! channel's token; the generic channel: the URL the integration gave, without credentials;
//! both through the egress policy), streams it into the file store within its kind's size
//! limit, checks the SHA-256 the channel announced, and records it `ready`. A failure is retried
//! with exponential backoff and shown on the message; a file too large, or refused by the
//! channel, or still failing after the last attempt, ends `failed` with the reason.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use base64::Engine as _;
use store::{Channel, ChannelKind, Download, DownloadOutcome};
use tokio::sync::Notify;
use tracing::Instrument;

use crate::channels::graph::MediaInfo;
use crate::channels::sender::{MAX_ATTEMPTS, backoff_seconds};
use crate::egress::UNREACHABLE;
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

/// Whether `announced` can be a SHA-256 as channels write it: 64 hex digits, or 32 bytes in
/// base64 (standard or URL-safe, padded or not).
pub fn digest_readable(announced: &str) -> bool {
    let a = announced.trim();
    if a.len() == 64 && a.bytes().all(|b| b.is_ascii_hexdigit()) {
        return true;
    }
    let unpadded = a.trim_end_matches('=');
    [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ]
    .iter()
    .any(|e| e.decode(unpadded).is_ok_and(|d| d.len() == 32))
}

/// Where a claimed file comes from, by the kind of channel that announced it: one downloader
/// for every channel, the source the only difference.
enum Source<'a> {
    /// WhatsApp: a media id, resolved through the Graph API with the channel's token.
    GraphMedia {
        /// The channel, with its token and Graph API base URL.
        channel: &'a Channel,
        /// The media id.
        media_id: &'a str,
    },
    /// The generic channel: a plain URL the integration gave, fetched without credentials.
    Url(&'a str),
}

impl<'a> Source<'a> {
    /// The source of a download announced by `channel`; an error (final) for a channel that
    /// cannot give files.
    fn of(channel: &'a Channel, d: &'a Download) -> Result<Source<'a>, (String, bool)> {
        if !channel.active {
            return Err(("the channel is deactivated".to_owned(), false));
        }
        match channel.kind {
            ChannelKind::WhatsApp => Ok(Source::GraphMedia {
                channel,
                media_id: &d.source,
            }),
            ChannelKind::Generic => Ok(Source::Url(&d.source)),
        }
    }

    /// Who announced the file (and its limits), in the reasons shown on the message.
    fn announcer(&self) -> &'static str {
        match self {
            Source::GraphMedia { .. } => "WhatsApp",
            Source::Url(_) => "the integration",
        }
    }

    /// The file's size limit in words: WhatsApp's own, the same for the generic channel.
    fn too_large(&self, limit: u64) -> (String, bool) {
        let whose = match self {
            Source::GraphMedia { .. } => "WhatsApp's limit",
            Source::Url(_) => "the limit",
        };
        (
            format!(
                "the file is larger than {whose} for this kind ({})",
                crate::limits::size_text(limit)
            ),
            false,
        )
    }

    /// Starts the download: what the source says of the file, and the answer whose body is
    /// its bytes.
    async fn open(
        &self,
        state: &AppState,
    ) -> Result<(MediaInfo, reqwest::Response), (String, bool)> {
        match self {
            Source::GraphMedia { channel, media_id } => state.graph.media(channel, media_id).await,
            Source::Url(url) => open_url(&state.egress, url).await,
        }
    }
}

/// `GET url` through the egress policy, without credentials (the URL is never logged nor
/// shown: it may carry the integration's token). Only a `200` is the file; no answer, a
/// timeout, `408`, `429` and `5xx` may pass and are retried, any other answer is final.
async fn open_url(
    egress: &crate::egress::Egress,
    url: &str,
) -> Result<(MediaInfo, reqwest::Response), (String, bool)> {
    let unreachable = || {
        (
            format!("the file's URL could not be reached: {UNREACHABLE}"),
            true,
        )
    };
    // Up to 100 MiB (a document): ten minutes for the whole file instead of the usual 15 s.
    let request = egress
        .request(reqwest::Method::GET, url)
        .map_err(|_| unreachable())?
        .timeout(Duration::from_secs(600));
    let answer = egress.send(request).await.map_err(|_| unreachable())?;
    let status = answer.status().as_u16();
    if status != 200 {
        return Err((
            format!("the file's URL answered HTTP {status}"),
            status == 408 || status == 429 || status >= 500,
        ));
    }
    // The MIME type stays the one the integration declared; the size announced is checked
    // before a byte is read.
    let info = MediaInfo {
        mime_type: None,
        sha256: None,
        file_size: answer.content_length(),
    };
    Ok((info, answer))
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
        .map_err(|e| (format!("reading the channel: {e}"), true))?
        .ok_or_else(|| ("the channel cannot fetch files".to_owned(), false))?;
    let source = Source::of(&channel, d)?;
    let (info, answer) = source.open(state).await?;
    let limit = crate::limits::media_bytes(d.kind);
    let too_large = || source.too_large(limit);
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
            format!(
                "the file received does not match the SHA-256 {} announced",
                source.announcer()
            ),
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

    use super::{digest_matches, digest_readable};

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
        assert!(digest_readable(&hex) && digest_readable(&b64));
        assert!(digest_readable(b64.trim_end_matches('=')));
        for bad in ["", "abc", &hex[..62], "não é um hash", &format!("{hex}00")] {
            assert!(!digest_readable(bad), "{bad}");
        }
    }
}
