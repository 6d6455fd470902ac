//! Administration: the account, departments, users, roles, settings, presets, channels,
//! routing, tags, outbound webhooks and the audit log; and the installation operator's
//! accounts.
//!
//! Every decision is the engine's, through one [`Attempt`] per request ([`crate::attempt`]):
//! the endpoint's permission is asked first (only that yields the right to open the
//! transaction), the account is read as it is inside the transaction (administrative
//! transactions of an account are serialised), the caller is resolved again from it, the engine
//! decides (only an allowed decision yields the write handle), and the change and its audit row
//! are committed together. A refused attempt writes one audit row with `denied: <codes>`.
//!
//! Each endpoint first asks the engine for its permission (`departments.manage`,
//! `users.manage`, `roles.manage`, ...) with the caller's principal, so a caller without it gets
//! 403 whatever the id and learns nothing about which ids exist; then the full decision is made
//! on the fresh account. What the caller may not see (an unknown id, an id of another account)
//! is 404, the same bytes either way.

pub mod account_change;
pub mod accounts;
pub mod audit_log;
pub mod channels;
pub mod departments;
pub mod outbound_webhooks;
pub mod permission_screens;
pub mod preset_preview;
pub mod preset_undo;
pub mod roles;
pub mod routing;
pub mod settings;
pub mod setup;
pub mod tags;
pub mod users;
pub mod webhook_actions;

use crate::error_codes as codes;
use serde::Serialize;
use serde_json::Value;

pub(crate) use crate::attempt::Attempt;
use crate::error::ApiError;

use crate::limits::MAX_NAME;

/// A value as JSON (for audit rows); plain views always serialise.
pub(crate) fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A display name: trimmed, 1 to 200 bytes.
pub(crate) fn valid_name(field: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() || v.len() > MAX_NAME {
        return Err(ApiError::bad_request(
            codes::BAD_NAME,
            format!("`{field}` must be 1 to {MAX_NAME} bytes"),
        ));
    }
    Ok(v.to_owned())
}

/// An id read from a body that must be of this account, else 400 with `code`. The message does
/// not repeat the id: an id of another account and one that does not exist get the same bytes.
pub(crate) fn unknown(code: crate::error_codes::Code, what: &str) -> ApiError {
    ApiError::bad_request(
        code,
        format!("a {what} given is not a {what} of this account: read the account's {what}s again"),
    )
}

/// A URL outbound requests will be sent to (a webhook's, a channel's Graph API base), checked
/// against the egress policy as far as it can be without resolving: 400 `target_not_allowed`
/// for an internal address written as such (in any encoding), 400 `https_required` for plain
/// `http` to a target `outbound_allow` does not list, `bad` for anything else. Host names are
/// checked when the request is made (see [`crate::egress`]).
pub(crate) fn outbound_url(
    policy: &crate::egress::EgressPolicy,
    field: &str,
    url: &str,
    bad: impl FnOnce() -> ApiError,
) -> Result<String, ApiError> {
    use crate::egress::Refusal;
    match policy.check(url) {
        Ok(_) => Ok(url.trim().to_owned()),
        Err(Refusal::Malformed) => Err(bad()),
        Err(Refusal::Internal) => Err(ApiError::bad_request(
            codes::TARGET_NOT_ALLOWED,
            format!(
                "`{field}` points at an internal address (loopback, private, link-local, unique-local, multicast or another reserved range) that Atende does not send to: use the receiver's public address, or ask the installation's operator to add it to `outbound_allow`"
            ),
        )),
        Err(Refusal::PlainHttp) => Err(ApiError::bad_request(
            codes::HTTPS_REQUIRED,
            format!(
                "`{field}` must be an https:// URL (plain http:// only to a receiver the installation's operator lists in `outbound_allow`)"
            ),
        )),
    }
}

/// The administration's routes (each section's own), registered once in [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .merge(accounts::routes())
        .merge(audit_log::routes())
        .merge(channels::routes())
        .merge(departments::routes())
        .merge(outbound_webhooks::routes())
        .merge(roles::routes())
        .merge(routing::routes())
        .merge(settings::routes())
        .merge(preset_preview::routes())
        .merge(preset_undo::routes())
        .merge(setup::routes())
        .merge(tags::routes())
        .merge(users::routes())
        .merge(webhook_actions::routes())
}
