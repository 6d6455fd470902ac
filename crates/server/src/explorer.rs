//! "Quem vê o quê?": the access explorer. For a conversation the caller may see, every user of
//! the account with whether they see it and why, in the engine's reasons rendered in Portuguese
//! or English; optionally as from another client address (allowed networks).
//!
//! Needs `users.manage` (the explorer shows the account's users and their access), and the
//! conversation must be visible to the caller: one they may not see answers 404 like any other,
//! so the explorer reveals nothing of conversations beyond the caller's own view.
//!
//! The other direction, a user's conversations, lists only what both the user and the caller
//! see: the user's plan met with the caller's ([`access::Plan::meet`]), compiled like a tab.

use crate::error_codes as codes;
use std::collections::BTreeMap;
use std::net::IpAddr;

use access::explain::{self, Lang, Names};
use access::{Action, ConversationId, DepartmentId, Permission, RoleId, Standing, Tab, UserId};
use axum::extract::State;

use crate::audit_action::AuditAction;
use crate::input::{Path, Query};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::caller::Caller;
use crate::conversations::{ConversationView, parse_cursor, parse_tab, view};
use crate::error::{ApiError, require};
use crate::state::AppState;

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
    /// Why, in one sentence a manager reads (no rule codes, no permission ids).
    pub summary: String,
    /// The engine's reason codes.
    pub codes: Vec<&'static str>,
    /// The reasons in words, with the rule codes and permission ids, for whoever asks.
    pub reasons: Vec<String>,
}

/// Who sees a conversation, and why.
#[derive(Serialize, ToSchema)]
pub struct Viewers {
    /// The conversation.
    pub conversation_id: i64,
    /// The address users were resolved from (`unknown` when the caller's is unknown).
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

/// The language (`pt` by default) and the address users are resolved from (the caller's by
/// default).
fn lang_and_address(
    caller: &Caller,
    lang: Option<&str>,
    from: Option<&str>,
) -> Result<(Lang, Option<IpAddr>), ApiError> {
    let lang = match lang {
        None => Lang::Pt,
        Some(l) => Lang::from_id(l)
            .ok_or_else(|| ApiError::bad_request(codes::BAD_LANG, "`lang` must be pt or en"))?,
    };
    let from = match from {
        None => caller.address,
        Some(a) => Some(a.parse().map_err(|_| {
            ApiError::bad_request(
                codes::BAD_ADDRESS,
                format!("`from` = `{a}` is not an IP address"),
            )
        })?),
    };
    Ok((lang, from))
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
        AuditAction::AccessViewers,
        format!("conversation#{id}"),
    )
    .gate(Permission::UsersManage)
    .await?;
    let (lang, from) = lang_and_address(&caller, q.lang.as_deref(), q.from.as_deref())?;
    let account = caller.owner.account;
    let row = state
        .store
        .conversations()
        .conversation_rows(account, &[ConversationId(id)])
        .await?
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)?;
    let c = row.record.conversation;
    require(&caller.principal.decide(&c, Action::View))?;
    let full = state.store.directory().account(account).await?;
    let profiles = state.store.directory().user_profiles(account).await?;
    let names = AccountNames {
        users: profiles.iter().map(|p| (p.user, p.name.clone())).collect(),
        config: &full.config,
    };
    let mut users = Vec::new();
    for p in &profiles {
        let Some(user) = full.users.get(&p.user) else {
            continue;
        };
        let principal = crate::client_address::principal(&full.config, user, from);
        let d = principal.explain_visible(&c);
        let sees = d.is_allowed() && principal.standing() == Standing::Active;
        users.push(Viewer {
            user_id: p.user.0,
            name: p.name.clone(),
            email: p.email.clone(),
            sees,
            sees_details: sees && principal.details_visible(&c),
            summary: if d.is_allowed() && !sees {
                // The rules would show it, but the user cannot act at all from there.
                match lang {
                    Lang::Pt => format!("{} não vê: está inativo, ou nenhum papel seu vale a partir deste endereço.", p.name),
                    Lang::En => format!("{} does not see it: the user is inactive, or none of their roles applies from this address.", p.name),
                }
            } else {
                explain::sentence(lang, &names, &p.name, &d)
            },
            codes: d.reasons().iter().map(access::Reason::code).collect(),
            reasons: explain::decision(lang, &names, &d),
        });
    }
    users.sort_by(|a, b| b.sees.cmp(&a.sees).then(a.name.cmp(&b.name)));
    Ok(axum::Json(Viewers {
        conversation_id: id,
        from: crate::client_address::shown(from),
        users,
    }))
}

/// Options of a user's conversations in the explorer.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SeesQuery {
    /// Only this tab of the user (`mine`, `waiting`, `others`, `finished`, `my_finished`);
    /// default: everything the user sees.
    pub tab: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `pt` (default) or `en`.
    pub lang: Option<String>,
    /// Resolve the user as connecting from this address (default: the caller's).
    pub from: Option<String>,
}

/// A conversation the user sees, and why.
#[derive(Serialize, ToSchema)]
pub struct Seen {
    /// The conversation as the caller sees it (details masked by the caller's own view).
    pub conversation: ConversationView,
    /// The user's tab it is in (`mine`, `waiting`, `others`, `finished`).
    pub tab: &'static str,
    /// Whether the user sees its contact and messages.
    pub sees_details: bool,
    /// Why, in one sentence a manager reads (no rule codes, no permission ids).
    pub summary: String,
    /// The engine's reason codes.
    pub codes: Vec<&'static str>,
    /// The reasons in words, with the rule codes and permission ids, for whoever asks.
    pub reasons: Vec<String>,
}

