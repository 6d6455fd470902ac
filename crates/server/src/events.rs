//! Live events: `GET /api/v1/events`, a Server-Sent Events stream per logged-in user.
//!
//! Every change writes an event row in its own transaction (see the store's `events`). One
//! pump per node reads new rows in id order (woken by the node's own writes, by PostgreSQL's
//! `NOTIFY` from other nodes, and by a slow poll as a safety net), loads each conversation as it
//! is now, and broadcasts it to the node's streams. Each stream then asks the engine, at the
//! moment it sends, what its user may learn:
//!
//! - the conversation is visible now: a `conversation` event (details masked as
//!   `details_visible` says), and for a message event a `message` event when the details are
//!   visible;
//! - it is not visible now but was before the change (or the stream had shown it): a `removed`
//!   event, and nothing about it afterwards;
//! - otherwise nothing: the user learns nothing of a conversation they may not see.
//!
//! A change of the account's access configuration re-resolves the user's principal, removes
//! what the stream had shown and the user may no longer see, and sends `access` (lists should
//! be read again). Event ids are the SSE ids: a client reconnecting with `Last-Event-ID` (or
//! `?after=`) gets what it missed from the database, filtered the same way; a cursor older than
//! the replay window gets `reset`.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use access::{Conversation, ConversationId, Principal, Standing};
use axum::extract::State;

use crate::input::Query;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use serde::Deserialize;
use serde_json::json;
use store::{ConversationRow, EventKind, EventRecord, Message, SessionOwner};
use tokio::sync::broadcast;
use utoipa::IntoParams;

use crate::caller::Caller;
use crate::conversations::{ConversationView, MessageView, message_view, tab_counts, view};
use crate::error::ApiError;
use crate::state::AppState;

/// Events read per database round trip.
const BATCH: u32 = 500;
/// How often a node prunes older events, µs.
const PRUNE_EVERY: i64 = 3600 * 1_000_000;
/// How often a stream checks that its session still exists (logout, expiry).
const SESSION_CHECK: Duration = Duration::from_secs(30);
/// Conversations a stream remembers having shown (to remove them when access changes).
const KNOWN: usize = 2048;

pub use crate::hub::{Delivery, Hub, KEEP};

/// Loads what a batch of events needs: each conversation as it is now, each message.
async fn deliveries(state: &AppState, events: Vec<EventRecord>) -> store::Result<Vec<Delivery>> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let (row, message) = crate::hub::load(&state.store, &e).await?;
        out.push(Delivery {
            event: e,
            row,
            message,
        });
    }
    Ok(out)
}

/// Reads and broadcasts every event after the last delivered one.
async fn drain(state: &AppState) -> store::Result<()> {
    loop {
        let after = state.hub.last();
        let events = state.store.events().events_after(after, BATCH).await?;
        let Some(newest) = events.last().map(|e| e.id) else {
            return Ok(());
        };
        let full = events.len() == BATCH as usize;
        for d in deliveries(state, events).await? {
            // No stream connected is not an error.
            let _ = state.hub.tx.send(Arc::new(d));
        }
        state.hub.last.store(newest, Ordering::Release);
        if !full {
            return Ok(());
        }
    }
}

/// The node's pump: runs until the process ends. Starts after the newest event stored.
pub async fn pump(state: AppState) {
    let poll = match state.store.backend() {
        store::Backend::Sqlite => Duration::from_secs(1),
        store::Backend::Postgres => Duration::from_secs(5),
    };
    let mut listener = None;
    let mut pruned_at = 0_i64;
    loop {
        // Events older than the replay window go, once an hour (any node may do it).
        let now = state.clock.now_micros();
        if let Some(keep) = state.config.event_retention_micros
            && now - pruned_at > PRUNE_EVERY
        {
            pruned_at = now;
            if let Err(e) = state.store.events().prune_events(now - keep).await {
                tracing::warn!(error = %e, "pruning old events failed");
            }
        }
        if listener.is_none() {
            listener = match state.store.events().event_listener().await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for other nodes' events: polling");
                    None
                }
            };
        }
        if let Err(e) = drain(&state).await {
            tracing::warn!(error = %e, "reading events failed: retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        let woke = async {
            match listener.as_mut() {
                Some(l) => l.wait().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = state.hub.wake.notified() => {}
            r = woke => {
                if let Err(e) = r {
                    tracing::warn!(error = %e, "lost the notification connection");
                    listener = None;
                }
            }
            () = tokio::time::sleep(poll) => {}
        }
    }
}

