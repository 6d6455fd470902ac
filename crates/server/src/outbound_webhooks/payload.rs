//! What a receiver gets: an event's type (`conversation.created`, `message.updated`, ...) and
//! its JSON body.

use serde_json::{Value, json};
use store::{ConversationRow, EventKind, EventRecord, Message};

use crate::conversations::{ConversationView, MessageView};

/// The event's type as a receiver reads it (`None`: not for webhooks). A conversation event
/// with no state before it at the instant the conversation was created is its creation; a
/// message event at the instant the message was written is its creation, later ones
/// (delivery statuses) are updates.
pub fn event_type(
    e: &EventRecord,
    row: Option<&ConversationRow>,
    message: Option<&Message>,
) -> Option<&'static str> {
    match e.kind {
        EventKind::Conversation => Some(
            if e.before.is_none() && row.is_some_and(|r| r.created_at == e.at) {
                "conversation.created"
            } else {
                "conversation.updated"
            },
        ),
        EventKind::Message => Some(if message.is_some_and(|m| m.at == e.at) {
            "message.created"
        } else {
            "message.updated"
        }),
        EventKind::Access => None,
    }
}

/// The JSON body of an event: `id` (the event id), `type`, `account_id`, `at` (µs),
/// `conversation` (as the acting user may see it) and, for message events, `message`.
pub fn payload(
    e: &EventRecord,
    kind: &str,
    conversation: ConversationView,
    message: Option<MessageView>,
) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("id".into(), json!(e.id));
    body.insert("type".into(), json!(kind));
    body.insert("account_id".into(), json!(e.account.0));
    body.insert("at".into(), json!(e.at));
    body.insert("conversation".into(), json!(conversation));
    if e.kind == EventKind::Message {
        body.insert("message".into(), json!(message));
    }
    Value::Object(body)
}

/// The type of the event "Enviar evento de teste" sends: it carries no conversation, only
/// `id` (negative: no event of the log has it), `type`, `account_id`, `at` and `test: true`.
pub const TEST_EVENT: &str = "webhook.test";

/// The JSON body of a test event.
pub fn test_payload(id: i64, account: access::AccountId, at: i64) -> Value {
    json!({"id": id, "type": TEST_EVENT, "account_id": account.0, "at": at, "test": true})
}
