//! Authentication: login (argon2id, throttled, one generic failure), logout, the session cookie
//! and API tokens, and the [`Caller`] every authenticated handler receives: the user resolved
//! into an access principal for the request's client address.

use std::net::IpAddr;
use std::sync::Arc;

use access::{AccountConfig, Principal, Standing};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::SessionOwner;
use utoipa::ToSchema;

use crate::AppState;
use crate::admin::Attempt;
use crate::client::ClientAddr;
use crate::error::ApiError;
use crate::json::Json;
use crate::secret;

/// What a user whose password is temporary may still do.
const PASSWORD_CHANGE_PATHS: &[&str] =
    &["/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"];

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "atende_session";

/// An authenticated request: who, from where, resolved by the engine.
pub struct Caller {
    /// The user and their account.
    pub owner: SessionOwner,
    /// The principal for this request's address.
    pub principal: Arc<Principal>,
    /// The account's access configuration it was resolved against.
    pub config: Arc<AccountConfig>,
    /// The client address (`None`: unknown, see [`crate::client`]).
    pub address: Option<IpAddr>,
    /// The session token's hash, when authenticated by cookie.
    pub session: Option<String>,
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

/// A cookie-authenticated request that changes state (and a login) must come from our own
/// pages: the browser says so with `Sec-Fetch-Site`, or an `Origin` equal to the host.
fn same_site(method: &Method, h: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match (
        h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        h.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host),
        // Neither header: not a browser's cross-site request (browsers send Origin on POST).
        (None, _) => true,
        (Some(_), None) => false,
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let ClientAddr(address) = ClientAddr::from_request_parts(parts, state).await?;
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let now = state.clock.now_micros();
        let (found, session) = match bearer {
            Some(token) => (
                state
                    .store
                    .api_token_context(&secret::token_hash(token))
                    .await?,
                None,
            ),
            None => match cookie(&parts.headers, SESSION_COOKIE) {
                Some(token) => {
                    let hash = secret::token_hash(&token);
                    if !same_site(&parts.method, &parts.headers) {
                        return Err(ApiError::cross_site());
                    }
                    (state.store.session_context(&hash, now).await?, Some(hash))
                }
                None => (None, None),
            },
        };
        let store::SessionContext {
            owner,
            access_version: version,
            must_change_password,
        } = found.ok_or_else(ApiError::unauthorized)?;
        let (config, principal) = resolve(state, owner, address, version).await?;
        // No binding is active from this address (allowed networks): as good as logged out here,
        // whatever the path.
        if principal.standing() != Standing::Active {
            return Err(ApiError::unauthorized());
        }
        // A temporary password must be replaced before anything else.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path().to_owned(), |u| u.path().to_owned());
        if must_change_password && !PASSWORD_CHANGE_PATHS.contains(&path.as_str()) {
            return Err(ApiError::password_change_required());
        }
        crate::trace::record_caller(&owner);
        Ok(Caller {
            owner,
            principal,
            config,
            address,
            session,
        })
    }
}

/// The account's configuration and the user's principal from `address` at access version
/// `version`, through the cache. Unauthorized when the user is gone.
pub(crate) async fn resolve(
    state: &AppState,
    owner: SessionOwner,
    address: Option<IpAddr>,
    version: i64,
) -> Result<(Arc<AccountConfig>, Arc<Principal>), ApiError> {
    let config = config_at(state, owner.account, version).await?;
    let principal = match state.cache.principal_from(owner.user, address, version) {
        Some(p) => p,
        None => {
            let user = state
                .store
                .user(owner.account, owner.user)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            let p = Arc::new(crate::client::principal(&config, &user, address));
            state
                .cache
                .put_principal_from(owner.user, address, version, Arc::clone(&p));
            p
        }
    };
    Ok((config, principal))
}

/// The account's access configuration at access version `version`, through the cache.
pub(crate) async fn config_at(
    state: &AppState,
    account: access::AccountId,
    version: i64,
) -> store::Result<Arc<AccountConfig>> {
    Ok(match state.cache.config(account, version) {
        Some(c) => c,
        None => {
            let c = Arc::new(state.store.account_config(account).await?);
            state.cache.put_config(account, version, Arc::clone(&c));
            c
        }
    })
}

