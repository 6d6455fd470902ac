//! Account settings and the five platform presets.
//!
//! A preset is applied by the engine (`access::preset::Preset::apply`) on the account as it is
//! inside the transaction; the result is then decided change by change as any administrator's
//! change would be (`manage_user` for every rebound user, role editing for every role created,
//! changed or removed, each on the account as the previous ones left it, so the last
//! `account.manage` holder cannot be lost between two users), and written in the same
//! transaction with one audit row.

use crate::error_codes as codes;
use std::collections::BTreeMap;

use access::preset::Preset;
use access::{
    AccessOption, Account, Assignment, DepartmentId, Permission, QueueAccess, Reason, RoleChange,
    RoleId, Settings, UserChange,
};
use axum::extract::State;

use crate::audit_action::AuditAction;
use crate::input::Path;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::departments::{DepartmentView, view as department_view};
use super::{Attempt, to_json, unknown};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::json::{Json, JsonOrEmpty, Validate};
use crate::state::AppState;

/// The account's settings (ACCESS-MODEL.md, "Account settings").
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsView {
    /// Users see the finished conversations they had.
    pub my_finished_queue: bool,
    /// `members` or `admins`: who the waiting queue is open to.
    pub waiting_queue: String,
    /// `members` or `admins`: who the finished queue is open to.
    pub finished_queue: String,
    /// Contact and messages hidden until a conversation is assumed.
    pub hide_details_until_assumed: bool,
    /// Agents see their colleagues' conversations.
    pub shared_inbox: bool,
    /// `manual` or `auto`.
    pub assignment: String,
    /// Finishing passes through a satisfaction survey.
    pub satisfaction_survey: bool,
}

impl Validate for SettingsView {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        settings_from(self).map(|_| ())
    }
}

pub(crate) fn settings_view(s: &Settings) -> SettingsView {
    SettingsView {
        my_finished_queue: s.my_finished_queue,
        waiting_queue: s.waiting_queue.id().to_owned(),
        finished_queue: s.finished_queue.id().to_owned(),
        hide_details_until_assumed: s.hide_details_until_assumed,
        shared_inbox: s.shared_inbox,
        assignment: s.assignment.id().to_owned(),
        satisfaction_survey: s.satisfaction_survey,
    }
}

fn bad_setting(field: &str, value: &str, allowed: &str) -> ApiError {
    ApiError::bad_request(
        codes::BAD_SETTING,
        format!("`{field}` cannot be `{value}`: use {allowed}"),
    )
}

fn queue(field: &str, v: &str) -> Result<QueueAccess, ApiError> {
    QueueAccess::from_id(v).ok_or_else(|| bad_setting(field, v, "members or admins"))
}

fn assignment(v: &str) -> Result<Assignment, ApiError> {
    Assignment::from_id(v).ok_or_else(|| bad_setting("assignment", v, "manual or auto"))
}

pub(crate) fn settings_from(v: &SettingsView) -> Result<Settings, ApiError> {
    Ok(Settings {
        my_finished_queue: v.my_finished_queue,
        waiting_queue: queue("waiting_queue", &v.waiting_queue)?,
        finished_queue: queue("finished_queue", &v.finished_queue)?,
        hide_details_until_assumed: v.hide_details_until_assumed,
        shared_inbox: v.shared_inbox,
        assignment: assignment(&v.assignment)?,
        satisfaction_survey: v.satisfaction_survey,
    })
}

