//! Outbound webhooks' worker: moves each active webhook's new events into deliveries, and
//! posts due deliveries, signed, retrying failures with exponential backoff.
//!
//! One loop per node (spawned next to the sender). Every node may move events and deliver:
//! the store moves a webhook's events only from the cursor the node read (two nodes never
//! enqueue an event twice) and claims deliveries with a lease (a node dying mid-delivery
//! leaves it to be claimed again when the lease ends). The loop wakes when this node's pump
//! broadcasts events (its own writes, other nodes' through PostgreSQL's `NOTIFY`), when a
//! retry is due, and at least every second.
//!
//! A payload is built when its event is moved in: the conversation (and message) as they are
//! at that moment, shortly after the event, decided by the engine for the webhook's acting
//! user, as it is then ([`principal`]): a webhook delivers only what that user
//! may see, with the details masked where `details_visible` does not hold, message events
//! (internal notes included) only with the details, and nothing while it is paused. Each
//! attempt checks again that the acting user still sees what the payload shows.
//!
//! Deliveries are not ordered: a retried one may arrive after later ones (the payload's `id`
//! is the event id, which grows with time). The signature is made at each attempt with the
//! webhook's secret at that moment.

pub mod payload;
pub mod principal;
pub mod worker;

pub use worker::{KEEP, TIMEOUT, run};
