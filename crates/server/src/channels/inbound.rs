//! What channels post to us: the WhatsApp Cloud API webhook (verification handshake, signed
//! deliveries of messages and statuses) and the generic channel (messages, with their files,
//! posted with the channel's token). Nothing is stored unless the request is authentic; what is
//! stored is durable before the answer; the same message id twice is stored once.

use crate::error_codes as codes;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;

use crate::input::{Path, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::{Channel, ChannelKind, Received};
use utoipa::ToSchema;

use super::committer::{Arrival, ArrivalMedia};
use super::whatsapp::{self, Content, Handshake, Item};
use crate::error::ApiError;
use crate::json::{Json, Validate};
use crate::limits::{MAX_CONTACT_KEY, MAX_EXTERNAL_ID, MAX_FILE_NAME, MAX_NAME, MAX_TEXT};
use crate::state::AppState;

/// Largest webhook body: 1 MiB.
pub const WEBHOOK_BODY_LIMIT: usize = 1 << 20;

/// What a delivery stored.
#[derive(Serialize, ToSchema, Default)]
pub struct Accepted {
    /// Messages stored.
    pub received: usize,
    /// Messages already stored before (same channel message id).
    pub duplicates: usize,
    /// Delivery statuses recorded.
    pub statuses: usize,
    /// Items for another phone number id, skipped.
    pub skipped: usize,
}

/// A message arrival time: the channel's own time when plausible (within the last week and
/// not in the future), else now.
fn arrival(timestamp_seconds: i64, now: i64) -> i64 {
    let at = timestamp_seconds.saturating_mul(1_000_000);
    if at <= now && at >= now - 7 * 24 * 3600 * 1_000_000 {
        at
    } else {
        now
    }
}

/// What an arriving WhatsApp message becomes: its text (a media message: its caption, the
/// file itself fetched later) and the file it announces. Locations, contact cards, button
/// replies and a reaction to a message the channel never had are shown as text.
fn arriving(content: &Content) -> (String, Option<ArrivalMedia>) {
    match content {
        Content::Text(t) => (t.clone(), None),
        Content::Media {
            kind,
            media_id,
            mime_type,
            caption,
            filename,
            sha256,
            voice,
        } => match store::AttachmentKind::from_id(kind.id()) {
            Some(k) => (
                caption.clone().unwrap_or_default(),
                Some(ArrivalMedia {
                    kind: k,
                    voice: *voice,
                    source: media_id.clone(),
                    mime_type: mime_type
                        .clone()
                        .unwrap_or_else(|| "application/octet-stream".to_owned()),
                    file_name: filename.clone(),
                    sha256: sha256.clone(),
                }),
            ),
            None => (content.display_text(), None),
        },
        other => (other.display_text(), None),
    }
}

/// The WhatsApp channel of a webhook path, active or not; a path value that is not an id names
/// none (and is then answered like an unknown channel, not with a different error).
async fn whatsapp_channel(state: &AppState, id: &str) -> Result<Option<Channel>, ApiError> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    Ok(state
        .store
        .channels()
        .channel(id)
        .await?
        .filter(|c| c.kind == ChannelKind::WhatsApp))
}

/// A secret nobody holds: what an unknown channel's token or signature is checked against, so
/// that the answer for it is the answer for a wrong token or signature.
fn nobodys_secret() -> Result<String, ApiError> {
    crate::secret::random_token("").map_err(|e| ApiError::internal(&e))
}

/// The verification handshake's query.
#[derive(Deserialize)]
pub struct HandshakeQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// The WhatsApp webhook verification: answers `hub.challenge` when `hub.verify_token` is the
/// channel's verify token.
#[utoipa::path(get, path = "/webhooks/whatsapp/{channel}", tag = "channels",
    params(("channel" = i64, Path, description = "The channel id"),
           ("hub.mode" = String, Query, description = "`subscribe`"),
           ("hub.verify_token" = String, Query, description = "The channel's verify token"),
           ("hub.challenge" = String, Query, description = "Echoed back")),
    responses((status = 200, description = "The challenge, as plain text"), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HandshakeQuery>,
) -> Result<Response, ApiError> {
    // An unknown channel is answered as a wrong verify token would be: the id alone tells a
    // caller nothing (only the token's holder learns that the channel is inactive).
    let channel = whatsapp_channel(&state, &id).await?;
    let expected = match channel.as_ref().and_then(|c| c.verify_token.clone()) {
        Some(t) => t,
        None => nobodys_secret()?,
    };
    let h = Handshake {
        mode: q.mode.as_deref(),
        verify_token: q.verify_token.as_deref(),
        challenge: q.challenge.as_deref(),
    };
    match whatsapp::handshake(&h, &expected) {
        Ok(_) if !channel.is_some_and(|c| c.active) => Err(ApiError::not_found()),
        Ok(challenge) => Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            challenge,
        )
            .into_response()),
        Err(e) => Err(ApiError::forbidden_because(
            codes::HANDSHAKE_FAILED,
            e.to_string(),
        )),
    }
}

