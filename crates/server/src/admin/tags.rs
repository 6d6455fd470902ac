//! The company's tags (ACCESS-MODEL v2, "Tags"): created, renamed, recoloured, merged and
//! removed with `tags.company.manage`; every user lists them (`GET /api/v1/tags`) and attaches
//! or detaches them on conversations with `tag.attach` / `tag.detach`. The `tag` action never
//! creates a tag: a tag that exists only because someone typed it on a conversation would name
//! that conversation's business to every colleague.
//!
//! How many conversations carry each tag (`?counts=true`) counts only the conversations whose
//! details the caller sees, through the engine's plan ([`access::Principal::visible_details_plan`]):
//! a manager of Suporte learns nothing about how Vendas tags its conversations.

use crate::error_codes as codes;
use access::Permission;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::admin::Attempt;
use crate::audit_action::AuditAction;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::input::{Path, Query};
use crate::json::{Json, Validate};
use crate::state::AppState;

/// Longest tag name, bytes.
pub const MAX_TAG: usize = 64;

/// The colours a tag may have: names of the web UI's palette, each drawn with readable
/// contrast in both themes. `gray` is the default.
pub const COLOURS: &[&str] = &[
    "gray", "red", "orange", "yellow", "green", "teal", "blue", "purple", "pink",
];

/// A company tag as listed.
#[derive(Serialize, ToSchema)]
pub struct TagView {
    /// Its name.
    pub name: String,
    /// Its colour, one of `gray`, `red`, `orange`, `yellow`, `green`, `teal`, `blue`,
    /// `purple`, `pink`.
    pub colour: String,
    /// How many conversations carry it among those whose details the caller sees (only with
    /// `counts=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversations: Option<u64>,
}

/// Query of the tag list.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TagsQuery {
    /// With how many conversations (among those whose details the caller sees) carry each.
    pub counts: Option<bool>,
}

/// The account's tags, by name (every logged-in user: tags are the company's labels), with
/// their colour and, on request, how many of the conversations the caller may look into carry
/// each.
#[utoipa::path(get, path = "/api/v1/tags", tag = "conversations", params(TagsQuery),
    responses((status = 200, body = Vec<TagView>), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TagsQuery>,
) -> Result<axum::Json<Vec<TagView>>, ApiError> {
    let tags = state.store.tags().list(caller.owner.account).await?;
    let counts = if q.counts.unwrap_or(false) {
        let plan = caller.principal.visible_details_plan();
        Some(state.store.tags().counts(&plan).await?)
    } else {
        None
    };
    Ok(axum::Json(
        tags.into_iter()
            .map(|t| {
                let conversations = counts.as_ref().map(|c| {
                    c.iter()
                        .find(|(name, _)| *name == t.name)
                        .map_or(0, |(_, n)| *n)
                });
                TagView {
                    name: t.name,
                    colour: t.colour,
                    conversations,
                }
            })
            .collect(),
    ))
}

/// A new company tag.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTag {
    /// The tag's name, 1 to 64 bytes.
    pub name: String,
    /// Its colour (default `gray`): see [`TagView::colour`].
    pub colour: Option<String>,
}

impl Validate for NewTag {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.name = valid_tag(&self.name)?.to_owned();
        self.colour = self.colour.as_deref().map(valid_colour).transpose()?;
        Ok(())
    }
}

/// A tag name: trimmed, 1 to [`MAX_TAG`] bytes.
pub(crate) fn valid_tag(name: &str) -> Result<&str, ApiError> {
    let t = name.trim();
    if t.is_empty() || t.len() > MAX_TAG {
        return Err(ApiError::bad_request(
            codes::BAD_TAG,
            format!("a tag's name is 1 to {MAX_TAG} bytes"),
        ));
    }
    Ok(t)
}

fn valid_colour(c: &str) -> Result<String, ApiError> {
    COLOURS
        .iter()
        .find(|k| **k == c)
        .map(|k| (*k).to_owned())
        .ok_or_else(|| {
            ApiError::bad_request(
                codes::BAD_TAG_COLOUR,
                format!("`colour` is one of: {}", COLOURS.join(", ")),
            )
            .with("colour", c)
        })
}

/// Creates a company tag (`tags.company.manage`); 409 when the account has it already.
#[utoipa::path(post, path = "/api/v1/tags", tag = "admin", request_body = NewTag,
    responses((status = 201, description = "Created"), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "The tag exists")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<NewTag>,
) -> Result<StatusCode, ApiError> {
    let at = Attempt::new(&state, &caller, AuditAction::TagCreate, body.name.trim());
    let granted = at.gate(Permission::TagsCompanyManage).await?;
    body.validate(state.egress.policy())?;
    let name = body.name.as_str();
    let colour = body.colour.as_deref().unwrap_or("gray");
    state
        .store
        .tags()
        .create(caller.owner.account, name, colour)
        .await?;
    at.record_change(
        &granted,
        None,
        Some(&json!({"name": name, "colour": colour})),
    )
    .await?;
    Ok(StatusCode::CREATED)
}

