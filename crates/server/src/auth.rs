//! Authentication: login (argon2id, throttled, one generic failure), logout, the session cookie,
//! the current user and API tokens. The [`Caller`] every authenticated handler receives is
//! [`crate::caller`]'s.

use crate::error_codes as codes;
use std::net::IpAddr;

use access::Principal;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::SessionOwner;
use utoipa::ToSchema;

use crate::attempt::Attempt;
use crate::audit_action::AuditAction;
use crate::caller::{Caller, SESSION_COOKIE, cookie, same_site};
use crate::client_address::ClientAddr;
use crate::error::ApiError;
use crate::json::{Json, Validate};
use crate::limits::{MAX_LOGIN_FIELD, MAX_TOKEN_NAME};
use crate::secret;
use crate::state::AppState;

/// Login request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
}

impl Validate for LoginRequest {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        if self.email.len() > MAX_LOGIN_FIELD || self.password.len() > MAX_LOGIN_FIELD {
            return Err(ApiError::bad_request(
                codes::TOO_LONG,
                format!("email and password are limited to {MAX_LOGIN_FIELD} bytes"),
            ));
        }
        Ok(())
    }
}

/// The logged-in user.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: i64,
    /// Account id.
    pub account_id: i64,
    /// Email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// The user must change their password before anything else.
    pub must_change_password: bool,
    /// Account-level permissions held from this address.
    pub permissions: Vec<&'static str>,
    /// What the screens may offer this user (sections, buttons, forms), decided by the engine
    /// on the server ([`crate::screens`]): the web UI keeps no table of permissions.
    pub may: Vec<&'static str>,
    /// Departments where the user is a member or supervisor.
    pub departments: Vec<i64>,
    /// Departments the user supervises (with their subtrees).
    pub supervised: Vec<i64>,
}

/// Failures before throttling starts, per account and per address.
pub(crate) const FREE_FAILURES: i64 = 5;
/// Failures older than this (since the last one) are forgotten.
pub(crate) const FAILURE_WINDOW_MICROS: i64 = 15 * 60 * 1_000_000;

/// The throttling key of a client address (all unknown addresses share one).
pub(crate) fn address_key(address: Option<IpAddr>) -> String {
    format!("address:{}", crate::client_address::shown(address))
}

/// Counts a login attempt against `keys` before the password is checked, in one step with the
/// decision whether they must wait first (see [`store::Store::claim_login_attempt`]): `Err` with
/// 429 and `Retry-After` when one must.
pub(crate) async fn claim_attempt(
    state: &AppState,
    keys: &[&str],
    now: i64,
) -> Result<(), ApiError> {
    let wait = state
        .store
        .auth()
        .claim_login_attempt(keys, now, FAILURE_WINDOW_MICROS, |failures, last_at| {
            throttle_wait(failures, last_at, now)
        })
        .await?;
    match wait {
        Some(seconds) => Err(ApiError::too_many(seconds)),
        None => Ok(()),
    }
}

/// Seconds to wait after `failures` failures, the last at `last_at`, or `None`.
pub(crate) fn throttle_wait(failures: i64, last_at: i64, now: i64) -> Option<u64> {
    if failures < FREE_FAILURES || now - last_at > FAILURE_WINDOW_MICROS {
        return None;
    }
    let exponent = u32::try_from((failures - FREE_FAILURES).min(10)).unwrap_or(10);
    let delay = (1i64 << exponent).min(900) * 1_000_000;
    let left = last_at + delay - now;
    (left > 0).then(|| u64::try_from((left + 999_999) / 1_000_000).unwrap_or(1))
}

async fn me_of(
    state: &AppState,
    owner: SessionOwner,
    principal: &Principal,
) -> Result<Me, ApiError> {
    let profile = state
        .store
        .auth()
        .profile(owner.account, owner.user)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Me {
        id: owner.user.0,
        account_id: owner.account.0,
        email: profile.email,
        name: profile.name,
        must_change_password: profile.must_change_password,
        permissions: principal
            .account_permissions()
            .iter()
            .map(access::Permission::id)
            .collect(),
        may: crate::screens::may(principal),
        departments: principal.memberships().map(|d| d.0).collect(),
        supervised: principal.supervised().map(|d| d.0).collect(),
    })
}

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> Result<HeaderValue, ApiError> {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .map_err(|e| ApiError::internal(&e))
}

