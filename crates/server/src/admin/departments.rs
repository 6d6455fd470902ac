//! Departments: the account's tree with each department's access option. Everyone logged in
//! reads it; writes need `departments.manage`.

use crate::error_codes as codes;
use access::{
    AccessOption, AccountConfig, Department, DepartmentId, DepartmentTree, Permission, TreeError,
};
use axum::extract::State;

use crate::audit_action::AuditAction;
use crate::input::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{Attempt, to_json, unknown, valid_name};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::json::{Json, Validate};
use crate::state::AppState;

/// A department.
#[derive(Serialize, ToSchema)]
pub struct DepartmentView {
    /// Department id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Parent department; absent for a root.
    pub parent_id: Option<i64>,
    /// Access option: `all`, `team` or `agent`.
    pub access: &'static str,
    /// Whether new conversations land here.
    pub is_default: bool,
}

pub(crate) fn view(config: &AccountConfig, d: &Department) -> DepartmentView {
    DepartmentView {
        id: d.id.0,
        name: d.name.clone(),
        parent_id: d.parent.map(|p| p.0),
        access: d.access.id(),
        is_default: config.departments.default_department() == d.id,
    }
}

/// A new department.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    /// Name (1 to 200 bytes, unique in the account).
    pub name: String,
    /// Parent department (absent: a root).
    pub parent_id: Option<i64>,
    /// `all`, `team` (the default) or `agent`.
    pub access: Option<String>,
}

impl Validate for NewDepartment {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.name = valid_name("name", &self.name)?;
        self.access.as_deref().map(access_option).transpose()?;
        Ok(())
    }
}

/// Changes to a department; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentPatch {
    /// New name.
    pub name: Option<String>,
    /// New parent; `null` makes it a root.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    /// New access option.
    pub access: Option<String>,
}

impl Validate for DepartmentPatch {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.name = self
            .name
            .as_deref()
            .map(|n| valid_name("name", n))
            .transpose()?;
        self.access.as_deref().map(access_option).transpose()?;
        Ok(())
    }
}

/// A field that may be given as `null`: `Some(None)`; absent stays `None` (with `default`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

pub(crate) fn access_option(s: &str) -> Result<AccessOption, ApiError> {
    AccessOption::from_id(s).ok_or_else(|| {
        ApiError::bad_request(
            codes::BAD_ACCESS,
            format!("unknown access option `{s}`: use all, team or agent"),
        )
    })
}

fn tree_error(e: &TreeError) -> ApiError {
    match e {
        TreeError::Cycle(_) => ApiError::bad_request(
            codes::DEPARTMENT_CYCLE,
            format!("{e}: choose a parent outside the department's own subtree"),
        ),
        _ => ApiError::bad_request(codes::BAD_DEPARTMENT, e.to_string()),
    }
}

