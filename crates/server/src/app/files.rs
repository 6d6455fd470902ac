//! Sending a file: an agent's photo, document, audio or video, as a reply to the customer (through
//! the conversation's channel: the sender uploads it to WhatsApp and sends it) or as an internal
//! note. Decided by the engine like the text it goes with (`reply`, `note`); a reply on WhatsApp
//! needs the customer's 24-hour window open, like any free reply. The file is refused before a
//! byte is stored when its declared size is over its kind's limit (WhatsApp's), streamed into the
//! file store within that limit otherwise, and removed again when the message cannot be written.
//! A voice note recorded in a browser (`audio/webm`) is read whole instead, within the audio
//! limit, and remuxed into OGG/Opus before anything is stored ([`crate::media::voice`]): it is
//! stored, shown and sent as `audio/ogg; codecs=opus`, a voice note.

use crate::error_codes as codes;
use access::Action;
use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use store::{AttachmentKind, ConversationRecord, MessageKind, MessageWithFile, NewFile};

use super::{Acting, Ctx};
use crate::error::{ApiError, require};
use crate::media::voice;

/// Where a file goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileMode {
    /// To the customer.
    Reply,
    /// An internal note.
    Note,
}

/// A file being uploaded.
pub struct Upload<S> {
    /// Its MIME type as the client sent it.
    pub mime_type: String,
    /// Its name.
    pub file_name: Option<String>,
    /// The caption.
    pub caption: String,
    /// The declared size (`Content-Length`), when given.
    pub declared: Option<u64>,
    /// The bytes.
    pub body: S,
}

/// The kind a file is sent as, from its MIME type: WhatsApp's image types (JPEG, PNG) as
/// images, its audio and video types as audio and video, anything else as a document (which
/// WhatsApp accepts of any type).
pub fn kind_of(mime: &str) -> AttachmentKind {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "image/jpeg" | "image/png" => AttachmentKind::Image,
        "audio/aac" | "audio/amr" | "audio/mpeg" | "audio/mp4" | "audio/ogg" | "audio/opus" => {
            AttachmentKind::Audio
        }
        "video/mp4" | "video/3gpp" => AttachmentKind::Video,
        _ => AttachmentKind::Document,
    }
}

fn too_large(kind: AttachmentKind, limit: u64) -> ApiError {
    ApiError::payload_too_large_because(
        codes::FILE_TOO_LARGE,
        format!(
            "the file is larger than WhatsApp's limit for a {} ({}): send a smaller one",
            kind.id(),
            crate::limits::size_text(limit)
        ),
    )
}

/// Why a file could not be put in the file store, for the sender.
fn stored_error(e: ::files::FilesError, kind: AttachmentKind, limit: u64) -> ApiError {
    match e {
        ::files::FilesError::TooLarge { .. } => too_large(kind, limit),
        ::files::FilesError::Source(e) => interrupted(&e),
        e => ApiError::internal(&e),
    }
}

fn interrupted(e: &dyn std::fmt::Display) -> ApiError {
    ApiError::bad_request(
        codes::UPLOAD_INTERRUPTED,
        format!("the file did not arrive whole ({e}): send it again"),
    )
}

fn empty() -> ApiError {
    ApiError::bad_request(codes::EMPTY_FILE, "the file is empty: pick another one")
}

/// A WebM recording read whole (within `limit`: a voice note is small, media::voice) and
/// remuxed into OGG/Opus; refused as `bad_voice_note` when it is not WebM/Opus. Nothing is
/// stored before this succeeded.
async fn remuxed<S, E>(
    body: S,
    declared: Option<u64>,
    kind: AttachmentKind,
    limit: u64,
) -> Result<voice::Remuxed, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let capacity = declared.unwrap_or(0).min(limit);
    let mut webm = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| interrupted(&e))?;
        if (webm.len() as u64).saturating_add(chunk.len() as u64) > limit {
            return Err(too_large(kind, limit));
        }
        webm.extend_from_slice(&chunk);
    }
    if webm.is_empty() {
        return Err(empty());
    }
    voice::remux(webm).await.map_err(|e| {
        ApiError::bad_request(
            codes::BAD_VOICE_NOTE,
            format!("the voice note cannot be sent: {e}. Record it again"),
        )
    })
}

/// What the engine allowed: where the file goes, and the channel a reply goes through.
pub struct Allowed {
    mode: FileMode,
    channel: Option<store::Channel>,
}

