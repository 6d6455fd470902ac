//! What every logged-in user of an account may read besides conversations: colleagues' names
//! (for assignees and authors). The account's tags are [`crate::admin::tags`]'s.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// A user of the account, as colleagues see them.
#[derive(Serialize, ToSchema)]
pub struct Person {
    /// User id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Active or not.
    pub active: bool,
}

/// The account's users by name (every logged-in user: names to show for assignees and
/// authors; emails and roles are administrators' business, `/users`).
#[utoipa::path(get, path = "/api/v1/directory", tag = "conversations",
    responses((status = 200, body = [Person]), (status = 401, body = crate::error::ErrorBody)))]
pub async fn directory(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Vec<Person>>, ApiError> {
    let people = state
        .store
        .directory()
        .user_profiles(caller.owner.account)
        .await?;
    Ok(axum::Json(
        people
            .into_iter()
            .map(|p| Person {
                id: p.user.0,
                name: p.name,
                active: p.active,
            })
            .collect(),
    ))
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(directory))
}
