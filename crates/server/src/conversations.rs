//! Conversations: the five tabs with counts, one conversation with its contact and messages
//! (masked as `details_visible` says), and every action of the model as an atomic, durable state
//! transition. Every allow and deny comes from the engine; what a caller may not see is 404.

use crate::error_codes as codes;
use access::{Action, ActionKind, ConversationId, Cursor, DepartmentId, Principal, Tab, UserId};
use axum::extract::State;

use crate::input::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::ConversationRow;
use utoipa::{IntoParams, ToSchema};

use crate::app::{self, conversations::Act};
use crate::caller::Caller;
use crate::error::{ApiError, require};
use crate::json::{JsonOrEmpty, Validate};
use crate::state::AppState;

use crate::limits::{MAX_NAME, MAX_PHONE, MAX_TEXT};

/// Query of a tab listing.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `mine`, `waiting`, `others`, `finished` or `my_finished`.
    pub tab: String,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only conversations whose contact's name or phone contains this text (1 to 100 bytes).
    pub q: Option<String>,
    /// Only conversations of this department.
    pub department: Option<i64>,
    /// Only conversations with this tag.
    pub tag: Option<String>,
}

/// The contact, shown only with the conversation's details.
#[derive(Serialize, ToSchema)]
pub struct ContactView {
    /// Contact id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Phone in E.164 (or the generic channel's id of the contact).
    pub phone: Option<String>,
    /// The phone as people read it (`+55 85 98851-1238`).
    pub phone_display: Option<String>,
    /// Email.
    pub email: Option<String>,
}

/// A conversation as listed.
#[derive(Serialize, ToSchema)]
pub struct ConversationView {
    /// Conversation id.
    pub id: i64,
    /// Department id.
    pub department_id: i64,
    /// `waiting`, `in_progress`, `survey` or `finished`.
    pub status: &'static str,
    /// Assignee's user id.
    pub assignee_id: Option<i64>,
    /// Channel.
    pub channel: String,
    /// Last activity, µs since the epoch.
    pub last_activity: i64,
    /// Created, µs since the epoch.
    pub created_at: i64,
    /// Whether contact and messages are hidden until the conversation is assumed.
    pub details_hidden: bool,
    /// The contact; absent when details are hidden or no contact is linked.
    pub contact: Option<ContactView>,
}

