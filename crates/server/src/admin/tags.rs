//! The company's tags (ACCESS-MODEL v2, "Tags"): created and removed with
//! `tags.company.manage`; every user lists them (`GET /api/v1/tags`) and attaches or detaches
//! them on conversations with `tag.attach` / `tag.detach`. The `tag` action never creates a
//! tag: a tag that exists only because someone typed it on a conversation would name that
//! conversation's business to every colleague.

use crate::error_codes as codes;
use access::Permission;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::admin::Attempt;
use crate::audit_action::AuditAction;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::input::Path;
use crate::json::{Json, Validate};
use crate::state::AppState;

/// Longest tag name, bytes.
pub const MAX_TAG: usize = 64;

/// A new company tag.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTag {
    /// The tag's name, 1 to 64 bytes.
    pub name: String,
}

impl Validate for NewTag {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.name = valid_tag(&self.name)?.to_owned();
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
    state
        .store
        .inbox()
        .create_tag(caller.owner.account, name)
        .await?;
    at.record_change(&granted, None, Some(&json!({"name": name})))
        .await?;
    Ok(StatusCode::CREATED)
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
        .inbox()
        .delete_tag(caller.owner.account, &name, now)
        .await?;
    at.record_change(&granted, Some(&json!({"name": name})), None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(create))
        .routes(utoipa_axum::routes!(delete))
}
