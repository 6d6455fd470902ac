//! The first-run setup: on an installation whose database has no account yet (not the demo),
//! the browser shows a wizard instead of the login form. Its first step creates the account
//! and its owner (`POST /api/v1/setup`) and logs the owner in; the next steps are the
//! administration's own screens (preset, departments, agents, first channel), which the
//! wizard walks through.
//!
//! Whoever reaches a fresh server first could otherwise make it theirs: the binary prints a
//! setup code on its console when it starts on an empty database
//! ([`crate::state::ServerConfig::setup_code`]), and the setup asks for it. The code is 12
//! random base-32 characters (60 bits): guessing it over HTTP is hopeless. Once the first
//! account exists, both endpoints answer as if the setup did not exist (404), on every node:
//! the check is made in the transaction that creates the account.

use crate::error_codes as codes;
use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use store::SessionOwner;
use utoipa::ToSchema;

use super::accounts::{NewAccountRequest, new_account};
use super::users::{valid_email, valid_password};
use super::valid_name;
use crate::caller::same_site;
use crate::client_address::ClientAddr;
use crate::error::ApiError;
use crate::json::{Json, Validate};
use crate::state::AppState;

/// Whether the browser should show the first-run setup.
#[derive(Serialize, ToSchema)]
pub struct SetupState {
    /// `true` while the installation has no account and the server was started with a setup
    /// code (a fresh database, not the demo).
    pub needed: bool,
}

/// Whether the installation waits for its first-run setup (no login needed).
#[utoipa::path(get, path = "/api/v1/setup", tag = "auth",
    responses((status = 200, body = SetupState)))]
pub async fn status(State(state): State<AppState>) -> Result<axum::Json<SetupState>, ApiError> {
    let needed = match state.config.setup_code {
        None => false,
        Some(_) => state.store.directory().first_account().await?.is_none(),
    };
    Ok(axum::Json(SetupState { needed }))
}

/// The first account and its owner.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    /// The setup code the server printed on its console when it started.
    pub code: String,
    /// The company's name, 1 to 200 bytes.
    pub account_name: String,
    /// The owner's name, 1 to 200 bytes.
    pub owner_name: String,
    /// The owner's login e-mail.
    pub owner_email: String,
    /// The owner's password, 8 to 1024 bytes (theirs: not to be changed at the first login).
    pub owner_password: String,
}

impl Validate for SetupRequest {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        if self.code.trim().is_empty() || self.code.len() > 64 {
            return Err(ApiError::bad_request(
                codes::BAD_SETUP_CODE,
                "`code` is the setup code the server printed on its console when it started",
            ));
        }
        self.account_name = valid_name("account_name", &self.account_name)?;
        self.owner_name = valid_name("owner_name", &self.owner_name)?;
        self.owner_email = valid_email(&self.owner_email)?;
        valid_password("owner_password", &self.owner_password)
    }
}

/// A code as typed: letters and digits only, upper case (spaces and dashes ignored).
fn normalised(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Creates the installation's first account and its owner, and logs the owner in (the answer
/// is `GET /api/v1/me`'s, with the session cookie). 404 when the installation has an account
/// already or was not started for a setup; 403 `bad_setup_code` for a wrong code.
#[utoipa::path(post, path = "/api/v1/setup", tag = "auth", request_body = SetupRequest,
    responses((status = 200, body = crate::auth::Me, description = "Created and logged in"),
              (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody, description = "`bad_setup_code`, or `cross_site`"),
              (status = 404, body = crate::error::ErrorBody, description = "No setup to do")))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    Json(mut body): Json<SetupRequest>,
) -> Result<Response, ApiError> {
    if !same_site(&Method::POST, &headers) {
        return Err(ApiError::cross_site());
    }
    let Some(expected) = state.config.setup_code.as_deref() else {
        return Err(ApiError::not_found());
    };
    body.validate(state.egress.policy())?;
    let (given, expected) = (normalised(&body.code), normalised(expected));
    if !super::accounts::same_bytes(given.as_bytes(), expected.as_bytes()) {
        return Err(ApiError::forbidden_because(
            codes::BAD_SETUP_CODE,
            "that is not the setup code: copy the one the server printed on its console when it started",
        ));
    }
    let now = state.clock.now_micros();
    let created = new_account(
        &state.store,
        now,
        &crate::client_address::shown(address),
        NewAccountRequest {
            name: body.account_name,
            owner_email: body.owner_email,
            owner_name: Some(body.owner_name),
            owner_password: Some(body.owner_password),
            default_department: None,
        },
        true,
    )
    .await?;
    let owner = SessionOwner {
        user: access::UserId(created.owner_id),
        account: access::AccountId(created.account.id),
    };
    crate::auth::open_session(&state, owner, address, now).await
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(status, create))
}

#[cfg(test)]
mod tests {
    use super::normalised;

    #[test]
    fn a_code_is_read_as_typed() {
        assert_eq!(normalised(" abcd-efgh 2345 "), "ABCDEFGH2345");
    }
}
