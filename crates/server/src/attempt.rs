//! One audited attempt at something administrative, and access that cannot be forgotten.
//!
//! An [`Attempt`] names what is tried ([`AuditAction`]), on what, by whom and from where, and
//! writes the attempt's audit row whatever the outcome. The path to a write is narrowed by
//! types, in lldap's style (only a passed check yields the next handle):
//!
//! 1. [`Attempt::gate`] asks the engine for the endpoint's permission with the caller's
//!    principal; only an allowed answer yields a [`Granted`] (its field is private to this
//!    module), and refusals are recorded.
//! 2. [`Attempt::begin`] takes the [`Granted`] and opens the account's administrative
//!    transaction: an [`Open`] holds the account as it is inside it and the caller resolved
//!    again against it, and offers only reads.
//! 3. [`Attempt::require_in`] takes the engine's decision on the fresh account; only an allowed
//!    one turns the [`Open`] into an [`Allowed`], the one handle that carries the writable
//!    transaction; [`Attempt::done`] commits the change with its audit row.
//!
//! No other module opens an administrative transaction (`store::Store::begin_admin` is a
//! disallowed method outside this file, `clippy.toml`), so a handler that forgets the gate or
//! the decision does not compile. Changes made outside a transaction (the caller's own API
//! tokens, company tags) are recorded with [`Attempt::record_change`], which also asks for the
//! [`Granted`].

use access::{Account, Decision, Permission, Principal};
use serde_json::Value;
use store::{AdminTx, AuditEntry};

use crate::audit_action::AuditAction;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// One administrative attempt: what it is (`department.create`), on what (`department#3`), by
/// whom and from where. It writes the attempt's audit row, whatever the outcome.
pub(crate) struct Attempt<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    action: AuditAction,
    /// What the action is done to; handlers set it once a created object has its id.
    pub(crate) target: String,
}

/// Proof that the endpoint's permission was granted to the caller (only [`Attempt::gate`]
/// makes one).
pub(crate) struct Granted(());

/// An open administrative transaction with the account as it is and the caller resolved
/// against it; before the decision, it only reads.
pub(crate) struct Open {
    tx: AdminTx,
    pub(crate) account: Account,
    pub(crate) actor: Principal,
}

/// The transaction after an allowed decision: the only handle that writes.
pub(crate) struct Allowed {
    pub(crate) tx: AdminTx,
    pub(crate) account: Account,
}

impl Open {
    /// One channel of the account, inside the transaction.
    pub(crate) async fn channel(&mut self, id: i64) -> store::Result<Option<store::Channel>> {
        self.tx.channel(id).await
    }

    /// One webhook of the account, inside the transaction.
    pub(crate) async fn webhook(&mut self, id: i64) -> store::Result<Option<store::Webhook>> {
        self.tx.webhook(id).await
    }

    /// Whether another channel of the installation has this phone number id.
    pub(crate) async fn phone_number_taken(
        &mut self,
        number: &str,
        except: Option<i64>,
    ) -> store::Result<bool> {
        self.tx.phone_number_taken(number, except).await
    }

    /// A user's profile, inside the transaction.
    pub(crate) async fn profile(
        &mut self,
        user: access::UserId,
    ) -> store::Result<Option<store::Profile>> {
        self.tx.profile(user).await
    }
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

impl<'a> Attempt<'a> {
    pub(crate) fn new(
        state: &'a AppState,
        caller: &'a Caller,
        action: AuditAction,
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
            action: self.action.id().to_owned(),
            target: self.target.clone(),
            before: before.map(Value::to_string),
            after: after.map(Value::to_string),
            result,
            address: crate::client_address::shown(self.caller.address),
            at: self.state.clock.now_micros(),
        }
    }

    /// Records a refusal decided outside a transaction and returns its answer (403 with the
    /// reasons, or 404).
    pub(crate) async fn refuse(&self, d: &Decision, after: Option<&Value>) -> ApiError {
        let e = self.entry(denied(d), None, after);
        match self
            .state
            .store
            .audit()
            .write(self.caller.owner.account, &e)
            .await
        {
            Ok(_) => ApiError::from_decision(d),
            Err(err) => err.into(),
        }
    }

    /// Records an allowed change made outside an administrative transaction (the caller's own
    /// credentials, company tags), with the state before it (a removal) and after.
    pub(crate) async fn record_change(
        &self,
        _granted: &Granted,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> Result<(), ApiError> {
        if before.is_some() && before == after {
            return Ok(());
        }
        let e = self.entry("ok".to_owned(), before, after);
        self.state
            .store
            .audit()
            .write(self.caller.owner.account, &e)
            .await?;
        Ok(())
    }

    /// The endpoint's permission, asked of the caller's principal: refused (and recorded)
    /// before anything else is read.
    pub(crate) async fn gate(&self, p: Permission) -> Result<Granted, ApiError> {
        let d = self.caller.principal.decide_permission(p);
        self.granted(&d).await
    }

    /// A decision taken outside a transaction (on the caller's principal), as the grant that
    /// opens one: refused (and recorded) unless allowed.
    pub(crate) async fn granted(&self, d: &Decision) -> Result<Granted, ApiError> {
        if d.is_allowed() {
            Ok(Granted(()))
        } else {
            Err(self.refuse(d, None).await)
        }
    }

    /// The caller's own credentials (API tokens): every active user manages their own, no
    /// permission is asked (ACCESS-MODEL.md v2, "what every permission governs").
    pub(crate) fn own_credentials(&self) -> Granted {
        Granted(())
    }

    /// Opens the transaction, reads the account and resolves the caller against it.
    #[allow(clippy::disallowed_methods)] // the one place that opens an administrative transaction
    pub(crate) async fn begin(&self, _granted: Granted) -> Result<Open, ApiError> {
        let mut tx = self
            .state
            .store
            .directory()
            .begin_admin(self.caller.owner.account)
            .await?;
        let account = tx.account().await?;
        let user = account
            .users
            .get(&self.caller.owner.user)
            .ok_or_else(ApiError::unauthorized)?;
        let actor = crate::client_address::principal(&account.config, user, self.caller.address);
        Ok(Open { tx, account, actor })
    }

    /// Records a refusal decided inside the transaction (nothing was written yet: the audit
    /// row is all it commits) and returns its answer.
    pub(crate) async fn refuse_in(
        &self,
        open: Open,
        d: &Decision,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> ApiError {
        let mut tx = open.tx;
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
    pub(crate) async fn missing_in(&self, open: Open) -> ApiError {
        let d = Decision::not_found(vec![access::Reason::TargetNotFound]);
        self.refuse_in(open, &d, None, None).await
    }

    /// Records the change as done and commits it with the change. A change that changed
    /// nothing (the state after is the state before: a form saved as it was) writes nothing:
    /// the transaction is rolled back, and the audit log gets no row.
    pub(crate) async fn done(
        &self,
        mut tx: AdminTx,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> Result<(), ApiError> {
        if before.is_some() && before == after {
            drop(tx);
            return Ok(());
        }
        let e = self.entry("ok".to_owned(), before, after);
        tx.audit(&e).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Requires the decision, recording a refusal; only an allowed one yields the handle that
    /// writes.
    pub(crate) async fn require_in(
        &self,
        open: Open,
        d: &Decision,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> Result<Allowed, ApiError> {
        if d.is_allowed() {
            let Open { tx, account, .. } = open;
            Ok(Allowed { tx, account })
        } else {
            Err(self.refuse_in(open, d, before, after).await)
        }
    }
}
