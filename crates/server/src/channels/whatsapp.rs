//! The WhatsApp Business **Cloud API** formats, and nothing else: the webhook signature
//! (`X-Hub-Signature-256`), the verification handshake, the webhook notifications of the
//! `messages` field (Meta's "Webhooks: messages" reference: inbound messages and the statuses of
//! ours), the bodies of "Send messages" (`POST /{version}/{phone_number_id}/messages`) and the
//! Graph API's answer to a send.
//!
//! Pure: no I/O, no async, no database. Nothing here panics, whatever the input. The webhook
//! handlers and the sender call it; what to do with the result (store, retry, answer Meta) is
//! theirs.

use std::fmt::Write as _;

use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

// --- Signature and handshake --------------------------------------------------------------

/// HMAC-SHA256 keyed with `secret`. Built from the RFC 2104 block key (a key longer than the
/// 64-byte block is hashed first, a shorter one zero-padded) so that it cannot fail.
fn mac(secret: &[u8]) -> Hmac<Sha256> {
    let hashed;
    let key = if secret.len() > 64 {
        hashed = Sha256::digest(secret);
        hashed.as_slice()
    } else {
        secret
    };
    let mut block = [0u8; 64];
    block.iter_mut().zip(key).for_each(|(b, k)| *b = *k);
    Hmac::<Sha256>::new(&block.into())
}

/// The `X-Hub-Signature-256` value of `body` signed with `secret`: `sha256=<64 lowercase hex>`.
/// Used by tests and by our own outbound webhook signer.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut m = mac(secret.as_bytes());
    m.update(body);
    let mut out = String::from("sha256=");
    for b in m.finalize().into_bytes() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Whether `header` (the `X-Hub-Signature-256` value, `sha256=<64 hex digits>`, either case) is
/// HMAC-SHA256(`app_secret`, `body`). Compared in constant time. A missing or malformed header,
/// or an empty secret, is `false`.
pub fn signature_valid(app_secret: &str, body: &[u8], header: Option<&str>) -> bool {
    if app_secret.is_empty() {
        return false;
    }
    let Some(expected) = header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .and_then(decode_hex32)
    else {
        return false;
    };
    let mut m = mac(app_secret.as_bytes());
    m.update(body);
    m.verify_slice(&expected).is_ok()
}

fn decode_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks_exact(2)) {
        let mut v = 0u8;
        for c in pair {
            let d = char::from(*c).to_digit(16)?;
            v = (v << 4) | u8::try_from(d).ok()?;
        }
        *o = v;
    }
    Some(out)
}

/// Equality of two secrets in constant time (their SHA-256 digests are compared, so the length
/// does not leak either).
fn secret_eq(a: &str, b: &str) -> bool {
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    let diff = x
        .iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q));
    std::hint::black_box(diff) == 0
}

/// The query of the verification request: `GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Handshake<'a> {
    /// `hub.mode`: must be `subscribe`.
    pub mode: Option<&'a str>,
    /// `hub.verify_token`: the token configured in Meta's app dashboard.
    pub verify_token: Option<&'a str>,
    /// `hub.challenge`: echoed back on success.
    pub challenge: Option<&'a str>,
}

/// Why a verification request is refused. The messages never contain the expected token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// No verify token is configured on our side: every handshake is refused.
    #[error("no verify token is configured for this channel")]
    NotConfigured,
    /// `hub.mode` is absent or not `subscribe`.
    #[error("hub.mode must be \"subscribe\"")]
    WrongMode,
    /// `hub.verify_token` is absent.
    #[error("hub.verify_token is missing")]
    MissingToken,
    /// `hub.verify_token` is not the configured token.
    #[error("hub.verify_token does not match the configured verify token")]
    WrongToken,
    /// `hub.challenge` is absent or empty.
    #[error("hub.challenge is missing")]
    MissingChallenge,
}

