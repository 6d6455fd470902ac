//! Strict JSON bodies: unknown fields, wrong types and malformed JSON are refused with a 400
//! that says where; a missing content type is a 415; a body over the limit is a 413.

use crate::error_codes as codes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// What a request body must be before its handler touches the database: each body type says it
/// once, its handler calls it (after the permission gate, where there is one, so that a caller
/// without the right learns nothing from a 400) and the fuzz targets call the same
/// (`crate::fuzz`). It may put fields in their canonical form (trimmed names, lower-case
/// emails), so that the handler reads them as checked.
pub trait Validate {
    /// Checks the body, refusing it with a 400 that says which field and how to fix it.
    fn validate(&mut self, policy: &crate::egress::EgressPolicy) -> Result<(), ApiError>;
}

impl Validate for serde_json::Value {
    /// A free-form body (a preset's options) is checked by its handler, which knows its shape.
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        Ok(())
    }
}

/// A JSON body parsed strictly (types deny unknown fields).
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Json<T>, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::unsupported_media_type());
        }
        let bytes = body(req, state).await?;
        refuse_nul(&bytes)?;
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(e) => Err(ApiError::bad_request(
                codes::INVALID_JSON,
                format!("the JSON body is not valid: {}", e.body_text()),
            )),
        }
    }
}

/// `application/json` or `application/*+json`.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}

async fn body<S: Send + Sync>(req: Request, state: &S) -> Result<axum::body::Bytes, ApiError> {
    axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::payload_too_large()
            } else {
                ApiError::bad_request(codes::BAD_BODY, e.body_text())
            }
        })
}

/// Whether a JSON text holds the escape `\u0000` in a string (an escaped backslash followed by
/// `u0000` does not count). PostgreSQL cannot store that character in text, and no name,
/// message or setting needs it: it is refused in every body, on every database alike.
fn has_nul(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'\\' {
            if bytes.get(i + 1) == Some(&b'u')
                && bytes.get(i + 2..i + 6) == Some(b"0000".as_slice())
            {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

fn refuse_nul(bytes: &[u8]) -> Result<(), ApiError> {
    if has_nul(bytes) {
        return Err(ApiError::bad_request(
            codes::NUL_CHARACTER,
            "a text in the body contains the NUL character (\\u0000), which no field accepts: remove it",
        ));
    }
    Ok(())
}

/// A JSON body that may be absent (an empty body reads as `T::default()`), parsed strictly.
pub struct JsonOrEmpty<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for JsonOrEmpty<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<JsonOrEmpty<T>, ApiError> {
        let is_json = is_json(req.headers());
        let bytes = body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonOrEmpty(T::default()));
        }
        if !is_json {
            return Err(ApiError::unsupported_media_type());
        }
        refuse_nul(&bytes)?;
        serde_json::from_slice(&bytes)
            .map(JsonOrEmpty)
            .map_err(|e| {
                ApiError::bad_request(
                    codes::INVALID_JSON,
                    format!("the JSON body is not valid: {e}"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::has_nul;

    #[test]
    fn nul_escapes_are_found_and_escaped_backslashes_are_not() {
        assert!(has_nul(br#"{"name": "a\u0000b"}"#));
        assert!(has_nul(br#"{"name": "\ud89f\uddfe\u0000"}"#));
        assert!(!has_nul(br#"{"name": "a\\u0000b"}"#));
        assert!(has_nul(br#"{"name": "a\\\u0000b"}"#));
        assert!(!has_nul(br#"{"name": "plain"}"#));
    }
}
