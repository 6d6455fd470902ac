//! The web inbox's assets, embedded in the binary (`crates/server/web/`, plain HTML, CSS and
//! JavaScript modules: no build step, no Node.js for users): `GET /` gives the page, `GET
//! /assets/{name}` its files. Every answer carries a strict Content-Security-Policy (no inline
//! script, nothing from elsewhere), `nosniff` and no framing.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The embedded files: name, content type, bytes (every file of `web/` but the page, listed by
/// `build.rs`).
const ASSETS: &[(&str, &str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/assets.rs"));

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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The keys of one dictionary (`const pt = {` … `};`) of a translation file.
    fn keys(source: &str, dict: &str) -> BTreeSet<String> {
        let start = format!("const {dict} = {{");
        source
            .lines()
            .skip_while(|l| !l.starts_with(&start))
            .skip(1)
            .take_while(|l| !l.starts_with("};"))
            .filter_map(|l| {
                let l = l.trim_start();
                let rest = l.strip_prefix('\'')?;
                Some(rest.split_once('\'')?.0.to_owned())
            })
            .collect()
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        for file in ["i18n.js", "admin-i18n.js", "contacts-i18n.js"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("web")
                .join(file);
            let source = std::fs::read_to_string(&path).unwrap();
            let pt = keys(&source, "pt");
            let en = keys(&source, "en");
            assert!(pt.len() > 100, "{file}: {} keys read", pt.len());
            let only_pt: Vec<_> = pt.difference(&en).collect();
            let only_en: Vec<_> = en.difference(&pt).collect();
            assert!(
                only_pt.is_empty() && only_en.is_empty(),
                "{file}: only in Portuguese {only_pt:?}, only in English {only_en:?}"
            );
        }
    }

    #[test]
    fn every_file_of_the_directory_is_served() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        for e in std::fs::read_dir(dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name != "index.html" {
                assert!(super::ASSETS.iter().any(|(n, _, _)| *n == name), "{name}");
            }
        }
        assert!(super::ASSETS.iter().all(|(n, _, _)| *n != "index.html"));
    }
}