/// Logs in with email and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me, description = "Logged in; the `atende_session` cookie is set"),
              (status = 401, body = crate::error::ErrorBody, description = "`login_failed`, the same for every failure"),
              (status = 403, body = crate::error::ErrorBody, description = "`cross_site`: the request came from another site's page"),
              (status = 429, body = crate::error::ErrorBody, description = "Too many failures; `Retry-After` says when to try again"),
              (status = 503, body = crate::error::ErrorBody, description = "`busy`: every password hashing thread stayed busy (a flood of logins); `Retry-After` says when to try again")))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    Json(mut body): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    // Another site's page may not log the browser in (login CSRF).
    if !same_site(&Method::POST, &headers) {
        return Err(ApiError::cross_site());
    }
    body.validate(state.egress.policy())?;
    let now = state.clock.now_micros();
    let email = body.email.trim().to_lowercase();
    let keys = [format!("email:{email}"), address_key(address)];
    // Decided and counted before any hash, in one step: thirty simultaneous attempts are
    // counted one after the other, and the sixth already waits. A success clears the count.
    claim_attempt(&state, &[&keys[0], &keys[1]], now).await?;
    let credentials = state.store.auth().credentials(&email).await?;
    // Always run one verification, so an unknown email costs the same time as a wrong password;
    // and decide whether the user may log in from here while it runs, so that a user with no
    // active binding for the address (or an inactive one) costs the same time too.
    let hash = credentials
        .as_ref()
        .and_then(|c| c.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.clone());
    // On the bounded hashing threads: 503 `busy` when none frees up in time.
    let verification = state.hasher.verify(hash, body.password);
    let may_log_in = async {
        match &credentials {
            Some(c) if c.active && c.password_hash.is_some() => {
                let config = state.store.directory().account_config(c.account).await?;
                Ok::<bool, ApiError>(
                    match state.store.directory().user(c.account, c.user).await? {
                        Some(user) => crate::client_address::principal(&config, &user, address)
                            .decide_login()
                            .is_allowed(),
                        None => false,
                    },
                )
            }
            _ => Ok(false),
        }
    };
    let (verified, may_log_in) = tokio::join!(verification, may_log_in);
    let (ok, password) = verified?;
    let may_log_in = may_log_in?;
    let accepted = match &credentials {
        Some(c) if ok && may_log_in => Some(c),
        _ => None,
    };
    // A failure was counted already.
    let Some(c) = accepted else {
        return Err(ApiError::login_failed());
    };
    for key in &keys {
        state.store.auth().clear_login_failures(key).await?;
    }
    // A session the browser already had is replaced, never carried over (no fixation).
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        state
            .store
            .auth()
            .delete_session(&secret::token_hash(&old), now)
            .await?;
    }
    if c.password_hash.as_deref().is_some_and(secret::needs_rehash) {
        match state.hasher.hash(password).await {
            Ok(upgraded) => {
                state
                    .store
                    .auth()
                    .set_password_hash(c.account, c.user, &upgraded, c.must_change_password)
                    .await?;
            }
            // Every hashing thread busy: the upgrade waits for the next login.
            Err(crate::hashing::HashError::Busy) => {}
            Err(e) => return Err(e.into()),
        }
    }
    open_session(
        &state,
        SessionOwner {
            user: c.user,
            account: c.account,
        },
        address,
        now,
    )
    .await
}

/// Opens a session for `owner` (a login that succeeded, the first-run setup's new owner):
/// answers `GET /api/v1/me` with the session cookie set.
pub(crate) async fn open_session(
    state: &AppState,
    owner: SessionOwner,
    address: Option<std::net::IpAddr>,
    now: i64,
) -> Result<Response, ApiError> {
    let token = secret::random_token("s_").map_err(|e| ApiError::internal(&e))?;
    let ttl = state.config.session_ttl_micros;
    state
        .store
        .auth()
        .create_session(&secret::token_hash(&token), owner, now, now + ttl)
        .await?;
    let config = state
        .store
        .directory()
        .account_config(owner.account)
        .await?;
    let user = state
        .store
        .directory()
        .user(owner.account, owner.user)
        .await?
        .ok_or_else(ApiError::login_failed)?;
    let principal = crate::client_address::principal(&config, &user, address);
    let me = me_of(state, owner, &principal).await?;
    let mut response = axum::Json(me).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(state, &token, ttl / 1_000_000)?,
    );
    Ok(response)
}

