//! Whose eyes an outbound webhook sees with (ACCESS-MODEL v2, "No escalation through
//! memberships, webhooks or tokens"): a webhook acts with the principal of its **acting user**,
//! whoever created it or last changed it, like an API token acts with its creator's.
//!
//! - The principal is resolved from the stored state at the moment it is needed (through the
//!   cache of principals by access version), **with no client address**: a webhook has none, so
//!   only the user's roles without allowed networks act for it
//!   ([`access::Principal::resolve_unaddressed`]).
//! - A webhook whose acting user is missing, inactive, has no role acting without an address, or
//!   does not hold `settings.webhooks` through one, is **paused** ([`Paused`]): its events go by
//!   undelivered, its pending deliveries fail, and the API shows why.
//! - An event is moved into a delivery only when the engine says the acting user sees its
//!   conversation now ([`crate::events::decide`], the live streams' decision): the conversation
//!   with its details masked where `details_visible` does not hold (contact `null`,
//!   `details_hidden: true`), and a message event (internal notes included) only where the
//!   details are visible. An event of a conversation that no longer exists is not delivered.
//! - Each attempt checks again that the acting user (as it is now: a webhook taken over by
//!   another user acts for that one) still sees what the payload shows; otherwise the delivery
//!   fails unsent.
//! - The delivery log shows each reader only the deliveries whose conversation the reader sees
//!   now, masked the same way ([`shown`]); the others are left out, as if they did not exist.

use std::sync::Arc;

use access::{AccountId, ConversationId, Permission, Principal, Standing, UserId};
use serde_json::Value;
use store::{ConversationRow, EventKind, EventRecord, Message};

use crate::state::AppState;

/// Why a webhook acts for no one now: it delivers nothing until this changes or a holder of
/// `settings.webhooks` changes the webhook (becoming its acting user).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paused {
    /// It has no acting user (created before webhooks acted for a user), or the user is gone.
    NoUser,
    /// Its acting user is deactivated.
    UserInactive,
    /// None of its acting user's roles acts without a client address (every role is restricted
    /// to allowed networks), or the user has no role.
    NoActiveBinding,
    /// Its acting user does not hold `settings.webhooks` through a role acting without an
    /// address.
    NoPermission,
}

impl Paused {
    /// The stable code the API shows (`paused`).
    pub fn id(self) -> &'static str {
        match self {
            Paused::NoUser => "no_user",
            Paused::UserInactive => "user_inactive",
            Paused::NoActiveBinding => "no_active_binding",
            Paused::NoPermission => "no_permission",
        }
    }

    /// In words, for the delivery log.
    pub fn message(self) -> &'static str {
        match self {
            Paused::NoUser => "the webhook acts for no user: change it to make it act for you",
            Paused::UserInactive => "the user the webhook acts for is deactivated",
            Paused::NoActiveBinding => {
                "the user the webhook acts for has no role that acts without a client address (roles restricted to networks do not act for webhooks)"
            }
            Paused::NoPermission => {
                "the user the webhook acts for does not hold settings.webhooks (through a role without allowed networks)"
            }
        }
    }
}

/// The principal a webhook of `account` acting for `user` acts with now, or why it is paused.
pub async fn acting_principal(
    state: &AppState,
    account: AccountId,
    user: Option<UserId>,
) -> store::Result<Result<Arc<Principal>, Paused>> {
    let Some(user) = user else {
        return Ok(Err(Paused::NoUser));
    };
    let version = state.store.events().access_version(account).await?;
    let principal = match state.cache.principal_from(user, None, version) {
        Some(p) => p,
        None => {
            let config = crate::app::principals::config_at(&state.ctx(), account, version).await?;
            let Some(u) = state.store.directory().user(account, user).await? else {
                return Ok(Err(Paused::NoUser));
            };
            let p = Arc::new(Principal::resolve_unaddressed(&config, &u));
            state
                .cache
                .put_principal_from(user, None, version, Arc::clone(&p));
            p
        }
    };
    Ok(match principal.standing() {
        Standing::Inactive => Err(Paused::UserInactive),
        Standing::NoActiveBinding => Err(Paused::NoActiveBinding),
        Standing::Active
            if !principal
                .decide_permission(Permission::SettingsWebhooks)
                .is_allowed() =>
        {
            Err(Paused::NoPermission)
        }
        Standing::Active => Ok(principal),
    })
}

/// The delivery of one event for a webhook acting with `p`: its type and payload, or `None`
/// when it is not delivered (not for webhooks; the conversation is gone, or `p` does not see
/// it; a message event whose details `p` may not see). `row` and `message` are as they are now.
pub fn delivery(
    p: &Principal,
    e: &EventRecord,
    row: Option<&ConversationRow>,
    message: Option<&Message>,
) -> Option<(&'static str, Value)> {
    let kind = super::payload::event_type(e, row, message)?;
    let (conversation, message) = crate::events::decide(p, e.kind, row?, message)?;
    if e.kind == EventKind::Message && message.is_none() {
        return None;
    }
    Some((
        kind,
        super::payload::payload(e, kind, conversation, message),
    ))
}

/// The conversation a stored payload is about.
pub fn conversation_of(payload: &Value) -> Option<ConversationId> {
    payload
        .get("conversation")
        .and_then(|c| c.get("id"))
        .and_then(Value::as_i64)
        .map(ConversationId)
}

/// A stored delivery (`event_type`, `payload`) as `p` may see it now, `row` being its
/// conversation as it is now: `None` when `p` may not see it at all (the conversation is gone
/// or not visible; a message event without the details); otherwise the payload, with the
/// conversation's details masked where `p` may not see them.
pub fn shown(
    p: &Principal,
    event_type: &str,
    payload: &Value,
    row: Option<&ConversationRow>,
) -> Option<Value> {
    // A test event carries nothing of any conversation.
    if event_type == super::payload::TEST_EVENT && conversation_of(payload).is_none() {
        return Some(payload.clone());
    }
    let row = row?;
    let c = row.record.conversation;
    if conversation_of(payload) != Some(c.id) || !p.visible(&c) {
        return None;
    }
    if p.details_visible(&c) {
        return Some(payload.clone());
    }
    if !event_type.starts_with("conversation.") {
        return None;
    }
    let mut masked = payload.clone();
    if let Some(conversation) = masked
        .get_mut("conversation")
        .and_then(Value::as_object_mut)
    {
        conversation.insert("details_hidden".into(), Value::Bool(true));
        conversation.insert("contact".into(), Value::Null);
    }
    if let Some(body) = masked.as_object_mut() {
        body.remove("message");
    }
    Some(masked)
}

/// Why a claimed delivery must not be posted now (`None`: post it): the webhook is paused, or
/// its acting user, as things are now, would not be shown this payload whole.
pub async fn withheld(state: &AppState, d: &store::DueDelivery) -> store::Result<Option<String>> {
    let p = match acting_principal(state, d.account, d.acting_user).await? {
        Ok(p) => p,
        Err(why) => return Ok(Some(format!("not sent: {}", why.message()))),
    };
    let payload: Value = serde_json::from_str(&d.payload).unwrap_or(Value::Null);
    let row = match conversation_of(&payload) {
        Some(c) => state
            .store
            .conversations()
            .conversation_rows(d.account, &[c])
            .await?
            .into_iter()
            .next(),
        None => None,
    };
    Ok(
        match shown(&p, &d.event_type, &payload, row.as_ref()) {
            Some(v) if v == payload => None,
            _ => Some(
                "not sent: the user the webhook acts for no longer sees this conversation or its details"
                    .to_owned(),
            ),
        },
    )
}
