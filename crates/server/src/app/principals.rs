//! Resolving who acts: the account's access configuration and a user's principal at an access
//! version, through the cache (`crate::cache`). Used by the caller of a request, by routing
//! (an agent resolved from where they went online) and by the live event streams.

use std::net::IpAddr;
use std::sync::Arc;

use access::{AccountConfig, Principal};
use store::SessionOwner;

use super::Ctx;
use crate::error::ApiError;

/// The account's configuration and the user's principal from `address` at access version
/// `version`, through the cache. Unauthorized when the user is gone.
pub async fn resolve(
    ctx: &Ctx<'_>,
    owner: SessionOwner,
    address: Option<IpAddr>,
    version: i64,
) -> Result<(Arc<AccountConfig>, Arc<Principal>), ApiError> {
    let config = config_at(ctx, owner.account, version).await?;
    let principal = match ctx.cache.principal_from(owner.user, address, version) {
        Some(p) => p,
        None => {
            let user = ctx
                .store
                .directory()
                .user(owner.account, owner.user)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            let p = Arc::new(crate::client_address::principal(&config, &user, address));
            ctx.cache
                .put_principal_from(owner.user, address, version, Arc::clone(&p));
            p
        }
    };
    Ok((config, principal))
}

/// The account's access configuration at access version `version`, through the cache.
pub async fn config_at(
    ctx: &Ctx<'_>,
    account: access::AccountId,
    version: i64,
) -> store::Result<Arc<AccountConfig>> {
    Ok(match ctx.cache.config(account, version) {
        Some(c) => c,
        None => {
            let c = Arc::new(ctx.store.directory().account_config(account).await?);
            ctx.cache.put_config(account, version, Arc::clone(&c));
            c
        }
    })
}