/// Ends the current session (or does nothing for an API token).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out; the cookie is cleared"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    if let Some(hash) = &caller.session {
        state
            .store
            .auth()
            .delete_session(hash, state.clock.now_micros())
            .await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0)?);
    Ok(response)
}

/// The logged-in user, with their account permissions and departments.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<Me>, ApiError> {
    Ok(axum::Json(
        me_of(&state, caller.owner, &caller.principal).await?,
    ))
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(login))
        .routes(utoipa_axum::routes!(logout))
        .routes(utoipa_axum::routes!(me))
        .routes(utoipa_axum::routes!(create_token))
        .routes(utoipa_axum::routes!(revoke_token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_grows_and_is_bounded() {
        let s = 1_000_000;
        assert_eq!(throttle_wait(4, 0, 0), None);
        assert_eq!(throttle_wait(5, 0, 0), Some(1));
        assert_eq!(throttle_wait(6, 0, 0), Some(2));
        assert_eq!(throttle_wait(9, 0, 0), Some(16));
        assert_eq!(throttle_wait(50, 0, 0), Some(900));
        assert_eq!(throttle_wait(6, 0, 3 * s), None);
        assert_eq!(
            throttle_wait(50, 0, FAILURE_WINDOW_MICROS + 1),
            None,
            "old failures are forgotten"
        );
    }
}

/// A new API token request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// A name to recognise it by (1 to 100 bytes).
    pub name: String,
}

impl Validate for TokenRequest {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.name = token_name(&self.name)?.to_owned();
        Ok(())
    }
}

/// A new API token: shown once, stored only as a hash.
#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    /// Token id (to revoke it).
    pub id: i64,
    /// The token: send it as `Authorization: Bearer <token>`. It carries the user's own rights.
    pub token: String,
}

/// An API token's name: trimmed, 1 to [`MAX_TOKEN_NAME`] bytes.
pub(crate) fn token_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_TOKEN_NAME {
        return Err(ApiError::bad_request(
            codes::BAD_NAME,
            format!("`name` must be 1 to {MAX_TOKEN_NAME} bytes"),
        ));
    }
    Ok(name)
}

/// Creates an API token with the caller's own rights.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "auth", request_body = TokenRequest,
    responses((status = 201, body = TokenCreated), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<TokenRequest>,
) -> Result<Response, ApiError> {
    body.validate(state.egress.policy())?;
    let name = body.name.as_str();
    let token = secret::random_token("atd_").map_err(|e| ApiError::internal(&e))?;
    let id = state
        .store
        .auth()
        .create_api_token(
            caller.owner,
            name,
            &secret::token_hash(&token),
            state.clock.now_micros(),
        )
        .await?;
    // A new credential: audited (its name and id, never the token).
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::TokenCreate,
        format!("token#{id}"),
    );
    at.record_change(
        &at.own_credentials(),
        None,
        Some(&serde_json::json!({"id": id, "name": name})),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(TokenCreated { id, token })).into_response())
}

/// Revokes one of the caller's API tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "auth", params(("id" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    crate::input::Path(id): crate::input::Path<i64>,
) -> Result<StatusCode, ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::TokenRevoke,
        format!("token#{id}"),
    );
    match state
        .store
        .auth()
        .revoke_api_token(caller.owner, id, state.clock.now_micros())
        .await
    {
        Ok(()) => {
            at.record_change(&at.own_credentials(), None, None).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        // Not one of the caller's live tokens: recorded as a refusal, answered 404.
        Err(store::StoreError::NotFound(_)) => {
            let d = access::Decision::not_found(vec![access::Reason::TargetNotFound]);
            Err(at.refuse(&d, None).await)
        }
        Err(e) => Err(e.into()),
    }
}
