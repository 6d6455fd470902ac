//! The demo's files: in the newest conversations in progress, a customer sends a photo of a
//! damaged box, a voice note, an invoice as a PDF, a short video and a sticker, as they arrive
//! through WhatsApp once fetched (real small files, embedded in the binary: the tests' fixtures).

use access::{AccountId, ConversationId};
use anyhow::{Context, Result};
use files::Files;
use sha2::{Digest as _, Sha256};
use store::{AttachmentKind, MessageKind, MessageWithFile, NewFile, Store};

/// (kind, voice, MIME type, file name, caption, bytes, duration in ms)
type DemoFile = (
    AttachmentKind,
    bool,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static [u8],
    Option<i64>,
);

const FILES: &[DemoFile] = &[
    (
        AttachmentKind::Image,
        false,
        "image/jpeg",
        None,
        "A caixa chegou toda amassada.",
        include_bytes!("../../../server/tests/fixtures/media/photo.jpg"),
        None,
    ),
    (
        AttachmentKind::Audio,
        true,
        "audio/ogg; codecs=opus",
        None,
        "",
        include_bytes!("../../../server/tests/fixtures/media/voice.ogg"),
        Some(2_000),
    ),
    (
        AttachmentKind::Document,
        false,
        "application/pdf",
        Some("nota-fiscal-1234.pdf"),
        "Segue a nota fiscal.",
        include_bytes!("../../../server/tests/fixtures/media/invoice.pdf"),
        None,
    ),
    (
        AttachmentKind::Video,
        false,
        "video/mp4",
        None,
        "Olha o barulho que o aparelho faz.",
        include_bytes!("../../../server/tests/fixtures/media/clip.mp4"),
        Some(2_000),
    ),
    (
        AttachmentKind::Sticker,
        false,
        "image/webp",
        None,
        "",
        include_bytes!("../../../server/tests/fixtures/media/sticker.webp"),
        None,
    ),
];

/// Adds the demo's files to the newest of `in_progress` (one each), stored in `files`. Returns
/// how many it added.
pub async fn add(
    store: &Store,
    files: &Files,
    account: AccountId,
    in_progress: &[(ConversationId, i64)],
) -> Result<usize> {
    let targets = in_progress.iter().rev().take(FILES.len());
    let mut added = 0;
    for ((conversation, last), (kind, voice, mime, name, caption, bytes, duration)) in
        targets.zip(FILES)
    {
        let at = last + 30_000_000;
        let key = files::new_key(&format!("a{}", account.0))?;
        let written = files
            .put(
                &key,
                futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
                    bytes,
                ))]),
                u64::MAX,
            )
            .await
            .context("storing a demo file")?;
        let sha: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        store
            .attachments()
            .add_with_file(&MessageWithFile {
                account,
                conversation: *conversation,
                kind: MessageKind::In,
                author: None,
                body: caption,
                channel: None,
                decided_on: None,
                at,
                file: NewFile {
                    kind: *kind,
                    voice: *voice,
                    mime_type: mime,
                    file_name: *name,
                    size: i64::try_from(written.size)?,
                    sha256: &sha,
                    duration_ms: *duration,
                    storage_key: &key,
                },
            })
            .await
            .context("adding a demo message with a file")?;
        added += 1;
    }
    Ok(added)
}