/// The account's settings (every logged-in user).
#[utoipa::path(get, path = "/api/v1/settings", tag = "admin",
    responses((status = 200, body = SettingsView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn get(caller: Caller) -> axum::Json<SettingsView> {
    axum::Json(settings_view(&caller.config.settings))
}

/// Replaces the account's settings, all seven (`settings.company`).
#[utoipa::path(put, path = "/api/v1/settings", tag = "admin", request_body = SettingsView,
    responses((status = 200, body = SettingsView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<SettingsView>,
) -> Result<axum::Json<SettingsView>, ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::SettingsUpdate,
        caller.owner.account.to_string(),
    );
    let granted = at.gate(Permission::SettingsCompany).await?;
    body.validate(state.egress.policy())?;
    let settings = settings_from(&body)?;
    let open = at.begin(granted).await?;
    let before = to_json(&settings_view(&open.account.config.settings));
    let after = to_json(&settings_view(&settings));
    let d = open.actor.decide_permission(Permission::SettingsCompany);
    let mut open = at.require_in(open, &d, Some(&before), Some(&after)).await?;
    open.tx.set_settings(&settings).await?;
    at.done(open.tx, Some(&before), Some(&after)).await?;
    Ok(axum::Json(settings_view(&settings)))
}

/// Options of `helena`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HelenaOptions {
    /// Access option per department id (`{"12": "agent"}`); departments not listed keep theirs.
    #[serde(default)]
    pub access: BTreeMap<String, String>,
}

/// Options of `omnichat`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OmniChatOptions {
    /// "Habilitar fila Meus Finalizados".
    pub my_finished_queue: bool,
    /// The waiting queue only for administrators.
    pub waiting_admins_only: bool,
    /// The finished queue only for administrators.
    pub finished_admins_only: bool,
    /// Hide details until assumed.
    pub hide_details_until_assumed: bool,
    /// Routing on (`assignment = auto`).
    pub routing: bool,
}

/// Options of `oklac` (none).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OklacOptions {}

/// Options of `opa`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpaOptions {
    /// Allowed networks (CIDR) of the two permission groups the preset creates; empty: anywhere.
    #[serde(default)]
    pub allowed_networks: Vec<String>,
}

/// Options of `zenvia`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZenviaOptions {
    /// "Caixa de Entrada Compartilhada".
    pub shared_inbox: bool,
    /// `manual` or `auto`.
    pub assignment: String,
}

/// What a preset changed.
#[derive(Serialize, ToSchema)]
pub struct PresetResult {
    /// The preset's id.
    pub preset: &'static str,
    /// The settings now.
    pub settings: SettingsView,
    /// Departments whose access option changed, as they are now.
    pub departments: Vec<DepartmentView>,
    /// Roles created.
    pub roles_created: Vec<i64>,
    /// Roles changed.
    pub roles_updated: Vec<i64>,
    /// Roles removed.
    pub roles_removed: Vec<i64>,
    /// Users whose role bindings changed.
    pub users_rebound: Vec<i64>,
}

fn options<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    let body = if body.is_null() { json!({}) } else { body };
    serde_json::from_value(body).map_err(|e| {
        ApiError::bad_request(
            codes::INVALID_JSON,
            format!("the preset's options are not valid: {e}"),
        )
    })
}

/// The presets' ids.
pub(crate) const PRESETS: [&str; 5] = ["helena", "omnichat", "oklac", "opa", "zenvia"];

