//! Strict path and query parameters, answered in the API's error body like every other error: a
//! path value that cannot be an id names nothing (404 `not_found`, as for an id that does not
//! exist); a query of the wrong type (a negative page size), with an unknown field or invalid
//! percent-encoded UTF-8 is a 400 `bad_query`.

use crate::error_codes as codes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Path parameters (`/conversations/{id}`): 404 when they do not parse.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Path<T>, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            // A value that cannot be what the route takes (an id that is not a number, or out
            // of range) names nothing: 404 byte for byte like an id that does not exist.
            Err(_) => Err(ApiError::not_found()),
        }
    }
}

/// Query parameters, refused with `bad_query` when they do not parse (types deny unknown
/// fields).
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Query<T>, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(ApiError::bad_request(
                codes::BAD_QUERY,
                format!("the query string is not valid: {}", e.body_text()),
            )),
        }
    }
}

/// Default page size of the API's paged lists.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size of the API's paged lists.
pub const MAX_LIMIT: u32 = 200;

/// A list's `limit` query parameter: [`DEFAULT_LIMIT`] when absent, 400 `bad_limit` outside 1 to
/// [`MAX_LIMIT`].
pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::bad_request(
            codes::BAD_LIMIT,
            format!("`limit` must be between 1 and {MAX_LIMIT}"),
        ))
    }
}
