//! The customer-service window (WhatsApp's rule, beside the use cases that apply it): 24 hours
//! since the customer's last message, outside which WhatsApp takes only approved templates.
//! Applied by [`super::conversations`] to replies and templates.

use crate::error_codes as codes;
use access::ConversationId;

use super::Ctx;
use crate::error::ApiError;

/// The customer-service window: 24 hours since the customer's last message.
pub const CUSTOMER_WINDOW_MICROS: i64 = 24 * 3600 * 1_000_000;

/// The conversation's WhatsApp channel, if it came through one. A free-form reply
/// (`template: false`) must be inside the customer's 24-hour window: outside it, 409
/// `outside_customer_window`.
pub async fn whatsapp_channel(
    ctx: &Ctx<'_>,
    account: access::AccountId,
    id: ConversationId,
    now: i64,
    template: bool,
) -> Result<Option<store::Channel>, ApiError> {
    let (channel, last) = ctx
        .store
        .channels()
        .conversation_channel(account, id)
        .await?;
    let Some(channel) = channel.filter(|c| c.kind == store::ChannelKind::WhatsApp) else {
        return Ok(None);
    };
    let open = last.is_some_and(|t| now - t < CUSTOMER_WINDOW_MICROS);
    if !template && !open {
        return Err(ApiError::conflict_because(
            codes::OUTSIDE_CUSTOMER_WINDOW,
            "the customer has not written in the last 24 hours: WhatsApp accepts only an approved template now \
             (POST /api/v1/conversations/{id}/template); a free reply is possible again once the customer writes",
        ));
    }
    Ok(Some(channel))
}