/// Decides whether `who` may send a file in this conversation (its record read by
/// [`super::conversations::visible`]): `reply` or `note` as the engine says, and on WhatsApp
/// the customer's window open for a reply. Made before a byte is read.
pub async fn allow(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    record: &ConversationRecord,
    mode: FileMode,
) -> Result<Allowed, ApiError> {
    let c = record.conversation;
    let channel = match mode {
        FileMode::Reply => {
            require(&who.principal.decide(&c, Action::Reply))?;
            let now = ctx.clock.now_micros();
            super::window::whatsapp_channel(ctx, who.account, c.id, now, false).await?
        }
        FileMode::Note => {
            require(&who.principal.decide(&c, Action::Note))?;
            None
        }
    };
    Ok(Allowed { mode, channel })
}

/// Sends a file [`allow`] allowed; the new message's id.
pub async fn send_file<S, E>(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    record: &ConversationRecord,
    allowed: Allowed,
    upload: Upload<S>,
) -> Result<i64, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let c = record.conversation;
    let now = ctx.clock.now_micros();
    let Allowed { mode, channel } = allowed;
    // A recording in WebM is remuxed into OGG/Opus, WhatsApp's voice note (media::voice).
    let webm = voice::is_webm(&upload.mime_type);
    let (mime_type, file_name) = if webm {
        let name = upload.file_name.as_deref().map(voice::ogg_name);
        (voice::OGG_OPUS.to_owned(), name)
    } else {
        (upload.mime_type, upload.file_name)
    };
    let kind = kind_of(&mime_type);
    let limit = crate::limits::media_bytes(kind);
    if upload.declared.is_some_and(|d| d > limit) {
        return Err(too_large(kind, limit));
    }
    let key =
        ::files::new_key(&format!("a{}", who.account.0)).map_err(|e| ApiError::internal(&e))?;
    let (put, duration_ms) = if webm {
        let remuxed = remuxed(upload.body, upload.declared, kind, limit).await?;
        let ogg = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(Bytes::from(
            remuxed.ogg,
        ))]);
        (
            ctx.files.put(&key, ogg, limit).await,
            Some(remuxed.duration_ms),
        )
    } else {
        (ctx.files.put(&key, upload.body, limit).await, None)
    };
    let written = put.map_err(|e| stored_error(e, kind, limit))?;
    if written.size == 0 {
        let _ = ctx.files.delete(&key).await;
        return Err(empty());
    }
    let sha: String = written.sha256.iter().map(|b| format!("{b:02x}")).collect();
    let voice =
        kind == AttachmentKind::Audio && mime_type.to_ascii_lowercase().starts_with("audio/ogg");
    let stored = ctx
        .store
        .attachments()
        .add_with_file(&MessageWithFile {
            account: who.account,
            conversation: c.id,
            kind: match mode {
                FileMode::Reply => MessageKind::Out,
                FileMode::Note => MessageKind::Note,
            },
            author: Some(who.user),
            body: &upload.caption,
            channel: channel.as_ref().map(|ch| ch.id),
            decided_on: Some(record.version),
            at: now,
            file: NewFile {
                kind,
                voice,
                mime_type: &mime_type,
                file_name: file_name.as_deref(),
                size: i64::try_from(written.size).unwrap_or(i64::MAX),
                sha256: &sha,
                duration_ms,
                storage_key: &key,
            },
        })
        .await;
    match stored {
        Ok((message, _)) => {
            if channel.is_some() {
                ctx.outbox.notify_one();
            }
            ctx.hub.poke();
            Ok(message)
        }
        Err(e) => {
            let _ = ctx.files.delete(&key).await;
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use store::AttachmentKind;

    use super::kind_of;

    #[test]
    fn kinds_follow_whatsapp_types() {
        assert_eq!(kind_of("image/jpeg"), AttachmentKind::Image);
        assert_eq!(kind_of("IMAGE/PNG"), AttachmentKind::Image);
        assert_eq!(kind_of("audio/ogg; codecs=opus"), AttachmentKind::Audio);
        assert_eq!(kind_of("video/mp4"), AttachmentKind::Video);
        for doc in [
            "application/pdf",
            "image/webp",
            "image/svg+xml",
            "text/html",
            "video/webm",
            "",
        ] {
            assert_eq!(kind_of(doc), AttachmentKind::Document, "{doc}");
        }
    }
}
