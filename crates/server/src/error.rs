//! Every error the API answers, mapped to an HTTP status in this one place, with a stable code
//! and a message that says what went wrong and how to fix it.

use access::{Decision, Outcome};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use store::StoreError;

/// An API error: status, stable code, message, and for refusals the engine's reason codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    reasons: Vec<&'static str>,
    retry_after: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// The body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// Stable code: `not_found`, `forbidden`, `unauthorized`, `login_failed`, `bad_request`,
    /// `invalid_json`, `conflict`, `too_many_requests`, `payload_too_large`, `busy`,
    /// `request_timeout`, `internal`, ...
    code: &'static str,
    /// What went wrong and how to fix it.
    message: String,
    /// For `forbidden`: the access engine's reason codes (what was missing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<&'static str>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            reasons: Vec::new(),
            retry_after: None,
        }
    }

    /// What the caller may not see, or what does not exist: one answer for both.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "not found")
    }

    /// No valid session or token.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "log in first (session cookie or `Authorization: Bearer <token>`)",
        )
    }

    /// Not authenticated for a stated reason (a webhook's signature, say).
    pub fn unauthorized_because(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// Refused for a stated reason that is not an access decision (a webhook handshake).
    pub fn forbidden_because(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    /// The object's state does not allow the request (outside the customer's 24-hour window).
    pub fn conflict_because(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    /// The one answer for every failed login.
    pub fn login_failed() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "login_failed",
            "the email or the password is wrong",
        )
    }

    /// Too many failures: try again after `seconds`.
    pub fn too_many(seconds: u64) -> ApiError {
        ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
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
                "busy",
                format!("the server is busy checking other passwords: try again in {seconds} s"),
            )
        }
    }

    /// The client sent its body too slowly: the connection is closed.
    pub fn body_timeout() -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request body did not arrive in time",
        )
    }

    /// A request the API cannot take as written.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// The password is temporary: change it first.
    pub fn password_change_required() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "password_change_required",
            "your password is temporary: change it with POST /api/v1/me/password first",
        )
    }

    /// A body over the size limit.
    pub fn payload_too_large() -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the body is too large (at most 64 KiB for the API, 1 MiB for what channels post)",
        )
    }

    /// A body over a limit of its own (a file over its kind's limit), with the reason.
    pub fn payload_too_large_because(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, code, message)
    }

    /// A body that is not JSON.
    pub fn unsupported_media_type() -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        )
    }

    /// A request refused as a cross-site request (the session cookie alone cannot authorise it).
    pub fn cross_site() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_site",
            "cross-site requests are refused: send the request from the Atende page or with an API token",
        )
    }

    /// The object changed meanwhile.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// Something failed inside; the details go to the log, not to the caller.
    pub fn internal(detail: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(detail = %detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error: the server log has the details",
        )
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
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
                    "forbidden",
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
            StoreError::Conflict(m) => ApiError::conflict(m),
            // A duplicate (email, name) is the caller's to fix.
            e if e.is_unique_violation() => ApiError::conflict("this value is already taken"),
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
                code: self.code,
                message: self.message,
                reasons: self.reasons,
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