/// How many conversations of each of the user's tabs both the user and the caller see.
#[derive(Serialize, ToSchema)]
pub struct SeenCounts {
    /// Every tab together.
    pub all: u64,
    /// Meus.
    pub mine: u64,
    /// Aguardando.
    pub waiting: u64,
    /// Outros.
    pub others: u64,
    /// Concluídos.
    pub finished: u64,
    /// Meus finalizados.
    pub my_finished: u64,
}

/// What a user sees (within what the caller sees), and why.
#[derive(Serialize, ToSchema)]
pub struct UserSees {
    /// The user.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// The address the user was resolved from (`unknown` when the caller's is unknown).
    pub from: String,
    /// `active`, `inactive` or `no_active_binding` (no role applies from that address).
    pub standing: &'static str,
    /// The user's visibility rules in words, one line per part (whole account, not limited to
    /// the caller's view: it names departments and users, never conversations).
    pub rules: Vec<String>,
    /// The counts, within the caller's view.
    pub counts: SeenCounts,
    /// The page, newest activity first.
    pub items: Vec<Seen>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn standing_id(s: Standing) -> &'static str {
    match s {
        Standing::Active => "active",
        Standing::Inactive => "inactive",
        Standing::NoActiveBinding => "no_active_binding",
    }
}

/// Which conversations a user sees and why (`users.manage`): only those the caller sees too,
/// so the explorer never shows the caller more than their own inbox. A user of another
/// account answers 404 like an unknown id.
#[utoipa::path(get, path = "/api/v1/access/users/{id}/conversations", tag = "admin",
    params(("id" = i64, Path, description = "User id"), SeesQuery),
    responses((status = 200, body = UserSees), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn user_sees(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<SeesQuery>,
) -> Result<axum::Json<UserSees>, ApiError> {
    // An administrative read: a refusal is recorded in the audit log.
    crate::admin::Attempt::new(
        &state,
        &caller,
        AuditAction::AccessUserSees,
        format!("user#{id}"),
    )
    .gate(Permission::UsersManage)
    .await?;
    let (lang, from) = lang_and_address(&caller, q.lang.as_deref(), q.from.as_deref())?;
    let tab = q.tab.as_deref().map(parse_tab).transpose()?;
    let limit = crate::input::page_limit(q.limit)?;
    let after = q.cursor.as_deref().map(parse_cursor).transpose()?;
    let account = caller.owner.account;
    let full = state.store.directory().account(account).await?;
    let user = full
        .users
        .get(&UserId(id))
        .ok_or_else(ApiError::not_found)?;
    let profiles = state.store.directory().user_profiles(account).await?;
    let profile = profiles
        .iter()
        .find(|p| p.user == user.id)
        .ok_or_else(ApiError::not_found)?;
    let names = AccountNames {
        users: profiles.iter().map(|p| (p.user, p.name.clone())).collect(),
        config: &full.config,
    };
    let target = crate::client_address::principal(&full.config, user, from);
    let departments: Vec<DepartmentId> = full.config.departments.iter().map(|d| d.id).collect();
    let mine = caller.principal.visible_plan();
    let both = |plan: access::Plan| plan.meet(&mine, &departments);
    let count = |plan: access::Plan| {
        let store = state.store.clone();
        async move { store.conversations().count(&plan).await }
    };
    let counts = SeenCounts {
        all: count(both(target.visible_plan())).await?,
        mine: count(both(target.plan(Tab::Mine))).await?,
        waiting: count(both(target.plan(Tab::Waiting))).await?,
        others: count(both(target.plan(Tab::Others))).await?,
        finished: count(both(target.plan(Tab::Finished))).await?,
        my_finished: count(both(target.plan(Tab::MyFinished))).await?,
    };
    let plan = both(tab.map_or_else(|| target.visible_plan(), |t| target.plan(t)));
    let rows = state
        .store
        .conversations()
        .list_rows(&plan, after, limit)
        .await?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| {
            rows.last()
                .map(|r| format!("{}.{}", r.record.last_activity, r.record.conversation.id.0))
        })
        .flatten();
    let mut items = Vec::new();
    for row in rows {
        let c = row.record.conversation;
        let d = target.explain_visible(&c);
        // The plan decided the listing; the engine's decisions are checked again per row.
        if !d.is_allowed() || !caller.principal.visible(&c) {
            continue;
        }
        let in_tab = [Tab::Mine, Tab::Waiting, Tab::Others, Tab::Finished]
            .into_iter()
            .find(|t| t.filter(&c, user.id))
            .unwrap_or(Tab::Finished);
        items.push(Seen {
            tab: in_tab.id(),
            sees_details: target.details_visible(&c),
            summary: explain::sentence(lang, &names, &profile.name, &d),
            codes: d.reasons().iter().map(access::Reason::code).collect(),
            reasons: explain::decision(lang, &names, &d),
            conversation: view(&caller.principal, row),
        });
    }
    Ok(axum::Json(UserSees {
        user_id: id,
        name: profile.name.clone(),
        email: profile.email.clone(),
        from: crate::client_address::shown(from),
        standing: standing_id(target.standing()),
        rules: explain::plan(lang, &names, &target.visible_plan())
            .into_iter()
            .map(|l| l.trim_start_matches(['-', ' ']).to_owned())
            .collect(),
        counts,
        items,
        next_cursor,
    }))
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(viewers))
        .routes(utoipa_axum::routes!(user_sees))
}
