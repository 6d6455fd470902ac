//! Customer channels: WhatsApp Cloud API and the generic channel.

pub mod whatsapp;