/// Reads a preset and its options; departments are checked against the account later.
pub(crate) fn preset(id: &str, body: Value) -> Result<Preset, ApiError> {
    Ok(match id {
        "helena" => {
            let o: HelenaOptions = options(body)?;
            let mut access = BTreeMap::new();
            for (d, a) in &o.access {
                let d: i64 = d.parse().map_err(|_| {
                    ApiError::bad_request(
                        codes::UNKNOWN_DEPARTMENT,
                        format!("`{d}` is not a department id"),
                    )
                })?;
                let a = AccessOption::from_id(a).ok_or_else(|| {
                    ApiError::bad_request(
                        codes::BAD_ACCESS,
                        format!("unknown access option `{a}`: use all, team or agent"),
                    )
                })?;
                access.insert(DepartmentId(d), a);
            }
            Preset::Helena { access }
        }
        "omnichat" => {
            let o: OmniChatOptions = options(body)?;
            Preset::OmniChat {
                my_finished_queue: o.my_finished_queue,
                waiting_admins_only: o.waiting_admins_only,
                finished_admins_only: o.finished_admins_only,
                hide_details_until_assumed: o.hide_details_until_assumed,
                routing: o.routing,
            }
        }
        "oklac" => {
            let _: OklacOptions = options(body)?;
            Preset::Oklac
        }
        "opa" => {
            let o: OpaOptions = options(body)?;
            let allowed_networks = o
                .allowed_networks
                .iter()
                .map(|n| {
                    n.trim().parse().map_err(|e: access::IpNetError| {
                        ApiError::bad_request(codes::BAD_NETWORK, e.to_string())
                            .with("value", n.trim())
                    })
                })
                .collect::<Result<_, _>>()?;
            Preset::Opa { allowed_networks }
        }
        "zenvia" => {
            let o: ZenviaOptions = options(body)?;
            Preset::Zenvia {
                shared_inbox: o.shared_inbox,
                assignment: assignment(&o.assignment)?,
            }
        }
        _ => return Err(ApiError::not_found()),
    })
}

/// Every decision the preset's changes need, each on the account as the previous ones left it;
/// the reasons of every refusal.
pub(crate) fn refusals(
    actor: &access::Principal,
    before: &Account,
    after: &Account,
) -> Vec<Reason> {
    let mut work = before.clone();
    let mut missing: Vec<Reason> = Vec::new();
    let mut note = |d: access::Decision| {
        if !d.is_allowed() {
            for r in d.reasons() {
                if !missing.contains(r) {
                    missing.push(r.clone());
                }
            }
        }
    };
    for (id, u) in &after.users {
        if before.users.get(id).is_some_and(|b| b != u) {
            note(actor.decide_manage_user(
                &work,
                UserChange::Edit {
                    target: *id,
                    after: u,
                },
            ));
            work.users.insert(*id, u.clone());
        }
    }
    for role in after.config.roles.values() {
        match before.config.roles.get(&role.id) {
            None => note(actor.decide_role_change(&work, RoleChange::Create(role))),
            Some(b) if b != role => note(actor.decide_role_change(&work, RoleChange::Edit(role))),
            Some(_) => continue,
        }
        work.config.roles.insert(role.id, role.clone());
    }
    for id in before.config.roles.keys() {
        if !after.config.roles.contains_key(id) {
            note(actor.decide_role_change(&work, RoleChange::Delete(*id)));
            work.config.roles.remove(id);
        }
    }
    missing
}

/// Applies a platform preset (`account.manage`, and each role and user change it makes as an
/// administrator's change): `helena`, `omnichat`, `oklac`, `opa` or `zenvia`, with its options.
#[utoipa::path(post, path = "/api/v1/presets/{id}", tag = "admin",
    params(("id" = String, Path, description = "helena, omnichat, oklac, opa or zenvia")),
    request_body(content = Object, description = "The preset's options: HelenaOptions, OmniChatOptions, OklacOptions (empty), OpaOptions or ZenviaOptions"),
    responses((status = 200, body = PresetResult), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody, description = "No such preset")))]