/// A WhatsApp Cloud API delivery (`X-Hub-Signature-256` checked with the channel's app
/// secret): messages start or continue their contact's conversation, statuses update what was
/// sent. Always 200 once stored, so the platform does not deliver it again.
#[utoipa::path(post, path = "/webhooks/whatsapp/{channel}", tag = "channels",
    params(("channel" = i64, Path, description = "The channel id")),
    request_body(content = String, content_type = "application/json", description = "The Cloud API webhook payload"),
    responses((status = 200, body = Accepted), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody, description = "Missing or wrong signature: nothing stored"),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn whatsapp_delivery(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<axum::Json<Accepted>, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large()
        } else {
            ApiError::bad_request(codes::BAD_BODY, e.body_text())
        }
    })?;
    // An unknown channel is answered as a wrong signature would be (see `verify`).
    let channel = whatsapp_channel(&state, &id).await?;
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    let secret = match channel.as_ref().and_then(|c| c.app_secret.clone()) {
        Some(s) => s,
        None => nobodys_secret()?,
    };
    if !whatsapp::signature_valid(&secret, &body, signature) {
        return Err(ApiError::unauthorized_because(
            codes::BAD_SIGNATURE,
            "X-Hub-Signature-256 is missing or is not the HMAC-SHA256 of the body with the channel's app secret",
        ));
    }
    let channel = channel
        .filter(|c| c.active)
        .ok_or_else(ApiError::not_found)?;
    let notification = whatsapp::parse(&body).map_err(|e| {
        ApiError::bad_request(
            codes::BAD_PAYLOAD,
            format!("not a WhatsApp webhook payload: {e}"),
        )
    })?;
    for p in &notification.problems {
        // The path and the problem only, never a customer's content.
        tracing::warn!(path = %p.path, problem = %p.problem, "WhatsApp delivery: a part could not be read (kept as unsupported, or left out)");
    }
    let now = state.clock.now_micros();
    let mut accepted = Accepted::default();
    let mut texts = Vec::new();
    let mut statuses = Vec::new();
    for item in &notification.items {
        let number = match item {
            Item::Inbound(m) => &m.phone_number_id,
            Item::Status(s) => &s.phone_number_id,
        };
        if channel.phone_number_id.as_deref() != Some(number.as_str()) {
            accepted.skipped += 1;
            continue;
        }
        match item {
            // A reaction goes on the message reacted to (one of this channel's), not in a
            // message of its own; to a message the channel never had, it stays a message.
            Item::Inbound(m) => match &m.content {
                Content::Reaction { message_id, emoji }
                    if state
                        .store
                        .channels()
                        .react(&channel, message_id, emoji, now)
                        .await? =>
                {
                    accepted.received += 1;
                }
                _ => texts.push((m, arriving(&m.content))),
            },
            Item::Status(s) => statuses.push(s),
        }
    }
    let inbound: Vec<Arrival> = texts
        .iter()
        .map(|(m, (text, media))| Arrival {
            external_id: m.external_id.clone(),
            from: m.from.clone(),
            profile_name: m.profile_name.clone(),
            body: text.clone(),
            at: arrival(m.timestamp, now),
            media: media.clone(),
            quoted: m.quoted.clone(),
        })
        .collect();
    let stored = crate::app::receive::receive(&state.ctx(), &channel, inbound).await?;
    let new = stored
        .iter()
        .filter(|r| matches!(r, Received::Stored { .. }))
        .count();
    accepted.received += new;
    accepted.duplicates = stored.len() - new;
    for s in statuses {
        let changed = state
            .store
            .channels()
            .delivery_status(
                &channel,
                &s.external_id,
                s.status.id(),
                s.error.as_deref(),
                now,
            )
            .await?;
        if changed {
            accepted.statuses += 1;
        }
    }
    Ok(axum::Json(accepted))
}

/// A message posted to a generic channel: a text, a file, or a file with its caption.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenericMessage {
    /// The contact's key in the integration (a phone in E.164 digits, or any stable id), 1 to
    /// 64 bytes.
    pub from: String,
    /// The contact's name, up to 200 bytes.
    #[serde(default)]
    pub name: Option<String>,
    /// The text, up to 4096 bytes: required (not blank) without `attachment`; with one, its
    /// caption, which may be left out.
    #[serde(default)]
    pub text: Option<String>,
    /// The integration's id of the message (stored once); generated when left out.
    #[serde(default)]
    pub id: Option<String>,
    /// A file the customer sent: stored `pending` with the message, fetched from its URL after
    /// the answer.
    #[serde(default)]
    pub attachment: Option<GenericAttachment>,
}

