//! "Quem vê o quê?": the access explorer. For a conversation the caller may see, every user of
//! the account with whether they see it and why, in the engine's reasons rendered in Portuguese
//! or English; optionally as from another client address (allowed networks).
//!
//! Needs `users.manage` (the explorer shows the account's users and their access), and the
//! conversation must be visible to the caller: one they may not see answers 404 like any other,
//! so the explorer reveals nothing of conversations beyond the caller's own view.

use std::collections::BTreeMap;
use std::net::IpAddr;

use access::explain::{self, Lang, Names};
use access::{
    Action, ConversationId, DepartmentId, Permission, Principal, RoleId, Standing, UserId,
};
use axum::extract::State;

use crate::input::{Path, Query};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, require};

/// The explorer's options.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ViewersQuery {
    /// `pt` (default) or `en`.
    pub lang: Option<String>,
    /// Resolve every user as connecting from this address (default: the caller's).
    pub from: Option<String>,
}

/// One user and the conversation.
#[derive(Serialize, ToSchema)]
pub struct Viewer {
    /// User id.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Whether they see the conversation.
    pub sees: bool,
    /// Whether they see its contact and messages.
    pub sees_details: bool,
    /// The engine's reason codes.
    pub codes: Vec<&'static str>,
    /// The reasons in words.
    pub reasons: Vec<String>,
}

/// Who sees a conversation, and why.
#[derive(Serialize, ToSchema)]
pub struct Viewers {
    /// The conversation.
    pub conversation_id: i64,
    /// The address users were resolved from.
    pub from: String,
    /// Every user of the account, those who see it first.
    pub users: Vec<Viewer>,
}

struct AccountNames<'a> {
    users: BTreeMap<UserId, String>,
    config: &'a access::AccountConfig,
}

impl Names for AccountNames<'_> {
    fn user(&self, id: UserId) -> String {
        self.users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{}", id.0))
    }
    fn department(&self, id: DepartmentId) -> String {
        self.config
            .departments
            .get(id)
            .map_or_else(|| format!("#{}", id.0), |d| d.name.clone())
    }
    fn role(&self, id: RoleId) -> String {
        self.config
            .roles
            .get(&id)
            .map_or_else(|| format!("#{}", id.0), |r| r.name.clone())
    }
}

/// Who sees the conversation and why (`users.manage`; the conversation must be visible to the
/// caller).
#[utoipa::path(get, path = "/api/v1/access/conversations/{id}/viewers", tag = "admin",
    params(("id" = i64, Path, description = "Conversation id"), ViewersQuery),
    responses((status = 200, body = Viewers), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn viewers(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ViewersQuery>,
) -> Result<axum::Json<Viewers>, ApiError> {
    // An administrative read: a refusal is recorded in the audit log.
    crate::admin::Attempt::new(
        &state,
        &caller,
        "access.viewers",
        format!("conversation#{id}"),
    )
    .gate(Permission::UsersManage)
    .await?;
    let lang = match q.lang.as_deref() {
        None => Lang::Pt,
        Some(l) => Lang::from_id(l)
            .ok_or_else(|| ApiError::bad_request("bad_lang", "`lang` must be pt or en"))?,
    };
    let from: IpAddr = match q.from.as_deref() {
        None => caller.address,
        Some(a) => a.parse().map_err(|_| {
            ApiError::bad_request(
                "bad_address",
                format!("`from` = `{a}` is not an IP address"),
            )
        })?,
    };
    let account = caller.owner.account;
    let row = state
        .store
        .conversation_rows(account, &[ConversationId(id)])
        .await?
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)?;
    let c = row.record.conversation;
    require(&caller.principal.decide(&c, Action::View))?;
    let full = state.store.account(account).await?;
    let profiles = state.store.user_profiles(account).await?;
    let names = AccountNames {
        users: profiles.iter().map(|p| (p.user, p.name.clone())).collect(),
        config: &full.config,
    };
    let mut users = Vec::new();
    for p in &profiles {
        let Some(user) = full.users.get(&p.user) else {
            continue;
        };
        let principal = Principal::resolve(&full.config, user, from);
        let d = principal.explain_visible(&c);
        let sees = d.is_allowed() && principal.standing() == Standing::Active;
        users.push(Viewer {
            user_id: p.user.0,
            name: p.name.clone(),
            email: p.email.clone(),
            sees,
            sees_details: sees && principal.details_visible(&c),
            codes: d.reasons().iter().map(access::Reason::code).collect(),
            reasons: explain::decision(lang, &names, &d),
        });
    }
    users.sort_by(|a, b| b.sees.cmp(&a.sees).then(a.name.cmp(&b.name)));
    Ok(axum::Json(Viewers {
        conversation_id: id,
        from: from.to_string(),
        users,
    }))
}