pub async fn apply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonOrEmpty(body): JsonOrEmpty<Value>,
) -> Result<axum::Json<PresetResult>, ApiError> {
    if !PRESETS.contains(&id.as_str()) {
        return Err(ApiError::not_found());
    }
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::PresetApply,
        format!("preset#{id}"),
    );
    let granted = at.gate(Permission::AccountManage).await?;
    let preset = preset(&id, body.clone())?;
    let open = at.begin(granted).await?;
    if let Preset::Helena { access } = &preset
        && access
            .keys()
            .any(|d| !open.account.config.departments.contains(*d))
    {
        return Err(unknown(
            crate::error_codes::UNKNOWN_DEPARTMENT,
            "department",
        ));
    }
    let before = open.account.clone();
    let mut after = before.clone();
    let mut next = 0;
    let report = preset.apply(&mut after, &mut || {
        next -= 1;
        RoleId(next)
    });
    let rebound: Vec<&access::User> = after
        .users
        .values()
        .filter(|u| before.users.get(&u.id).is_some_and(|b| b != *u))
        .collect();
    let updated: Vec<&access::Role> = after
        .config
        .roles
        .values()
        .filter(|r| before.config.roles.get(&r.id).is_some_and(|b| b != *r))
        .collect();
    let removed: Vec<RoleId> = before
        .config
        .roles
        .keys()
        .filter(|r| !after.config.roles.contains_key(r))
        .copied()
        .collect();
    let department = |a: &Account, d: DepartmentId| {
        a.config
            .departments
            .get(d)
            .map(|x| json!({"id": d.0, "access": x.access.id()}))
    };
    let roles_json = |a: &Account, ids: &[RoleId]| -> Vec<Value> {
        ids.iter()
            .filter_map(|id| a.config.roles.get(id))
            .map(|r| to_json(&super::roles::view(r)))
            .collect()
    };
    let users_json = |a: &Account| -> Vec<Value> {
        rebound
            .iter()
            .filter_map(|u| a.users.get(&u.id))
            .map(|u| json!({"id": u.id.0, "roles": super::users::bindings_view(u)}))
            .collect()
    };
    let touched: Vec<RoleId> = updated
        .iter()
        .map(|r| r.id)
        .chain(removed.iter().copied())
        .collect();
    let before_json = json!({
        "settings": to_json(&settings_view(&before.config.settings)),
        "departments": report.access.iter().filter_map(|(d, _, _)| department(&before, *d)).collect::<Vec<_>>(),
        "roles": roles_json(&before, &touched),
        "users": users_json(&before),
    });
    let d = {
        let missing = refusals(&open.actor, &before, &after);
        if missing.is_empty() {
            access::Decision::allow(vec![])
        } else {
            access::Decision::deny(missing)
        }
    };
    let attempted = json!({"preset": preset.id(), "options": body});
    let mut open = at
        .require_in(open, &d, Some(&before_json), Some(&attempted))
        .await?;
    // Written in one transaction: settings, departments, roles, then the users' bindings.
    let real =
        super::account_change::write(&mut open.tx, &before, &after, state.clock.now_micros())
            .await?;
    // The account as stored now, for the audit row and the answer.
    let now = open.tx.account().await?;
    let created_ids: Vec<RoleId> = real.values().copied().collect();
    let updated_ids: Vec<RoleId> = updated.iter().map(|r| r.id).collect();
    let after_json = json!({
        "preset": preset.id(),
        "options": body,
        "settings": to_json(&settings_view(&now.config.settings)),
        "departments": report.access.iter().filter_map(|(d, _, _)| department(&now, *d)).collect::<Vec<_>>(),
        "roles_created": roles_json(&now, &created_ids),
        "roles_updated": roles_json(&now, &updated_ids),
        "roles_removed": removed.iter().map(|r| r.0).collect::<Vec<_>>(),
        "users": users_json(&now),
    });
    at.done(open.tx, Some(&before_json), Some(&after_json))
        .await?;
    Ok(axum::Json(PresetResult {
        preset: preset.id(),
        settings: settings_view(&now.config.settings),
        departments: report
            .access
            .iter()
            .filter_map(|(d, _, _)| now.config.departments.get(*d))
            .map(|d| department_view(&now.config, d))
            .collect(),
        roles_created: created_ids.iter().map(|r| r.0).collect(),
        roles_updated: updated_ids.iter().map(|r| r.0).collect(),
        roles_removed: removed.iter().map(|r| r.0).collect(),
        users_rebound: rebound.iter().map(|u| u.id.0).collect(),
    }))
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(get, put))
        .routes(utoipa_axum::routes!(apply))
}
