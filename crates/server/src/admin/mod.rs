//! Administration: the account, departments, users, roles, settings, presets and the audit
//! log; and the installation operator's accounts.
//!
//! Every decision is the engine's. A write runs in one [`store::AdminTx`]: the account is read
//! as it is inside the transaction (administrative transactions of an account are serialised),
//! the caller is resolved again from it, the engine decides, and the change and its audit row
//! are committed together. A refused attempt writes one audit row with `denied: <codes>`.
//!
//! Each endpoint first asks the engine for its permission (`departments.manage`,
//! `users.manage`, `roles.manage`, ...) with the caller's principal, so a caller without it gets
//! 403 whatever the id and learns nothing about which ids exist; then the full decision is made
//! on the fresh account. What the caller may not see (an unknown id, an id of another account)
//! is 404, the same bytes either way.

pub mod accounts;
pub mod audit_log;
pub mod channels;
pub mod departments;
pub mod roles;
pub mod settings;
pub mod tags;
pub mod users;
pub mod webhooks;

use access::{Account, Decision, Permission, Principal};
use serde::Serialize;
use serde_json::Value;
use store::{AdminTx, AuditEntry};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Longest name of a department, role or user.
const MAX_NAME: usize = 200;

/// One administrative attempt: what it is (`department.create`), on what (`department#3`), by
/// whom and from where. It writes the attempt's audit row, whatever the outcome.
pub(crate) struct Attempt<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    action: &'static str,
    /// What the action is done to; handlers set it once a created object has its id.
    pub(crate) target: String,
}

/// An open administrative transaction with the account as it is and the caller resolved
/// against it.
pub(crate) struct Open {
    pub(crate) tx: AdminTx,
    pub(crate) account: Account,
    pub(crate) actor: Principal,
}

/// `denied: code, code` from a refusal's reasons (each code once).
fn denied(d: &Decision) -> String {
    let mut codes: Vec<&str> = Vec::new();
    for r in d.reasons() {
        if !codes.contains(&r.code()) {
            codes.push(r.code());
        }
    }
    format!("denied: {}", codes.join(", "))
}

/// A value as JSON (for audit rows); plain views always serialise.
pub(crate) fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl<'a> Attempt<'a> {
    pub(crate) fn new(
        state: &'a AppState,
        caller: &'a Caller,
        action: &'static str,
        target: impl Into<String>,
    ) -> Attempt<'a> {
        Attempt {
            state,
            caller,
            action,
            target: target.into(),
        }
    }

    fn entry(&self, result: String, before: Option<&Value>, after: Option<&Value>) -> AuditEntry {
        AuditEntry {
            id: 0,
            actor: Some(self.caller.owner.user),
            action: self.action.to_owned(),
            target: self.target.clone(),
            before: before.map(Value::to_string),
            after: after.map(Value::to_string),
            result,
            address: crate::client::shown(self.caller.address),
            at: self.state.clock.now_micros(),
        }
    }

    /// Records a refusal decided outside a transaction and returns its answer (403 with the
    /// reasons, or 404).
    pub(crate) async fn refuse(&self, d: &Decision, after: Option<&Value>) -> ApiError {
        let e = self.entry(denied(d), None, after);
        match self.state.store.audit(self.caller.owner.account, &e).await {
            Ok(_) => ApiError::from_decision(d),
            Err(err) => err.into(),
        }
    }

    /// Records an allowed change made outside an administrative transaction (the caller's own
    /// credentials, such as API tokens).
    pub(crate) async fn record_ok(&self, after: Option<&Value>) -> Result<(), ApiError> {
        self.record_change(None, after).await
    }

    /// Records an allowed change made outside an administrative transaction, with the state
    /// before it (a removal) and after.
    pub(crate) async fn record_change(
        &self,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> Result<(), ApiError> {
        let e = self.entry("ok".to_owned(), before, after);
        self.state
            .store
            .audit(self.caller.owner.account, &e)
            .await?;
        Ok(())
    }

    /// The endpoint's permission, asked of the caller's principal: refused (and recorded)
    /// before anything else is read.
    pub(crate) async fn gate(&self, p: Permission) -> Result<(), ApiError> {
        let d = self.caller.principal.decide_permission(p);
        if d.is_allowed() {
            Ok(())
        } else {
            Err(self.refuse(&d, None).await)
        }
    }

    /// Opens the transaction, reads the account and resolves the caller against it.
    pub(crate) async fn begin(&self) -> Result<Open, ApiError> {
        let mut tx = self
            .state
            .store
            .begin_admin(self.caller.owner.account)
            .await?;
        let account = tx.account().await?;
        let user = account
            .users
            .get(&self.caller.owner.user)
            .ok_or_else(ApiError::unauthorized)?;
        let actor = crate::client::principal(&account.config, user, self.caller.address);
        Ok(Open { tx, account, actor })
    }

    /// Records a refusal decided inside the transaction (nothing was written yet: the audit
    /// row is all it commits) and returns its answer.
    pub(crate) async fn refuse_in(
        &self,
        mut tx: AdminTx,
        d: &Decision,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> ApiError {
        let e = self.entry(denied(d), before, after);
        let written = async {
            tx.audit(&e).await?;
            tx.commit().await
        };
        match written.await {
            Ok(()) => ApiError::from_decision(d),
            Err(err) => err.into(),
        }
    }

    /// An id the caller may not see (unknown, or of another account): recorded as
    /// `denied: target_not_found`, answered 404.
    pub(crate) async fn missing_in(&self, tx: AdminTx) -> ApiError {
        let d = Decision::not_found(vec![access::Reason::TargetNotFound]);
        self.refuse_in(tx, &d, None, None).await
    }

    /// Records the change as done and commits it with the change.
    pub(crate) async fn done(
        &self,
        mut tx: AdminTx,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> Result<(), ApiError> {
        let e = self.entry("ok".to_owned(), before, after);
        tx.audit(&e).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Requires the decision, recording a refusal.
    pub(crate) async fn require_in(
        &self,
        open: Open,
        d: &Decision,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> Result<Open, ApiError> {
        if d.is_allowed() {
            Ok(open)
        } else {
            Err(self.refuse_in(open.tx, d, before, after).await)
        }
    }
}

/// A display name: trimmed, 1 to 200 bytes.
pub(crate) fn valid_name(field: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() || v.len() > MAX_NAME {
        return Err(ApiError::bad_request(
            "bad_name",
            format!("`{field}` must be 1 to {MAX_NAME} bytes"),
        ));
    }
    Ok(v.to_owned())
}

/// An id read from a body that must be of this account, else 400 with `code`. The message does
/// not repeat the id: an id of another account and one that does not exist get the same bytes.
pub(crate) fn unknown(code: &'static str, what: &str) -> ApiError {
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
            "target_not_allowed",
            format!(
                "`{field}` points at an internal address (loopback, private, link-local, unique-local, multicast or another reserved range) that Atende does not send to: use the receiver's public address, or ask the installation's operator to add it to `outbound_allow`"
            ),
        )),
        Err(Refusal::PlainHttp) => Err(ApiError::bad_request(
            "https_required",
            format!(
                "`{field}` must be an https:// URL (plain http:// only to a receiver the installation's operator lists in `outbound_allow`)"
            ),
        )),
    }
}
