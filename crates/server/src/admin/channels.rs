//! Channels (`settings.integrations`): WhatsApp numbers and generic channels, and routing's
//! settings (`settings.company` for the account's, `users.manage` for an agent's limit).
//! Secrets are written, never read back: a channel shows whether each is set. A generic
//! channel's token is shown once, when created or rotated.

use crate::error_codes as codes;
use access::{DepartmentId, Permission};
use axum::extract::State;

use crate::audit_action::AuditAction;
use crate::input::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::{Channel, ChannelKind, ChannelWrite};
use utoipa::ToSchema;

use super::{Attempt, to_json, unknown, valid_name};
use crate::caller::Caller;
use crate::channels::sender::NumberProof;
use crate::egress::{EgressPolicy, UNREACHABLE};
use crate::error::ApiError;
use crate::json::{Json, Validate};
use crate::state::AppState;

/// A channel, secrets hidden.
#[derive(Serialize, ToSchema)]
pub struct ChannelView {
    /// Channel id.
    pub id: i64,
    /// `whatsapp` or `generic`.
    pub kind: &'static str,
    /// Name.
    pub name: String,
    /// Where its new conversations start (absent: the account's default department).
    pub department_id: Option<i64>,
    /// WhatsApp: the Cloud API phone number id.
    pub phone_number_id: Option<String>,
    /// WhatsApp: the Graph API base URL (absent: `https://graph.facebook.com/v21.0`).
    pub graph_base_url: Option<String>,
    /// Accepts messages.
    pub active: bool,
    /// The path the platform posts to (WhatsApp: also the verification URL).
    pub webhook_path: String,
    /// WhatsApp: whether the verify token, app secret and access token are set.
    pub has_verify_token: bool,
    /// See `has_verify_token`.
    pub has_app_secret: bool,
    /// See `has_verify_token`.
    pub has_access_token: bool,
    /// Generic: the channel token, shown only when created or rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// In the list: when a customer's message last arrived through the channel (microseconds
    /// since the epoch; `null`: never). Absent from the other answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_received_at: Option<Option<i64>>,
}

fn view(c: &Channel) -> ChannelView {
    ChannelView {
        id: c.id,
        kind: c.kind.id(),
        name: c.name.clone(),
        department_id: c.department.map(|d| d.0),
        phone_number_id: c.phone_number_id.clone(),
        graph_base_url: c.graph_base_url.clone(),
        active: c.active,
        webhook_path: match c.kind {
            ChannelKind::WhatsApp => format!("/webhooks/whatsapp/{}", c.id),
            ChannelKind::Generic => "/webhooks/generic/messages".to_owned(),
        },
        has_verify_token: c.verify_token.is_some(),
        has_app_secret: c.app_secret.is_some(),
        has_access_token: c.access_token.is_some(),
        token: None,
        last_received_at: None,
    }
}

