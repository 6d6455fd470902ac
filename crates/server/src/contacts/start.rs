//! Starting a conversation with a customer: with a contact (`POST
//! /api/v1/contacts/{id}/conversations`) or with a number that may not be a contact yet (`POST
//! /api/v1/conversations/outbound`). The rules are [`crate::app::outbound`]'s.

use crate::error_codes as codes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::conversations::Template;
use crate::app::outbound::{Outbound, Whom, start};
use crate::caller::Caller;
use crate::channels::replies::TemplateRequest;
use crate::conversations::{view, visible_row};
use crate::error::ApiError;
use crate::input::Path;
use crate::json::{Json, Validate};
use crate::limits::{MAX_NAME, MAX_PHONE};
use crate::state::AppState;

/// Where and how a conversation with a contact starts.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// The department (default: the account's default department).
    #[serde(default)]
    pub department_id: Option<i64>,
    /// The WhatsApp channel (default: the department's own WhatsApp channel when it has exactly
    /// one, else the account's first active one).
    #[serde(default)]
    pub channel_id: Option<i64>,
    /// The first message: an approved template (the customer's 24-hour window is closed).
    #[serde(default)]
    pub template: Option<TemplateRequest>,
}

impl Validate for StartRequest {
    fn validate(&mut self, policy: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        match &mut self.template {
            Some(t) => t.validate(policy),
            None => Ok(()),
        }
    }
}

/// A conversation with a number, which becomes a contact when it is not one yet.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboundRequest {
    /// The number in any usual format (`(85) 98851-1238`, `+55 85 98851-1238`).
    pub phone: String,
    /// The new contact's name (the number when absent), up to 200 bytes.
    #[serde(default)]
    pub name: Option<String>,
    /// The department (default: the account's default department).
    #[serde(default)]
    pub department_id: Option<i64>,
    /// The WhatsApp channel (default: the department's own WhatsApp channel when it has exactly
    /// one, else the account's first active one).
    #[serde(default)]
    pub channel_id: Option<i64>,
    /// The first message: an approved template.
    #[serde(default)]
    pub template: Option<TemplateRequest>,
}

impl Validate for OutboundRequest {
    fn validate(&mut self, policy: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        let written = self.phone.trim();
        let phone = (written.len() <= MAX_PHONE)
            .then(|| phone::Phone::parse(written))
            .flatten()
            .ok_or_else(|| {
                ApiError::bad_request(
                    codes::BAD_PHONE,
                    format!("`{written}` is not a phone number: write it with the area code, such as (85) 98851-1238 or +55 85 98851-1238"),
                )
            })?;
        self.phone = phone.as_str().to_owned();
        if let Some(n) = &self.name {
            let n = n.trim();
            if n.len() > MAX_NAME {
                return Err(ApiError::bad_request(
                    codes::BAD_CONTACT_NAME,
                    format!("`name` is limited to {MAX_NAME} bytes"),
                ));
            }
            self.name = (!n.is_empty()).then(|| n.to_owned());
        }
        match &mut self.template {
            Some(t) => t.validate(policy),
            None => Ok(()),
        }
    }
}

fn template(t: Option<TemplateRequest>) -> Option<Template> {
    t.map(|t| Template {
        name: t.name,
        language: t.language,
        parameters: t.parameters,
    })
}

async fn answer(
    state: &AppState,
    caller: &Caller,
    id: access::ConversationId,
) -> Result<Response, ApiError> {
    let row = visible_row(state, caller, id.0).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(view(&caller.principal, row)),
    )
        .into_response())
}

/// Starts a conversation with a contact the caller sees: `in_progress`, assigned to the caller
/// (`conversation.assume` in the department), through a WhatsApp channel, with a template
/// first when given.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/conversations", tag = "contacts", request_body = StartRequest,
    params(("id" = i64, Path, description = "Contact id")),
    responses((status = 201, body = crate::conversations::ConversationView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn with_contact(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(mut req): Json<StartRequest>,
) -> Result<Response, ApiError> {
    let ctx = state.ctx();
    crate::app::contacts::visible(&ctx, caller.acting(), id).await?;
    req.validate(state.egress.policy())?;
    let o = Outbound {
        whom: Whom::Contact(id),
        department: req.department_id.map(access::DepartmentId),
        channel: req.channel_id,
        template: template(req.template),
    };
    let conversation = start(&ctx, caller.acting(), &o).await?;
    answer(&state, &caller, conversation).await
}

/// Starts a conversation with a number (`conversation.start_unregistered` when it is not a
/// contact the caller sees), `in_progress` and assigned to the caller.
#[utoipa::path(post, path = "/api/v1/conversations/outbound", tag = "conversations", request_body = OutboundRequest,
    responses((status = 201, body = crate::conversations::ConversationView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn with_number(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut req): Json<OutboundRequest>,
) -> Result<Response, ApiError> {
    req.validate(state.egress.policy())?;
    let o = Outbound {
        whom: Whom::Number {
            phone: req.phone,
            name: req.name,
        },
        department: req.department_id.map(access::DepartmentId),
        channel: req.channel_id,
        template: template(req.template),
    };
    let conversation = start(&state.ctx(), caller.acting(), &o).await?;
    answer(&state, &caller, conversation).await
}
