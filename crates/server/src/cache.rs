//! Resolved access configurations and principals, cached by the account's access version. The
//! version is read with the session on every request (one indexed query), and every change to
//! settings, departments, roles, users, memberships or bindings bumps it in the same
//! transaction (database triggers), so a node never answers from a stale configuration, and
//! several nodes need no cache protocol.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use access::{AccountConfig, AccountId, Principal, UserId};

/// Entries kept before the cache is emptied (a bound, not a tuning knob: entries are cheap to
/// rebuild).
const MAX_ENTRIES: usize = 20_000;

#[derive(Default)]
struct Inner {
    configs: HashMap<AccountId, (i64, Arc<AccountConfig>)>,
    /// By user and client address (`None`: acting with no address, as a webhook does).
    principals: HashMap<(UserId, Option<IpAddr>), (i64, Arc<Principal>)>,
}

/// The cache; shared by every request of a node.
#[derive(Default)]
pub struct AccessCache {
    inner: Mutex<Inner>,
}

impl AccessCache {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        // A panic while holding the lock cannot leave the maps inconsistent (single inserts and
        // lookups): keep serving with what is there.
        let mut guard = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// The account's configuration at `version`, if cached.
    pub fn config(&self, account: AccountId, version: i64) -> Option<Arc<AccountConfig>> {
        self.with(|i| {
            i.configs
                .get(&account)
                .filter(|(v, _)| *v == version)
                .map(|(_, c)| Arc::clone(c))
        })
    }

    /// Caches a configuration read at `version`.
    pub fn put_config(&self, account: AccountId, version: i64, config: Arc<AccountConfig>) {
        self.with(|i| {
            if i.configs.len() >= MAX_ENTRIES {
                i.configs.clear();
            }
            i.configs.insert(account, (version, config));
        });
    }

    /// The principal of `user` from `address` at `version`, if cached.
    pub fn principal(&self, user: UserId, address: IpAddr, version: i64) -> Option<Arc<Principal>> {
        self.principal_from(user, Some(address), version)
    }

    /// The principal of `user` from `address` (`None`: with no address, as an outbound webhook
    /// acts) at `version`, if cached.
    pub fn principal_from(
        &self,
        user: UserId,
        address: Option<IpAddr>,
        version: i64,
    ) -> Option<Arc<Principal>> {
        self.with(|i| {
            i.principals
                .get(&(user, address))
                .filter(|(v, _)| *v == version)
                .map(|(_, p)| Arc::clone(p))
        })
    }

    /// Caches a principal resolved at `version`.
    pub fn put_principal(
        &self,
        user: UserId,
        address: IpAddr,
        version: i64,
        principal: Arc<Principal>,
    ) {
        self.put_principal_from(user, Some(address), version, principal);
    }

    /// Caches a principal resolved at `version` from `address` (`None`: with no address).
    pub fn put_principal_from(
        &self,
        user: UserId,
        address: Option<IpAddr>,
        version: i64,
        principal: Arc<Principal>,
    ) {
        self.with(|i| {
            if i.principals.len() >= MAX_ENTRIES {
                i.principals.clear();
            }
            i.principals.insert((user, address), (version, principal));
        });
    }
}
