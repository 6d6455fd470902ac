//! Reading contacts: the list (search in any format, pages by cursor), one contact, and the
//! conversations of a contact that the caller sees.

use crate::error_codes as codes;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ContactView, decode_cursor, encode_cursor};
use crate::caller::Caller;
use crate::conversations::{ConversationView, view};
use crate::error::ApiError;
use crate::input::{Path, Query};
use crate::state::AppState;

/// A page of the contacts list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// A name, an email or a phone in any format (`(85) 98851-1238`), up to 100 bytes.
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// A page of contacts, by name.
#[derive(Serialize, ToSchema)]
pub struct ContactPage {
    /// The contacts.
    pub items: Vec<ContactView>,
    /// Where the next page starts; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The contacts the caller sees (all of the account with `contacts.view`, else those of the
/// conversations whose details the caller sees), by name.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ListQuery),
    responses((status = 200, body = ContactPage), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<ContactPage>, ApiError> {
    let limit = crate::input::page_limit(q.limit)?;
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let search = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if search.is_some_and(|t| t.len() > 100) {
        return Err(ApiError::bad_request(
            codes::BAD_FILTER,
            "`q` is limited to 100 bytes",
        ));
    }
    let scope = caller.principal.contact_scope();
    let page = state
        .store
        .contacts()
        .list(&scope, search, after.as_ref(), limit)
        .await?;
    Ok(axum::Json(ContactPage {
        items: page.items.into_iter().map(ContactView::from).collect(),
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}

/// One contact the caller sees.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    responses((status = 200, body = ContactView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<ContactView>, ApiError> {
    let c = crate::app::contacts::visible(&state.ctx(), caller.acting(), id).await?;
    Ok(axum::Json(c.into()))
}

/// A contact's conversations that the caller sees, newest activity first (details only where
/// the caller sees them).
#[utoipa::path(get, path = "/api/v1/contacts/{id}/conversations", tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    responses((status = 200, body = [ConversationView]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<ConversationView>>, ApiError> {
    let rows = crate::app::contacts::history(&state.ctx(), caller.acting(), id).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|r| view(&caller.principal, r))
            .collect(),
    ))
}