/// Where a stream starts.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Resume after this event id (as `Last-Event-ID`, which takes precedence).
    pub after: Option<i64>,
}

/// One stream's state: who, what it has shown, where it is.
struct Stream {
    state: AppState,
    owner: SessionOwner,
    address: Option<IpAddr>,
    session: Option<String>,
    principal: Arc<Principal>,
    version: i64,
    known: HashSet<ConversationId>,
    rx: broadcast::Receiver<Arc<Delivery>>,
    /// The last event id sent (or skipped): the cursor.
    cursor: i64,
    out: VecDeque<Event>,
    closed: bool,
    /// When to check again that the session still exists.
    check_at: tokio::time::Instant,
}

fn sse(name: &str, id: Option<i64>, data: &serde_json::Value) -> Event {
    let e = Event::default().event(name).data(data.to_string());
    match id {
        Some(id) => e.id(id.to_string()),
        None => e,
    }
}

fn at_state(c: &Conversation, s: store::ConversationState) -> Conversation {
    Conversation {
        department: s.department,
        status: s.status,
        assignee: s.assignee,
        ..*c
    }
}

/// What `p` may learn of a conversation or message event, `row` being the conversation as it is
/// now (the engine decides): nothing when it is not visible; otherwise the conversation, its
/// details masked as `details_visible` says, and for a message event the message, only when
/// the details are visible. The live streams and the outbound webhooks decide with it.
pub(crate) fn decide(
    p: &Principal,
    kind: EventKind,
    row: &ConversationRow,
    message: Option<&Message>,
) -> Option<(ConversationView, Option<MessageView>)> {
    let c = row.record.conversation;
    if !p.visible(&c) {
        return None;
    }
    let message = match (kind, message) {
        (EventKind::Message, Some(m)) if p.details_visible(&c) => Some(message_view(m.clone())),
        _ => None,
    };
    Some((view(p, row.clone()), message))
}

impl Stream {
    fn remember(&mut self, id: ConversationId) {
        if self.known.len() < KNOWN {
            self.known.insert(id);
        }
    }

    /// What this stream's user may learn of one event (the engine decides, now).
    async fn handle(&mut self, d: &Delivery) -> Result<(), ApiError> {
        let e = &d.event;
        if e.id <= self.cursor {
            return Ok(());
        }
        self.cursor = e.id;
        if e.account != self.owner.account {
            return Ok(());
        }
        if e.kind == EventKind::Access {
            return self.access_changed(e.id).await;
        }
        let Some(row) = &d.row else {
            // The conversation is gone: tell whoever had it.
            if let Some(c) = e.conversation.filter(|c| self.known.remove(c)) {
                self.out
                    .push_back(sse("removed", Some(e.id), &json!({ "id": c.0 })));
            }
            return Ok(());
        };
        let c = row.record.conversation;
        let p = Arc::clone(&self.principal);
        if let Some((conversation, message)) = decide(&p, e.kind, row, d.message.as_ref()) {
            self.remember(c.id);
            let conversation =
                serde_json::to_value(conversation).map_err(|err| ApiError::internal(&err))?;
            self.out
                .push_back(sse("conversation", Some(e.id), &conversation));
            if let Some(m) = message {
                self.out.push_back(sse(
                    "message",
                    None,
                    &json!({ "conversation_id": c.id.0, "message": m }),
                ));
            }
            if e.kind == EventKind::Conversation {
                self.push_counts().await?;
            }
        } else {
            let was = e.before.is_some_and(|b| p.visible(&at_state(&c, b)));
            if self.known.remove(&c.id) || was {
                self.out
                    .push_back(sse("removed", Some(e.id), &json!({ "id": c.id.0 })));
                self.push_counts().await?;
            }
        }
        Ok(())
    }

    async fn push_counts(&mut self) -> Result<(), ApiError> {
        let counts = tab_counts(&self.state, &self.principal).await?;
        let counts = serde_json::to_value(counts).map_err(|err| ApiError::internal(&err))?;
        self.out.push_back(sse("counts", None, &counts));
        Ok(())
    }