/// The account's channels (`settings.integrations`).
#[utoipa::path(get, path = "/api/v1/channels", tag = "channels",
    responses((status = 200, body = Vec<ChannelView>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Vec<ChannelView>>, ApiError> {
    Attempt::new(&state, &caller, AuditAction::ChannelList, "channels")
        .gate(Permission::SettingsIntegrations)
        .await?;
    let all = state.store.channels().list(caller.owner.account).await?;
    let mut shown = Vec::with_capacity(all.len());
    for c in &all {
        let mut v = view(c);
        v.last_received_at = Some(state.store.channels().last_received(c.id).await?);
        shown.push(v);
    }
    Ok(axum::Json(shown))
}

/// A channel to create, or changes to one (absent fields stay as they are; secrets are only
/// replaced when given).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ChannelRequest {
    /// `whatsapp` or `generic` (creation only).
    pub kind: Option<String>,
    /// Name, 1 to 200 bytes, unique in the account.
    pub name: Option<String>,
    /// Where new conversations start (`null` or absent: the default department).
    pub department_id: Option<i64>,
    /// WhatsApp: the Cloud API phone number id.
    pub phone_number_id: Option<String>,
    /// WhatsApp: the verify token you also give Meta for the webhook.
    pub verify_token: Option<String>,
    /// WhatsApp: the Meta app's secret (signs the webhook deliveries).
    pub app_secret: Option<String>,
    /// WhatsApp: a (system user) access token with `whatsapp_business_messaging`.
    pub access_token: Option<String>,
    /// WhatsApp: the Graph API base URL, `https://...` at a public address (another version, a
    /// proxy; `http://` and internal addresses only as the operator's `outbound_allow` lists).
    /// Changing it, or `phone_number_id`, needs `access_token` in the same request.
    pub graph_base_url: Option<String>,
    /// Accepts messages.
    pub active: Option<bool>,
    /// Generic: replace the channel token (the new one is in the answer).
    #[serde(default)]
    pub rotate_token: bool,
}

impl Validate for ChannelRequest {
    /// Each field given, in its canonical form (trimmed; the Graph API URL checked against the
    /// egress policy). What a creation or a change requires besides is its handler's.
    fn validate(&mut self, policy: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        if self
            .kind
            .as_deref()
            .is_some_and(|k| ChannelKind::from_id(k).is_none())
        {
            return Err(ApiError::bad_request(
                codes::BAD_CHANNEL,
                "`kind` must be whatsapp or generic",
            ));
        }
        self.name = self
            .name
            .as_deref()
            .map(|n| valid_name("name", n))
            .transpose()?;
        self.phone_number_id = number_id(self.phone_number_id.as_ref())?;
        self.verify_token = secret("verify_token", self.verify_token.as_ref())?;
        self.app_secret = secret("app_secret", self.app_secret.as_ref())?;
        self.access_token = secret("access_token", self.access_token.as_ref())?;
        self.graph_base_url = base_url(policy, self.graph_base_url.as_ref())?;
        Ok(())
    }
}

pub(crate) fn secret(field: &str, v: Option<&String>) -> Result<Option<String>, ApiError> {
    match v.map(|s| s.trim()) {
        None => Ok(None),
        Some(s) if !s.is_empty() && s.len() <= 1024 && !s.contains(char::is_whitespace) => {
            Ok(Some(s.to_owned()))
        }
        Some(_) => Err(ApiError::bad_request(
            codes::BAD_CHANNEL,
            format!("`{field}` must be 1 to 1024 bytes without spaces"),
        )),
    }
}

/// A phone number id: 1 to 64 ASCII letters, digits, `_` or `-` (Meta's are digits; it goes
/// into the Graph API's paths).
pub(crate) fn number_id(v: Option<&String>) -> Result<Option<String>, ApiError> {
    match v.map(|s| s.trim()) {
        None => Ok(None),
        Some(n)
            if !n.is_empty()
                && n.len() <= 64
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
        {
            Ok(Some(n.to_owned()))
        }
        Some(_) => Err(ApiError::bad_request(
            codes::BAD_CHANNEL,
            "`phone_number_id` must be 1 to 64 letters, digits, `_` or `-`, such as 106540352242922",
        )),
    }
}

pub(crate) fn base_url(
    policy: &EgressPolicy,
    v: Option<&String>,
) -> Result<Option<String>, ApiError> {
    let bad = || {
        ApiError::bad_request(
            codes::BAD_CHANNEL,
            "`graph_base_url` must be an https URL without query, up to 300 bytes, such as https://graph.facebook.com/v21.0",
        )
    };
    match v.map(|s| s.trim().trim_end_matches('/')) {
        None => Ok(None),
        Some(u)
            if (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() <= 300
                && !u.contains(['?', '#'])
                && !u.contains(char::is_whitespace) =>
        {
            super::outbound_url(policy, "graph_base_url", u, bad).map(Some)
        }
        Some(_) => Err(bad()),
    }
}

/// Where a WhatsApp channel sends, and with which token: what the Graph API must confirm.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Destination {
    number: String,
    token: String,
    base: Option<String>,
}

/// What a change does to where WhatsApp channel `c` sends: `None` when its number, token and
/// base URL stay as they are; else the destination to prove. Moving it (another number or base
/// URL) needs the token in the same request: whoever cannot read the token must not be able to
/// send it elsewhere (400 `secret_required`).
fn destination_after(
    c: &Channel,
    number: Option<&str>,
    token: Option<&str>,
    base: Option<&str>,
) -> Result<Option<Destination>, ApiError> {
    let moves = number.is_some_and(|n| Some(n) != c.phone_number_id.as_deref())
        || base.is_some_and(|b| Some(b) != c.graph_base_url.as_deref());
    if moves && token.is_none() {
        return Err(ApiError::bad_request(
            codes::SECRET_REQUIRED,
            "changing `phone_number_id` or `graph_base_url` needs the channel's `access_token` again in the same request",
        ));
    }
    if token.is_none() {
        return Ok(None);
    }
    match (number.or(c.phone_number_id.as_deref()), token) {
        (Some(n), Some(t)) => Ok(Some(Destination {
            number: n.to_owned(),
            token: t.to_owned(),
            base: base.or(c.graph_base_url.as_deref()).map(str::to_owned),
        })),
        _ => Err(ApiError::bad_request(
            codes::BAD_CHANNEL,
            "a WhatsApp channel needs `phone_number_id` and `access_token`",
        )),
    }
}

/// Proves through the egress client that the token may use the number (the Graph API answers
/// `GET {base}/{number}` with it); 400 `channel_not_verified` otherwise. The message carries the
/// HTTP status and Graph error code, never the answer's text.
async fn prove(state: &AppState, d: &Destination) -> Result<(), ApiError> {
    let Err(proof) = state
        .graph
        .prove_number(d.base.as_deref(), &d.number, &d.token)
        .await
    else {
        return Ok(());
    };
    let kind = problem(&proof);
    let why = match proof {
        NumberProof::Unreachable => {
            format!("the Graph API could not be reached ({UNREACHABLE}): check `graph_base_url`")
        }
        NumberProof::Refused { status, code } => format!(
            "the Graph API answered HTTP {status}{}: check in Meta's dashboard that the token is a system user's with the number's WhatsApp Business account assigned (`whatsapp_business_management` and `whatsapp_business_messaging`)",
            code.map(|c| format!(" with error code {c}"))
                .unwrap_or_default()
        ),
    };
    Err(ApiError::bad_request(
        codes::CHANNEL_NOT_VERIFIED,
        format!("could not confirm that `access_token` may use `phone_number_id`: {why}"),
    )
    .with("problem", kind))
}

/// What is wrong, as a stable code the screens say in words: `bad_token` (the Graph API
/// refused the token: 401, 403 or OAuth error 190), `wrong_number` (no such number for this
/// token: 404, Graph error 100, or another number's id answered), `unreachable` (no answer, or
/// an address the egress policy refuses), `graph_error` (any other answer).
pub(crate) fn problem(p: &NumberProof) -> &'static str {
    match p {
        NumberProof::Unreachable => "unreachable",
        NumberProof::Refused {
            status: 401 | 403, ..
        }
        | NumberProof::Refused {
            code: Some(190), ..
        } => "bad_token",
        NumberProof::Refused {
            status: 200 | 404, ..
        }
        | NumberProof::Refused {
            code: Some(100), ..
        } => "wrong_number",
        NumberProof::Refused { .. } => "graph_error",
    }
}