/// A page of a tab.
#[derive(Serialize, ToSchema)]
pub struct Page {
    /// The conversations, newest activity first.
    pub items: Vec<ConversationView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The five tabs' counts.
#[derive(Serialize, ToSchema)]
pub struct Counts {
    /// Meus.
    pub mine: u64,
    /// Aguardando.
    pub waiting: u64,
    /// Outros.
    pub others: u64,
    /// Concluídos.
    pub finished: u64,
    /// Meus finalizados.
    pub my_finished: u64,
}

/// A message.
#[derive(Serialize, ToSchema)]
pub struct MessageView {
    /// Message id.
    pub id: i64,
    /// `in` (from the contact), `out` (to the contact) or `note` (internal).
    pub kind: &'static str,
    /// The user who wrote it.
    pub author_id: Option<i64>,
    /// Text.
    pub body: String,
    /// When, µs since the epoch.
    pub at: i64,
    /// For a message sent to a channel: `pending`, `sent`, `delivered`, `read` or `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
    /// Why the channel refused it (with `failed`), or the last attempt's failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_error: Option<String>,
    /// Its files (photos, voice notes, documents...); the text is then their caption.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::media::view::AttachmentView>,
    /// The customer's reaction to it (an emoji).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reaction: Option<String>,
    /// The message of this conversation it replies to (quotes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quoted: Option<QuotedView>,
}

/// The message a message quotes.
#[derive(Serialize, ToSchema)]
pub struct QuotedView {
    /// Its id.
    pub id: i64,
    /// `in`, `out` or `note`.
    pub kind: &'static str,
    /// The start of its text (200 characters at most).
    pub excerpt: String,
}

/// A message as the API shows it.
pub(crate) fn message_view(m: store::Message) -> MessageView {
    MessageView {
        id: m.id,
        kind: m.kind.id(),
        author_id: m.author.map(|u| u.0),
        body: m.body,
        at: m.at,
        delivery: m.delivery,
        delivery_error: m.delivery_error,
        attachments: m.attachments.into_iter().map(Into::into).collect(),
        reaction: m.reaction,
        quoted: m.quoted.map(|q| QuotedView {
            id: q.id,
            kind: q.kind.id(),
            excerpt: q.excerpt,
        }),
    }
}

/// One conversation with what the caller may do.
#[derive(Serialize, ToSchema)]
pub struct ConversationDetail {
    /// The conversation.
    #[serde(flatten)]
    pub conversation: ConversationView,
    /// Tags (with details only).
    pub tags: Vec<String>,
    /// The actions the engine allows the caller now (transfer and change_department are listed
    /// when some target could be valid).
    pub actions: Vec<&'static str>,
    /// For a conversation that came through WhatsApp, with its details visible: whether the
    /// customer's 24-hour window is open (a free reply possible; otherwise only a template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_window_open: Option<bool>,
}

pub(crate) fn parse_tab(s: &str) -> Result<Tab, ApiError> {
    Tab::from_id(s).ok_or_else(|| {
        ApiError::bad_request(
            codes::BAD_TAB,
            format!("unknown tab `{s}`: use mine, waiting, others, finished or my_finished"),
        )
    })
}

pub(crate) fn parse_cursor(s: &str) -> Result<Cursor, ApiError> {
    let bad = || {
        ApiError::bad_request(
            codes::BAD_CURSOR,
            "`cursor` must be a `next_cursor` given by a previous page",
        )
    };
    let (at, id) = s.split_once('.').ok_or_else(bad)?;
    Ok(Cursor {
        last_activity: at.parse().map_err(|_| bad())?,
        id: ConversationId(id.parse().map_err(|_| bad())?),
    })
}

pub(crate) fn view(p: &Principal, row: ConversationRow) -> ConversationView {
    let c = row.record.conversation;
    let details = p.details_visible(&c);
    ConversationView {
        id: c.id.0,
        department_id: c.department.0,
        status: c.status.id(),
        assignee_id: c.assignee.map(|u| u.0),
        channel: row.channel,
        last_activity: row.record.last_activity,
        created_at: row.created_at,
        details_hidden: !details,
        contact: row.contact.filter(|_| details).map(|k| {
            let phone_display = k.phone.as_deref().map(phone::display_key);
            ContactView {
                id: k.id,
                name: phone::shown_name(k.name, k.phone.as_deref()),
                phone_display,
                phone: k.phone,
                email: k.email,
            }
        }),
    }
}

/// A page of a tab, newest activity first.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", params(ListQuery),
    responses((status = 200, body = Page), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Page>, ApiError> {
    let tab = parse_tab(&q.tab)?;
    let limit = crate::input::page_limit(q.limit)?;
    let after = q.cursor.as_deref().map(parse_cursor).transpose()?;
    let search = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if search.is_some_and(|t| t.len() > 100)
        || q.tag
            .as_deref()
            .is_some_and(|t| t.is_empty() || t.len() > 64)
    {
        return Err(ApiError::bad_request(
            codes::BAD_FILTER,
            "`q` is limited to 100 bytes and `tag` to 1 to 64 bytes",
        ));
    }
    let department = q
        .department
        .map(|d| access::DeptSet::Only(vec![DepartmentId(d)]));
    // Searching by contact or filtering by tag looks into details: only where they are visible
    // (the store takes a filter only with a details plan).
    let rows = if search.is_some() || q.tag.is_some() {
        let mut plan = caller.principal.details_plan(tab);
        if let Some(d) = &department {
            plan = plan.within(d);
        }
        let filter = store::Filter {
            tag: q.tag.clone(),
            search: search.map(str::to_owned),
        };
        state
            .store
            .conversations()
            .search_rows(&plan, after, limit, &filter)
            .await?
    } else {
        let mut plan = caller.principal.plan(tab);
        if let Some(d) = &department {
            plan = plan.within(d);
        }
        state
            .store
            .conversations()
            .list_rows(&plan, after, limit)
            .await?
    };
    let next_cursor = (rows.len() == limit as usize)
        .then(|| {
            rows.last()
                .map(|r| format!("{}.{}", r.record.last_activity, r.record.conversation.id.0))
        })
        .flatten();
    Ok(axum::Json(Page {
        items: rows
            .into_iter()
            .map(|r| view(&caller.principal, r))
            .collect(),
        next_cursor,
    }))
}

/// The five tabs' counts (from counters kept with every write).
#[utoipa::path(get, path = "/api/v1/conversations/counts", tag = "conversations",
    responses((status = 200, body = Counts), (status = 401, body = crate::error::ErrorBody)))]