/// Answers the verification handshake: `Ok(challenge)` (to send back as the plain-text body)
/// when the mode is `subscribe` and the token equals `expected` (constant time).
pub fn handshake(h: &Handshake<'_>, expected: &str) -> Result<String, HandshakeError> {
    if expected.is_empty() {
        return Err(HandshakeError::NotConfigured);
    }
    if h.mode != Some("subscribe") {
        return Err(HandshakeError::WrongMode);
    }
    let token = h.verify_token.ok_or(HandshakeError::MissingToken)?;
    if !secret_eq(token, expected) {
        return Err(HandshakeError::WrongToken);
    }
    match h.challenge {
        Some(c) if !c.is_empty() => Ok(c.to_owned()),
        _ => Err(HandshakeError::MissingChallenge),
    }
}

// --- Webhook notifications ----------------------------------------------------------------

/// One webhook POST body: its inbound messages and status updates, in the order of the payload.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Notification {
    /// Every message and status of every `messages` change of every entry.
    pub items: Vec<Item>,
    /// What could not be read, each with its path: a message kept as unsupported or with the
    /// arrival time, or a part left out (see [`parse`]). For the log; never a refusal.
    pub problems: Vec<ParseError>,
}

/// One thing that happened.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A customer sent us something.
    Inbound(Inbound),
    /// One of our outbound messages changed state.
    Status(StatusUpdate),
}

/// A message from a customer.
#[derive(Clone, Debug, PartialEq)]
pub struct Inbound {
    /// `value.metadata.phone_number_id`: which of our numbers received it.
    pub phone_number_id: String,
    /// `messages[].id`, the `wamid.…` (the key for deduplicating Meta's retries).
    pub external_id: String,
    /// `messages[].from`: the customer's WhatsApp id (phone digits).
    pub from: String,
    /// `contacts[].profile.name` of the contact whose `wa_id` is `from`.
    pub profile_name: Option<String>,
    /// `messages[].timestamp`, Unix seconds; 0 when absent or unreadable (the arrival time is
    /// used).
    pub timestamp: i64,
    /// What was sent.
    pub content: Content,
    /// `messages[].context.id`: the `wamid` of the message this one replies to (quotes).
    pub quoted: Option<String>,
}

/// The kinds of media message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `image`.
    Image,
    /// `audio` (voice notes included).
    Audio,
    /// `video`.
    Video,
    /// `document`.
    Document,
    /// `sticker`.
    Sticker,
}

impl MediaKind {
    /// Every kind.
    pub const ALL: [MediaKind; 5] = [
        MediaKind::Image,
        MediaKind::Audio,
        MediaKind::Video,
        MediaKind::Document,
        MediaKind::Sticker,
    ];

    /// The message `type` (and object key) of the kind: `image`, `audio`, ….
    pub fn id(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
        }
    }

    /// The kind of a message `type`, if it is a media one.
    pub fn from_id(id: &str) -> Option<MediaKind> {
        MediaKind::ALL.into_iter().find(|k| k.id() == id)
    }
}

/// The content of an inbound message.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    /// `text.body`.
    Text(String),
    /// A media message; the file itself is fetched later with `media_id`.
    Media {
        /// Which kind.
        kind: MediaKind,
        /// The media id, for `GET /{media_id}`.
        media_id: String,
        /// `mime_type`, e.g. `image/jpeg`, `audio/ogg; codecs=opus`.
        mime_type: Option<String>,
        /// The caption (image, video, document).
        caption: Option<String>,
        /// The file name (document).
        filename: Option<String>,
        /// `sha256` of the file as Meta announces it (base64), checked on download.
        sha256: Option<String>,
        /// An audio recorded as a voice note (`voice: true`).
        voice: bool,
    },
    /// A shared location.
    Location {
        /// Degrees.
        latitude: f64,
        /// Degrees.
        longitude: f64,
        /// The place's name.
        name: Option<String>,
        /// The place's address.
        address: Option<String>,
    },
    /// A tap on one of our buttons or list rows: `interactive` `button_reply`/`list_reply`
    /// (`id`, `title`), or a template quick-reply `button` (`payload`, `text`; the payload
    /// defaults to the text).
    Reply {
        /// Our id for the choice (the payload).
        id: String,
        /// What the customer saw and tapped.
        title: String,
    },
    /// Contact cards the customer shared (`type: contacts`): each card's name and phones.
    Contacts(Vec<SharedContact>),
    /// A reaction to a message; an empty `emoji` removes the reaction.
    Reaction {
        /// The `wamid` reacted to.
        message_id: String,
        /// The emoji, or empty when the reaction is removed.
        emoji: String,
    },
    /// Any other `type` (`order`, `system`, `unsupported`, …); other
    /// `interactive` kinds are `interactive:<kind>`.
    Unsupported {
        /// The type.
        kind: String,
    },
}

