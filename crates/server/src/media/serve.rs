//! `GET /api/v1/attachments/{id}`: a file streamed to a reader who may see its conversation's
//! details; 404 for anyone else, exactly as for an id that does not exist.
//!
//! The answer never lets a browser run what a customer sent: `X-Content-Type-Options:
//! nosniff`, a sandboxing `Content-Security-Policy`, and a `Content-Type` from a short list of
//! types shown inline (pictures, audio, video); anything else (HTML, SVG, PDF, archives...) is
//! `application/octet-stream` with `Content-Disposition: attachment`, i.e. downloaded.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use futures_util::StreamExt as _;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::input::Path;
use crate::state::AppState;

/// Types a browser may show inline: they cannot run script. (The OpenAPI document of
/// [`attachment`] lists the same types.)
const INLINE: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "audio/ogg",
    "audio/opus",
    "audio/mpeg",
    "audio/mp4",
    "audio/aac",
    "audio/amr",
    "audio/webm",
    "video/mp4",
    "video/3gpp",
    "video/webm",
];

/// The `Content-Type` answered and whether the file is shown inline.
pub fn safe_type(mime: &str) -> (String, bool) {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if INLINE.contains(&essence.as_str()) {
        // Parameters kept only where they matter and are harmless (`codecs=opus`).
        let codecs = mime
            .split(';')
            .skip(1)
            .map(str::trim)
            .find(|p| p.to_ascii_lowercase().starts_with("codecs="))
            .filter(|p| {
                p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "=.,-_\" ".contains(c))
            });
        match codecs {
            Some(c) => (format!("{essence}; {c}"), true),
            None => (essence, true),
        }
    } else {
        ("application/octet-stream".to_owned(), false)
    }
}

/// `Content-Disposition` with the file's name: an ASCII fallback and the UTF-8 name (RFC 6266,
/// RFC 5987), nothing that could end the header or the quoted string.
pub fn disposition(inline: bool, name: &str) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A file of a message; needs the details of its conversation.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "conversations",
    params(("id" = i64, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file, streamed; pictures, audio and video inline with their type (the list of `INLINE`), anything else as an `application/octet-stream` download",
         content((crate::media::view::FileBytes = "application/octet-stream"), (crate::media::view::FileBytes = "image/jpeg"), (crate::media::view::FileBytes = "image/png"), (crate::media::view::FileBytes = "image/webp"), (crate::media::view::FileBytes = "image/gif"), (crate::media::view::FileBytes = "audio/ogg"), (crate::media::view::FileBytes = "audio/opus"), (crate::media::view::FileBytes = "audio/mpeg"), (crate::media::view::FileBytes = "audio/mp4"), (crate::media::view::FileBytes = "audio/aac"), (crate::media::view::FileBytes = "audio/amr"), (crate::media::view::FileBytes = "audio/webm"), (crate::media::view::FileBytes = "video/mp4"), (crate::media::view::FileBytes = "video/3gpp"), (crate::media::view::FileBytes = "video/webm"))),
        (status = 404, body = crate::error::ErrorBody, description = "No such file, not fetched yet, or its conversation's details are not visible")))]
pub async fn attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let account = caller.owner.account;
    let (file, row) = state
        .store
        .attachments()
        .file(account, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let row = crate::app::conversations::seen(caller.acting(), row)?;
    if !caller.principal.details_visible(&row.record.conversation) {
        return Err(ApiError::not_found());
    }
    let reading = match state.files.get(&file.storage_key).await {
        Ok(r) => r,
        Err(files::FilesError::NotFound) => return Err(ApiError::not_found()),
        Err(e) => return Err(ApiError::internal(&e)),
    };
    let (content_type, inline) = safe_type(&file.mime_type);
    let name = file
        .file_name
        .clone()
        .unwrap_or_else(|| format!("{}-{}", file.kind.id(), file.id));
    let chunks = reading
        .chunks
        .map(|c| c.map_err(|e| std::io::Error::other(e.to_string())));
    let mut response = Response::new(Body::from_stream(chunks));
    let h = response.headers_mut();
    let value = |s: String| HeaderValue::from_str(&s).map_err(|e| ApiError::internal(&e));
    h.insert(header::CONTENT_TYPE, value(content_type)?);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(reading.size));
    h.insert(
        header::CONTENT_DISPOSITION,
        value(disposition(inline, &name))?,
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::{disposition, safe_type};

    #[test]
    fn only_harmless_types_inline() {
        assert_eq!(safe_type("image/jpeg"), ("image/jpeg".to_owned(), true));
        assert_eq!(
            safe_type("audio/ogg; codecs=opus"),
            ("audio/ogg; codecs=opus".to_owned(), true)
        );
        assert_eq!(safe_type("Video/MP4"), ("video/mp4".to_owned(), true));
        for bad in [
            "text/html",
            "image/svg+xml",
            "application/pdf",
            "application/xhtml+xml",
            "image/jpeg\r\nX-Evil: 1",
            "",
        ] {
            assert_eq!(
                safe_type(bad),
                ("application/octet-stream".to_owned(), false),
                "{bad}"
            );
        }
        assert_eq!(
            safe_type("audio/ogg; codecs=\"opus\r\nx\""),
            ("audio/ogg".to_owned(), true)
        );
    }

    #[test]
    fn the_document_lists_every_type_answered() {
        let doc = serde_json::to_value(crate::openapi_document()).unwrap_or_default();
        let content =
            &doc["paths"]["/api/v1/attachments/{id}"]["get"]["responses"]["200"]["content"];
        let mut listed: Vec<&str> = content
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        listed.sort_unstable();
        let mut answered: Vec<&str> = super::INLINE.to_vec();
        answered.push("application/octet-stream");
        answered.sort_unstable();
        assert_eq!(listed, answered);
    }

    #[test]
    fn file_names_cannot_break_the_header() {
        assert_eq!(
            disposition(false, "nota fiscal ção.pdf"),
            "attachment; filename=\"nota fiscal __o.pdf\"; filename*=UTF-8''nota%20fiscal%20%C3%A7%C3%A3o.pdf"
        );
        let d = disposition(true, "a\"b\r\n;c.jpg");
        assert!(
            d.starts_with("inline; filename=\"a_b__;c.jpg\"; filename*=UTF-8''a%22b%0D%0A%3Bc.jpg"),
            "{d}"
        );
        assert!(axum::http::HeaderValue::from_str(&d).is_ok());
    }
}