pub async fn counts(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Counts>, ApiError> {
    Ok(axum::Json(tab_counts(&state, &caller.principal).await?))
}

/// The five tabs' counts for a principal.
pub(crate) async fn tab_counts(state: &AppState, p: &Principal) -> Result<Counts, ApiError> {
    let n = |tab| {
        let plan = p.plan(tab);
        let store = state.store.clone();
        async move { store.conversations().count(&plan).await }
    };
    Ok(Counts {
        mine: n(Tab::Mine).await?,
        waiting: n(Tab::Waiting).await?,
        others: n(Tab::Others).await?,
        finished: n(Tab::Finished).await?,
        my_finished: n(Tab::MyFinished).await?,
    })
}

/// Loads a conversation the caller may see, or answers 404.
pub(crate) async fn visible_row(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<ConversationRow, ApiError> {
    app::conversations::visible(&state.ctx(), caller.acting(), ConversationId(id)).await
}

pub(crate) async fn detail(
    state: &AppState,
    caller: &Caller,
    row: ConversationRow,
) -> Result<ConversationDetail, ApiError> {
    let p = &caller.principal;
    let c = row.record.conversation;
    let details = p.details_visible(&c);
    let tags = if details {
        state.store.inbox().tags(caller.owner.account, c.id).await?
    } else {
        Vec::new()
    };
    let mut actions = Vec::new();
    for kind in ActionKind::ALL {
        let allowed = match kind {
            // Offered when the action is possible for some target; the request names one.
            ActionKind::Transfer => {
                let account = state
                    .store
                    .directory()
                    .account(caller.owner.account)
                    .await?;
                account
                    .users
                    .values()
                    .any(|t| p.decide(&c, Action::Transfer(Some(t))).is_allowed())
            }
            ActionKind::ChangeDepartment => caller
                .config
                .departments
                .iter()
                .any(|d| p.decide(&c, Action::ChangeDepartment(d.id)).is_allowed()),
            other => other
                .with(None, None)
                .is_some_and(|a| p.decide(&c, a).is_allowed()),
        };
        if allowed {
            actions.push(kind.id());
        }
    }
    let customer_window_open = if details && row.channel == "whatsapp" {
        let (channel, last) = state
            .store
            .channels()
            .conversation_channel(caller.owner.account, c.id)
            .await?;
        let now = state.clock.now_micros();
        channel
            .filter(|ch| ch.kind == store::ChannelKind::WhatsApp)
            .map(|_| last.is_some_and(|t| now - t < crate::app::window::CUSTOMER_WINDOW_MICROS))
    } else {
        None
    };
    Ok(ConversationDetail {
        conversation: view(p, row),
        tags,
        actions,
        customer_window_open,
    })
}

/// One conversation, with its contact and tags when details are visible, and the actions the
/// caller may take.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations", params(("id" = i64, Path, description = "Conversation id")),
    responses((status = 200, body = ConversationDetail), (status = 404, body = crate::error::ErrorBody, description = "No such conversation, or not visible")))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<ConversationDetail>, ApiError> {
    let row = visible_row(&state, &caller, id).await?;
    Ok(axum::Json(detail(&state, &caller, row).await?))
}

/// Query of a message listing.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MessagesQuery {
    /// Messages after this id (default: from the first).
    pub after: Option<i64>,
    /// Instead: the newest messages before this id (still oldest first), to read backwards.
    pub before: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// A conversation's messages, oldest first; needs the conversation's details.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id"), MessagesQuery),
    responses((status = 200, body = [MessageView]), (status = 403, body = crate::error::ErrorBody, description = "`details_hidden` until assumed"),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<MessagesQuery>,
) -> Result<axum::Json<Vec<MessageView>>, ApiError> {
    let row = visible_row(&state, &caller, id).await?;
    require(
        &caller
            .principal
            .decide(&row.record.conversation, Action::ViewDetails),
    )?;
    let limit = crate::input::page_limit(q.limit)?;
    let list = match (q.after, q.before) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                codes::BAD_CURSOR,
                "give `after` or `before`, not both",
            ));
        }
        (_, Some(before)) => {
            state
                .store
                .inbox()
                .messages_before(caller.owner.account, ConversationId(id), before, limit)
                .await?
        }
        (after, None) => {
            state
                .store
                .inbox()
                .messages(
                    caller.owner.account,
                    ConversationId(id),
                    after.unwrap_or(0),
                    limit,
                )
                .await?
        }
    };
    Ok(axum::Json(list.into_iter().map(message_view).collect()))
}

/// The body of an action; each action reads the fields it needs and refuses the others.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// Text of `reply` and `note`.
    pub text: Option<String>,
    /// Target of `transfer`.
    pub user_id: Option<i64>,
    /// Target of `change_department`.
    pub department_id: Option<i64>,
    /// Tag of `tag` and `untag`.
    pub tag: Option<String>,
    /// Contact of `link_contact` (`null` unlinks).
    pub contact_id: Option<i64>,
}

