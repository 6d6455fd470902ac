//! Strict path and query parameters: a value of the wrong type (an id that is not a number or
//! overflows, a negative page size), an unknown query field or invalid percent-encoded UTF-8 is
//! refused with a 400 and a stable code (`bad_path`, `bad_query`), in the API's error body,
//! like every other error.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Path parameters (`/conversations/{id}`), refused with `bad_path` when they do not parse.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Path<T>, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) => Err(ApiError::bad_request(
                "bad_path",
                format!("the path is not valid: {}", e.body_text()),
            )),
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
                "bad_query",
                format!("the query string is not valid: {}", e.body_text()),
            )),
        }
    }
}
