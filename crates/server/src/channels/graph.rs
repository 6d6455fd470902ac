//! The Graph API client (WhatsApp Cloud API): sending a message, proving a channel's number and
//! fetching a file a customer sent, every request through the egress policy ([`crate::egress`]). A leaf: the state holds one, the
//! sender and the channel settings use it.

use serde_json::Value;
use store::Channel;

use super::whatsapp::{self, GraphError};
use crate::egress::{Egress, UNREACHABLE, body_prefix};

/// The Graph API base URL when a channel names none.
pub const DEFAULT_GRAPH_BASE_URL: &str = "https://graph.facebook.com/v21.0";

/// The Graph API client: every request goes through the egress policy ([`crate::egress`]).
#[derive(Clone, Debug)]
pub struct GraphClient {
    egress: Egress,
}

/// Bytes of the Graph API's answer read (its answers are a few hundred bytes).
const ANSWER_LIMIT: usize = 64 * 1024;

/// Why the Graph API did not confirm that a token may use a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberProof {
    /// No answer (or an address the egress policy refuses: the same to the caller).
    Unreachable,
    /// An answer other than 200 with the number's id: its HTTP status and Graph error code.
    Refused {
        /// HTTP status.
        status: u16,
        /// `error.code`, when the answer is a Graph API error.
        code: Option<i64>,
    },
}

impl GraphClient {
    /// A client over the egress client.
    pub fn new(egress: Egress) -> GraphClient {
        GraphClient { egress }
    }

    /// Proves that `token` may use phone number id `number`: `GET {base}/{number}?fields=id,
    /// display_phone_number` must answer 200 with that `id`. Nothing from the answer is kept.
    pub async fn prove_number(
        &self,
        base: Option<&str>,
        number: &str,
        token: &str,
    ) -> Result<(), NumberProof> {
        let base = base.unwrap_or(DEFAULT_GRAPH_BASE_URL).trim_end_matches('/');
        let request = self
            .egress
            .request(
                reqwest::Method::GET,
                &format!("{base}/{number}?fields=id,display_phone_number"),
            )
            .map_err(|_| NumberProof::Unreachable)?;
        let answer = self
            .egress
            .send(request.bearer_auth(token))
            .await
            .map_err(|_| NumberProof::Unreachable)?;
        let status = answer.status().as_u16();
        let bytes = body_prefix(answer, ANSWER_LIMIT)
            .await
            .map_err(|_| NumberProof::Unreachable)?;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status == 200 && body.get("id").and_then(Value::as_str) == Some(number) {
            return Ok(());
        }
        Err(NumberProof::Refused {
            status,
            code: body.pointer("/error/code").and_then(Value::as_i64),
        })
    }

    /// Sends one message body through a WhatsApp channel; the channel's id of it on success.
    pub async fn send(&self, channel: &Channel, body: &Value) -> Result<String, GraphError> {
        let (base, number, token) = sending_target(channel)?;
        // A refused address and a host that does not answer look the same (and are retried
        // the same way).
        let unreachable = || {
            failure(
                format!("the Graph API could not be reached: {UNREACHABLE}"),
                true,
            )
        };
        let request = self
            .egress
            .request(reqwest::Method::POST, &format!("{base}/{number}/messages"))
            .map_err(|_| unreachable())?
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        let answer = self.egress.send(request).await.map_err(|_| unreachable())?;
        let status = answer.status().as_u16();
        let bytes = body_prefix(answer, ANSWER_LIMIT)
            .await
            .map_err(|_| failure("the Graph API's answer was cut off".to_owned(), true))?;
        whatsapp::send_result(status, &bytes)
    }