fn only(req: &ActionRequest, allowed: &[&str]) -> Result<(), ApiError> {
    let given = [
        ("text", req.text.is_some()),
        ("user_id", req.user_id.is_some()),
        ("department_id", req.department_id.is_some()),
        ("tag", req.tag.is_some()),
        ("contact_id", req.contact_id.is_some()),
    ];
    match given
        .iter()
        .find(|(name, set)| *set && !allowed.contains(name))
    {
        Some((name, _)) => Err(ApiError::bad_request(
            codes::UNEXPECTED_FIELD,
            format!("`{name}` does not apply to this action"),
        )),
        None => Ok(()),
    }
}

fn text(req: &ActionRequest) -> Result<&str, ApiError> {
    let t = req.text.as_deref().map(str::trim).unwrap_or("");
    if t.is_empty() {
        return Err(ApiError::bad_request(
            codes::MISSING_TEXT,
            "`text` is required and cannot be empty",
        ));
    }
    if t.len() > MAX_TEXT {
        return Err(ApiError::bad_request(
            codes::TOO_LONG,
            format!("`text` is limited to {MAX_TEXT} bytes"),
        ));
    }
    Ok(t)
}

/// Runs an action on a conversation: the engine decides on the stored state, the store applies
/// the transition only if the conversation did not change meanwhile.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/{action}", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id"),
           ("action" = String, Path, description = "assume, reply, note, transfer, change_department, finish, finish_in_survey, reopen, tag, untag, link_contact")),
    request_body = ActionRequest,
    responses((status = 200, body = ConversationDetail, description = "Done; the conversation as it is now"),
              (status = 204, description = "Done; the conversation left the caller's view (transferred, moved)"),
              (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody, description = "Visible, but not allowed: `reasons`"),
              (status = 404, body = crate::error::ErrorBody, description = "No such conversation, or not visible"),
              (status = 409, body = crate::error::ErrorBody, description = "Changed meanwhile: read it again")))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, action)): Path<(i64, String)>,
    JsonOrEmpty(req): JsonOrEmpty<ActionRequest>,
) -> Result<Response, ApiError> {
    let kind = ActionKind::from_id(&action)
        .filter(|k| !matches!(k, ActionKind::View | ActionKind::ViewDetails))
        .ok_or_else(ApiError::not_found)?;
    let ctx = state.ctx();
    let row = app::conversations::visible(&ctx, caller.acting(), ConversationId(id)).await?;
    let act = parse_act(kind, &req)?;
    app::conversations::act(&ctx, caller.acting(), &row.record, act).await?;
    // The answer shows the conversation as it is now, if the caller still sees it.
    match visible_row(&state, &caller, id).await {
        Ok(row) => Ok(axum::Json(detail(&state, &caller, row).await?).into_response()),
        Err(e) if e.status() == StatusCode::NOT_FOUND => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => Err(e),
    }
}

/// The action's input, checked: only its own fields, each valid (the body's validation: it
/// depends on the action named in the path, so it is this function, which fuzzing calls too).
pub(crate) fn parse_act(kind: ActionKind, req: &ActionRequest) -> Result<Act, ApiError> {
    Ok(match kind {
        ActionKind::Reply | ActionKind::Note => {
            only(req, &["text"])?;
            let text = text(req)?.to_owned();
            if kind == ActionKind::Reply {
                Act::Reply(text)
            } else {
                Act::Note(text)
            }
        }
        ActionKind::Tag | ActionKind::Untag => {
            only(req, &["tag"])?;
            let tag = crate::admin::tags::valid_tag(req.tag.as_deref().unwrap_or(""))?.to_owned();
            if kind == ActionKind::Tag {
                Act::Tag(tag)
            } else {
                Act::Untag(tag)
            }
        }
        ActionKind::LinkContact => {
            only(req, &["contact_id"])?;
            Act::LinkContact(req.contact_id)
        }
        ActionKind::Transfer => {
            only(req, &["user_id"])?;
            let to = req.user_id.ok_or_else(|| {
                ApiError::bad_request(
                    codes::MISSING_USER_ID,
                    "`user_id` (the new assignee) is required",
                )
            })?;
            Act::Transfer(UserId(to))
        }
        ActionKind::ChangeDepartment => {
            only(req, &["department_id"])?;
            let to = req.department_id.ok_or_else(|| {
                ApiError::bad_request(codes::MISSING_DEPARTMENT_ID, "`department_id` is required")
            })?;
            Act::ChangeDepartment(DepartmentId(to))
        }
        ActionKind::Assume
        | ActionKind::Finish
        | ActionKind::FinishInSurvey
        | ActionKind::Reopen => {
            only(req, &[])?;
            Act::Transition(kind)
        }
        ActionKind::View | ActionKind::ViewDetails => return Err(ApiError::not_found()),
    })
}

