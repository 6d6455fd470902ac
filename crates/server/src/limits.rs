//! The sizes request bodies are held to, named once: the handlers' checks
//! (`crate::json::Validate`), their error messages and the OpenAPI descriptions use these.

/// A message's text (a reply, a note, a generic channel's message, a first message), bytes.
pub const MAX_TEXT: usize = 4096;
/// A display name (a department, a role, a user, a contact, the account), bytes.
pub const MAX_NAME: usize = 200;
/// A contact's phone as given to the API, bytes.
pub const MAX_PHONE: usize = 32;
/// A generic channel's key of the contact (`from`), bytes.
pub const MAX_CONTACT_KEY: usize = 64;
/// An integration's id of a message, bytes.
pub const MAX_EXTERNAL_ID: usize = 128;
/// A file's name as an agent sends it, bytes.
pub const MAX_FILE_NAME: usize = 255;
/// An API token's name, bytes.
pub const MAX_TOKEN_NAME: usize = 100;
/// The email and the password of a login, bytes each.
pub const MAX_LOGIN_FIELD: usize = 1024;
/// A WhatsApp template's name, bytes.
pub const MAX_TEMPLATE_NAME: usize = 512;
/// A WhatsApp template's language code (`pt_BR`), bytes.
pub const MAX_TEMPLATE_LANGUAGE: usize = 15;
/// A WhatsApp template's parameters, at most.
pub const MAX_TEMPLATE_PARAMETERS: usize = 20;
/// One template parameter, bytes.
pub const MAX_TEMPLATE_PARAMETER: usize = 1024;

/// The largest file of each kind, bytes: WhatsApp's own limits (Cloud API "Supported media
/// types"), for files that arrive and files agents send alike.
pub fn media_bytes(kind: store::AttachmentKind) -> u64 {
    const MB: u64 = 1024 * 1024;
    match kind {
        store::AttachmentKind::Image => 5 * MB,
        store::AttachmentKind::Audio | store::AttachmentKind::Video => 16 * MB,
        store::AttachmentKind::Document => 100 * MB,
        store::AttachmentKind::Sticker => 500 * 1024,
    }
}

/// A size limit in words: `5 MiB`, `100 MiB`, `500 KiB`.
pub fn size_text(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_in_words() {
        assert_eq!(super::size_text(5 * 1024 * 1024), "5 MiB");
        assert_eq!(super::size_text(500 * 1024), "500 KiB");
        assert_eq!(super::size_text(1), "1 KiB");
    }
}
