//! Acting on a conversation: replies, notes, tags, the contact link, transfers, department
//! changes, assuming, finishing and reopening, and approved WhatsApp templates. The engine
//! decides on the stored state; the store applies the change only if the conversation did not
//! change meanwhile (`decided_on`, 409 otherwise). A reply through WhatsApp is stored pending
//! (durable before the answer) and this node's sender is woken to deliver it.

use crate::error_codes as codes;
use access::{Action, ActionKind, ConversationId, DepartmentId, UserId};
use store::{ConversationRecord, ConversationRow, MessageKind};

use super::window::whatsapp_channel;
use super::{Acting, Ctx};
use crate::error::{ApiError, require};

/// One action on a conversation, its input already checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Act {
    /// A message to the customer (through the conversation's channel when it has one).
    Reply(String),
    /// An internal note.
    Note(String),
    /// Attach a company tag (it must exist).
    Tag(String),
    /// Remove a tag.
    Untag(String),
    /// Link a contact the caller may see, or unlink (`None`).
    LinkContact(Option<i64>),
    /// Give the conversation to another user.
    Transfer(UserId),
    /// Move it to another department.
    ChangeDepartment(DepartmentId),
    /// Assume, finish, finish in survey or reopen.
    Transition(ActionKind),
}

/// An approved WhatsApp template, its input already checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// The approved template's name.
    pub name: String,
    /// Its language code.
    pub language: String,
    /// The body's parameters, in order.
    pub parameters: Vec<String>,
}

/// A conversation started by a user or an integration (`conversation.start_unregistered`),
/// its input already checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    /// The department (`None`: the account's default department).
    pub department: Option<DepartmentId>,
    /// The contact's name.
    pub contact_name: String,
    /// The contact's phone.
    pub contact_phone: Option<String>,
    /// A first inbound message, as the contact wrote it.
    pub message: Option<String>,
}

/// Starts a conversation with a new contact, waiting in its department (the engine decides
/// `conversation.start_unregistered`; a department of another account is refused like one
/// that does not exist).
pub async fn start(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    start: &Start,
) -> Result<ConversationId, ApiError> {
    require(
        &who.principal
            .decide_permission(access::Permission::ConversationStartUnregistered),
    )?;
    let department = match start.department {
        Some(d) if who.config.departments.contains(d) => d,
        Some(_) => {
            return Err(ApiError::bad_request(
                codes::UNKNOWN_DEPARTMENT,
                "`department_id` is not a department of this account",
            ));
        }
        None => who.config.departments.default_department(),
    };
    let now = ctx.clock.now_micros();
    let contact = ctx
        .store
        .inbox()
        .create_contact(
            who.account,
            &start.contact_name,
            start.contact_phone.as_deref(),
            None,
            now,
        )
        .await?;
    let id = ctx
        .store
        .conversations()
        .create_conversation(&store::NewConversation {
            account: who.account,
            department,
            status: access::Status::Waiting,
            assignee: None,
            contact: Some(contact),
            channel: "api",
            at: now,
        })
        .await?;
    if let Some(text) = start
        .message
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        ctx.store
            .inbox()
            .add_message(who.account, id, MessageKind::In, None, text, None, now)
            .await?;
    }
    Ok(id)
}

/// A conversation `who` may see, or not found (an unknown id and an invisible one alike).
pub async fn visible(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    id: ConversationId,
) -> Result<ConversationRow, ApiError> {
    let rows = ctx
        .store
        .conversations()
        .conversation_rows(who.account, &[id])
        .await?;
    seen(
        who,
        rows.into_iter().next().ok_or_else(ApiError::not_found)?,
    )
}

/// A conversation read with something else (an attachment's file, say), if `who` may see it;
/// else not found.
pub fn seen(who: Acting<'_>, row: ConversationRow) -> Result<ConversationRow, ApiError> {
    require(&who.principal.decide(&row.record.conversation, Action::View))?;
    Ok(row)
}

