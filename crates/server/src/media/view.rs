//! A message's files as the API shows them.

use serde::Serialize;
use utoipa::ToSchema;

/// A file of a message.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    /// Attachment id.
    pub id: i64,
    /// `image`, `audio`, `video`, `document` or `sticker`.
    pub kind: &'static str,
    /// An audio recorded as a voice note.
    pub voice: bool,
    /// MIME type as the sender gave it.
    pub mime_type: String,
    /// File name (documents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Bytes, once fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// Length of audio and video, ms, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    /// `pending` (being fetched from the channel), `ready` or `failed`.
    pub state: &'static str,
    /// Why fetching it failed (with `failed`, or the last retry's failure while `pending`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Where to read it (`ready` only): needs the reader's session or token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl From<store::Attachment> for AttachmentView {
    fn from(a: store::Attachment) -> Self {
        let ready = a.state == store::AttachmentState::Ready;
        AttachmentView {
            id: a.id,
            kind: a.kind.id(),
            voice: a.voice,
            mime_type: a.mime_type,
            file_name: a.file_name,
            size: a.size,
            duration_ms: a.duration_ms,
            state: a.state.id(),
            error: a.error,
            url: ready.then(|| format!("/api/v1/attachments/{}", a.id)),
        }
    }
}

/// A file's bytes, as sent or read (`type: string, format: binary` in the OpenAPI document).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);