/// Login request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
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
    /// Departments where the user is a member or supervisor.
    pub departments: Vec<i64>,
    /// Departments the user supervises (with their subtrees).
    pub supervised: Vec<i64>,
}

const MAX_FIELD: usize = 1024;
/// Failures before throttling starts, per account and per address.
pub(crate) const FREE_FAILURES: i64 = 5;
/// Failures older than this (since the last one) are forgotten.
pub(crate) const FAILURE_WINDOW_MICROS: i64 = 15 * 60 * 1_000_000;

/// The throttling key of a client address (all unknown addresses share one).
pub(crate) fn address_key(address: Option<IpAddr>) -> String {
    format!("address:{}", crate::client::shown(address))
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
    Json(body): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    // Another site's page may not log the browser in (login CSRF).
    if !same_site(&Method::POST, &headers) {
        return Err(ApiError::cross_site());
    }
    if body.email.len() > MAX_FIELD || body.password.len() > MAX_FIELD {
        return Err(ApiError::bad_request(
            "too_long",
            "email and password are limited to 1024 bytes",
        ));
    }
    let now = state.clock.now_micros();
    let email = body.email.trim().to_lowercase();
    let keys = [format!("email:{email}"), address_key(address)];
    // Decided and counted before any hash, in one step: thirty simultaneous attempts are
    // counted one after the other, and the sixth already waits. A success clears the count.
    claim_attempt(&state, &[&keys[0], &keys[1]], now).await?;
    let credentials = state.store.credentials(&email).await?;
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
                let config = state.store.account_config(c.account).await?;
                Ok::<bool, ApiError>(match state.store.user(c.account, c.user).await? {
                    Some(user) => crate::client::principal(&config, &user, address)
                        .decide_login()
                        .is_allowed(),
                    None => false,
                })
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
        state.store.clear_login_failures(key).await?;
    }
    // A session the browser already had is replaced, never carried over (no fixation).
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        state
            .store
            .delete_session(&secret::token_hash(&old), now)
            .await?;
    }
    if c.password_hash.as_deref().is_some_and(secret::needs_rehash) {
        match state.hasher.hash(password).await {
            Ok(upgraded) => {
                state
                    .store
                    .set_password_hash(c.account, c.user, &upgraded, c.must_change_password)
                    .await?;
            }
            // Every hashing thread busy: the upgrade waits for the next login.
            Err(crate::hashing::HashError::Busy) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let token = secret::random_token("s_").map_err(|e| ApiError::internal(&e))?;
    let owner = SessionOwner {
        user: c.user,
        account: c.account,
    };
    let ttl = state.config.session_ttl_micros;
    state
        .store
        .create_session(&secret::token_hash(&token), owner, now, now + ttl)
        .await?;
    let config = state.store.account_config(c.account).await?;
    let user = state
        .store
        .user(c.account, c.user)
        .await?
        .ok_or_else(ApiError::login_failed)?;
    let principal = crate::client::principal(&config, &user, address);
    let me = me_of(&state, owner, &principal).await?;
    let mut response = axum::Json(me).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&state, &token, ttl / 1_000_000)?,
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

/// A new API token: shown once, stored only as a hash.
#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    /// Token id (to revoke it).
    pub id: i64,
    /// The token: send it as `Authorization: Bearer <token>`. It carries the user's own rights.
    pub token: String,
}

/// An API token's name: trimmed, 1 to 100 bytes.
pub(crate) fn token_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::bad_request(
            "bad_name",
            "`name` must be 1 to 100 bytes",
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
    Json(body): Json<TokenRequest>,
) -> Result<Response, ApiError> {
    let name = token_name(&body.name)?;
    let token = secret::random_token("atd_").map_err(|e| ApiError::internal(&e))?;
    let id = state
        .store
        .create_api_token(
            caller.owner,
            name,
            &secret::token_hash(&token),
            state.clock.now_micros(),
        )
        .await?;
    // A new credential: audited (its name and id, never the token).
    Attempt::new(&state, &caller, "token.create", format!("token#{id}"))
        .record_ok(Some(&serde_json::json!({"id": id, "name": name})))
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
    let at = Attempt::new(&state, &caller, "token.revoke", format!("token#{id}"));
    match state
        .store
        .revoke_api_token(caller.owner, id, state.clock.now_micros())
        .await
    {
        Ok(()) => {
            at.record_ok(None).await?;
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