    /// The account's access configuration changed: resolve the user again, remove what they
    /// may no longer see, and tell them to read their lists again.
    async fn access_changed(&mut self, id: i64) -> Result<(), ApiError> {
        // Sessions ended (logout, password change, deactivation, a binding removed, a token
        // revoked) write an `access` event too: the stream ends with its session, at once.
        if !self.still_authenticated().await? {
            self.closed = true;
            self.out.push_back(sse("closed", Some(id), &json!({})));
            return Ok(());
        }
        let version = self
            .state
            .store
            .events()
            .access_version(self.owner.account)
            .await?;
        if version == self.version {
            return Ok(());
        }
        let resolved =
            crate::app::principals::resolve(&self.state.ctx(), self.owner, self.address, version)
                .await;
        let principal = match resolved {
            Ok((_, p)) if p.standing() == Standing::Active => p,
            // Deactivated, or no role active from this address: the stream ends.
            _ => {
                self.closed = true;
                self.out.push_back(sse("closed", Some(id), &json!({})));
                return Ok(());
            }
        };
        self.version = version;
        self.principal = principal;
        let known: Vec<ConversationId> = self.known.iter().copied().collect();
        let rows = self
            .state
            .store
            .conversations()
            .conversation_rows(self.owner.account, &known)
            .await?;
        for row in rows {
            let c = row.record.conversation;
            if !self.principal.visible(&c) {
                self.known.remove(&c.id);
                self.out
                    .push_back(sse("removed", None, &json!({ "id": c.id.0 })));
            }
        }
        self.out.push_back(sse("access", Some(id), &json!({})));
        self.push_counts().await
    }

    /// Replays stored events after the cursor (a reconnection, or a stream that fell behind).
    async fn replay(&mut self) -> Result<(), ApiError> {
        let first = self.state.store.events().first_event_id().await?;
        if first.is_some_and(|f| f > self.cursor + 1) && self.cursor > 0 {
            // Events were pruned since: the client must read everything again.
            let newest = self.state.store.events().last_event_id().await?;
            self.cursor = newest;
            self.out
                .push_back(sse("reset", Some(newest), &json!({ "cursor": newest })));
            return Ok(());
        }
        loop {
            let events = self
                .state
                .store
                .events()
                .account_events_after(self.owner.account, self.cursor, BATCH)
                .await?;
            let full = events.len() == BATCH as usize;
            for d in deliveries(&self.state, events).await? {
                self.handle(&d).await?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// The session (or API token) still exists.
    async fn still_authenticated(&mut self) -> Result<bool, ApiError> {
        self.check_at = tokio::time::Instant::now() + SESSION_CHECK;
        let now = self.state.clock.now_micros();
        Ok(match &self.session {
            Some(hash) => self
                .state
                .store
                .auth()
                .session_context(hash, now)
                .await?
                .is_some(),
            None => true,
        })
    }

    /// The next event to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(e) = self.out.pop_front() {
                return Some(e);
            }
            if self.closed {
                return None;
            }
            let step = tokio::select! {
                r = self.rx.recv() => match r {
                    Ok(d) => self.handle(&d).await,
                    // Fell behind the node: read what was missed from the database.
                    Err(broadcast::error::RecvError::Lagged(_)) => self.replay().await,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                () = tokio::time::sleep_until(self.check_at) => match self.still_authenticated().await {
                    Ok(true) => Ok(()),
                    Ok(false) => {
                        self.closed = true;
                        self.out.push_back(sse("closed", None, &json!({})));
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
            };
            if let Err(e) = step {
                tracing::warn!(error = %e.message(), "a live event stream failed");
                return None;
            }
        }
    }
}

/// The caller's live events (Server-Sent Events): `ready`, then `conversation`, `message`,
/// `removed`, `counts`, `access`, `reset` and `closed`, each filtered by the access engine when
/// it is sent.
#[utoipa::path(get, path = "/api/v1/events", tag = "conversations", params(StreamQuery),
    responses((status = 200, content_type = "text/event-stream", description = "The event stream"),
              (status = 401, body = crate::error::ErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<StreamQuery>,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(q.after)
        .filter(|a| *a >= 0);
    // Subscribe before reading the cursor: nothing written from here on is missed.
    let rx = state.hub.tx.subscribe();
    let version = state
        .store
        .events()
        .access_version(caller.owner.account)
        .await?;
    let mut s = Stream {
        owner: caller.owner,
        address: caller.address,
        session: caller.session.clone(),
        principal: Arc::clone(&caller.principal),
        version,
        known: HashSet::new(),
        rx,
        cursor: resume.unwrap_or_else(|| state.hub.last()),
        out: VecDeque::new(),
        closed: false,
        check_at: tokio::time::Instant::now() + SESSION_CHECK,
        state,
    };
    if resume.is_some() {
        s.replay().await?;
    }
    s.out
        .push_front(sse("ready", None, &json!({ "cursor": s.cursor })));
    let events =
        futures_util::stream::unfold(s, |mut s| async move { s.next().await.map(|e| (Ok(e), s)) });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(stream))
}
