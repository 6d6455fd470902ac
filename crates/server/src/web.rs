//! The web inbox's assets, embedded in the binary (`crates/server/web/`, plain HTML, CSS and
//! JavaScript modules: no build step, no Node.js for users): `GET /` gives the page, `GET
//! /assets/{name}` its files. Every answer carries a strict Content-Security-Policy (no inline
//! script, nothing from elsewhere), `nosniff` and no framing.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The embedded files: name, content type, bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../web/app.css"),
    ),
    (
        "pane.css",
        "text/css; charset=utf-8",
        include_bytes!("../web/pane.css"),
    ),
    (
        "i18n.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/i18n.js"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/api.js"),
    ),
    (
        "dom.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/dom.js"),
    ),
    (
        "login.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/login.js"),
    ),
    (
        "inbox.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/inbox.js"),
    ),
    (
        "inbox-state.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/inbox-state.js"),
    ),
    (
        "inbox-view.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/inbox-view.js"),
    ),
    (
        "inbox-actions.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/inbox-actions.js"),
    ),
    (
        "conversation.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/conversation.js"),
    ),
    (
        "conversation-state.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/conversation-state.js"),
    ),
    (
        "conversation-view.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/conversation-view.js"),
    ),
    (
        "conversation-head.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/conversation-head.js"),
    ),
    (
        "conversation-actions.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/conversation-actions.js"),
    ),
    (
        "live.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/live.js"),
    ),
    (
        "conversation-contact.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/conversation-contact.js"),
    ),
    (
        "conversation-template.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/conversation-template.js"),
    ),
    (
        "admin.css",
        "text/css; charset=utf-8",
        include_bytes!("../web/admin.css"),
    ),
    (
        "admin.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/admin.js"),
    ),
    (
        "admin-common.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/admin-common.js"),
    ),
    (
        "admin-i18n.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/admin-i18n.js"),
    ),
    (
        "admin-departments.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/admin-departments.js"),
    ),
    (
        "admin-users.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/admin-users.js"),
    ),
    (
        "admin-roles.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/admin-roles.js"),
    ),
    (
        "admin-settings.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/admin-settings.js"),
    ),
    (
        "admin-tags.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/admin-tags.js"),
    ),
    (
        "admin-audit.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/admin-audit.js"),
    ),
    (
        "admin-viewers.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/admin-viewers.js"),
    ),
    (
        "admin-sees.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/admin-sees.js"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../web/icon.svg"),
    ),
];

const INDEX: &[u8] = include_bytes!("../web/index.html");

/// The headers every page and asset carries.
fn secured(mut r: Response, content_type: &str) -> Response {
    let h = r.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        // Assets change with the binary: revalidate each time (they are small).
        (header::CACHE_CONTROL, "no-cache"),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    r
}

/// The web inbox's page.
pub async fn index() -> Response {
    secured(
        (StatusCode::OK, INDEX).into_response(),
        "text/html; charset=utf-8",
    )
}

/// One of the page's files.
pub async fn asset(Path(name): Path<String>) -> Result<Response, ApiError> {
    let (_, content_type, bytes) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(ApiError::not_found)?;
    Ok(secured(
        (StatusCode::OK, *bytes).into_response(),
        content_type,
    ))
}