/// The account's departments (every logged-in user).
#[utoipa::path(get, path = "/api/v1/departments", tag = "admin",
    responses((status = 200, body = [DepartmentView]), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(caller: Caller) -> axum::Json<Vec<DepartmentView>> {
    axum::Json(
        caller
            .config
            .departments
            .iter()
            .map(|d| view(&caller.config, d))
            .collect(),
    )
}

/// Creates a department (`departments.manage`).
#[utoipa::path(post, path = "/api/v1/departments", tag = "admin", request_body = NewDepartment,
    responses((status = 201, body = DepartmentView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "The name is taken")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<NewDepartment>,
) -> Result<Response, ApiError> {
    let mut at = Attempt::new(&state, &caller, AuditAction::DepartmentCreate, "department");
    let granted = at.gate(Permission::DepartmentsManage).await?;
    body.validate(state.egress.policy())?;
    let name = body.name;
    let access = body
        .access
        .as_deref()
        .map_or(Ok(AccessOption::Team), access_option)?;
    let open = at.begin(granted).await?;
    let parent = body.parent_id.map(DepartmentId);
    if parent.is_some_and(|p| !open.account.config.departments.contains(p)) {
        return Err(unknown(
            crate::error_codes::UNKNOWN_DEPARTMENT,
            "department",
        ));
    }
    let after = json!({"name": name, "parent_id": body.parent_id, "access": access.id()});
    let d = open.actor.decide_permission(Permission::DepartmentsManage);
    let mut open = at.require_in(open, &d, None, Some(&after)).await?;
    let id = open.tx.create_department(&name, parent, access).await?;
    at.target = id.to_string();
    at.done(open.tx, None, Some(&after)).await?;
    let dept = Department {
        id,
        name,
        parent,
        access,
    };
    Ok((
        StatusCode::CREATED,
        axum::Json(view(&open.account.config, &dept)),
    )
        .into_response())
}

/// Renames a department, moves it in the tree or changes its access option
/// (`departments.manage`). A parent inside its own subtree is refused (400 `department_cycle`).
#[utoipa::path(patch, path = "/api/v1/departments/{id}", tag = "admin", request_body = DepartmentPatch,
    params(("id" = i64, Path, description = "Department id")),
    responses((status = 200, body = DepartmentView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "The name is taken")))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(mut body): Json<DepartmentPatch>,
) -> Result<axum::Json<DepartmentView>, ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::DepartmentUpdate,
        DepartmentId(id).to_string(),
    );
    let granted = at.gate(Permission::DepartmentsManage).await?;
    body.validate(state.egress.policy())?;
    let name = body.name.take();
    let access = body.access.as_deref().map(access_option).transpose()?;
    let open = at.begin(granted).await?;
    let config = &open.account.config;
    let Some(before) = config.departments.get(DepartmentId(id)).cloned() else {
        return Err(at.missing_in(open).await);
    };
    let mut after = before.clone();
    if let Some(n) = name {
        after.name = n;
    }
    if let Some(a) = access {
        after.access = a;
    }
    if let Some(p) = body.parent_id {
        let p = p.map(DepartmentId);
        if p.is_some_and(|p| !config.departments.contains(p)) {
            return Err(unknown(
                crate::error_codes::UNKNOWN_DEPARTMENT,
                "department",
            ));
        }
        after.parent = p;
    }
    DepartmentTree::new(
        config.departments.iter().map(|d| {
            if d.id == after.id {
                after.clone()
            } else {
                d.clone()
            }
        }),
        config.departments.default_department(),
    )
    .map_err(|e| tree_error(&e))?;
    let before_json = to_json(&view(config, &before));
    let after_json = to_json(&view(config, &after));
    let d = open.actor.decide_permission(Permission::DepartmentsManage);
    let mut open = at
        .require_in(open, &d, Some(&before_json), Some(&after_json))
        .await?;
    open.tx.update_department(&after).await?;
    at.done(open.tx, Some(&before_json), Some(&after_json))
        .await?;
    Ok(axum::Json(view(&open.account.config, &after)))
}

/// Deletes a department (`departments.manage`) with its memberships. 409 when it is the
/// default department, has a child, has a conversation or has role bindings scoped to it.
#[utoipa::path(delete, path = "/api/v1/departments/{id}", tag = "admin",
    params(("id" = i64, Path, description = "Department id")),
    responses((status = 204, description = "Deleted"), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "Still in use: the message says by what")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::DepartmentDelete,
        DepartmentId(id).to_string(),
    );
    let granted = at.gate(Permission::DepartmentsManage).await?;
    let open = at.begin(granted).await?;
    let config = &open.account.config;
    let Some(before) = config.departments.get(DepartmentId(id)).cloned() else {
        return Err(at.missing_in(open).await);
    };
    let members: Vec<i64> = open
        .account
        .users
        .values()
        .filter(|u| u.is_member_of(before.id))
        .map(|u| u.id.0)
        .collect();
    let mut before_json = to_json(&view(config, &before));
    if let Some(o) = before_json.as_object_mut() {
        o.insert("members".to_owned(), json!(members));
    }
    let d = open.actor.decide_permission(Permission::DepartmentsManage);
    let mut open = at.require_in(open, &d, Some(&before_json), None).await?;
    open.tx.delete_department(before.id).await?;
    at.done(open.tx, Some(&before_json), None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list, create))
        .routes(utoipa_axum::routes!(update, delete))
}
