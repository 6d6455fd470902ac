//! The OpenAPI 3 document of the whole API, generated from the handlers' annotations and
//! served at `/api/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Atende API", description = "Atende's JSON API. Every decision is made by the access engine; what the caller may not see is 404."),
    paths(
        crate::auth::login,
        crate::auth::logout,
        crate::auth::me,
        crate::auth::create_token,
        crate::auth::revoke_token,
        crate::conversations::list,
        crate::conversations::counts,
        crate::conversations::get,
        crate::conversations::messages,
        crate::conversations::act,
        crate::conversations::create,
        crate::conversations::transfer_targets,
    ),
    tags(
        (name = "auth", description = "Login, logout, the current user"),
        (name = "conversations", description = "Tabs, conversations, messages and actions"),
    )
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