/// One shared contact card (a vCard in WhatsApp's JSON form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedContact {
    /// `name.formatted_name`, else first and last name.
    pub name: String,
    /// `phones[].phone` (else `wa_id`), as the customer's phone showed them.
    pub phones: Vec<String>,
}

/// A map at a point, on OpenStreetMap (no account, no key, no tracking script needed to open).
fn map_link(latitude: f64, longitude: f64) -> String {
    format!(
        "https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=17/{latitude}/{longitude}"
    )
}

impl Content {
    /// What an agent reads in the inbox, in plain text: the text itself; `[image] caption`,
    /// `[document] name.pdf — caption`, `[audio: audio/ogg]` for media; `[location] name,
    /// address (lat, lon) <map link>`; `[contact] Name: phone, phone` for shared cards; the
    /// tapped title for replies; `[reaction] 👍`; `[unsupported: kind]`.
    pub fn display_text(&self) -> String {
        match self {
            Content::Text(t) => t.clone(),
            Content::Media {
                kind,
                mime_type,
                caption,
                filename,
                ..
            } => {
                let details: Vec<&str> = [filename, caption]
                    .into_iter()
                    .flatten()
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect();
                match (details.is_empty(), mime_type) {
                    (true, Some(m)) => format!("[{}: {m}]", kind.id()),
                    (true, None) => format!("[{}]", kind.id()),
                    (false, _) => format!("[{}] {}", kind.id(), details.join(" — ")),
                }
            }
            Content::Location {
                latitude,
                longitude,
                name,
                address,
            } => {
                let place: Vec<&str> = [name, address]
                    .into_iter()
                    .flatten()
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect();
                let coords = format!(
                    "({latitude}, {longitude}) {}",
                    map_link(*latitude, *longitude)
                );
                if place.is_empty() {
                    format!("[location] {coords}")
                } else {
                    format!("[location] {} {coords}", place.join(", "))
                }
            }
            Content::Contacts(cards) => {
                let cards: Vec<String> = cards
                    .iter()
                    .map(|c| {
                        if c.phones.is_empty() {
                            c.name.clone()
                        } else {
                            format!("{}: {}", c.name, c.phones.join(", "))
                        }
                    })
                    .collect();
                format!("[contact] {}", cards.join("; "))
            }
            Content::Reply { title, .. } => title.clone(),
            Content::Reaction { emoji, .. } if emoji.is_empty() => "[reaction removed]".to_owned(),
            Content::Reaction { emoji, .. } => format!("[reaction] {emoji}"),
            Content::Unsupported { kind } => format!("[unsupported: {kind}]"),
        }
    }
}

/// A change of state of one of our outbound messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusUpdate {
    /// `value.metadata.phone_number_id`: the number that sent it.
    pub phone_number_id: String,
    /// `statuses[].id`: the `wamid` of our outbound message.
    pub external_id: String,
    /// The new state.
    pub status: DeliveryStatus,
    /// `statuses[].timestamp`, Unix seconds.
    pub timestamp: i64,
    /// `statuses[].recipient_id`: the customer.
    pub recipient: Option<String>,
    /// For `failed`, from `errors[0]`: `code: title` (or its `message`), followed by
    /// `error_data.details` in parentheses when present.
    pub error: Option<String>,
}

/// The delivery states Meta reports. Other status strings are skipped by [`parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Accepted by WhatsApp.
    Sent,
    /// On the customer's device.
    Delivered,
    /// Read by the customer.
    Read,
    /// Will not be delivered.
    Failed,
}

