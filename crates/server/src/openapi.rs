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
    list_error_codes(document);
}

/// `ErrorDetail.code` lists every code the server answers with (`error_codes.rs`).
fn list_error_codes(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{RefOr, schema::Schema};
    let Some(components) = document.components.as_mut() else {
        return;
    };
    let Some(RefOr::T(Schema::Object(detail))) = components.schemas.get_mut("ErrorDetail") else {
        return;
    };
    if let Some(RefOr::T(Schema::Object(code))) = detail.properties.get_mut("code") {
        code.enum_values = Some(
            crate::error_codes::ALL
                .iter()
                .map(|(c, _)| serde_json::Value::from(c.as_str()))
                .collect(),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn document(
    document: std::sync::Arc<utoipa::openapi::OpenApi>,
) -> Json<utoipa::openapi::OpenApi> {
    Json(document.as_ref().clone())
}

/// The error codes as a client meets them: listed by the document, each with a text in both
/// of the web's languages (`web/errors-i18n.js`).
#[cfg(test)]
mod error_code_tests {
    use crate::error_codes::ALL;

    /// The texts of one language's block of `web/errors-i18n.js`: `'error.<code>'` keys.
    fn texts(block: &str) -> std::collections::HashSet<String> {
        block
            .lines()
            .filter_map(|l| l.trim().strip_prefix("'error."))
            .filter_map(|l| l.split_once('\'').map(|(k, _)| k.to_owned()))
            .collect()
    }

    /// The codes the OpenAPI document lists for `ErrorDetail.code`.
    fn documented() -> Vec<String> {
        let (_, mut document) = crate::capabilities().split_for_parts();
        super::finish(&mut document);
        let v = serde_json::to_value(&document).unwrap();
        v["components"]["schemas"]["ErrorDetail"]["properties"]["code"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn the_openapi_document_lists_every_code() {
        let listed = documented();
        let all: Vec<_> = ALL.iter().map(|(c, _)| c.as_str().to_owned()).collect();
        assert_eq!(listed, all);
    }

    #[test]
    fn every_code_has_a_text_in_both_languages() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/errors-i18n.js");
        let file = std::fs::read_to_string(&path).unwrap();
        let (pt, en) = file.split_once("const en = {").unwrap();
        let (pt, en) = (texts(pt), texts(en));
        // Walks the codes of the OpenAPI document (what a client may receive).
        let missing: Vec<_> = documented()
            .into_iter()
            .flat_map(|c| {
                [("pt", &pt), ("en", &en)]
                    .into_iter()
                    .filter(|(_, t)| !t.contains(&c))
                    .map(|(l, _)| format!("{l}: error.{c}"))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(missing.is_empty(), "no text for {missing:?}");
    }
}
