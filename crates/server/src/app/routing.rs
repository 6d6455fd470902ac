//! Routing (`assignment = auto`): a conversation that arrives waiting is offered, at arrival,
//! to the online members of its department in round robin order (least recently given one
//! first), skipping those at their limit of open conversations; the first the engine allows
//! to assume it (their roles resolved from the address they went online from) gets it. With
//! nobody available, or with `manual`, it waits in Aguardando, and is offered again when an
//! agent goes online. An agent who goes away keeps their conversations, unless the account
//! reassigns them (`reassign_when_away`): then they go back to the queue and are offered again.
//!
//! Correctness with several nodes rests on the store's `assign` (the agent's row locked while
//! their open conversations are counted; the conversation taken only at the version read).

use std::net::IpAddr;

use access::{AccountId, Action, Assignment, ConversationId, Status, UserId};
use store::{Assigned, SessionOwner};

use super::{Acting, Ctx};
use crate::error::ApiError;

/// Conversations offered when an agent goes online, at most.
const OFFER_ON_ONLINE: u32 = 50;

/// Offers a waiting conversation to its department's available agents; the agent who got it.
#[tracing::instrument(
    level = "debug",
    skip_all,
    fields(account = account.0, conversation = conversation.0)
)]
pub async fn offer(
    ctx: &Ctx<'_>,
    account: AccountId,
    conversation: ConversationId,
) -> Result<Option<UserId>, ApiError> {
    let version = ctx.store.events().access_version(account).await?;
    let config = match ctx.cache.config(account, version) {
        Some(c) => c,
        None => {
            let c = std::sync::Arc::new(ctx.store.directory().account_config(account).await?);
            ctx.cache
                .put_config(account, version, std::sync::Arc::clone(&c));
            c
        }
    };
    if config.settings.assignment != Assignment::Auto {
        return Ok(None);
    }
    let Some(record) = ctx
        .store
        .conversations()
        .conversation(account, conversation)
        .await?
    else {
        return Ok(None);
    };
    let c = record.conversation;
    if c.status != Status::Waiting || c.assignee.is_some() {
        return Ok(None);
    }
    for candidate in ctx
        .store
        .routing()
        .routing_candidates(account, c.department)
        .await?
    {
        if candidate.max_open.is_some_and(|m| candidate.open >= m) {
            continue;
        }
        // Resolved from where the agent went online; no address known: no role limited to
        // allowed networks applies.
        let address = candidate.address;
        let owner = SessionOwner {
            user: candidate.user,
            account,
        };
        let Ok((_, principal)) = super::principals::resolve(ctx, owner, address, version).await
        else {
            continue;
        };
        // The engine decides: routing gives a conversation only to whom may assume it.
        if !principal.decide(&c, Action::Assume).is_allowed() {
            continue;
        }
        let Some(t) = principal.transition(&c, Action::Assume) else {
            continue;
        };
        let now = ctx.clock.now_micros();
        match ctx
            .store
            .routing()
            .assign(&record, candidate.user, &t, now)
            .await?
        {
            Assigned::Yes => {
                ctx.hub.poke();
                return Ok(Some(candidate.user));
            }
            Assigned::AgentUnavailable => {}
            Assigned::ConversationChanged => return Ok(None),
        }
    }
    Ok(None)
}

/// Puts `who` online or away (from `address`). Going online offers the waiting conversations of
/// their departments; going away, when the account reassigns, puts their conversations in
/// progress back in the queue and offers them to the others.
pub async fn set_availability(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    online: bool,
    address: Option<IpAddr>,
) -> Result<(), ApiError> {
    let account = who.account;
    ctx.store
        .routing()
        .set_availability(account, who.user, online, address)
        .await?;
    if online {
        let departments: Vec<access::DepartmentId> = who.principal.memberships().collect();
        for c in ctx
            .store
            .routing()
            .waiting_unassigned(account, &departments, OFFER_ON_ONLINE)
            .await?
        {
            offer(ctx, account, c).await?;
        }
    } else if ctx.store.routing().reassign_when_away(account).await? {
        for id in ctx
            .store
            .routing()
            .in_progress_of(account, who.user)
            .await?
        {
            let Some(record) = ctx.store.conversations().conversation(account, id).await? else {
                continue;
            };
            // Back to the queue, as the account's setting says (not an agent's action).
            let t = access::Transition {
                status: Status::Waiting,
                assignee: None,
                department: record.conversation.department,
            };
            match ctx
                .store
                .conversations()
                .apply_transition(&record, &t, ctx.clock.now_micros())
                .await
            {
                Ok(_) => {
                    offer(ctx, account, id).await?;
                }
                // Changed meanwhile (the agent acted on it): left as it is.
                Err(store::StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    ctx.hub.poke();
    Ok(())
}