/// Changes to a company tag (absent fields stay as they are).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TagChange {
    /// A new name, 1 to 64 bytes (409 `tag_exists` when another tag has it: merge them).
    pub name: Option<String>,
    /// A new colour: see [`TagView::colour`].
    pub colour: Option<String>,
}

impl Validate for TagChange {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.name = self
            .name
            .as_deref()
            .map(|n| valid_tag(n).map(str::to_owned))
            .transpose()?;
        self.colour = self.colour.as_deref().map(valid_colour).transpose()?;
        Ok(())
    }
}

/// Renames or recolours a company tag (`tags.company.manage`). The conversations and contacts
/// carrying it keep it under its new name.
#[utoipa::path(patch, path = "/api/v1/tags/{name}", tag = "admin", request_body = TagChange,
    params(("name" = String, Path, description = "The tag's name (percent-encoded)")),
    responses((status = 200, body = TagView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "Another tag has the new name")))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Json(mut body): Json<TagChange>,
) -> Result<axum::Json<TagView>, ApiError> {
    let at = Attempt::new(&state, &caller, AuditAction::TagUpdate, name.clone());
    let granted = at.gate(Permission::TagsCompanyManage).await?;
    body.validate(state.egress.policy())?;
    let account = caller.owner.account;
    let current = state
        .store
        .tags()
        .list(account)
        .await?
        .into_iter()
        .find(|t| t.name == name)
        .ok_or_else(ApiError::not_found)?;
    let new_name = body.name.unwrap_or_else(|| current.name.clone());
    let colour = body.colour.unwrap_or_else(|| current.colour.clone());
    let now = state.clock.now_micros();
    let before = state
        .store
        .tags()
        .update(account, &name, &new_name, &colour, now)
        .await?;
    at.record_change(
        &granted,
        Some(&json!({"name": before.name, "colour": before.colour})),
        Some(&json!({"name": new_name, "colour": colour})),
    )
    .await?;
    Ok(axum::Json(TagView {
        name: new_name,
        colour,
        conversations: None,
    }))
}

/// Which tag to merge into.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeTag {
    /// The tag that stays: every conversation and contact carrying the merged tag carries this
    /// one instead.
    pub into: String,
}

impl Validate for MergeTag {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.into = valid_tag(&self.into)?.to_owned();
        Ok(())
    }
}

/// What a merge did.
#[derive(Serialize, ToSchema)]
pub struct Merged {
    /// How many conversations carried the merged tag (in the whole account: only a holder of
    /// `tags.company.manage` merges).
    pub conversations: u64,
}

/// Merges a company tag into another (`tags.company.manage`): the conversations and contacts
/// that carried it carry the other one instead, and it is removed.
#[utoipa::path(post, path = "/api/v1/tags/{name}/merge", tag = "admin", request_body = MergeTag,
    params(("name" = String, Path, description = "The tag merged away (percent-encoded)")),
    responses((status = 200, body = Merged), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "The same tag twice")))]
pub async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Json(mut body): Json<MergeTag>,
) -> Result<axum::Json<Merged>, ApiError> {
    let at = Attempt::new(&state, &caller, AuditAction::TagMerge, name.clone());
    let granted = at.gate(Permission::TagsCompanyManage).await?;
    body.validate(state.egress.policy())?;
    let now = state.clock.now_micros();
    let n = state
        .store
        .tags()
        .merge(caller.owner.account, &name, &body.into, now)
        .await?;
    let before: Value = json!({"name": name});
    at.record_change(
        &granted,
        Some(&before),
        Some(&json!({"merged_into": body.into, "conversations": n})),
    )
    .await?;
    Ok(axum::Json(Merged { conversations: n }))
}

/// Removes a company tag (`tags.company.manage`), from the account and from every conversation
/// carrying it.
#[utoipa::path(delete, path = "/api/v1/tags/{name}", tag = "admin",
    params(("name" = String, Path, description = "The tag's name (percent-encoded)")),
    responses((status = 204, description = "Removed"), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let at = Attempt::new(&state, &caller, AuditAction::TagDelete, name.clone());
    let granted = at.gate(Permission::TagsCompanyManage).await?;
    let now = state.clock.now_micros();
    state
        .store
        .tags()
        .delete(caller.owner.account, &name, now)
        .await?;
    at.record_change(&granted, Some(&json!({"name": name})), None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list, create))
        .routes(utoipa_axum::routes!(update, delete))
        .routes(utoipa_axum::routes!(merge))
}