/// A conversation started by a user (or an integration) with a contact.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConversationRequest {
    /// The department (default: the account's default department).
    pub department_id: Option<i64>,
    /// The contact's name (1 to 200 bytes).
    pub contact_name: String,
    /// The contact's phone (E.164, up to 32 bytes).
    pub contact_phone: Option<String>,
    /// A first inbound message, as the contact wrote it (up to 4096 bytes).
    pub message: Option<String>,
}

impl Validate for NewConversationRequest {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        let name = self.contact_name.trim();
        if name.is_empty() || name.len() > MAX_NAME {
            return Err(ApiError::bad_request(
                codes::BAD_CONTACT_NAME,
                format!("`contact_name` must be 1 to {MAX_NAME} bytes"),
            ));
        }
        self.contact_name = name.to_owned();
        self.contact_phone = match self.contact_phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) if p.len() > MAX_PHONE => Some(p.to_owned()),
            Some(p) => Some(
                phone::Phone::parse(p)
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            codes::BAD_PHONE,
                            format!("`{p}` is not a phone number: write it with the area code, such as (85) 98851-1238 or +55 85 98851-1238"),
                        )
                    })?
                    .as_str()
                    .to_owned(),
            ),
        };
        if self
            .contact_phone
            .as_deref()
            .is_some_and(|p| p.len() > MAX_PHONE)
            || self.message.as_deref().is_some_and(|m| m.len() > MAX_TEXT)
        {
            return Err(ApiError::bad_request(
                codes::TOO_LONG,
                format!(
                    "`contact_phone` is limited to {MAX_PHONE} bytes and `message` to {MAX_TEXT}"
                ),
            ));
        }
        Ok(())
    }
}

/// Starts a waiting conversation with a new contact: needs `conversation.start_unregistered`.
#[utoipa::path(post, path = "/api/v1/conversations", tag = "conversations", request_body = NewConversationRequest,
    responses((status = 201, body = ConversationView, description = "Created, waiting in its department"),
              (status = 204, description = "Created, in a department the caller does not see"),
              (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    crate::json::Json(mut req): crate::json::Json<NewConversationRequest>,
) -> Result<Response, ApiError> {
    // The permission first (403 before any 400), then the body, then the use case.
    require(
        &caller
            .principal
            .decide_permission(access::Permission::ConversationStartUnregistered),
    )?;
    req.validate(state.egress.policy())?;
    let start = app::conversations::Start {
        department: req.department_id.map(DepartmentId),
        contact_name: req.contact_name,
        contact_phone: req.contact_phone,
        message: req.message,
    };
    let id = app::conversations::start(&state.ctx(), caller.acting(), &start).await?;
    match visible_row(&state, &caller, id.0).await {
        Ok(row) => Ok((
            StatusCode::CREATED,
            axum::Json(view(&caller.principal, row)),
        )
            .into_response()),
        Err(e) if e.status() == StatusCode::NOT_FOUND => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => Err(e),
    }
}

/// A user a conversation may be transferred to.
#[derive(Serialize, ToSchema)]
pub struct TransferTarget {
    /// User id.
    pub id: i64,
    /// Display name.
    pub name: String,
}

/// The users the caller may transfer this conversation to now (the engine's valid targets).
#[utoipa::path(get, path = "/api/v1/conversations/{id}/transfer_targets", tag = "conversations", params(("id" = i64, Path, description = "Conversation id")),
    responses((status = 200, body = [TransferTarget]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn transfer_targets(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<TransferTarget>>, ApiError> {
    let row = visible_row(&state, &caller, id).await?;
    let c = row.record.conversation;
    let account = state
        .store
        .directory()
        .account(caller.owner.account)
        .await?;
    let mut targets = Vec::new();
    for user in account.users.values().filter(|t| {
        caller
            .principal
            .decide(&c, Action::Transfer(Some(t)))
            .is_allowed()
    }) {
        if let Some(profile) = state
            .store
            .auth()
            .profile(caller.owner.account, user.id)
            .await?
        {
            targets.push(TransferTarget {
                id: user.id.0,
                name: profile.name,
            });
        }
    }
    Ok(axum::Json(targets))
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list, create))
        .routes(utoipa_axum::routes!(counts))
        .routes(utoipa_axum::routes!(get))
        .routes(utoipa_axum::routes!(messages))
        .routes(utoipa_axum::routes!(transfer_targets))
        .routes(utoipa_axum::routes!(act))
}