/// A file sent with a generic channel's message. The message is stored and acknowledged at
/// once, the file `pending`; a node's downloader then fetches `url` (a plain `GET`: no
/// credentials, no redirects, through the egress policy) within the size limit of its kind,
/// checks `sha256` when given, and the file becomes `ready`, or `failed` with the reason.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenericAttachment {
    /// Where to fetch the file: an `https://` URL at a public address (plain `http://` and
    /// internal addresses only for targets the operator lists in `outbound_allow`), up to 2048
    /// bytes. It may carry a token of the integration's: it is never shown.
    pub url: String,
    /// The file's MIME type (`image/jpeg`, `application/pdf`...), 3 to 255 bytes.
    pub mime_type: String,
    /// `image`, `audio`, `video`, `document` or `sticker`; left out: from the MIME type (JPEG
    /// and PNG pictures, WhatsApp's audio and video types; anything else is a document).
    #[serde(default)]
    pub kind: Option<String>,
    /// The file's name (shown on documents), 1 to 255 bytes.
    #[serde(default)]
    pub file_name: Option<String>,
    /// The file's size in bytes, when known: over its kind's limit the message is refused.
    #[serde(default)]
    pub size: Option<u64>,
    /// The file's SHA-256 (64 hex digits, or its 32 bytes in base64), checked against the
    /// bytes fetched.
    #[serde(default)]
    pub sha256: Option<String>,
    /// An audio recorded as a voice note.
    #[serde(default)]
    pub voice: bool,
}

fn bad_attachment(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(codes::BAD_ATTACHMENT, message)
}

impl GenericAttachment {
    /// Its kind: as given, or from its MIME type; `None` for a kind that does not exist.
    pub fn kind(&self) -> Option<store::AttachmentKind> {
        match &self.kind {
            Some(k) => store::AttachmentKind::from_id(k),
            None => Some(crate::app::files::kind_of(&self.mime_type)),
        }
    }
}

impl Validate for GenericAttachment {
    /// The URL through the egress policy as far as it can be checked without resolving (a
    /// host name is checked when the file is fetched), a known kind, a size within its kind's
    /// limit, a readable SHA-256.
    fn validate(&mut self, policy: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        use crate::admin::outbound_webhooks::MAX_URL;
        let url = self.url.trim();
        let malformed = || {
            bad_attachment(format!(
                "`attachment.url` must be an https:// URL with a host, up to {MAX_URL} bytes, such as https://files.example.com/f/123.jpg"
            ))
        };
        if url.is_empty() || url.len() > MAX_URL || url.contains(char::is_whitespace) {
            return Err(malformed());
        }
        self.url = crate::admin::outbound_url(policy, "attachment.url", url, malformed)?;
        self.mime_type = self.mime_type.trim().to_owned();
        let m = &self.mime_type;
        if m.len() < 3 || m.len() > 255 || !m.contains('/') || m.chars().any(char::is_control) {
            return Err(bad_attachment(
                "`attachment.mime_type` must be a MIME type such as image/jpeg, up to 255 bytes",
            ));
        }
        if let Some(k) = &mut self.kind {
            *k = k.trim().to_ascii_lowercase();
        }
        let Some(kind) = self.kind() else {
            return Err(bad_attachment(
                "unknown `attachment.kind`: write image, audio, video, document or sticker, or leave it out (the MIME type decides)",
            ));
        };
        if let Some(n) = &mut self.file_name {
            *n = n.trim().to_owned();
            if n.is_empty() || n.len() > MAX_FILE_NAME || n.chars().any(char::is_control) {
                return Err(bad_attachment(format!(
                    "`attachment.file_name` must be 1 to {MAX_FILE_NAME} bytes, without control characters"
                )));
            }
        }
        let limit = crate::limits::media_bytes(kind);
        match self.size {
            Some(0) => return Err(bad_attachment("`attachment.size` is 0: the file is empty")),
            Some(s) if s > limit => {
                return Err(ApiError::bad_request(
                    codes::FILE_TOO_LARGE,
                    format!(
                        "the file is larger than the limit for a {} ({}): send a smaller one",
                        kind.id(),
                        crate::limits::size_text(limit)
                    ),
                ));
            }
            _ => {}
        }
        if let Some(d) = &mut self.sha256 {
            *d = d.trim().to_owned();
            if !crate::media::download::digest_readable(d) {
                return Err(bad_attachment(
                    "`attachment.sha256` must be a SHA-256: 64 hex digits, or its 32 bytes in base64",
                ));
            }
        }
        if self.voice && kind != store::AttachmentKind::Audio {
            return Err(bad_attachment(
                "`attachment.voice` is for audio only: leave it out for other kinds",
            ));
        }
        Ok(())
    }
}

