//! Changing contacts: create, change, merge and erase, each decided by the engine
//! ([`crate::app::contacts`]) before the body is checked, and each recorded in the audit log
//! (personal data is changed or erased: the administrator can see who did it).

use crate::error_codes as codes;
use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ContactView, audit_view};
use crate::app::contacts as uc;
use crate::attempt::{Attempt, Granted};
use crate::audit_action::AuditAction;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::input::Path;
use crate::json::{Json, Validate};
use crate::limits::{MAX_NAME, MAX_PHONE};
use crate::state::AppState;

/// Most custom attributes a contact has.
pub const MAX_ATTRIBUTES: usize = 50;
/// Longest attribute name.
pub const MAX_ATTRIBUTE_NAME: usize = 64;
/// Longest attribute value.
pub const MAX_ATTRIBUTE_VALUE: usize = 1000;
/// Most tags on a contact.
pub const MAX_CONTACT_TAGS: usize = 20;
/// Longest email.
pub const MAX_EMAIL: usize = 254;

/// A contact as written: every field of it (a change replaces them all).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// The name, 1 to 200 bytes.
    pub name: String,
    /// The phone in any usual format (`(85) 98851-1238`, `+55 85 98851-1238`); stored in E.164.
    /// Numbers without a country code are Brazilian.
    #[serde(default)]
    pub phone: Option<String>,
    /// The email.
    #[serde(default)]
    pub email: Option<String>,
    /// Custom attributes (up to 50; names up to 64 bytes, values up to 1000).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Contact tags: names of the account's tags (up to 20).
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Checks one contact's fields and normalises them (trimmed, phone in E.164, empty as absent);
/// shared by the JSON body and each row of an import. The error names the field.
pub(crate) fn check(
    name: &str,
    phone: Option<&str>,
    email: Option<&str>,
    attributes: &BTreeMap<String, String>,
    tags: &[String],
) -> Result<store::ContactWrite, (codes::Code, String)> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_NAME {
        return Err((
            codes::BAD_CONTACT_NAME,
            format!("`name` must be 1 to {MAX_NAME} bytes"),
        ));
    }
    let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) if p.len() > MAX_PHONE => {
            return Err((codes::BAD_PHONE, format!("`phone` is limited to {MAX_PHONE} bytes")));
        }
        Some(p) => Some(
            phone::Phone::parse(p)
                .ok_or_else(|| {
                    (
                        codes::BAD_PHONE,
                        format!(
                            "`{p}` is not a phone number: write it with the area code, such as (85) 98851-1238 or +55 85 98851-1238"
                        ),
                    )
                })?
                .as_str()
                .to_owned(),
        ),
    };
    let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
        None => None,
        Some(e) => {
            if crate::email::normalised(e, MAX_EMAIL).is_none() {
                return Err((
                    codes::BAD_EMAIL,
                    format!("`{e}` is not an email address, such as maria@example.com"),
                ));
            }
            // Kept as written (a contact's address is shown as the customer gave it).
            Some(e.to_owned())
        }
    };
    if attributes.len() > MAX_ATTRIBUTES
        || attributes.iter().any(|(k, v)| {
            k.trim().is_empty() || k.len() > MAX_ATTRIBUTE_NAME || v.len() > MAX_ATTRIBUTE_VALUE
        })
    {
        return Err((
            codes::BAD_ATTRIBUTES,
            format!(
                "at most {MAX_ATTRIBUTES} `attributes`, each named with 1 to {MAX_ATTRIBUTE_NAME} bytes and up to {MAX_ATTRIBUTE_VALUE} bytes long"
            ),
        ));
    }
    let mut clean_tags: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim();
        if t.is_empty() || t.len() > 64 {
            return Err((codes::BAD_TAG, "each tag is 1 to 64 bytes".to_owned()));
        }
        if !clean_tags.iter().any(|c| c == t) {
            clean_tags.push(t.to_owned());
        }
    }
    if clean_tags.len() > MAX_CONTACT_TAGS {
        return Err((codes::BAD_TAG, format!("at most {MAX_CONTACT_TAGS} tags")));
    }
    Ok(store::ContactWrite {
        name: name.to_owned(),
        phone,
        email,
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect(),
        tags: clean_tags,
    })
}

impl ContactRequest {
    /// The fields to write; a phone sent back exactly as stored (a generic channel's id for
    /// the contact, say) is kept as it is rather than parsed again.
    fn write_keeping(&self, stored: Option<&str>) -> Result<store::ContactWrite, ApiError> {
        let unchanged = stored.is_some() && self.phone.as_deref().map(str::trim) == stored;
        if !unchanged {
            return self.write();
        }
        let mut w = check(
            &self.name,
            None,
            self.email.as_deref(),
            &self.attributes,
            &self.tags,
        )
        .map_err(|(code, message)| ApiError::bad_request(code, message))?;
        w.phone = stored.map(str::to_owned);
        Ok(w)
    }

