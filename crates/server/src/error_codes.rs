//! Every error code the API answers with, in one list. An [`crate::error::ApiError`] is built
//! from a [`Code`], and the only codes that exist are the constants below: a code the list does
//! not have cannot be sent. The OpenAPI document lists them (`ErrorDetail.code`), and the web
//! has a text for each in Portuguese and in English (`web/errors-i18n.js`; the test below reads
//! it), so that a refusal is never shown half in English in a Portuguese page.

/// A stable error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code(&'static str);

impl Code {
    /// The code as the API writes it.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The code named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Code> {
        ALL.iter().map(|(c, _)| *c).find(|c| c.0 == name)
    }
}

macro_rules! codes {
    ($($name:ident = $code:literal: $doc:literal;)*) => {
        $(
            #[doc = $doc]
            pub const $name: Code = Code($code);
        )*
        /// Every code, with what it means.
        pub const ALL: &[(Code, &str)] = &[$(($name, $doc)),*];
    };
}

codes! {
    // Access and sessions.
    NOT_FOUND = "not_found": "No such object, or the caller may not see it: one answer for both.";
    UNAUTHORIZED = "unauthorized": "No valid session or API token.";
    FORBIDDEN = "forbidden": "The access engine refused; `reasons` says what is missing.";
    LOGIN_FAILED = "login_failed": "The e-mail or the password is wrong.";
    PASSWORD_CHANGE_REQUIRED = "password_change_required": "The password is temporary: change it first.";
    CROSS_SITE = "cross_site": "A cross-site request with only the session cookie.";
    TOO_MANY_REQUESTS = "too_many_requests": "Too many failed attempts: try again after `Retry-After`.";
    BUSY = "busy": "The server is busy checking other passwords: try again after `Retry-After`.";
    INTERNAL = "internal": "Something failed inside; the server log has the details.";
    // The request itself.
    INVALID_JSON = "invalid_json": "The body is not the JSON the route takes.";
    UNEXPECTED_FIELD = "unexpected_field": "The body or the query has a field the route does not know.";
    NUL_CHARACTER = "nul_character": "A text holds a NUL character.";
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type": "The body is not sent as JSON.";
    PAYLOAD_TOO_LARGE = "payload_too_large": "The body is over the size limit.";
    REQUEST_TIMEOUT = "request_timeout": "The body did not arrive in time.";
    BAD_BODY = "bad_body": "The body cannot be read.";
    BAD_QUERY = "bad_query": "The query string cannot be read.";
    BAD_CURSOR = "bad_cursor": "The `after` cursor is not one this listing gave.";
    BAD_LIMIT = "bad_limit": "A number is out of its range.";
    BAD_FILTER = "bad_filter": "A listing's filter cannot be read.";
    BAD_TAB = "bad_tab": "No such inbox tab.";
    BAD_LANG = "bad_lang": "No such language.";
    // Conversations and messages.
    CONFLICT = "conflict": "The conversation changed meanwhile: read it again.";
    MISSING_TEXT = "missing_text": "A message needs a text.";
    TOO_LONG = "too_long": "A text is over its length limit.";
    TEXT_TOO_LONG = "text_too_long": "A caption is over its length limit.";
    MISSING_DEPARTMENT_ID = "missing_department_id": "The action needs a department.";
    MISSING_USER_ID = "missing_user_id": "The action needs a user.";
    NOT_WHATSAPP = "not_whatsapp": "The conversation did not come through WhatsApp.";
    OUTSIDE_CUSTOMER_WINDOW = "outside_customer_window": "24 hours passed since the customer's last message: only a template goes.";
    BAD_TEMPLATE = "bad_template": "A template's name, language or parameters are wrong.";
    BAD_MODE = "bad_mode": "A file goes as a reply or as a note.";
    BAD_FILE_NAME = "bad_file_name": "A file's name is not allowed.";
    EMPTY_FILE = "empty_file": "The file is empty.";
    FILE_TOO_LARGE = "file_too_large": "The file is over the limit for its kind.";
    UPLOAD_INTERRUPTED = "upload_interrupted": "The file did not arrive whole.";
    BAD_VOICE_NOTE = "bad_voice_note": "The recording is not a voice note the server can convert.";
    BAD_ATTACHMENT = "bad_attachment": "A channel's attachment cannot be read.";
    UNKNOWN_TAG = "unknown_tag": "No such company tag.";
    BAD_TAG = "bad_tag": "A tag is 1 to 64 characters.";
    TAG_EXISTS = "tag_exists": "The tag exists already.";
    BAD_TAG_COLOUR = "bad_tag_colour": "A tag's colour is one of the palette's names.";
    SAME_TAG = "same_tag": "A tag cannot be merged into itself.";
    WEBHOOK_PAUSED = "webhook_paused": "The webhook is paused.";
    DELIVERY_PENDING = "delivery_pending": "The delivery is still being delivered.";
    NOTHING_TO_UNDO = "nothing_to_undo": "No preset can be undone now.";
    BAD_SETUP_CODE = "bad_setup_code": "Not the setup code the server printed when it started.";
    // Contacts.
    BAD_CONTACT_NAME = "bad_contact_name": "A contact's name is over its limit.";
    BAD_PHONE = "bad_phone": "Not a phone number.";
    BAD_EMAIL = "bad_email": "Not an e-mail address.";
    BAD_ATTRIBUTES = "bad_attributes": "A contact's custom attributes are wrong.";
    PHONE_TAKEN = "phone_taken": "Another contact has the phone.";
    SAME_CONTACT = "same_contact": "A contact cannot be merged into itself.";
    NO_PHONE = "no_phone": "The contact has no phone to write to.";
    NO_WHATSAPP_CHANNEL = "no_whatsapp_channel": "No WhatsApp channel to start the conversation on.";
    UNKNOWN_CHANNEL = "unknown_channel": "No such channel.";
    // Administration.
    BAD_NAME = "bad_name": "A name is empty or too long.";
    ALREADY_TAKEN = "already_taken": "The value (an e-mail, a name) is taken already.";
    BAD_PASSWORD = "bad_password": "The password is too short or too long.";
    BAD_MEMBERSHIP_KIND = "bad_membership_kind": "A membership is `member` or `supervisor`.";
    DUPLICATE_MEMBERSHIP = "duplicate_membership": "The same department twice in a user's memberships.";
    UNKNOWN_ROLE = "unknown_role": "No such role.";
    UNKNOWN_PERMISSION = "unknown_permission": "No such permission.";
    UNKNOWN_DEPARTMENT = "unknown_department": "No such department.";
    BAD_DEPARTMENT = "bad_department": "A department's fields are wrong.";
    DEPARTMENT_CYCLE = "department_cycle": "A department cannot sit under itself.";
    DEFAULT_DEPARTMENT = "default_department": "The default department cannot be deleted.";
    DEPARTMENT_HAS_CHILDREN = "department_has_children": "The department has child departments (`params.count`).";
    DEPARTMENT_HAS_CONVERSATIONS = "department_has_conversations": "The department has conversations.";
    DEPARTMENT_HAS_BINDINGS = "department_has_bindings": "Role bindings are scoped to the department (`params.count`).";
    DEPARTMENT_HAS_CHANNELS = "department_has_channels": "Channels land in the department (`params.count`).";
    BAD_ACCESS = "bad_access": "No such department access.";
    BAD_SETTING = "bad_setting": "A setting's value is wrong.";
    BAD_NETWORK = "bad_network": "Not a network address (`params.value`).";
    BAD_AVAILABILITY = "bad_availability": "No such availability.";
    BAD_ADDRESS = "bad_address": "Not an IP address.";
    TARGET_NOT_ALLOWED = "target_not_allowed": "The address is not one the server may reach (egress policy).";
    HTTPS_REQUIRED = "https_required": "The address must use https.";
    // Channels and webhooks.
    BAD_CHANNEL = "bad_channel": "A channel's fields are wrong.";
    CHANNEL_NOT_VERIFIED = "channel_not_verified": "The Graph API did not confirm the number for the token.";
    CHANNEL_CHANGED = "channel_changed": "The channel changed meanwhile: read it again.";
    CHANNEL_IN_USE = "channel_in_use": "Conversations came through the channel: deactivate it instead.";
    PHONE_NUMBER_TAKEN = "phone_number_taken": "Another channel has the phone number id.";
    SECRET_REQUIRED = "secret_required": "The change needs the access token again.";
    BAD_WEBHOOK = "bad_webhook": "A webhook's fields are wrong.";
    BAD_SIGNATURE = "bad_signature": "A delivery's signature is wrong.";
    HANDSHAKE_FAILED = "handshake_failed": "The webhook verification handshake failed.";
    BAD_PAYLOAD = "bad_payload": "A channel's delivery cannot be read.";
    BAD_MESSAGE = "bad_message": "A channel's message cannot be read.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for (c, doc) in ALL {
            assert!(seen.insert(c.0), "{} twice", c.0);
            assert!(
                c.0.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{}",
                c.0
            );
            assert!(!doc.is_empty());
        }
    }

    // The OpenAPI document's list and the web's texts are tested in `openapi.rs`.

    #[test]
    fn every_store_conflict_is_a_code() {
        for c in store::CONFLICT_CODES {
            assert!(Code::parse(c).is_some(), "the store's conflict `{c}`");
        }
    }
}
