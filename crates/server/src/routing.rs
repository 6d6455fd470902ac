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

use access::{AccountId, Action, Assignment, ConversationId, Status, UserId};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use store::{Assigned, SessionOwner};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::json::Json;

/// Conversations offered when an agent goes online, at most.
const OFFER_ON_ONLINE: u32 = 50;

/// Offers a waiting conversation to its department's available agents; the agent who got it.
#[tracing::instrument(
    level = "debug",
    skip_all,
    fields(account = account.0, conversation = conversation.0)
)]
pub async fn offer(
    state: &AppState,
    account: AccountId,
    conversation: ConversationId,
) -> Result<Option<UserId>, ApiError> {
    let version = state.store.access_version(account).await?;
    let config = match state.cache.config(account, version) {
        Some(c) => c,
        None => {
            let c = std::sync::Arc::new(state.store.account_config(account).await?);
            state
                .cache
                .put_config(account, version, std::sync::Arc::clone(&c));
            c
        }
    };
    if config.settings.assignment != Assignment::Auto {
        return Ok(None);
    }
    let Some(record) = state.store.conversation(account, conversation).await? else {
        return Ok(None);
    };
    let c = record.conversation;
    if c.status != Status::Waiting || c.assignee.is_some() {
        return Ok(None);
    }
    for candidate in state
        .store
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
        let Ok((_, principal)) = crate::auth::resolve(state, owner, address, version).await else {
            continue;
        };
        // The engine decides: routing gives a conversation only to whom may assume it.
        if !principal.decide(&c, Action::Assume).is_allowed() {
            continue;
        }
        let Some(t) = principal.transition(&c, Action::Assume) else {
            continue;
        };
        let now = state.clock.now_micros();
        match state.store.assign(&record, candidate.user, &t, now).await? {
            Assigned::Yes => {
                state.hub.poke();
                return Ok(Some(candidate.user));
            }
            Assigned::AgentUnavailable => {}
            Assigned::ConversationChanged => return Ok(None),
        }
    }
    Ok(None)
}

/// The caller's availability for routing.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    /// `online` (routing may give you conversations) or `away`.
    pub availability: String,
}

/// The caller's availability.
#[utoipa::path(get, path = "/api/v1/me/availability", tag = "routing",
    responses((status = 200, body = Availability), (status = 401, body = crate::error::ErrorBody)))]
pub async fn get_availability(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Availability>, ApiError> {
    let r = state
        .store
        .agent_routing(caller.owner.account, caller.owner.user)
        .await?;
    Ok(axum::Json(Availability {
        availability: if r.online { "online" } else { "away" }.to_owned(),
    }))
}

/// Sets the caller online or away. Going online offers the waiting conversations of the
/// caller's departments; going away, when the account reassigns, puts the caller's
/// conversations in progress back in the queue and offers them to the others.
#[utoipa::path(put, path = "/api/v1/me/availability", tag = "routing", request_body = Availability,
    responses((status = 204), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody)))]
pub async fn set_availability(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<Availability>,
) -> Result<StatusCode, ApiError> {
    let online = match body.availability.as_str() {
        "online" => true,
        "away" => false,
        other => {
            return Err(ApiError::bad_request(
                "bad_availability",
                format!("`availability` cannot be `{other}`: use online or away"),
            ));
        }
    };
    let account = caller.owner.account;
    state
        .store
        .set_availability(account, caller.owner.user, online, caller.address)
        .await?;
    if online {
        let departments: Vec<access::DepartmentId> = caller.principal.memberships().collect();
        for c in state
            .store
            .waiting_unassigned(account, &departments, OFFER_ON_ONLINE)
            .await?
        {
            offer(&state, account, c).await?;
        }
    } else if state.store.reassign_when_away(account).await? {
        for id in state
            .store
            .in_progress_of(account, caller.owner.user)
            .await?
        {
            let Some(record) = state.store.conversation(account, id).await? else {
                continue;
            };
            // Back to the queue, as the account's setting says (not an agent's action).
            let t = access::Transition {
                status: Status::Waiting,
                assignee: None,
                department: record.conversation.department,
            };
            match state
                .store
                .apply_transition(&record, &t, state.clock.now_micros())
                .await
            {
                Ok(_) => {
                    offer(&state, account, id).await?;
                }
                // Changed meanwhile (the agent acted on it): left as it is.
                Err(store::StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    state.hub.poke();
    Ok(StatusCode::NO_CONTENT)
}
