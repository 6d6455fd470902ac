//! The worker: one loop per node that moves each active webhook's new events into deliveries
//! and posts due deliveries (see the module above for the whole story).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::time::Duration;

use store::{DeliveryOutcome, DueDelivery, NewDelivery, Webhook};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tracing::Instrument;

use crate::channels::sender::{MAX_ATTEMPTS, backoff_seconds};
use crate::channels::whatsapp::sign;
use crate::egress::{UNREACHABLE, body_prefix};
use crate::hub::{Loaded, load};
use crate::state::AppState;

/// How long one attempt may take, answer included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed delivery is reserved for the node that claimed it, µs.
const LEASE: i64 = 60 * 1_000_000;
/// Deliveries claimed (and posted concurrently) per round.
const BATCH: u32 = 20;
/// Webhooks fed per round.
const HOOKS: u32 = 100;
/// Events moved into one webhook's deliveries per round.
const EVENTS: u32 = 200;
/// How long finished deliveries stay in the log, µs: thirty days.
pub const KEEP: i64 = 30 * 24 * 3600 * 1_000_000;
/// How often a node prunes the log, µs.
const PRUNE_EVERY: i64 = 3600 * 1_000_000;
/// Bytes of a failed answer's body kept in the log.
const ERROR_BODY: usize = 200;

/// Moves one webhook's next events into its deliveries, each decided for the webhook's acting
/// user as things are now (a paused webhook's events go by undelivered); whether it has more.
async fn feed_one(
    state: &AppState,
    hook: &Webhook,
    cache: &mut HashMap<i64, Loaded>,
) -> store::Result<bool> {
    let events = state
        .store
        .events()
        .account_events_after(hook.account, hook.cursor, EVENTS)
        .await?;
    let Some(through) = events.last().map(|e| e.id) else {
        return Ok(false);
    };
    let acting = super::principal::acting_principal(state, hook.account, hook.acting_user).await?;
    let mut deliveries = Vec::new();
    // Paused: no principal, nothing delivered; the cursor moves on all the same.
    let wanted = events.iter().filter(|e| hook.wants(e.kind));
    for (e, p) in wanted.filter_map(|e| acting.as_ref().ok().map(|p| (e, p))) {
        let (row, message) = match cache.entry(e.id) {
            Entry::Occupied(loaded) => loaded.into_mut(),
            Entry::Vacant(slot) => slot.insert(load(&state.store, e).await?),
        };
        if let Some((kind, body)) = super::principal::delivery(p, e, row.as_ref(), message.as_ref())
        {
            deliveries.push(NewDelivery {
                event_id: e.id,
                event_type: kind.to_owned(),
                payload: body.to_string(),
            });
        }
    }
    let now = state.clock.now_micros();
    // `false`: another node moved them first, or the webhook changed: the next round reads it
    // again.
    state
        .store
        .webhooks()
        .enqueue_deliveries(hook, through, &deliveries, now)
        .await?;
    Ok(events.len() == EVENTS as usize)
}

/// Moves new events into deliveries for every active webhook behind; whether more remain.
async fn feed(state: &AppState) -> store::Result<bool> {
    let hooks = state.store.webhooks().webhooks_behind(HOOKS).await?;
    let mut more = hooks.len() == HOOKS as usize;
    let mut cache = HashMap::new();
    for hook in &hooks {
        more |= feed_one(state, hook, &mut cache).await?;
    }
    Ok(more)
}

/// The outcome of one POST: `Ok(status)` for 2xx, else the status (if any) and why.
async fn post(state: &AppState, d: &DueDelivery) -> Result<i64, (Option<i64>, String)> {
    // Through the egress policy: a refused address reads as an unreachable one.
    let unreachable = || {
        (
            None,
            format!("the receiver could not be reached: {UNREACHABLE}"),
        )
    };
    let request = state
        .egress
        .request(reqwest::Method::POST, &d.url)
        .map_err(|_| unreachable())?
        .timeout(TIMEOUT)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Atende-Event", &d.event_type)
        .header("X-Atende-Delivery", d.id.to_string())
        .header(
            "X-Atende-Signature-256",
            sign(&d.secret, d.payload.as_bytes()),
        )
        .body(d.payload.clone());
    let answer = state
        .egress
        .send(request)
        .await
        .map_err(|_| unreachable())?;
    let status = answer.status();
    let code = i64::from(status.as_u16());
    if status.is_success() {
        return Ok(code);
    }
    let body = body_prefix(answer, 4 * ERROR_BODY)
        .await
        .unwrap_or_default();
    let text: String = String::from_utf8_lossy(&body)
        .chars()
        .filter(|c| !c.is_control())
        .take(ERROR_BODY)
        .collect();
    let message = if text.trim().is_empty() {
        format!("the receiver answered {code}")
    } else {
        format!("the receiver answered {code}: {}", text.trim())
    };
    Err((Some(code), message))
}