/// What a connection test found.
#[derive(Serialize, ToSchema)]
pub struct ChannelTestView {
    /// Whether the Graph API confirmed that the channel's stored token may use its number.
    pub ok: bool,
    /// When not: `bad_token`, `wrong_number`, `unreachable` or `graph_error` (see the API
    /// guide); absent when `ok`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<&'static str>,
    /// The Graph API's HTTP status, when it answered and refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The Graph API's `error.code`, when its answer was a Graph error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graph_code: Option<i64>,
}

/// Tests a WhatsApp channel's connection (`settings.integrations`): asks the Graph API, through
/// the egress policy, for the channel's number with its stored token, as its creation did.
/// Changes nothing. A generic channel has nothing to test (400 `bad_channel`).
#[utoipa::path(post, path = "/api/v1/channels/{id}/test", tag = "channels",
    params(("id" = i64, Path, description = "Channel id")),
    responses((status = 200, body = ChannelTestView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<ChannelTestView>, ApiError> {
    Attempt::new(
        &state,
        &caller,
        AuditAction::ChannelTest,
        format!("channel#{id}"),
    )
    .gate(Permission::SettingsIntegrations)
    .await?;
    let channel = match state.store.channels().channel(id).await? {
        Some(c) if c.account == caller.owner.account => c,
        _ => return Err(ApiError::not_found()),
    };
    if channel.kind != ChannelKind::WhatsApp {
        return Err(ApiError::bad_request(
            codes::BAD_CHANNEL,
            "only a WhatsApp channel's connection can be tested",
        ));
    }
    let refused = |p: &NumberProof| {
        let (http_status, graph_code) = match p {
            NumberProof::Refused { status, code } => (Some(*status), *code),
            NumberProof::Unreachable => (None, None),
        };
        ChannelTestView {
            ok: false,
            problem: Some(problem(p)),
            http_status,
            graph_code,
        }
    };
    // A WhatsApp channel is created with both; without them there is no token to try.
    let (Some(number), Some(token)) = (&channel.phone_number_id, &channel.access_token) else {
        return Ok(axum::Json(ChannelTestView {
            ok: false,
            problem: Some("bad_token"),
            http_status: None,
            graph_code: None,
        }));
    };
    let answer = match state
        .graph
        .prove_number(channel.graph_base_url.as_deref(), number, token)
        .await
    {
        Ok(()) => ChannelTestView {
            ok: true,
            problem: None,
            http_status: None,
            graph_code: None,
        },
        Err(p) => refused(&p),
    };
    Ok(axum::Json(answer))
}

/// 409 for a number another channel of the installation has (which account's is not said).
fn number_taken() -> ApiError {
    ApiError::conflict_because(
        codes::PHONE_NUMBER_TAKEN,
        "this phone number id is already connected to a channel of this installation: remove it from that channel first",
    )
}

/// The audit view of a channel (never a secret).
fn audit_view(c: &ChannelView) -> serde_json::Value {
    to_json(&json!({
        "kind": c.kind, "name": c.name, "department_id": c.department_id,
        "phone_number_id": c.phone_number_id, "graph_base_url": c.graph_base_url, "active": c.active,
    }))
}

/// Creates a channel (`settings.integrations`). A WhatsApp channel needs its phone number
/// id, verify token, app secret and access token, and the Graph API must confirm that the token
/// may use the number; a generic channel gets a token, shown once.
#[utoipa::path(post, path = "/api/v1/channels", tag = "channels", request_body = ChannelRequest,
    responses((status = 201, body = ChannelView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<ChannelRequest>,
) -> Result<Response, ApiError> {
    let mut at = Attempt::new(&state, &caller, AuditAction::ChannelCreate, "channel");
    let granted = at.gate(Permission::SettingsIntegrations).await?;
    body.validate(state.egress.policy())?;
    let kind = body
        .kind
        .as_deref()
        .and_then(ChannelKind::from_id)
        .ok_or_else(|| {
            ApiError::bad_request(codes::BAD_CHANNEL, "`kind` must be whatsapp or generic")
        })?;
    let name = valid_name("name", body.name.as_deref().unwrap_or_default())?;
    let (number, verify, app, access) = (
        body.phone_number_id.clone(),
        body.verify_token.clone(),
        body.app_secret.clone(),
        body.access_token.clone(),
    );
    let graph = body.graph_base_url.clone();
    let token = match kind {
        ChannelKind::WhatsApp => {
            let (Some(n), Some(_), Some(_), Some(t)) = (&number, &verify, &app, &access) else {
                return Err(ApiError::bad_request(
                    codes::BAD_CHANNEL,
                    "a WhatsApp channel needs `phone_number_id`, `verify_token`, `app_secret` and `access_token`",
                ));
            };
            // A number is bound to an account only once its token is shown to may use it.
            let d = Destination {
                number: n.clone(),
                token: t.clone(),
                base: graph.clone(),
            };
            prove(&state, &d).await?;
            None
        }
        ChannelKind::Generic => {
            if number.is_some()
                || verify.is_some()
                || app.is_some()
                || access.is_some()
                || graph.is_some()
            {
                return Err(ApiError::bad_request(
                    codes::BAD_CHANNEL,
                    "a generic channel takes only `name`, `department_id` and `active`",
                ));
            }
            Some(crate::secret::random_token("ch_").map_err(|e| ApiError::internal(&e))?)
        }
    };
    let token_hash = token.as_deref().map(crate::secret::token_hash);
    let open = at.begin(granted).await?;
    let department = department_of(&open.account.config, body.department_id)?;
    let d = open
        .actor
        .decide_permission(Permission::SettingsIntegrations);
    let mut open = at.require_in(open, &d, None, None).await?;
    if let Some(n) = &number
        && open.tx.phone_number_taken(n, None).await?
    {
        return Err(number_taken());
    }
    let write = ChannelWrite {
        name: &name,
        department,
        phone_number_id: number.as_deref(),
        verify_token: verify.as_deref(),
        app_secret: app.as_deref(),
        access_token: access.as_deref(),
        graph_base_url: graph.as_deref(),
        token_hash: token_hash.as_deref(),
        active: body.active.unwrap_or(true),
    };
    let id = open
        .tx
        .create_channel(kind, &write, state.clock.now_micros())
        .await?;
    let created = open.tx.channel(id).await?.ok_or_else(ApiError::not_found)?;
    at.target = format!("channel#{id}");
    let mut shown = view(&created);
    at.done(open.tx, None, Some(&audit_view(&shown))).await?;
    shown.token = token;
    Ok((StatusCode::CREATED, axum::Json(shown)).into_response())
}

fn department_of(
    config: &access::AccountConfig,
    id: Option<i64>,
) -> Result<Option<DepartmentId>, ApiError> {
    match id {
        None => Ok(None),
        Some(d) if config.departments.get(DepartmentId(d)).is_some() => Ok(Some(DepartmentId(d))),
        Some(_) => Err(unknown(
            crate::error_codes::UNKNOWN_DEPARTMENT,
            "department",
        )),
    }
}

/// Changes a channel (`settings.integrations`). Changing a WhatsApp channel's `phone_number_id`
/// or `graph_base_url` needs its `access_token` in the same request; a change of any of the
/// three is confirmed with the Graph API first.
#[utoipa::path(patch, path = "/api/v1/channels/{id}", tag = "channels", request_body = ChannelRequest,
    params(("id" = i64, Path, description = "Channel id")),
    responses((status = 200, body = ChannelView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(mut body): Json<ChannelRequest>,
) -> Result<axum::Json<ChannelView>, ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::ChannelUpdate,
        format!("channel#{id}"),
    );
    let granted = at.gate(Permission::SettingsIntegrations).await?;
    if body.kind.is_some() {
        return Err(ApiError::bad_request(
            codes::BAD_CHANNEL,
            "a channel's `kind` cannot change",
        ));
    }
    body.validate(state.egress.policy())?;
    let name = body.name.clone();
    let (number, verify, app, access) = (
        body.phone_number_id.clone(),
        body.verify_token.clone(),
        body.app_secret.clone(),
        body.access_token.clone(),
    );
    let graph = body.graph_base_url.clone();
    let after =
        |c: &Channel| destination_after(c, number.as_deref(), access.as_deref(), graph.as_deref());
    // Proved before the transaction (a network round trip); a channel of another account or
    // none is answered below as before.
    let proved = match state.store.channels().channel(id).await? {
        Some(c) if c.account == caller.owner.account && c.kind == ChannelKind::WhatsApp => {
            let d = after(&c)?;
            if let Some(d) = &d {
                prove(&state, d).await?;
            }
            d
        }
        _ => None,
    };
    let mut open = at.begin(granted).await?;
    let Some(current) = open.channel(id).await? else {
        return Err(at.missing_in(open).await);
    };
    if current.kind == ChannelKind::WhatsApp {
        // What was proved must still be what the change leads to.
        if after(&current)? != proved {
            return Err(ApiError::conflict_because(
                codes::CHANNEL_CHANGED,
                "the channel changed meanwhile: read it and send the change again",
            ));
        }
        if let Some(n) = number
            .as_deref()
            .filter(|n| current.phone_number_id.as_deref() != Some(n))
            && open.phone_number_taken(n, Some(id)).await?
        {
            return Err(number_taken());
        }
    }
    let department = match body.department_id {
        Some(d) => department_of(&open.account.config, Some(d))?,
        None => current.department,
    };
    let generic = current.kind == ChannelKind::Generic;
    if generic
        && (number.is_some()
            || verify.is_some()
            || app.is_some()
            || access.is_some()
            || graph.is_some())
    {
        return Err(ApiError::bad_request(
            codes::BAD_CHANNEL,
            "a generic channel takes only `name`, `department_id`, `active` and `rotate_token`",
        ));
    }
    if body.rotate_token && !generic {
        return Err(ApiError::bad_request(
            codes::BAD_CHANNEL,
            "only a generic channel has a token to rotate",
        ));
    }
    let token = if body.rotate_token {
        Some(crate::secret::random_token("ch_").map_err(|e| ApiError::internal(&e))?)
    } else {
        None
    };
    let token_hash = token.as_deref().map(crate::secret::token_hash);
    let before = audit_view(&view(&current));
    let d = open
        .actor
        .decide_permission(Permission::SettingsIntegrations);
    let mut open = at.require_in(open, &d, Some(&before), None).await?;
    let write = ChannelWrite {
        name: name.as_deref().unwrap_or(&current.name),
        department,
        phone_number_id: number.as_deref(),
        verify_token: verify.as_deref(),
        app_secret: app.as_deref(),
        access_token: access.as_deref(),
        graph_base_url: graph.as_deref(),
        token_hash: token_hash.as_deref(),
        active: body.active.unwrap_or(current.active),
    };
    open.tx.update_channel(id, &write).await?;
    let changed = open.tx.channel(id).await?.ok_or_else(ApiError::not_found)?;
    let mut shown = view(&changed);
    // Secrets never reach the log, but that one was replaced does: a change of secrets only is
    // a change (an unchanged state is not written at all).
    let mut after = audit_view(&shown);
    let replaced: Vec<&str> = [
        ("verify_token", verify.is_some()),
        ("app_secret", app.is_some()),
        ("access_token", access.is_some()),
        ("token", token.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.then_some(name))
    .collect();
    if !replaced.is_empty()
        && let Some(fields) = after.as_object_mut()
    {
        fields.insert("secrets_replaced".into(), json!(replaced));
    }
    at.done(open.tx, Some(&before), Some(&after)).await?;
    shown.token = token;
    Ok(axum::Json(shown))
}

/// Deletes a channel no conversation came through (`settings.integrations`); otherwise 409:
/// deactivate it instead.
#[utoipa::path(delete, path = "/api/v1/channels/{id}", tag = "channels",
    params(("id" = i64, Path, description = "Channel id")),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::ChannelDelete,
        format!("channel#{id}"),
    );
    let granted = at.gate(Permission::SettingsIntegrations).await?;
    let mut open = at.begin(granted).await?;
    let Some(current) = open.channel(id).await? else {
        return Err(at.missing_in(open).await);
    };
    let before = audit_view(&view(&current));
    let d = open
        .actor
        .decide_permission(Permission::SettingsIntegrations);
    let mut open = at.require_in(open, &d, Some(&before), None).await?;
    open.tx.delete_channel(id).await?;
    at.done(open.tx, Some(&before), None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list, create))
        .routes(utoipa_axum::routes!(update, delete))
        .routes(utoipa_axum::routes!(test))
}