/// Runs `act` on a conversation `who` sees (read by [`visible`]).
#[tracing::instrument(level = "debug", skip_all, fields(conversation = record.conversation.id.0))]
pub async fn act(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    record: &ConversationRecord,
    act: Act,
) -> Result<(), ApiError> {
    let account = who.account;
    let c = record.conversation;
    let p = who.principal;
    let now = ctx.clock.now_micros();
    let version = Some(record.version);
    match act {
        Act::Reply(text) => {
            require(&p.decide(&c, Action::Reply))?;
            match whatsapp_channel(ctx, account, c.id, now, false).await? {
                // Through the channel: stored pending, delivered by the sender.
                Some(channel) => {
                    ctx.store
                        .outbox()
                        .queue_outbound(
                            account, c.id, channel.id, who.user, &text, None, version, now,
                        )
                        .await?;
                    ctx.outbox.notify_one();
                }
                None => {
                    ctx.store
                        .inbox()
                        .add_message(
                            account,
                            c.id,
                            MessageKind::Out,
                            Some(who.user),
                            &text,
                            version,
                            now,
                        )
                        .await?;
                }
            }
        }
        Act::Note(text) => {
            require(&p.decide(&c, Action::Note))?;
            ctx.store
                .inbox()
                .add_message(
                    account,
                    c.id,
                    MessageKind::Note,
                    Some(who.user),
                    &text,
                    version,
                    now,
                )
                .await?;
        }
        Act::Tag(tag) => {
            require(&p.decide(&c, Action::Tag))?;
            // Only an existing company tag is attached: creating tags is
            // `tags.company.manage`'s (`POST /api/v1/tags`), never a side effect.
            match ctx
                .store
                .inbox()
                .tag(account, c.id, &tag, version, now)
                .await
            {
                Err(store::StoreError::NotFound("tag")) => {
                    return Err(ApiError::bad_request(
                        codes::UNKNOWN_TAG,
                        format!(
                            "`{tag}` is not one of the company's tags: pick one from GET /api/v1/tags, \
                             or ask an administrator with “Etiquetas da empresa” to create it"
                        ),
                    ));
                }
                other => other?,
            }
        }
        Act::Untag(tag) => {
            require(&p.decide(&c, Action::Untag))?;
            ctx.store
                .inbox()
                .untag(account, c.id, &tag, version, now)
                .await?;
        }
        Act::LinkContact(contact) => {
            require(&p.decide(&c, Action::LinkContact))?;
            // v2: only a contact the caller may see is linked; any other answers exactly like a
            // contact that does not exist (and the customer's messages keep their way).
            if let Some(k) = contact {
                let conversations = ctx.store.inbox().contact_conversations(account, k).await?;
                if !conversations.is_some_and(|cs| p.contact_visible(&cs)) {
                    return Err(ApiError::not_found());
                }
            }
            ctx.store
                .inbox()
                .link_contact(account, c.id, contact, version, now)
                .await?;
        }
        Act::Transfer(to) => {
            // A user of another account is looked up in this one: not found, as for any
            // unknown id.
            let target = ctx.store.directory().user(account, to).await?;
            transition(ctx, who, record, Action::Transfer(target.as_ref()), now).await?;
        }
        Act::ChangeDepartment(to) => {
            transition(ctx, who, record, Action::ChangeDepartment(to), now).await?;
        }
        Act::Transition(kind) => {
            let action = match kind {
                ActionKind::Assume
                | ActionKind::Finish
                | ActionKind::FinishInSurvey
                | ActionKind::Reopen => kind.with(None, None),
                _ => None,
            }
            .ok_or_else(ApiError::not_found)?;
            transition(ctx, who, record, action, now).await?;
        }
    }
    Ok(())
}

/// Decides `action` and applies its transition at the version read.
async fn transition(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    record: &ConversationRecord,
    action: Action<'_>,
    now: i64,
) -> Result<(), ApiError> {
    let p = who.principal;
    require(&p.decide(&record.conversation, action))?;
    let t = p
        .transition(&record.conversation, action)
        .ok_or_else(|| ApiError::internal(&"an allowed action gave no transition"))?;
    ctx.store
        .conversations()
        .apply_transition(record, &t, now)
        .await?;
    Ok(())
}

/// Sends an approved WhatsApp template (allowed when a reply is; the only message WhatsApp
/// takes outside the customer's 24-hour window): stored pending, delivered by the sender.
pub async fn send_template(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    record: &ConversationRecord,
    template: &Template,
) -> Result<(), ApiError> {
    let c = record.conversation;
    require(&who.principal.decide(&c, Action::Reply))?;
    let now = ctx.clock.now_micros();
    let channel = whatsapp_channel(ctx, who.account, c.id, now, true)
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(
                codes::NOT_WHATSAPP,
                "templates are sent in conversations that came through WhatsApp",
            )
        })?;
    let payload = serde_json::json!({
        "name": template.name, "language": template.language, "parameters": template.parameters,
    });
    let shown = if template.parameters.is_empty() {
        format!("[template {}]", template.name)
    } else {
        format!(
            "[template {}] {}",
            template.name,
            template.parameters.join(" · ")
        )
    };
    ctx.store
        .outbox()
        .queue_outbound(
            who.account,
            c.id,
            channel.id,
            who.user,
            &shown,
            Some(&payload.to_string()),
            Some(record.version),
            now,
        )
        .await?;
    ctx.outbox.notify_one();
    Ok(())
}
