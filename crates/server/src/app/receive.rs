//! Receiving: what a channel delivered (WhatsApp, the generic channel, later bots' test
//! conversations) is stored durably, through group commit unless it is off, the same message
//! id twice stored once; this node's live events are woken, and a conversation the arrival
//! started is offered to the department's agents ([`super::routing`]).

use store::{Channel, Inbound, Received};

use super::Ctx;
use crate::channels::committer::Arrival;
use crate::error::ApiError;

/// Stores arrivals (through group commit unless it is off) and routes the conversations they
/// started or woke.
pub async fn receive(
    ctx: &Ctx<'_>,
    channel: &Channel,
    arrivals: Vec<Arrival>,
) -> Result<Vec<Received>, ApiError> {
    crate::trace::record_channel(channel);
    if arrivals.is_empty() {
        return Ok(Vec::new());
    }
    let files = arrivals.iter().any(|a| a.media.is_some());
    let stored = if let Some(committer) = ctx.committer {
        committer.submit(channel.clone(), arrivals).await?
    } else {
        let items: Vec<Inbound<'_>> = arrivals.iter().map(Arrival::inbound).collect();
        ctx.store.channels().receive(channel, &items).await?
    };
    ctx.hub.poke();
    if files {
        ctx.downloads.notify_one();
    }
    // A conversation started by the arrival is offered at once; one that was already open
    // was offered when it started (and again whenever an agent goes online).
    for r in &stored {
        if let Received::Stored {
            conversation,
            created: true,
            ..
        } = r
        {
            super::routing::offer(ctx, channel.account, *conversation).await?;
        }
    }
    Ok(stored)
}
