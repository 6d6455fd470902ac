//! `GET`/`PUT /api/v1/me/availability`: an agent online or away for routing. What going online
//! or away does (offers, reassignment) is the use case [`crate::app::routing`].

use crate::error_codes as codes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::json::{Json, Validate};
use crate::state::AppState;

/// The caller's availability for routing.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    /// `online` (routing may give you conversations) or `away`.
    pub availability: String,
}

impl Availability {
    /// `online` → true, `away` → false.
    fn online(&self) -> Result<bool, ApiError> {
        match self.availability.as_str() {
            "online" => Ok(true),
            "away" => Ok(false),
            other => Err(ApiError::bad_request(
                codes::BAD_AVAILABILITY,
                format!("`availability` cannot be `{other}`: use online or away"),
            )),
        }
    }
}

impl Validate for Availability {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.online().map(|_| ())
    }
}

/// The caller's availability.
#[utoipa::path(get, path = "/api/v1/me/availability", tag = "routing",
    responses((status = 200, body = Availability), (status = 401, body = crate::error::ErrorBody)))]
pub async fn get_availability(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Availability>, ApiError> {
    let r = state
        .store
        .routing()
        .agent_routing(caller.owner.account, caller.owner.user)
        .await?;
    Ok(axum::Json(Availability {
        availability: if r.online { "online" } else { "away" }.to_owned(),
    }))
}

/// Sets the caller online or away. Going online offers the waiting conversations of the
/// caller's departments; going away, when the account reassigns, puts the caller's
/// conversations in progress back in the queue and offers them to the others.
#[utoipa::path(put, path = "/api/v1/me/availability", tag = "routing", request_body = Availability,
    responses((status = 204), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody)))]
pub async fn set_availability(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<Availability>,
) -> Result<StatusCode, ApiError> {
    body.validate(state.egress.policy())?;
    let online = body.online()?;
    app::routing::set_availability(&state.ctx(), caller.acting(), online, caller.address).await?;
    state.hub.poke();
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(get_availability, set_availability))
}