/// Posts one claimed delivery and records the outcome; one its webhook's acting user may no
/// longer see (or a paused webhook's) fails unsent.
async fn deliver(state: &AppState, d: &DueDelivery) -> store::Result<()> {
    if let Some(why) = super::principal::withheld(state, d).await? {
        let outcome = DeliveryOutcome::Failed {
            status: None,
            error: &why,
        };
        let now = state.clock.now_micros();
        return state
            .store
            .webhooks()
            .delivery_result(d.id, outcome, now)
            .await;
    }
    let result = post(state, d).await;
    let now = state.clock.now_micros();
    let outcome = match &result {
        Ok(status) => DeliveryOutcome::Delivered { status: *status },
        Err((status, error)) if d.attempts + 1 < MAX_ATTEMPTS => DeliveryOutcome::Retry {
            status: *status,
            error,
            next: now + backoff_seconds(d.attempts) * state.config.retry_unit_micros,
        },
        Err((status, error)) => DeliveryOutcome::Failed {
            status: *status,
            error,
        },
    };
    state
        .store
        .webhooks()
        .delivery_result(d.id, outcome, now)
        .await
}

/// Claims due deliveries and posts them concurrently; whether a full batch was claimed.
async fn deliver_due(state: &AppState) -> store::Result<bool> {
    let now = state.clock.now_micros();
    let claimed = state
        .store
        .webhooks()
        .claim_deliveries(now, LEASE, BATCH)
        .await?;
    let results = futures_util::future::join_all(claimed.iter().map(|d| {
        let span = tracing::info_span!(
            "webhook_delivery",
            account = d.account.0,
            webhook = d.webhook,
            delivery = d.id,
            event = d.event_id,
            attempt = d.attempts + 1,
        );
        async move {
            if let Err(e) = deliver(state, d).await {
                tracing::error!(error = %e, "recording a webhook delivery failed");
            }
        }
        .instrument(span)
    }))
    .await;
    drop(results);
    Ok(claimed.len() == BATCH as usize)
}

/// The node's webhooks loop: runs until the process ends.
pub async fn run(state: AppState) {
    let mut wake = state.hub.subscribe();
    let mut pruned_at = 0_i64;
    loop {
        let now = state.clock.now_micros();
        if now - pruned_at > PRUNE_EVERY {
            pruned_at = now;
            if let Err(e) = state
                .store
                .webhooks()
                .prune_webhook_deliveries(now - KEEP)
                .await
            {
                tracing::warn!(error = %e, "pruning the webhook delivery log failed");
            }
        }
        let busy = match feed(&state).await {
            Ok(more) => more,
            Err(e) => {
                tracing::warn!(error = %e, "moving events into webhook deliveries failed: retrying");
                false
            }
        };
        let busy = match deliver_due(&state).await {
            Ok(more) => busy || more,
            Err(e) => {
                tracing::warn!(error = %e, "claiming webhook deliveries failed: retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if busy {
            continue;
        }
        // Sleep until the next delivery is due (at most a second: other nodes' events and
        // deliveries), or until this node's pump broadcasts events.
        let wait = match state.store.webhooks().next_delivery_due().await {
            Ok(Some(due)) => Duration::from_micros(
                u64::try_from(due.saturating_sub(state.clock.now_micros())).unwrap_or(0),
            )
            .min(Duration::from_secs(1)),
            Ok(None) | Err(_) => Duration::from_secs(1),
        };
        if wait.is_zero() {
            continue;
        }
        tokio::select! {
            r = wake.recv() => {
                if matches!(r, Err(RecvError::Closed)) {
                    tokio::time::sleep(wait).await;
                }
                // One round covers every event broadcast meanwhile.
                while !matches!(wake.try_recv(), Err(TryRecvError::Empty | TryRecvError::Closed)) {}
            }
            () = tokio::time::sleep(wait) => {}
        }
    }
}
