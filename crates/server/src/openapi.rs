//! The OpenAPI 3 document of the whole API: the document's frame here ([`ApiDoc`]: title, tags,
//! shared schemas), the paths from the handlers' annotations as each capability registers its
//! routes (`crate::router`), and the answers every operation may give ([`finish`]); served at
//! `/api/openapi.json`.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Atende API", description = "Atende's JSON API. Every decision is made by the access engine; what the caller may not see is 404."),
    components(schemas(
        crate::admin::settings::HelenaOptions,
        crate::admin::settings::OmniChatOptions,
        crate::admin::settings::OklacOptions,
        crate::admin::settings::OpaOptions,
        crate::admin::settings::ZenviaOptions,
    )),
    tags(
        (name = "auth", description = "Login, logout, the current user"),
        (name = "conversations", description = "Tabs, conversations, messages and actions"),
        (name = "admin", description = "The account, departments, users, roles, settings, presets and the audit log"),
        (name = "channels", description = "WhatsApp and generic channels: their settings and what they post"),
        (name = "routing", description = "Availability, limits and automatic assignment"),
        (name = "webhooks", description = "Outbound webhooks: signed deliveries of the account's conversation and message events, and their log"),
        (name = "operator", description = "The installation's accounts, for the holder of the operator token"),
    )
)]
pub struct ApiDoc;

/// The answers every operation of a kind may give, whatever its annotation says (so that a new
/// route cannot forget them): a request body may be refused as invalid JSON (400), too large
/// (413) or not JSON (415); a query as invalid (400); a path id that cannot be one (not a
/// number, out of range) is not found (404), as a non-existent one; an authenticated operation
/// may answer 401 (no session) and 403 (`password_change_required`).
struct CommonErrors;

impl utoipa::Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for (path, item) in &mut openapi.paths.paths {
            // Everything under /api/v1 but the login needs a session or an API token, and a
            // temporary password must be changed before anything else.
            let authenticated = path.starts_with("/api/v1/") && path != "/api/v1/auth/login";
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                let add = |op: &mut Operation, status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description));
                };
                let has = |op: &Operation, place: ParameterIn| {
                    op.parameters
                        .iter()
                        .flatten()
                        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
                };
                if op.request_body.is_some() {
                    add(
                        op,
                        "400",
                        "`invalid_json`: the body is not valid JSON of the expected shape",
                    );
                    add(op, "413", "`payload_too_large`: the body is over the limit");
                    add(
                        op,
                        "415",
                        "`unsupported_media_type`: the body is not `application/json`",
                    );
                }
                if has(op, ParameterIn::Query) {
                    add(
                        op,
                        "400",
                        "`bad_query`: a query parameter is missing or invalid",
                    );
                }
                if authenticated {
                    add(op, "401", "`unauthorized`: no valid session or API token");
                    add(
                        op,
                        "403",
                        "`password_change_required`: the caller's password is temporary and must be changed first (or refused by the access engine)",
                    );
                }
                if has(op, ParameterIn::Path) {
                    add(op, "404", "Not found (also when the id cannot be one)");
                }
            }
        }
    }
}

/// Completes the document once every route is registered: the answers every operation of a
/// kind may give ([`CommonErrors`]).
pub fn finish(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::Modify;
    CommonErrors.modify(document);
}

/// `GET /api/openapi.json`.
pub async fn document(
    document: std::sync::Arc<utoipa::openapi::OpenApi>,
) -> Json<utoipa::openapi::OpenApi> {
    Json(document.as_ref().clone())
}
