//! The bodies of the Cloud API's "Send messages" (`POST /{version}/{phone_number_id}/messages`)
//! and the Graph API's answer to a send. Pure, like [`super::whatsapp`], which re-exports it.

use serde_json::{Value, json};

/// The "Send messages" body of a text message (link previews off).
pub fn text_body(to: &str, text: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.trim_start_matches('+'),
        "type": "text",
        "text": { "preview_url": false, "body": text },
    })
}

/// The "Send messages" body of a media message: `kind` is WhatsApp's type (`image`, `audio`,
/// `video`, `document`, `sticker`), `media_id` the id the upload gave; the caption goes with
/// images, videos and documents (WhatsApp refuses it on audio and stickers), the file name
/// with documents; an audio recorded as a voice note (OGG/Opus) says `"voice": true`, so that
/// WhatsApp shows it as one (the microphone, the automatic download, the transcription).
pub fn media_body(
    to: &str,
    kind: &str,
    media_id: &str,
    caption: &str,
    file_name: Option<&str>,
    voice: bool,
) -> Value {
    let mut media = json!({ "id": media_id });
    if let Some(m) = media.as_object_mut() {
        if voice && kind == "audio" {
            m.insert("voice".to_owned(), json!(true));
        }
        if !caption.trim().is_empty() && matches!(kind, "image" | "video" | "document") {
            m.insert("caption".to_owned(), json!(caption));
        }
        if let (Some(name), "document") = (file_name, kind) {
            m.insert("filename".to_owned(), json!(name));
        }
    }
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.trim_start_matches('+'),
        "type": kind,
        kind: media,
    })
}

/// The "Send messages" body of a template message; `parameters` fill the body's `{{1}}`,
/// `{{2}}`, … in order (no `components` when there are none).
pub fn template_body(to: &str, name: &str, language: &str, parameters: &[String]) -> Value {
    let mut template = json!({ "name": name, "language": { "code": language } });
    if !parameters.is_empty() {
        let params: Vec<Value> = parameters
            .iter()
            .map(|p| json!({ "type": "text", "text": p }))
            .collect();
        if let Some(t) = template.as_object_mut() {
            t.insert(
                "components".to_owned(),
                json!([{ "type": "body", "parameters": params }]),
            );
        }
    }
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.trim_start_matches('+'),
        "type": "template",
        "template": template,
    })
}

/// Graph error codes that are rate limits or temporary failures: worth retrying later.
pub const RETRYABLE_CODES: [i64; 7] = [4, 80007, 130429, 131000, 131016, 131048, 131056];

/// A send that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphError {
    /// The HTTP status of the answer.
    pub status: u16,
    /// `error.code` (e.g. 131047: outside the 24-hour window; 190: token expired).
    pub code: Option<i64>,
    /// `error.error_subcode`.
    pub subcode: Option<i64>,
    /// `error.message`, `error.error_data.details` appended; or what was wrong with the answer.
    pub message: String,
    /// `error.fbtrace_id`, for Meta's support.
    pub fbtrace_id: Option<String>,
    /// Whether sending again later may succeed: HTTP 429 and 5xx, and [`RETRYABLE_CODES`].
    pub retryable: bool,
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WhatsApp Graph API error (HTTP {}", self.status)?;
        if let Some(code) = self.code {
            write!(f, ", code {code}")?;
        }
        write!(f, "): {}", self.message)
    }
}

impl std::error::Error for GraphError {}

/// Reads the Graph API's answer to a send: the new message's `wamid` from
/// `{"messages":[{"id":…}]}`, or the error of `{"error":{…}}` or of an unexpected answer.
pub fn send_result(http_status: u16, body: &[u8]) -> Result<String, GraphError> {
    let by_status = http_status == 429 || (500..=599).contains(&http_status);
    let failure = |message: String| GraphError {
        status: http_status,
        code: None,
        subcode: None,
        message,
        fbtrace_id: None,
        retryable: by_status,
    };
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let excerpt: String = text.trim().chars().take(200).collect();
        return Err(failure(if excerpt.is_empty() {
            "empty answer".to_owned()
        } else {
            format!("unexpected answer: {excerpt}")
        }));
    };
    if let Some(error) = value.get("error").filter(|e| e.is_object()) {
        let int = |key: &str| error.get(key).and_then(Value::as_i64);
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let code = int("code");
        let mut message = text(error.get("message")).unwrap_or_else(|| "unknown error".to_owned());
        if let Some(d) = text(error.pointer("/error_data/details")) {
            message.push_str(&format!(" ({d})"));
        }
        // Kept short: it is shown on the message.
        let message: String = message.chars().take(300).collect();
        return Err(GraphError {
            status: http_status,
            code,
            subcode: int("error_subcode"),
            message,
            fbtrace_id: text(error.get("fbtrace_id")),
            retryable: by_status || code.is_some_and(|c| RETRYABLE_CODES.contains(&c)),
        });
    }
    if !(200..=299).contains(&http_status) {
        return Err(failure(format!(
            "HTTP {http_status} without an error object"
        )));
    }
    match value.pointer("/messages/0/id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(id.to_owned()),
        _ => Err(failure("no message id in the answer".to_owned())),
    }
}