    /// Starts fetching a file a customer sent: `GET {base}/{media_id}` gives its (short-lived)
    /// URL, MIME type, SHA-256 and size; `GET {url}` with the same token gives the bytes, which
    /// the caller reads as a stream from the answer. Errors say why in words and whether trying
    /// again later may help.
    pub async fn media(
        &self,
        channel: &Channel,
        media_id: &str,
    ) -> Result<(MediaInfo, reqwest::Response), (String, bool)> {
        let Some(token) = &channel.access_token else {
            return Err((
                "the channel has no access token: set it in its settings".to_owned(),
                false,
            ));
        };
        let base = channel
            .graph_base_url
            .as_deref()
            .unwrap_or(DEFAULT_GRAPH_BASE_URL)
            .trim_end_matches('/');
        let unreachable = || {
            (
                format!("the Graph API could not be reached: {UNREACHABLE}"),
                true,
            )
        };
        let id: String = media_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let request = self
            .egress
            .request(reqwest::Method::GET, &format!("{base}/{id}"))
            .map_err(|_| unreachable())?
            .bearer_auth(token);
        let answer = self.egress.send(request).await.map_err(|_| unreachable())?;
        let status = answer.status().as_u16();
        let bytes = body_prefix(answer, ANSWER_LIMIT)
            .await
            .map_err(|_| ("the Graph API's answer was cut off".to_owned(), true))?;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
        let url = match (status, text("url")) {
            (200, Some(url)) => url,
            _ => {
                let e = match whatsapp::send_result(status, &bytes) {
                    Err(e) => e.to_string(),
                    Ok(_) => format!("the Graph API answered HTTP {status} without the file's URL"),
                };
                // The media id is unknown or not ours (HTTP 4xx with a Graph error): waiting
                // does not help, except for rate limits.
                let retryable = status == 429 || status >= 500;
                return Err((e, retryable));
            }
        };
        let info = MediaInfo {
            mime_type: text("mime_type"),
            sha256: text("sha256"),
            file_size: body.get("file_size").and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            }),
        };
        // Up to 100 MiB (a document): ten minutes for the whole file instead of the usual 15 s.
        let request = self
            .egress
            .request(reqwest::Method::GET, &url)
            .map_err(|_| unreachable())?
            .bearer_auth(token)
            .timeout(std::time::Duration::from_secs(600));
        let answer = self.egress.send(request).await.map_err(|_| unreachable())?;
        let status = answer.status().as_u16();
        if status != 200 {
            return Err((
                format!("the file's URL answered HTTP {status}"),
                status == 429 || status >= 500 || status == 404,
            ));
        }
        Ok((info, answer))
    }
}

impl GraphClient {
    /// Uploads a file for a channel's messages (`POST {base}/{phone_number_id}/media`,
    /// multipart: `messaging_product`, `type`, `file`), streamed from the file store; the media
    /// id to send it with.
    pub async fn upload(
        &self,
        channel: &Channel,
        file: &store::OutgoingFile,
        files: &files::Files,
    ) -> Result<String, GraphError> {
        let (base, number, token) = sending_target(channel)?;
        let reading = files.get(&file.storage_key).await.map_err(|e| {
            tracing::error!(error = %e, "reading a file to upload failed");
            failure(
                "the file could not be read from the file store".to_owned(),
                true,
            )
        })?;
        let name = file
            .file_name
            .clone()
            .unwrap_or_else(|| format!("{}-{}", file.kind.id(), file.id));
        let part = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::wrap_stream(reading.chunks),
            reading.size,
        )
        .file_name(name)
        .mime_str(&file.mime_type)
        .map_err(|_| failure(format!("`{}` is not a MIME type", file.mime_type), false))?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", file.mime_type.clone())
            .part("file", part);
        let unreachable = || {
            failure(
                format!("the Graph API could not be reached: {UNREACHABLE}"),
                true,
            )
        };
        let request = self
            .egress
            .request(reqwest::Method::POST, &format!("{base}/{number}/media"))
            .map_err(|_| unreachable())?
            .bearer_auth(token)
            .timeout(std::time::Duration::from_secs(600))
            .multipart(form);
        let answer = self.egress.send(request).await.map_err(|_| unreachable())?;
        let status = answer.status().as_u16();
        let bytes = body_prefix(answer, ANSWER_LIMIT)
            .await
            .map_err(|_| failure("the Graph API's answer was cut off".to_owned(), true))?;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        match (status, body.get("id").and_then(Value::as_str)) {
            (200, Some(id)) => Ok(id.to_owned()),
            _ => Err(whatsapp::send_result(status, &bytes)
                .err()
                .unwrap_or_else(|| {
                    failure(
                        format!("the Graph API answered HTTP {status} without a media id"),
                        true,
                    )
                })),
        }
    }
}

/// A failure before any answer from the Graph API.
fn failure(message: String, retryable: bool) -> GraphError {
    GraphError {
        status: 0,
        code: None,
        subcode: None,
        message,
        fbtrace_id: None,
        retryable,
    }
}

/// Where a channel sends: its Graph API base URL, phone number id and access token.
fn sending_target(channel: &Channel) -> Result<(&str, &str, &str), GraphError> {
    let (Some(number), Some(token)) = (&channel.phone_number_id, &channel.access_token) else {
        return Err(failure(
            "the channel has no phone number id or access token: set them in its settings"
                .to_owned(),
            false,
        ));
    };
    let base = channel
        .graph_base_url
        .as_deref()
        .unwrap_or(DEFAULT_GRAPH_BASE_URL)
        .trim_end_matches('/');
    Ok((base, number, token))
}

/// What the Graph API says of a file before it is fetched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MediaInfo {
    /// `mime_type`.
    pub mime_type: Option<String>,
    /// `sha256` (hex or base64).
    pub sha256: Option<String>,
    /// `file_size`, bytes.
    pub file_size: Option<u64>,
}