impl DeliveryStatus {
    /// The status string: `sent`, `delivered`, `read`, `failed`.
    pub fn id(self) -> &'static str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// The state of a status string, if it is one of ours.
    pub fn from_id(id: &str) -> Option<DeliveryStatus> {
        [Self::Sent, Self::Delivered, Self::Read, Self::Failed]
            .into_iter()
            .find(|s| s.id() == id)
    }
}

use super::json_reader::Node;
pub use super::json_reader::ParseError;

/// Parses one webhook POST body. Changes of fields other than `messages` are ignored, and so
/// are unknown members and status strings. A body that is not JSON, or not of a WhatsApp
/// Business Account, is an error naming what is wrong; inside a real delivery nothing is: Meta
/// retries a refused delivery for days, so a message whose content cannot be read is kept as
/// [`Content::Unsupported`] with its raw `type`, one without a readable timestamp gets the
/// arrival time, and what cannot be stored at all (a message without `id` or `from`, an
/// unreadable status or change) is left out; each of these is in [`Notification::problems`].
pub fn parse(body: &[u8]) -> Result<Notification, ParseError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| ParseError {
        path: String::new(),
        problem: format!("not JSON: {e}"),
    })?;
    let root = Node {
        value: &value,
        path: String::new(),
    };
    let object = root.get("object")?;
    if object.str()? != "whatsapp_business_account" {
        return Err(object.err("expected \"whatsapp_business_account\""));
    }
    let mut items = Vec::new();
    let mut problems = Vec::new();
    for entry in root.get("entry")?.items()? {
        let changes = match entry.get("changes").and_then(|c| c.items()) {
            Ok(changes) => changes,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        for change in changes {
            let read = change.get("field").and_then(|f| {
                if f.str()? == "messages" {
                    read_value(&change.get("value")?, &mut items, &mut problems)
                } else {
                    Ok(())
                }
            });
            if let Err(e) = read {
                problems.push(e);
            }
        }
    }
    Ok(Notification { items, problems })
}

fn read_value(
    value: &Node<'_>,
    items: &mut Vec<Item>,
    problems: &mut Vec<ParseError>,
) -> Result<(), ParseError> {
    let phone_number_id = value.get("metadata")?.id("phone_number_id")?;
    let contacts = value.opt_items("contacts").unwrap_or_default();
    for message in value.opt_items("messages")? {
        // Without its id (the key of Meta's retries) or its sender a message cannot be stored.
        let (external_id, from) = match (message.id("id"), message.id("from")) {
            (Ok(id), Ok(from)) => (id, from),
            (Err(e), _) | (_, Err(e)) => {
                problems.push(e);
                continue;
            }
        };
        let profile_name = contacts
            .iter()
            .find(|c| c.opt_string("wa_id").ok().flatten().as_deref() == Some(from.as_str()))
            .and_then(|c| c.opt("profile").ok().flatten())
            .and_then(|p| p.opt_string("name").ok().flatten());
        let content = content(&message).unwrap_or_else(|e| {
            problems.push(e);
            Content::Unsupported {
                kind: message
                    .opt_string("type")
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| "unknown".to_owned()),
            }
        });
        items.push(Item::Inbound(Inbound {
            phone_number_id: phone_number_id.clone(),
            external_id,
            // Unreadable: 0, which the arrival replaces by the time it arrived.
            timestamp: message.timestamp("timestamp").unwrap_or_else(|e| {
                problems.push(e);
                0
            }),
            content,
            from,
            profile_name,
            // A forwarded message has a context without an id; an unreadable one quotes nothing.
            quoted: message
                .opt("context")
                .ok()
                .flatten()
                .and_then(|c| c.opt_string("id").ok().flatten())
                .filter(|id| !id.is_empty()),
        }));
    }
    for status in value.opt_items("statuses")? {
        match read_status(&status, &phone_number_id) {
            Ok(Some(update)) => items.push(Item::Status(update)),
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
    }
    Ok(())
}

