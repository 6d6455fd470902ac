//! `POST /api/v1/conversations/{id}/template`: an approved WhatsApp template through a
//! conversation's channel (the only message allowed outside the customer-service window,
//! [`crate::app::window`]); the use case is [`crate::app::conversations::send_template`].

use crate::error_codes as codes;
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
use crate::json::{Json, Validate};
use crate::limits::{
    MAX_TEMPLATE_LANGUAGE, MAX_TEMPLATE_NAME, MAX_TEMPLATE_PARAMETER, MAX_TEMPLATE_PARAMETERS,
};
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

impl Validate for TemplateRequest {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        let valid = |s: &str, max: usize| {
            !s.trim().is_empty() && s.len() <= max && !s.contains(char::is_whitespace)
        };
        if !valid(&self.name, MAX_TEMPLATE_NAME)
            || !valid(&self.language, MAX_TEMPLATE_LANGUAGE)
            || self.parameters.len() > MAX_TEMPLATE_PARAMETERS
            || self
                .parameters
                .iter()
                .any(|p| p.is_empty() || p.len() > MAX_TEMPLATE_PARAMETER)
        {
            return Err(ApiError::bad_request(
                codes::BAD_TEMPLATE,
                format!(
                    "`name` (1 to {MAX_TEMPLATE_NAME} bytes) and `language` (such as pt_BR) without spaces; \
                     at most {MAX_TEMPLATE_PARAMETERS} `parameters` of 1 to {MAX_TEMPLATE_PARAMETER} bytes"
                ),
            ));
        }
        Ok(())
    }
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
    Json(mut req): Json<TemplateRequest>,
) -> Result<Response, ApiError> {
    req.validate(state.egress.policy())?;
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