    fn write(&self) -> Result<store::ContactWrite, ApiError> {
        check(
            &self.name,
            self.phone.as_deref(),
            self.email.as_deref(),
            &self.attributes,
            &self.tags,
        )
        .map_err(|(code, message)| ApiError::bad_request(code, message))
    }
}

impl Validate for ContactRequest {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.write().map(|_| ())
    }
}

/// The audited attempt at a change of contact `id` (`None`: not created yet): the engine's
/// answer on `permission` is asked first, and a refusal is recorded.
async fn attempt<'a>(
    state: &'a AppState,
    caller: &'a Caller,
    action: AuditAction,
    permission: access::Permission,
    id: Option<i64>,
) -> Result<(Attempt<'a>, Granted), ApiError> {
    let target = id.map_or_else(|| "contact".to_owned(), |id| format!("contact#{id}"));
    let at = Attempt::new(state, caller, action, target);
    let granted = at.gate(permission).await?;
    Ok((at, granted))
}

/// Creates a contact: `contacts.edit` and `contacts.view`.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", request_body = ContactRequest,
    responses((status = 201, body = ContactView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "`phone_taken`: another contact has the phone")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ContactRequest>,
) -> Result<(StatusCode, axum::Json<ContactView>), ApiError> {
    let (mut at, granted) = attempt(
        &state,
        &caller,
        AuditAction::ContactCreate,
        access::Permission::ContactsEdit,
        None,
    )
    .await?;
    let w = req.write()?;
    let ctx = state.ctx();
    let id = uc::create(&ctx, caller.acting(), &w).await?;
    let shown: ContactView = uc::visible(&ctx, caller.acting(), id).await?.into();
    at.target = format!("contact#{id}");
    at.record_change(&granted, None, Some(&audit_view(&shown)))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(shown)))
}

/// Changes a contact the caller sees (`contacts.edit`; a new phone also needs `contacts.view`).
#[utoipa::path(put, path = "/api/v1/contacts/{id}", tag = "contacts", request_body = ContactRequest,
    params(("id" = i64, Path, description = "Contact id")),
    responses((status = 200, body = ContactView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "`phone_taken`: another contact has the phone")))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<ContactRequest>,
) -> Result<axum::Json<ContactView>, ApiError> {
    let ctx = state.ctx();
    let stored = uc::visible(&ctx, caller.acting(), id).await?;
    let (at, granted) = attempt(
        &state,
        &caller,
        AuditAction::ContactUpdate,
        access::Permission::ContactsEdit,
        Some(id),
    )
    .await?;
    let w = req.write_keeping(stored.phone.as_deref())?;
    let before: ContactView = uc::update(&ctx, caller.acting(), id, &w).await?.into();
    let shown: ContactView = uc::visible(&ctx, caller.acting(), id).await?.into();
    at.record_change(
        &granted,
        Some(&audit_view(&before)),
        Some(&audit_view(&shown)),
    )
    .await?;
    Ok(axum::Json(shown))
}

/// Another contact merged into this one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The contact merged into this one (it is gone after the merge).
    pub from: i64,
}

impl Validate for MergeRequest {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        Ok(())
    }
}

/// Merges contact `from` into this one (`contacts.edit`; both seen by the caller): its
/// conversations and tags move here, and the fields this one lacks are taken from it.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", tag = "contacts", request_body = MergeRequest,
    params(("id" = i64, Path, description = "The contact kept")),
    responses((status = 200, body = ContactView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<MergeRequest>,
) -> Result<axum::Json<ContactView>, ApiError> {
    let ctx = state.ctx();
    uc::visible(&ctx, caller.acting(), id).await?;
    let from: ContactView = uc::visible(&ctx, caller.acting(), req.from).await?.into();
    let (at, granted) = attempt(
        &state,
        &caller,
        AuditAction::ContactMerge,
        access::Permission::ContactsEdit,
        Some(id),
    )
    .await?;
    uc::merge(&ctx, caller.acting(), id, req.from).await?;
    let shown: ContactView = uc::visible(&ctx, caller.acting(), id).await?.into();
    at.record_change(
        &granted,
        Some(&audit_view(&from)),
        Some(&audit_view(&shown)),
    )
    .await?;
    Ok(axum::Json(shown))
}

/// Erases a contact's personal data (`contacts.delete`): name, phone, email, attributes,
/// tags, the text and files of its conversations; the conversations stay as anonymous records.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    responses((status = 204, description = "Erased"), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let ctx = state.ctx();
    uc::visible(&ctx, caller.acting(), id).await?;
    let (at, granted) = attempt(
        &state,
        &caller,
        AuditAction::ContactErase,
        access::Permission::ContactsDelete,
        Some(id),
    )
    .await?;
    let before: ContactView = uc::erase(&ctx, caller.acting(), id).await?.into();
    // The log keeps that it happened, not what was erased.
    let erased = ContactView {
        name: String::new(),
        phone: None,
        phone_display: None,
        email: None,
        attributes: BTreeMap::new(),
        tags: Vec::new(),
        ..before
    };
    at.record_change(&granted, Some(&audit_view(&erased)), None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
