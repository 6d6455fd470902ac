//! Starting a conversation with a customer (ACCESS-MODEL v2, "Contacts"): an agent writes first,
//! to a contact or to a number that is not a contact yet, through a WhatsApp channel.
//!
//! - The user needs `conversation.assume` in the department it starts in, and
//!   `contact_visible` for a contact (anything else answers "not found"); a number that is not
//!   yet a contact also needs `conversation.start_unregistered` (Opa!: "Chamar Contato Não
//!   Cadastrado"). A number that turns out to be a contact the user may not see is treated like
//!   a new number (the same permission, the same answer), so its existence is not revealed; the
//!   conversation is that contact's (one contact per phone).
//! - The conversation starts `in_progress`, assigned to the user, in the department, through the
//!   channel. WhatsApp accepts only an approved template before the customer writes (the 24-hour
//!   window is closed), so the first message, when given, is a template; the agent may also
//!   start and send the template from the pane.

use crate::error_codes as codes;
use access::{Conversation, ConversationId, DepartmentId, Permission, Status};

use super::conversations::Template;
use super::{Acting, Ctx};
use crate::error::{ApiError, require};

/// Whom the conversation is with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Whom {
    /// A contact (its id).
    Contact(i64),
    /// A number (E.164, checked) and the name to give a new contact.
    Number {
        /// The phone, E.164.
        phone: String,
        /// The new contact's name (the phone when absent).
        name: Option<String>,
    },
}

/// A conversation to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outbound {
    /// With whom.
    pub whom: Whom,
    /// The department (`None`: the account's default).
    pub department: Option<DepartmentId>,
    /// The WhatsApp channel (`None`: the department's, else the account's first).
    pub channel: Option<i64>,
    /// The first message: an approved template.
    pub template: Option<Template>,
}

/// The channel a conversation goes through: the one asked for (an active WhatsApp channel of
/// the account), else the active WhatsApp channel of the conversation's department when there
/// is exactly one, else the account's first active WhatsApp channel (its main number).
async fn channel_of(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    chosen: Option<i64>,
    department: DepartmentId,
) -> Result<store::Channel, ApiError> {
    let mut usable: Vec<store::Channel> = ctx
        .store
        .channels()
        .list(who.account)
        .await?
        .into_iter()
        .filter(|c| c.active && c.kind == store::ChannelKind::WhatsApp)
        .collect();
    usable.sort_by_key(|c| c.id);
    if let Some(id) = chosen {
        return usable.into_iter().find(|c| c.id == id).ok_or_else(|| {
            ApiError::bad_request(
                codes::UNKNOWN_CHANNEL,
                "`channel_id` is not an active WhatsApp channel of this account",
            )
        });
    }
    let of_department: Vec<&store::Channel> = usable
        .iter()
        .filter(|c| c.department == Some(department))
        .collect();
    if let [only] = of_department.as_slice() {
        return Ok((*only).clone());
    }
    usable.into_iter().next().ok_or_else(|| {
        ApiError::bad_request(
            codes::NO_WHATSAPP_CHANNEL,
            "the account has no active WhatsApp channel: connect one under Channels first",
        )
    })
}

/// Starts the conversation; answers its id.
pub async fn start(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    o: &Outbound,
) -> Result<ConversationId, ApiError> {
    // The contact first: one the user may not see is "not found" before anything else.
    let contact = match &o.whom {
        Whom::Contact(id) => {
            let c = super::contacts::visible(ctx, who, *id).await?;
            if c.phone
                .as_deref()
                .and_then(phone::Phone::from_international_digits)
                .is_none()
            {
                return Err(ApiError::bad_request(
                    codes::NO_PHONE,
                    "the contact has no phone number: add one to the contact first",
                ));
            }
            Some(c.id)
        }
        Whom::Number { .. } => None,
    };
    let department = match o.department {
        Some(d) if who.config.departments.contains(d) => d,
        Some(_) => {
            return Err(ApiError::bad_request(
                codes::UNKNOWN_DEPARTMENT,
                "`department_id` is not a department of this account",
            ));
        }
        None => who.config.departments.default_department(),
    };
    let probe = Conversation {
        id: ConversationId(0),
        account: who.account,
        department,
        status: Status::Waiting,
        assignee: None,
    };
    require(
        &who.principal
            .decide_permission_in(Permission::ConversationAssume, &probe),
    )?;
    let channel = channel_of(ctx, who, o.channel, department).await?;
    let now = ctx.clock.now_micros();
    let contact = match (contact, &o.whom) {
        (Some(id), _) => id,
        (None, Whom::Number { phone, name }) => {
            let existing = ctx.store.contacts().by_phone(who.account, phone).await?;
            let seen = match existing {
                Some(id) => super::contacts::visible(ctx, who, id).await.is_ok(),
                None => false,
            };
            if !seen {
                require(
                    &who.principal
                        .decide_permission(Permission::ConversationStartUnregistered),
                )?;
            }
            ctx.store
                .inbox()
                .create_contact(
                    who.account,
                    name.as_deref().unwrap_or(phone),
                    Some(phone),
                    None,
                    now,
                )
                .await?
        }
        (None, Whom::Contact(_)) => return Err(ApiError::not_found()),
    };
    let id = ctx
        .store
        .conversations()
        .create_conversation_through(
            &store::NewConversation {
                account: who.account,
                department,
                status: Status::InProgress,
                assignee: Some(who.user),
                contact: Some(contact),
                channel: "whatsapp",
                at: now,
            },
            Some(channel.id),
        )
        .await?;
    if let Some(t) = &o.template {
        let record = ctx
            .store
            .conversations()
            .conversation(who.account, id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        super::conversations::send_template(ctx, who, &record, t).await?;
    }
    Ok(id)
}
