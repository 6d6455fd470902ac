//! Customer channels: WhatsApp Cloud API and the generic channel.

pub mod committer;
pub mod graph;
pub mod inbound;
pub mod json_reader;
pub mod replies;
pub mod sender;
pub mod whatsapp;
pub mod whatsapp_send;

/// The channels' routes: what they post to us and the template sender, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .merge(inbound::routes())
        .merge(replies::routes())
}
