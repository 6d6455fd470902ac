//! `POST /api/v1/conversations/{id}/template`: an approved WhatsApp template through a
//! conversation's channel (the only message allowed outside the customer-service window,
//! [`crate::app::window`]); the use case is [`crate::app::conversations::send_template`].

use access::ConversationId;
use axum::extract::State;

use crate::input::Path;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::{self, conversations::Template};
use crate::caller::Caller;
use crate::conversations::{ConversationDetail, detail, visible_row};
use crate::error::ApiError;
use crate::json::Json;
use crate::state::AppState;

/// A WhatsApp message template to send.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    /// The approved template's name.
    pub name: String,
    /// Its language code (`pt_BR`, `en_US`).
    pub language: String,
    /// The body's parameters, in order.
    #[serde(default)]
    pub parameters: Vec<String>,
}

/// Sends an approved WhatsApp template (allowed when a reply is, and the only message allowed
/// outside the customer's 24-hour window).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/template", tag = "conversations", request_body = TemplateRequest,
    params(("id" = i64, Path, description = "Conversation id")),
    responses((status = 200, body = ConversationDetail), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn send_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<TemplateRequest>,
) -> Result<Response, ApiError> {
    let valid = |s: &str, max: usize| {
        !s.trim().is_empty() && s.len() <= max && !s.contains(char::is_whitespace)
    };
    if !valid(&req.name, 512)
        || !valid(&req.language, 15)
        || req.parameters.len() > 20
        || req
            .parameters
            .iter()
            .any(|p| p.is_empty() || p.len() > 1024)
    {
        return Err(ApiError::bad_request(
            "bad_template",
            "`name` (1 to 512 bytes) and `language` (such as pt_BR) without spaces; at most 20 `parameters` of 1 to 1024 bytes",
        ));
    }
    let template = Template {
        name: req.name,
        language: req.language,
        parameters: req.parameters,
    };
    let ctx = state.ctx();
    let row = app::conversations::visible(&ctx, caller.acting(), ConversationId(id)).await?;
    app::conversations::send_template(&ctx, caller.acting(), &row.record, &template).await?;
    let row = visible_row(&state, &caller, id).await?;
    Ok(axum::Json(detail(&state, &caller, row).await?).into_response())
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(send_template))
}
