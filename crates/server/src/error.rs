//! Every error the API answers, mapped to an HTTP status in this one place, with a stable code
//! and a message that says what went wrong and how to fix it.

use access::{Decision, Outcome};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use store::StoreError;

use crate::error_codes::{self as codes, Code};

/// An API error: status, stable code, message, and for refusals the engine's reason codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: Code,
    message: String,
    reasons: Vec<&'static str>,
    retry_after: Option<u64>,
    params: std::collections::BTreeMap<&'static str, String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// The body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// Stable code: one of the list of `error_codes.rs` (`not_found`, `forbidden`,
    /// `invalid_json`, `conflict`, `bad_phone`...); the web has a text for each.
    code: &'static str,
    /// What went wrong and how to fix it.
    message: String,
    /// For `forbidden`: the access engine's reason codes (what was missing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<&'static str>,
    /// The values the message speaks of, for the web's text in the user's language
    /// (`count`: how many; `value`: what was written).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    params: std::collections::BTreeMap<&'static str, String>,
}

impl ApiError {
    fn new(status: StatusCode, code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            reasons: Vec::new(),
            retry_after: None,
            params: std::collections::BTreeMap::new(),
        }
    }

    /// The same error, with a value its message speaks of (`count`, `value`).
    #[must_use]
    pub fn with(mut self, param: &'static str, value: impl ToString) -> ApiError {
        self.params.insert(param, value.to_string());
        self
    }

    /// What the caller may not see, or what does not exist: one answer for both.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "not found")
    }

    /// No valid session or token.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            "log in first (session cookie or `Authorization: Bearer <token>`)",
        )
    }

    /// Not authenticated for a stated reason (a webhook's signature, say).
    pub fn unauthorized_because(code: Code, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// Refused for a stated reason that is not an access decision (a webhook handshake).
    pub fn forbidden_because(code: Code, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    /// The object's state does not allow the request (outside the customer's 24-hour window).
    pub fn conflict_because(code: Code, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    /// The one answer for every failed login.
    pub fn login_failed() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::LOGIN_FAILED,
            "the email or the password is wrong",
        )
    }

    /// Too many failures: try again after `seconds`.
    pub fn too_many(seconds: u64) -> ApiError {
        ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                codes::TOO_MANY_REQUESTS,
                format!("too many failed attempts: try again in {seconds} s"),
            )
        }
    }

    /// Every password hashing thread stayed busy (a login flood): try again after `seconds`.
    pub fn busy(seconds: u64) -> ApiError {
        ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                codes::BUSY,
                format!("the server is busy checking other passwords: try again in {seconds} s"),
            )
        }
    }

    /// The client sent its body too slowly: the connection is closed.
    pub fn body_timeout() -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            codes::REQUEST_TIMEOUT,
            "the request body did not arrive in time",
        )
    }

    /// A request the API cannot take as written.
    pub fn bad_request(code: Code, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// The password is temporary: change it first.
    pub fn password_change_required() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            codes::PASSWORD_CHANGE_REQUIRED,
            "your password is temporary: change it with POST /api/v1/me/password first",
        )
    }

    /// A body over the size limit.
    pub fn payload_too_large() -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            "the body is too large (at most 64 KiB for the API, 1 MiB for what channels post)",
        )
    }

    /// A body over a limit of its own (a file over its kind's limit), with the reason.
    pub fn payload_too_large_because(code: Code, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, code, message)
    }

    /// A body that is not JSON.
    pub fn unsupported_media_type() -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::UNSUPPORTED_MEDIA_TYPE,
            "send the body as JSON with `Content-Type: application/json`",
        )
    }

    /// A request refused as a cross-site request (the session cookie alone cannot authorise it).
    pub fn cross_site() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            codes::CROSS_SITE,
            "cross-site requests are refused: send the request from the Atende page or with an API token",
        )
    }

    /// The conversation changed meanwhile.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, codes::CONFLICT, message)
    }

    /// Something failed inside; the details go to the log, not to the caller.
    pub fn internal(detail: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(detail = %detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "internal error: the server log has the details",
        )
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }

    /// What went wrong and how to fix it.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Maps a denied decision: not visible is "not found", visible is "forbidden" with the
    /// engine's reason codes.
    pub fn from_decision(d: &Decision) -> ApiError {
        match d.outcome() {
            Outcome::Allow | Outcome::NotFound => ApiError::not_found(),
            Outcome::Forbidden => ApiError {
                reasons: d.reasons().iter().map(access::Reason::code).collect(),
                ..ApiError::new(
                    StatusCode::FORBIDDEN,
                    codes::FORBIDDEN,
                    "not allowed: `reasons` says what is missing",
                )
            },
        }
    }
}

/// `Ok` when the decision allows, else the matching error.
pub fn require(d: &Decision) -> Result<(), ApiError> {
    if d.is_allowed() {
        Ok(())
    } else {
        Err(ApiError::from_decision(d))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(_) => ApiError::not_found(),
            StoreError::Conflict {
                code,
                message,
                count,
            } => {
                let e = ApiError::conflict_because(
                    Code::parse(code).unwrap_or(codes::CONFLICT),
                    message,
                );
                match count {
                    Some(n) => e.with("count", n),
                    None => e,
                }
            }
            // A duplicate (email, name) is the caller's to fix.
            e if e.is_unique_violation() => {
                ApiError::conflict_because(codes::ALREADY_TAKEN, "this value is already taken")
            }
            e @ (StoreError::Database(_)
            | StoreError::Corrupt { .. }
            | StoreError::SchemaTooNew { .. }) => ApiError::internal(&e),
        }
    }
}

impl From<crate::hashing::HashError> for ApiError {
    fn from(e: crate::hashing::HashError) -> ApiError {
        match e {
            crate::hashing::HashError::Busy => ApiError::busy(1),
            e @ crate::hashing::HashError::Failed(_) => ApiError::internal(&e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str(),
                message: self.message,
                reasons: self.reasons,
                params: self.params,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(v) = self
            .retry_after
            .and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}
