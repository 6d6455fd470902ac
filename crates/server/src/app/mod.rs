//! The use cases: what Atende does, apart from how it is asked. HTTP handlers parse a request,
//! call one function here and render its result; routing, the committer, and later bots,
//! timers, campaigns and scheduled messages call the same functions without a request.
//!
//! A use case takes a narrow [`Ctx`] (the store, the clock, this node's event hub and outbox,
//! the access cache, the arrivals' committer) and, when someone acts, an [`Acting`] (the user
//! and the principal the engine decides with). Every allow and deny is the engine's
//! (`access`); the business rules that go with a use case (WhatsApp's 24-hour window, the
//! agents' limits) sit beside it, not in the handlers.
//!
//! Errors are [`crate::error::ApiError`], the crate's one error type, mapped to HTTP in
//! `error.rs` only: a use case says `not_found`, `conflict` or `bad_request` with a code and a
//! message, never a status.
//!
//! Layers: `http handlers → app → access / store → events`; nothing here imports a handler's
//! module (`crate::conversations`, `crate::admin`, ...).

pub mod contacts;
pub mod conversations;
pub mod files;
pub mod outbound;
pub mod principals;
pub mod receive;
pub mod routing;
pub mod window;

use access::{Principal, UserId};
use store::Store;

use crate::cache::AccessCache;
use crate::channels::committer::Committer;
use crate::clock::Clock;
use crate::hub::Hub;

/// What a use case may reach: no HTTP, no configuration beyond what it needs.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// The database.
    pub store: &'a Store,
    /// The clock.
    pub clock: &'a dyn Clock,
    /// This node's live events (poked after a write).
    pub hub: &'a Hub,
    /// Wakes this node's sender when a message is queued.
    pub outbox: &'a tokio::sync::Notify,
    /// Resolved configurations and principals, by access version.
    pub cache: &'a AccessCache,
    /// Group commit of arrivals (`None`: each delivery in its own transaction).
    pub committer: Option<&'a Committer>,
    /// Wakes this node's downloader when an arrival announces a file.
    pub downloads: &'a tokio::sync::Notify,
    /// The files of messages.
    pub files: &'a ::files::Files,
}

/// Who acts: a user, with the principal the engine decides with (resolved for the address
/// the request came from, or from where an agent went online).
#[derive(Clone, Copy)]
pub struct Acting<'a> {
    /// The user.
    pub user: UserId,
    /// Their account.
    pub account: access::AccountId,
    /// Their principal.
    pub principal: &'a Principal,
    /// The account's access configuration the principal was resolved against.
    pub config: &'a access::AccountConfig,
}
