//! Media: the files of messages. A capability of its own, readable alone:
//! - [`download`]: the node's downloader, which fetches the files customers send (announced
//!   with their message, stored `pending`) from the channel, checks their size and SHA-256,
//!   keeps them in the file store ([`files::Files`]) and retries with backoff;
//! - [`serve`]: `GET /api/v1/attachments/{id}`, a file streamed to a reader who may see its
//!   conversation's details (anyone else: 404), with headers that keep a browser from running
//!   it;
//! - [`send`]: `POST /api/v1/conversations/{id}/files`, an agent's file to the customer or as
//!   a note (the sender uploads it to the channel: `channels::sender`);
//! - [`voice`]: a voice note recorded in a browser (WebM/Opus) remuxed into OGG/Opus, the only
//!   voice note WhatsApp takes;
//! - [`view`]: how a message's files look in the API.
//!
//! Access: an attachment is part of its message (ACCESS-MODEL v2, "Attachments and message
//! content"): readable exactly when `details_visible` for its conversation, decided by the
//! engine through [`crate::app::conversations::visible`].

pub mod download;
pub mod send;
pub mod serve;
pub mod view;
pub mod voice;

/// The media routes, registered once in [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(serve::attachment))
        .routes(utoipa_axum::routes!(send::send_file))
}
