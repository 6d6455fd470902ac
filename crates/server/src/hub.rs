//! A node's fan-out of live events: the pump ([`crate::events`]) broadcasts each stored event
//! to the node's streams and to the outbound webhooks' worker; anything that writes pokes it.
//! A leaf: use cases and the state hold a [`Hub`] without depending on the event streams.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use store::{ConversationRow, EventRecord, Message};
use tokio::sync::{Notify, broadcast};

/// Events a node's streams may fall behind by before they read from the database instead.
const CHANNEL: usize = 4096;
/// How long events are kept by default (the replay window), µs: seven days.
pub const KEEP: i64 = 7 * 24 * 3600 * 1_000_000;

/// One event as a node delivers it to its streams.
#[derive(Debug)]
pub struct Delivery {
    /// The stored event.
    pub event: EventRecord,
    /// The conversation as it is now (conversation and message events).
    pub row: Option<ConversationRow>,
    /// The message (message events).
    pub message: Option<Message>,
}

/// A node's event fan-out.
pub struct Hub {
    pub(crate) tx: broadcast::Sender<Arc<Delivery>>,
    pub(crate) wake: Notify,
    pub(crate) last: AtomicI64,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            tx: broadcast::channel(CHANNEL).0,
            wake: Notify::new(),
            last: AtomicI64::new(0),
        }
    }
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("last", &self.last.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Hub {
    /// Tells the pump that this node wrote events (it reads them at once).
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    /// Starts delivering after `id` (the newest event stored when the node starts).
    pub fn start_at(&self, id: i64) {
        self.last.store(id, Ordering::Release);
    }

    /// The newest event id the pump has delivered.
    pub fn last(&self) -> i64 {
        self.last.load(Ordering::Acquire)
    }

    /// How many streams are connected to this node.
    pub fn streams(&self) -> usize {
        self.tx.receiver_count()
    }

    /// A receiver of what the pump broadcasts: the outbound webhooks' worker wakes on it when
    /// events are written (it counts in [`Hub::streams`]).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Delivery>> {
        self.tx.subscribe()
    }
}

/// What an event is about, as it is now: its conversation (a listing row) and its message.
pub type Loaded = (Option<ConversationRow>, Option<Message>);

/// Loads an event's conversation and message as they are now (the live streams' pump and the
/// outbound webhooks' worker read events the same way).
pub async fn load(store: &store::Store, e: &EventRecord) -> store::Result<Loaded> {
    let row = match e.conversation {
        Some(c) => store
            .conversations()
            .conversation_rows(e.account, &[c])
            .await?
            .into_iter()
            .next(),
        None => None,
    };
    let message = match e.message {
        Some(m) => store.inbox().message(e.account, m).await?.map(|(_, m)| m),
        None => None,
    };
    Ok((row, message))
}
