//! `POST /api/v1/conversations/{id}/files`: an agent sends a file. The body is the file itself
//! (its type in `Content-Type`, streamed, never held whole in memory, but for a recording in
//! `audio/webm`, read whole within the audio limit to be remuxed: [`crate::media::voice`]); the
//! name, the caption and whether it is a reply or an internal note come in the query. The work
//! is [`crate::app::files::send_file`]'s.

use crate::error_codes as codes;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::files::{FileMode, Upload};
use crate::caller::Caller;
use crate::conversations::{MessageView, message_view};
use crate::error::ApiError;
use crate::input::{Path, Query};
use crate::json::Validate;
use crate::limits::{MAX_FILE_NAME, MAX_TEXT};
use crate::state::AppState;

/// The query of a file sent.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FileQuery {
    /// `reply` (default: to the customer, through the channel) or `note` (internal).
    pub mode: Option<String>,
    /// The file's name, as the customer will see it (documents), 1 to 255 bytes.
    pub name: Option<String>,
    /// The text that goes with it (images, videos and documents on WhatsApp), up to 4096 bytes.
    pub caption: Option<String>,
}

impl Validate for FileQuery {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        if let Some(m) = &self.mode
            && m != "reply"
            && m != "note"
        {
            return Err(ApiError::bad_request(
                codes::BAD_MODE,
                format!("`mode` is `{m}`: write `reply` (to the customer) or `note` (internal)"),
            ));
        }
        if let Some(n) = &mut self.name {
            *n = n.trim().to_owned();
            if n.is_empty() || n.len() > MAX_FILE_NAME || n.chars().any(char::is_control) {
                return Err(ApiError::bad_request(
                    codes::BAD_FILE_NAME,
                    format!(
                        "`name` must be 1 to {MAX_FILE_NAME} bytes, without control characters"
                    ),
                ));
            }
        }
        if self.caption.as_ref().is_some_and(|c| c.len() > MAX_TEXT) {
            return Err(ApiError::bad_request(
                codes::TEXT_TOO_LONG,
                format!("`caption` is longer than {MAX_TEXT} bytes"),
            ));
        }
        Ok(())
    }
}

/// Sends a file in a conversation: to the customer (`reply`, as `reply` is allowed; on WhatsApp
/// within the 24-hour window) or as an internal note (`note`). The body is the file, its type
/// in `Content-Type`; limits per kind are WhatsApp's (image 5 MiB, audio and video 16 MiB,
/// anything else, as a document, 100 MiB). A browser's recording in `audio/webm` (Opus) is
/// remuxed and stored and sent as `audio/ogg; codecs=opus`, a voice note.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/files", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id"), FileQuery),
    request_body(content = crate::media::view::FileBytes, content_type = "application/octet-stream", description = "The file's bytes; `Content-Type` gives its type"),
    responses(
        (status = 201, body = MessageView, description = "The message with its file (on WhatsApp, `delivery: pending` until sent)"),
        (status = 400, body = crate::error::ErrorBody, description = "Bad query, an empty file, an upload that broke off, `bad_voice_note`: an `audio/webm` that is not WebM/Opus"),
        (status = 403, body = crate::error::ErrorBody, description = "The action is not allowed"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "`outside_customer_window`, or the conversation changed meanwhile"),
        (status = 413, body = crate::error::ErrorBody, description = "`file_too_large`: over the limit of its kind")))]
pub async fn send_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(mut q): Query<FileQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, axum::Json<MessageView>), ApiError> {
    let ctx = state.ctx();
    let row = crate::app::conversations::visible(&ctx, caller.acting(), access::ConversationId(id))
        .await?;
    let mode = match q.mode.as_deref() {
        Some("note") => FileMode::Note,
        _ => FileMode::Reply,
    };
    // The decision first: a caller without the right learns nothing from a 400.
    let allowed = crate::app::files::allow(&ctx, caller.acting(), &row.record, mode).await?;
    q.validate(state.egress.policy())?;
    let mime_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 255 && v.contains('/'))
        .unwrap_or("application/octet-stream")
        .to_owned();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let message = crate::app::files::send_file(
        &ctx,
        caller.acting(),
        &row.record,
        allowed,
        Upload {
            mime_type,
            file_name: q.name.take(),
            caption: q.caption.take().unwrap_or_default(),
            declared,
            body: body.into_data_stream(),
        },
    )
    .await?;
    let (_, m) = state
        .store
        .inbox()
        .message(caller.owner.account, message)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, axum::Json(message_view(m))))
}