impl Validate for GenericMessage {
    /// What a generic message must be, checked before anything is looked up (its attachment's
    /// URL against the egress policy too).
    fn validate(&mut self, policy: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.from = self.from.trim().to_owned();
        let text = self.text.as_deref().unwrap_or_default();
        let blank = text.trim().is_empty() && self.attachment.is_none();
        if self.from.is_empty()
            || self.from.len() > MAX_CONTACT_KEY
            || blank
            || text.len() > MAX_TEXT
        {
            return Err(ApiError::bad_request(
                codes::BAD_MESSAGE,
                format!(
                    "`from` must be 1 to {MAX_CONTACT_KEY} bytes and `text` 1 to {MAX_TEXT} bytes (with an `attachment`, `text` is its caption and may be left out)"
                ),
            ));
        }
        // A name over the limit is refused, not cut or dropped: nothing is stored half.
        if self.name.as_deref().is_some_and(|n| n.len() > MAX_NAME) {
            return Err(ApiError::bad_request(
                codes::BAD_MESSAGE,
                format!("`name` is limited to {MAX_NAME} bytes"),
            ));
        }
        if self
            .id
            .as_deref()
            .map(str::trim)
            .is_some_and(|i| i.len() > MAX_EXTERNAL_ID)
        {
            return Err(ApiError::bad_request(
                codes::BAD_MESSAGE,
                format!("`id` is limited to {MAX_EXTERNAL_ID} bytes"),
            ));
        }
        if let Some(a) = &mut self.attachment {
            a.validate(policy)?;
        }
        Ok(())
    }
}

/// A message from a contact through a generic channel (`Authorization: Bearer <channel
/// token>`): it starts or continues the contact's conversation. A file comes as `attachment`:
/// acknowledged with the message, fetched afterwards.
#[utoipa::path(post, path = "/webhooks/generic/messages", tag = "channels", request_body = GenericMessage,
    responses((status = 200, body = Accepted),
              (status = 400, body = crate::error::ErrorBody, description = "`bad_message`, `bad_attachment`; an attachment URL the egress policy refuses: `target_not_allowed`, `https_required`; a declared size over its kind's limit: `file_too_large`"),
              (status = 401, body = crate::error::ErrorBody)))]
pub async fn generic_message(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(mut m): Json<GenericMessage>,
) -> Result<axum::Json<Accepted>, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(ApiError::unauthorized)?;
    let channel = state
        .store
        .channels()
        .channel_by_token(&crate::secret::token_hash(token))
        .await?
        .filter(|c| c.kind == ChannelKind::Generic && c.active)
        .ok_or_else(ApiError::unauthorized)?;
    m.validate(state.egress.policy())?;
    let name = m.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let now = state.clock.now_micros();
    let external = match m.id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        Some(id) => id.to_owned(),
        None => crate::secret::random_token("g_").map_err(|e| ApiError::internal(&e))?,
    };
    // The file is the downloader's: its source is the URL (a WhatsApp file's is a media id).
    let media = match m.attachment.take() {
        Some(a) => Some(ArrivalMedia {
            kind: a
                .kind()
                .ok_or_else(|| bad_attachment("unknown `attachment.kind`"))?,
            voice: a.voice,
            source: a.url,
            mime_type: a.mime_type,
            file_name: a.file_name,
            sha256: a.sha256,
        }),
        None => None,
    };
    let stored = crate::app::receive::receive(
        &state.ctx(),
        &channel,
        vec![Arrival {
            external_id: external,
            from: m.from.clone(),
            profile_name: name.map(str::to_owned),
            body: m
                .text
                .take()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_default(),
            at: now,
            media,
            quoted: None,
        }],
    )
    .await?;
    let received = stored
        .iter()
        .filter(|r| matches!(r, Received::Stored { .. }))
        .count();
    Ok(axum::Json(Accepted {
        received,
        duplicates: stored.len() - received,
        statuses: 0,
        skipped: 0,
    }))
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(verify, whatsapp_delivery))
        .routes(utoipa_axum::routes!(generic_message))
        // What channels post: bodies up to 1 MiB, no session.
        .layer(axum::extract::DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT))
}
