//! The Graph API client (WhatsApp Cloud API): sending a message and proving a channel's number,
//! every request through the egress policy ([`crate::egress`]). A leaf: the state holds one, the
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
        let failure = |message: String, retryable: bool| GraphError {
            status: 0,
            code: None,
            subcode: None,
            message,
            fbtrace_id: None,
            retryable,
        };
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
}
