//! The node's sender: delivers the outbox's pending messages through the Graph API (WhatsApp
//! Cloud API, `POST {base}/{phone_number_id}/messages` with the channel's access token),
//! retrying temporary failures with exponential backoff and recording permanent ones on the
//! message, where agents see them.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use store::{ChannelKind, Outgoing};
use tokio::sync::Notify;
use tracing::Instrument;

use super::whatsapp;
use crate::state::AppState;

pub use super::graph::{DEFAULT_GRAPH_BASE_URL, GraphClient, NumberProof};
/// Attempts before a temporary failure becomes permanent.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claimed message is reserved for the node that claimed it, µs.
const LEASE: i64 = 60 * 1_000_000;
/// Messages claimed per round.
const BATCH: u32 = 20;

/// Units (a second by default, `ServerConfig::retry_unit_micros`) to wait before attempt
/// `attempts + 1`: 2, 4, 8, ... 256.
pub fn backoff_seconds(attempts: i64) -> i64 {
    1_i64 << attempts.clamp(0, MAX_ATTEMPTS - 1).saturating_add(1)
}

/// The JSON the Graph API gets for a message.
fn body_of(o: &Outgoing, to: &str) -> Result<Value, String> {
    match &o.template {
        None => Ok(whatsapp::text_body(to, &o.body)),
        Some(t) => {
            let v: Value = serde_json::from_str(t).map_err(|e| format!("stored template: {e}"))?;
            let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
            let (name, language) = (text("name"), text("language"));
            let parameters: Vec<String> = v
                .get("parameters")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            Ok(whatsapp::template_body(to, name, language, &parameters))
        }
    }
}

/// The body of a message, its file uploaded first (once: a retry reuses the media id).
async fn body_with_file(
    state: &AppState,
    channel: &store::Channel,
    o: &Outgoing,
    to: &str,
) -> Result<Value, (String, bool)> {
    let Some(file) = &o.file else {
        return body_of(o, to).map_err(|e| (e, false));
    };
    let media_id = match &file.uploaded {
        Some(id) => id.clone(),
        None => {
            let id = state
                .graph
                .upload(channel, file, &state.files)
                .await
                .map_err(|e| (e.to_string(), e.retryable))?;
            if let Err(e) = state.store.attachments().set_uploaded(file.id, &id).await {
                tracing::warn!(error = %e, "recording an uploaded file's media id failed");
            }
            id
        }
    };
    Ok(whatsapp::media_body(
        to,
        file.kind.id(),
        &media_id,
        &o.body,
        file.file_name.as_deref(),
        file.voice,
    ))
}

/// Delivers one claimed message and records the outcome.
async fn deliver(state: &AppState, o: &Outgoing) -> store::Result<()> {
    let now = state.clock.now_micros();
    let channel = state.store.channels().channel(o.channel).await?;
    let outcome: Result<String, (String, bool)> = match (&channel, &o.to) {
        (Some(c), Some(to)) if c.kind == ChannelKind::WhatsApp && c.active => {
            match body_with_file(state, c, o, to).await {
                Ok(body) => state
                    .graph
                    .send(c, &body)
                    .await
                    .map_err(|e| (e.to_string(), e.retryable)),
                Err(e) => Err(e),
            }
        }
        (Some(c), _) if !c.active => Err(("the channel is deactivated".to_owned(), false)),
        (Some(_), None) => Err((
            "the conversation has no contact to send to".to_owned(),
            false,
        )),
        _ => Err(("the channel cannot send messages".to_owned(), false)),
    };
    let result = match &outcome {
        Ok(id) => Ok(id.as_str()),
        Err((e, true)) if o.attempts + 1 < MAX_ATTEMPTS => Err((
            e.as_str(),
            Some(now + backoff_seconds(o.attempts) * state.config.retry_unit_micros),
        )),
        Err((e, _)) => Err((e.as_str(), None)),
    };
    state.store.outbox().outgoing_result(o, result, now).await?;
    state.hub.poke();
    Ok(())
}

/// The node's sender loop: runs until the process ends.
pub async fn run(state: AppState, wake: Arc<Notify>) {
    loop {
        let now = state.clock.now_micros();
        let claimed = match state.store.outbox().claim_outgoing(now, LEASE, BATCH).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "claiming messages to send failed: retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for o in &claimed {
            let span = tracing::info_span!(
                "send",
                account = o.account.0,
                conversation = o.conversation.0,
                channel = o.channel,
                message = o.message,
                attempt = o.attempts + 1,
            );
            if let Err(e) = deliver(&state, o).instrument(span.clone()).await {
                span.in_scope(
                    || tracing::error!(error = %e, "recording a message's delivery failed"),
                );
            }
        }
        if claimed.len() == BATCH as usize {
            continue;
        }
        // Sleep until the next message is due (at most a second, for other nodes' messages),
        // or until this node queues one.
        let wait = match state.store.outbox().next_outgoing_due().await {
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
