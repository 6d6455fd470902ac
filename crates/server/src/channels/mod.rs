//! Customer channels: WhatsApp Cloud API and the generic channel.

pub mod committer;
pub mod replies;
pub mod sender;
pub mod webhook;
pub mod whatsapp;
pub mod window;