/// One status update (`None`: a status string we do not follow).
fn read_status(
    status: &Node<'_>,
    phone_number_id: &str,
) -> Result<Option<StatusUpdate>, ParseError> {
    let external_id = status.id("id")?;
    let Some(state) = DeliveryStatus::from_id(status.get("status")?.str()?) else {
        return Ok(None);
    };
    let error = match status.opt_items("errors")?.first() {
        Some(e) => Some(status_error(e)?),
        None => None,
    };
    Ok(Some(StatusUpdate {
        phone_number_id: phone_number_id.to_owned(),
        external_id,
        status: state,
        timestamp: status.timestamp("timestamp")?,
        recipient: status.opt_string("recipient_id")?,
        error,
    }))
}

fn content(message: &Node<'_>) -> Result<Content, ParseError> {
    let kind = message.get("type")?.str()?;
    if let Some(media) = MediaKind::from_id(kind) {
        let m = message.get(kind)?;
        return Ok(Content::Media {
            kind: media,
            media_id: m.id("id")?,
            mime_type: m.opt_string("mime_type")?,
            caption: m.opt_string("caption")?,
            filename: m.opt_string("filename")?,
            sha256: m.opt_string("sha256")?,
            voice: m.flag("voice")?,
        });
    }
    Ok(match kind {
        "text" => Content::Text(message.get("text")?.string("body")?),
        "location" => {
            let l = message.get("location")?;
            Content::Location {
                latitude: l.number("latitude")?,
                longitude: l.number("longitude")?,
                name: l.opt_string("name")?,
                address: l.opt_string("address")?,
            }
        }
        "interactive" => {
            let i = message.get("interactive")?;
            let sub = i.get("type")?.str()?;
            match sub {
                "button_reply" | "list_reply" => {
                    let r = i.get(sub)?;
                    Content::Reply {
                        id: r.string("id")?,
                        title: r.string("title")?,
                    }
                }
                other => Content::Unsupported {
                    kind: format!("interactive:{other}"),
                },
            }
        }
        "button" => {
            let b = message.get("button")?;
            let title = b.string("text")?;
            Content::Reply {
                id: b.opt_string("payload")?.unwrap_or_else(|| title.clone()),
                title,
            }
        }
        "contacts" => Content::Contacts(
            message
                .get("contacts")?
                .items()?
                .iter()
                .map(shared_contact)
                .collect::<Result<_, _>>()?,
        ),
        "reaction" => {
            let r = message.get("reaction")?;
            Content::Reaction {
                message_id: r.id("message_id")?,
                emoji: r.opt_string("emoji")?.unwrap_or_default(),
            }
        }
        other => Content::Unsupported {
            kind: other.to_owned(),
        },
    })
}

/// `code: title` (or message), then `(details)`.
fn shared_contact(card: &Node<'_>) -> Result<SharedContact, ParseError> {
    let name = match card.opt("name")? {
        Some(n) => match n.opt_string("formatted_name")? {
            Some(f) if !f.trim().is_empty() => f,
            _ => [n.opt_string("first_name")?, n.opt_string("last_name")?]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        },
        None => String::new(),
    };
    let mut phones = Vec::new();
    for p in card.opt_items("phones")? {
        if let Some(phone) = p.opt_string("phone")?.or(p.opt_string("wa_id")?) {
            phones.push(phone);
        }
    }
    Ok(SharedContact {
        name: if name.trim().is_empty() {
            "?".to_owned()
        } else {
            name.trim().to_owned()
        },
        phones,
    })
}

fn status_error(e: &Node<'_>) -> Result<String, ParseError> {
    let code = e.opt("code")?.map(|c| match c.value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let title = match e.opt_string("title")? {
        Some(t) => Some(t),
        None => e.opt_string("message")?,
    };
    let details = match e.opt("error_data")? {
        Some(d) => d.opt_string("details")?,
        None => None,
    };
    let mut out = match (code, title) {
        (Some(c), Some(t)) => format!("{c}: {t}"),
        (Some(c), None) => c,
        (None, Some(t)) => t,
        (None, None) => "unknown error".to_owned(),
    };
    if let Some(d) = details.filter(|d| !d.is_empty() && !out.contains(d.as_str())) {
        out.push_str(&format!(" ({d})"));
    }
    Ok(out)
}

pub use super::whatsapp_send::{GraphError, media_body, send_result, template_body, text_body};

#[cfg(test)]
#[path = "whatsapp_tests.rs"]
mod tests;
