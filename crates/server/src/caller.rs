//! The [`Caller`] every authenticated handler receives: the session cookie or API token
//! checked, the user resolved into an access principal for the request's client address (see
//! [`crate::client_address`]), a temporary password confined to changing it.

use std::net::IpAddr;
use std::sync::Arc;

use access::{AccountConfig, Principal, Standing};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use store::SessionOwner;

use crate::client_address::ClientAddr;
use crate::error::ApiError;
use crate::secret;
use crate::state::AppState;

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

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
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
pub(crate) fn same_site(method: &Method, h: &HeaderMap) -> bool {
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
                    .auth()
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
                    (
                        state.store.auth().session_context(&hash, now).await?,
                        Some(hash),
                    )
                }
                None => (None, None),
            },
        };
        let store::SessionContext {
            owner,
            access_version: version,
            must_change_password,
        } = found.ok_or_else(ApiError::unauthorized)?;
        let (config, principal) =
            crate::app::principals::resolve(&state.ctx(), owner, address, version).await?;
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

impl Caller {
    /// The caller as the one who acts in a use case.
    pub fn acting(&self) -> crate::app::Acting<'_> {
        crate::app::Acting {
            user: self.owner.user,
            account: self.owner.account,
            principal: &self.principal,
            config: &self.config,
        }
    }
}
