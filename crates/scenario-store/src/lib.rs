//! Access test files through the store: a scenario is loaded into a fresh account, and every
//! expectation is answered from the database (principals resolved from stored rows, tabs
//! through the compiled SQL, counts through the counters). `atende policy test --backend` and
//! the store's conformance tests use it.

use std::net::IpAddr;

use access::{
    Account, AccountId, Binding, Conversation, ConversationId, Cursor, Decision, Membership,
    Principal, Scope, Tab, User, UserChange, UserId,
};
use scenario::{Backend, IdMap, Scenario, Subject};

use store::{NewConversation, NewUser, Store, StoreError};

/// What can go wrong answering a scenario from the store.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The counters disagree with the listing.
    #[error("tab {tab} of user {user}: the counters say {count}, the listing has {listed}")]
    CountMismatch {
        /// The tab.
        tab: &'static str,
        /// The user.
        user: i64,
        /// From the counters.
        count: u64,
        /// From the listing.
        listed: usize,
    },
}

/// Loads `s` into a new account of `store`. Returns the account and the scenario with its ids
/// replaced by the database's.
pub async fn load(store: &Store, s: &Scenario) -> Result<(AccountId, Scenario), StoreError> {
    let config = &s.account.config;
    let mut map = IdMap::default();
    let default = config.departments.default_department();
    let default_name = config
        .departments
        .get(default)
        .map_or("default", |d| d.name.as_str());
    let account = store
        .directory()
        .create_account(&s.name, &config.settings, default_name, 0)
        .await?;
    map.account = Some(account);
    map.departments.insert(
        default,
        store.directory().default_department(account).await?,
    );
    for d in config.departments.iter().filter(|d| d.id != default) {
        let id = store
            .directory()
            .create_department(account, &d.name, None, d.access)
            .await?;
        map.departments.insert(d.id, id);
    }
    // Parents and access once every department exists (a parent may be listed after its child).
    for d in config.departments.iter() {
        let mut stored = d.clone();
        stored.id = map
            .departments
            .get(&d.id)
            .copied()
            .ok_or(StoreError::NotFound("department"))?;
        stored.parent = d.parent.and_then(|p| map.departments.get(&p).copied());
        store
            .directory()
            .update_department(account, &stored)
            .await?;
    }
    let stored = store.directory().account_config(account).await?;
    for r in config.roles.values() {
        let id = match r.builtin {
            Some(b) => stored
                .builtin_role(b)
                .ok_or(StoreError::NotFound("built-in role"))?,
            None => {
                store
                    .directory()
                    .create_role(account, &r.name, r.permissions, &r.allowed_networks)
                    .await?
            }
        };
        map.roles.insert(r.id, id);
    }
    for u in s.account.users.values() {
        let name = s.names.user_name(u.id);
        let email = format!("{name}@account{}.scenario.invalid", account.0);
        let id = store
            .directory()
            .create_user(
                account,
                &NewUser {
                    email: &email,
                    name: &name,
                    password_hash: None,
                    active: u.active,
                },
                0,
            )
            .await?;
        map.users.insert(u.id, id);
    }
    let dept = |d| {
        map.departments
            .get(&d)
            .copied()
            .ok_or(StoreError::NotFound("department"))
    };
    for u in s.account.users.values() {
        let user = User {
            id: map
                .users
                .get(&u.id)
                .copied()
                .ok_or(StoreError::NotFound("user"))?,
            account,
            active: u.active,
            memberships: u
                .memberships
                .iter()
                .map(|m| {
                    Ok(Membership {
                        department: dept(m.department)?,
                        kind: m.kind,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            bindings: u
                .bindings
                .iter()
                .map(|b| {
                    let scope = match b.scope {
                        Scope::Account => Scope::Account,
                        Scope::Department(d) => Scope::Department(dept(d)?),
                    };
                    Ok(Binding {
                        role: map
                            .roles
                            .get(&b.role)
                            .copied()
                            .ok_or(StoreError::NotFound("role"))?,
                        scope,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
        };
        store.directory().set_user_access(account, &user).await?;
    }
    // Later conversations in the list are newer, as in memory.
    for (c, at) in s.conversations.iter().zip(1..) {
        let id = store
            .conversations()
            .create_conversation(&NewConversation {
                account,
                department: dept(c.department)?,
                status: c.status,
                assignee: c.assignee.and_then(|a| map.users.get(&a).copied()),
                contact: None,
                channel: "test",
                at,
            })
            .await?;
        map.conversations.insert(c.id, id);
    }
    Ok((account, s.remapped(&map)))
}

/// Answers a loaded scenario's questions from the store. Blocks on `runtime` for each question,
/// so call it outside async code.
pub struct StoreBackend<'r> {
    store: Store,
    account: AccountId,
    runtime: &'r tokio::runtime::Runtime,
}

impl<'r> StoreBackend<'r> {
    /// A backend over `account` of `store`.
    pub fn new(
        store: Store,
        account: AccountId,
        runtime: &'r tokio::runtime::Runtime,
    ) -> StoreBackend<'r> {
        StoreBackend {
            store,
            account,
            runtime,
        }
    }

    async fn principal(&self, user: UserId, from: IpAddr) -> Result<Principal, StoreError> {
        let config = self.store.directory().account_config(self.account).await?;
        let u = self
            .store
            .directory()
            .user(self.account, user)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        Ok(Principal::resolve(&config, &u, from))
    }

    async fn conversation(&self, id: ConversationId) -> Result<Conversation, StoreError> {
        Ok(self
            .store
            .conversations()
            .conversation(self.account, id)
            .await?
            .ok_or(StoreError::NotFound("conversation"))?
            .conversation)
    }

    async fn account(&self) -> Result<Account, StoreError> {
        self.store.directory().account(self.account).await
    }
}

impl Backend for StoreBackend<'_> {
    type Error = BackendError;

    fn decide(
        &mut self,
        user: UserId,
        from: IpAddr,
        subject: &Subject,
    ) -> Result<Decision, BackendError> {
        self.runtime.block_on(async {
            let p = self.principal(user, from).await?;
            Ok(match subject {
                Subject::Action {
                    action,
                    conversation,
                    to_user,
                    to_department,
                } => {
                    let c = self.conversation(*conversation).await?;
                    let target = match to_user {
                        Some(t) => self.store.directory().user(self.account, *t).await?,
                        None => None,
                    };
                    let action = action
                        .with(target.as_ref(), *to_department)
                        .ok_or(StoreError::NotFound("department"))?;
                    p.decide(&c, action)
                }
                Subject::Login => p.decide_login(),
                Subject::ManageUser { target } => {
                    p.decide_manage_user(&self.account().await?, UserChange::Touch(*target))
                }
                Subject::Permission {
                    permission,
                    conversation: None,
                } => p.decide_permission(*permission),
                Subject::Permission {
                    permission,
                    conversation: Some(c),
                } => p.decide_permission_in(*permission, &self.conversation(*c).await?),
            })
        })
    }

    fn list(
        &mut self,
        user: UserId,
        from: IpAddr,
        tab: Tab,
    ) -> Result<Vec<ConversationId>, BackendError> {
        self.runtime.block_on(async {
            let plan = self.principal(user, from).await?.plan(tab);
            // Small pages, to walk the keyset cursor.
            let mut all = Vec::new();
            let mut after: Option<Cursor> = None;
            loop {
                let page = self.store.conversations().list(&plan, after, 3).await?;
                after = page.last().copied();
                let done = page.len() < 3;
                all.extend(page);
                if done {
                    break;
                }
            }
            let count = self.store.conversations().count(&plan).await?;
            if usize::try_from(count).ok() != Some(all.len()) {
                return Err(BackendError::CountMismatch {
                    tab: tab.id(),
                    user: user.0,
                    count,
                    listed: all.len(),
                });
            }
            Ok(all.into_iter().map(|c| c.id).collect())
        })
    }

    fn explain_visible(
        &mut self,
        user: UserId,
        from: IpAddr,
        conversation: ConversationId,
    ) -> Result<Decision, BackendError> {
        self.runtime.block_on(async {
            let p = self.principal(user, from).await?;
            Ok(p.explain_visible(&self.conversation(conversation).await?))
        })
    }
}
