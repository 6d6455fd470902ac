//! Channels and what arrives through them: the channel rows (WhatsApp numbers, generic
//! channels), an inbound message stored once per channel id (contact found or created, the
//! contact's open conversation continued or a new one started, the message, the events: one
//! transaction), and delivery statuses of what was sent.

use std::collections::{BTreeMap, HashMap, HashSet};

use access::{AccountId, ConversationId, DepartmentId, Status};
use sqlx::Row;

use crate::codec::{class_code, status_code};
use crate::events::{EventKind, insert_event};
use crate::{Result, StoreError, with_pool};

/// The kind of a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    /// A WhatsApp Business number on the Cloud API.
    WhatsApp,
    /// Messages posted with the channel's token (website widgets, integrations).
    Generic,
}

impl ChannelKind {
    /// Stored and API name.
    pub fn id(self) -> &'static str {
        match self {
            ChannelKind::WhatsApp => "whatsapp",
            ChannelKind::Generic => "generic",
        }
    }

    /// From the stored or API name.
    pub fn from_id(s: &str) -> Option<ChannelKind> {
        match s {
            "whatsapp" => Some(ChannelKind::WhatsApp),
            "generic" => Some(ChannelKind::Generic),
            _ => None,
        }
    }
}

/// A channel with its secrets (never to be shown: the API shows whether each is set).
#[derive(Clone, PartialEq, Eq)]
pub struct Channel {
    /// Its id (in the webhook URL).
    pub id: i64,
    /// Its account.
    pub account: AccountId,
    /// WhatsApp or generic.
    pub kind: ChannelKind,
    /// Display name, unique in the account.
    pub name: String,
    /// Where new conversations start (`None`: the account's default department).
    pub department: Option<DepartmentId>,
    /// WhatsApp: the Cloud API phone number id.
    pub phone_number_id: Option<String>,
    /// WhatsApp: the verify token of the webhook handshake.
    pub verify_token: Option<String>,
    /// WhatsApp: the app secret that signs webhook deliveries.
    pub app_secret: Option<String>,
    /// WhatsApp: the access token for the Graph API.
    pub access_token: Option<String>,
    /// WhatsApp: the Graph API base URL (`https://graph.facebook.com/v21.0`).
    pub graph_base_url: Option<String>,
    /// Generic: SHA-256 of the channel token.
    pub token_hash: Option<String>,
    /// Whether it accepts messages.
    pub active: bool,
    /// Created, µs since the epoch.
    pub created_at: i64,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("id", &self.id)
            .field("account", &self.account)
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("department", &self.department)
            .field("phone_number_id", &self.phone_number_id)
            .field("graph_base_url", &self.graph_base_url)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// Values looked up per statement, at most.
const LOOKUP: usize = 500;

/// `$first, $first+1, ...`: `n` placeholders.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

const CHANNEL_COLUMNS: &str = "id, account_id, kind, name, department_id, phone_number_id, verify_token, app_secret, access_token, \
                               graph_base_url, token_hash, active, created_at";

pub(crate) fn channel_from<R: Row>(r: &R) -> Result<Channel>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = r.try_get(2)?;
    Ok(Channel {
        id: r.try_get(0)?,
        account: AccountId(r.try_get(1)?),
        kind: ChannelKind::from_id(&kind)
            .ok_or_else(|| StoreError::corrupt("channels", format!("kind `{kind}`")))?,
        name: r.try_get(3)?,
        department: r.try_get::<Option<i64>, _>(4)?.map(DepartmentId),
        phone_number_id: r.try_get(5)?,
        verify_token: r.try_get(6)?,
        app_secret: r.try_get(7)?,
        access_token: r.try_get(8)?,
        graph_base_url: r.try_get(9)?,
        token_hash: r.try_get(10)?,
        active: r.try_get::<i64, _>(11)? != 0,
        created_at: r.try_get(12)?,
    })
}

/// A message arriving through a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inbound<'a> {
    /// The channel's id of the message (WhatsApp's wamid): stored once per channel.
    pub external_id: &'a str,
    /// The customer's phone (digits) or the generic channel's contact key.
    pub from: &'a str,
    /// The customer's name as the channel gives it.
    pub profile_name: Option<&'a str>,
    /// What the agent reads.
    pub body: &'a str,
    /// When it arrived, µs since the epoch.
    pub at: i64,
    /// A file the channel announced with it, fetched later (stored `pending`).
    pub media: Option<crate::InboundMedia<'a>>,
    /// The channel's id of the message it replies to (quotes), when it quotes one.
    pub quoted: Option<&'a str>,
}

/// What storing an inbound message did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// Stored: in this conversation (created for it when `created`), as this message.
    Stored {
        /// The conversation it went to.
        conversation: ConversationId,
        /// The stored message.
        message: i64,
        /// Whether the conversation was started by it.
        created: bool,
    },
    /// The channel had already delivered this message id: nothing was written.
    Duplicate,
}

impl crate::Channels<'_> {
    /// Every channel of the account, by id.
    pub async fn list(&self, account: AccountId) -> Result<Vec<Channel>> {
        let sql =
            format!("SELECT {CHANNEL_COLUMNS} FROM channels WHERE account_id = $1 ORDER BY id");
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.0).fetch_all(pool).await?;
            rows.iter().map(channel_from).collect()
        })
    }

    /// When channel `id` last brought a customer's message (microseconds; `None`: never): the
    /// newest `last_customer_message_at` of its conversations, one index seek
    /// (`conversations_by_channel`).
    pub async fn last_received(&self, id: i64) -> Result<Option<i64>> {
        with_pool!(self, pool => {
            let at: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(last_customer_message_at) FROM conversations WHERE channel_id = $1",
            )
            .bind(id)
            .fetch_one(pool)
            .await?;
            Ok(at)
        })
    }

    /// A channel by id, whatever its account (a webhook URL names it); `None` when unknown.
    pub async fn channel(&self, id: i64) -> Result<Option<Channel>> {
        let sql = format!("SELECT {CHANNEL_COLUMNS} FROM channels WHERE id = $1");
        with_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
            row.map(|r| channel_from(&r)).transpose()
        })
    }

    /// A generic channel by the SHA-256 of its token; `None` when unknown.
    pub async fn channel_by_token(&self, token_hash: &str) -> Result<Option<Channel>> {
        let sql = format!("SELECT {CHANNEL_COLUMNS} FROM channels WHERE token_hash = $1");
        with_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(pool).await?;
            row.map(|r| channel_from(&r)).transpose()
        })
    }

    /// Stores inbound messages of one channel in one transaction (group commit: each is
    /// durable when this returns). Each finds or creates its contact by `from`, continues the
    /// contact's open conversation or starts one waiting in the channel's department, and moves
    /// the conversation's activity and the customer's last message time; the same
    /// `external_id` twice is stored once.
    pub async fn receive(
        &self,
        channel: &Channel,
        messages: &[Inbound<'_>],
    ) -> Result<Vec<Received>> {
        let items: Vec<(&Channel, Inbound<'_>)> =
            messages.iter().map(|m| (channel, m.clone())).collect();
        self.receive_many(&items).await
    }

    /// [`Store::receive`] for messages of any channels, in one transaction: what group commit
    /// uses for concurrent arrivals (each is acknowledged after this one commit).
    ///
    /// A unique violation means another delivery of the same message (or the first message of
    /// the same new contact) committed between this transaction's lookups and its inserts: a
    /// channel's retry racing its first delivery, or, after a crash, a transaction the database
    /// committed once the process was gone. The batch is then tried again, and its lookups see
    /// that row: the message counts as a duplicate instead of failing.
    pub async fn receive_many(&self, items: &[(&Channel, Inbound<'_>)]) -> Result<Vec<Received>> {
        let mut attempt = 0;
        loop {
            match self.receive_many_once(items).await {
                Err(e) if e.is_unique_violation() && attempt < 3 => attempt += 1,
                other => return other,
            }
        }
    }

    async fn receive_many_once(&self, items: &[(&Channel, Inbound<'_>)]) -> Result<Vec<Received>> {
        // Lookups are made for the whole batch (a query per channel or account, not per
        // message); each new message then costs one insert, and the events one insert.
        // A sender is found by its contact key: the E.164 form of its number (one contact per
        // line, however the channel wrote it), or a generic channel's own id.
        let keys: Vec<String> = items
            .iter()
            .map(|(_, m)| phone::contact_key(m.from))
            .collect();
        let mut accounts: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
        let mut channels: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
        for ((channel, m), key) in items.iter().zip(&keys) {
            accounts.entry(channel.account.0).or_default().push(key);
            channels.entry(channel.id).or_default().push(m.external_id);
        }
        let finished = class_code(access::StatusClass::Finished);
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            // What the channels already delivered.
            let mut seen: HashSet<(i64, String)> = HashSet::new();
            for (channel, ids) in &channels {
                for chunk in ids.chunks(LOOKUP) {
                    let sql = format!("SELECT external_id FROM messages WHERE channel_id = $1 AND external_id IN ({})", placeholders(2, chunk.len()));
                    let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).bind(*channel);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    for e in q.fetch_all(&mut *tx).await? {
                        seen.insert((*channel, e));
                    }
                }
            }
            // The senders' contacts, and their open conversations.
            let mut contacts: HashMap<(i64, String), (i64, bool)> = HashMap::new();
            let mut open: HashMap<i64, i64> = HashMap::new();
            for (account, phones) in &accounts {
                for chunk in phones.chunks(LOOKUP) {
                    let sql = format!(
                        "SELECT phone, id, name FROM contacts WHERE account_id = $1 AND phone IN ({}) ORDER BY id DESC",
                        placeholders(2, chunk.len())
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(*account);
                    for p in chunk {
                        q = q.bind(*p);
                    }
                    // Oldest contact of a phone wins (rows come newest first).
                    for r in q.fetch_all(&mut *tx).await? {
                        let (phone, id, name): (String, i64, String) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                        let placeholder = name == phone;
                        contacts.insert((*account, phone), (id, placeholder));
                    }
                }
                let ids: Vec<i64> = contacts.iter().filter(|((a, _), _)| a == account).map(|(_, (id, _))| *id).collect();
                for chunk in ids.chunks(LOOKUP) {
                    let sql = format!(
                        "SELECT contact_id, id FROM conversations WHERE account_id = $1 AND class <> $2 AND contact_id IN ({}) \
                         ORDER BY last_activity, id",
                        placeholders(3, chunk.len())
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(*account).bind(finished);
                    for c in chunk {
                        q = q.bind(*c);
                    }
                    // The most recently active open conversation wins (rows come oldest first).
                    for r in q.fetch_all(&mut *tx).await? {
                        open.insert(r.try_get(0)?, r.try_get(1)?);
                    }
                }
            }
            let mut defaults: HashMap<i64, i64> = HashMap::new();
            let mut touched: BTreeMap<i64, i64> = BTreeMap::new();
            let mut events: Vec<(i64, EventKind, i64, Option<i64>, i64)> = Vec::new();
            let mut out = Vec::with_capacity(items.len());
            // (answer slot, account, conversation, channel, message, conversation created)
            let mut stored: Vec<(usize, i64, i64, i64, &Inbound<'_>, bool)> = Vec::new();
            for ((channel, m), phone) in items.iter().zip(&keys) {
                let account = channel.account.0;
                if !seen.insert((channel.id, m.external_id.to_owned())) {
                    out.push(Received::Duplicate);
                    continue;
                }
                let key = (account, phone.clone());
                let contact = match contacts.get(&key).copied() {
                    Some((id, placeholder)) => {
                        if let (Some(name), true) = (m.profile_name, placeholder) {
                            // The customer's own name replaces a placeholder (the phone), never an edited name.
                            let (sort_name, _) = crate::contacts::search_text(name, None, Some(phone));
                            sqlx::query(
                                "UPDATE contacts SET name = $1, sort_name = $2, search = $3 || SUBSTR(search, LENGTH(sort_name) + 1) \
                                 WHERE id = $4 AND name = phone",
                            )
                                .bind(name)
                                .bind(&sort_name)
                                .bind(&sort_name)
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                            contacts.insert(key, (id, false));
                        }
                        id
                    }
                    None => {
                        let name = m.profile_name.unwrap_or(phone);
                        let (sort_name, search) = crate::contacts::search_text(name, None, Some(phone));
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO contacts (account_id, name, phone, email, sort_name, search, created_at) \
                             VALUES ($1, $2, $3, NULL, $4, $5, $6) RETURNING id",
                        )
                            .bind(account)
                            .bind(name)
                            .bind(phone)
                            .bind(sort_name)
                            .bind(search)
                            .bind(m.at)
                            .fetch_one(&mut *tx)
                            .await?;
                        contacts.insert(key, (id, m.profile_name.is_none()));
                        id
                    }
                };
                let (conversation, created) = match open.get(&contact).copied() {
                    Some(id) => (id, false),
                    None => {
                        let department = match (channel.department, defaults.get(&account).copied()) {
                            (Some(d), _) => d.0,
                            (None, Some(d)) => d,
                            (None, None) => {
                                let d = sqlx::query_scalar::<_, Option<i64>>("SELECT default_department_id FROM accounts WHERE id = $1")
                                    .bind(account)
                                    .fetch_one(&mut *tx)
                                    .await?
                                    .ok_or_else(|| StoreError::corrupt("accounts", "no default department"))?;
                                defaults.insert(account, d);
                                d
                            }
                        };
                        let waiting = Status::Waiting;
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO conversations (account_id, department_id, status, class, assignee_id, contact_id, channel, channel_id, \
                             last_activity, last_customer_message_at, created_at, version) \
                             SELECT $1, d.id, $3, $4, NULL, $5, $6, $7, $8, $8, $8, 1 FROM departments d WHERE d.id = $2 AND d.account_id = $1 RETURNING id",
                        )
                        .bind(account)
                        .bind(department)
                        .bind(status_code(waiting))
                        .bind(class_code(waiting.class()))
                        .bind(contact)
                        .bind(channel.kind.id())
                        .bind(channel.id)
                        .bind(m.at)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::NotFound("the channel's department"))?;
                        sqlx::query(crate::conversations::BUMP)
                            .bind(account)
                            .bind(class_code(waiting.class()))
                            .bind(department)
                            .bind(0_i64)
                            .bind(1_i64)
                            .execute(&mut *tx)
                            .await?;
                        open.insert(contact, id);
                        events.push((account, EventKind::Conversation, id, None, m.at));
                        (id, true)
                    }
                };
                let last = touched.entry(conversation).or_insert(m.at);
                *last = (*last).max(m.at);
                stored.push((out.len(), account, conversation, channel.id, m, created));
                out.push(Received::Duplicate);
            }
            // The messages, in as few statements as the parameter limit allows; then their ids.
            // A quoted message is looked up in the same channel and conversation (a customer may
            // quote a message of an earlier conversation, which readers of this one may not see).
            for chunk in stored.chunks(LOOKUP / 8) {
                let rows = (0..chunk.len())
                    .map(|i| {
                        let b = 7 * i;
                        format!(
                            "(${}, ${}, 'in', NULL, ${}, ${}, ${}, ${}, \
                             (SELECT q.id FROM messages q WHERE q.channel_id = ${} AND q.external_id = ${} AND q.conversation_id = ${}))",
                            b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 5, b + 7, b + 2
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "INSERT INTO messages (account_id, conversation_id, kind, author_id, body, created_at, channel_id, external_id, reply_to_id) VALUES {rows}"
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (_, account, conversation, channel, m, _) in chunk {
                    q = q.bind(*account).bind(*conversation).bind(m.body).bind(m.at).bind(*channel).bind(m.external_id).bind(m.quoted);
                }
                q.execute(&mut *tx).await?;
            }
            let mut ids: HashMap<(i64, String), i64> = HashMap::new();
            for channel in channels.keys() {
                let mine: Vec<&str> = stored.iter().filter(|s| s.3 == *channel).map(|s| s.4.external_id).collect();
                for chunk in mine.chunks(LOOKUP) {
                    let sql = format!("SELECT external_id, id FROM messages WHERE channel_id = $1 AND external_id IN ({})", placeholders(2, chunk.len()));
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(*channel);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    for r in q.fetch_all(&mut *tx).await? {
                        ids.insert((*channel, r.try_get(0)?), r.try_get(1)?);
                    }
                }
            }
            for (slot, account, conversation, channel, m, created) in &stored {
                let message = *ids
                    .get(&(*channel, m.external_id.to_owned()))
                    .ok_or_else(|| StoreError::corrupt("messages", "a message just stored is missing"))?;
                events.push((*account, EventKind::Message, *conversation, Some(message), m.at));
                if let Some(media) = &m.media {
                    sqlx::query(crate::attachments::INSERT_PENDING)
                        .bind(*account)
                        .bind(*conversation)
                        .bind(message)
                        .bind(media.kind.id())
                        .bind(i64::from(media.voice))
                        .bind(media.mime_type)
                        .bind(media.file_name)
                        .bind(media.sha256)
                        .bind(*channel)
                        .bind(media.source)
                        .bind(m.at)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(r) = out.get_mut(*slot) {
                    *r = Received::Stored { conversation: ConversationId(*conversation), message, created: *created };
                }
            }
            // Each conversation's activity moves once, in as few statements as possible.
            let touched: Vec<(i64, i64)> = touched.into_iter().collect();
            for chunk in touched.chunks(LOOKUP / 2) {
                let values = (0..chunk.len())
                    .map(|i| format!("SELECT CAST(${} AS BIGINT) AS id, CAST(${} AS BIGINT) AS at", 2 * i + 1, 2 * i + 2))
                    .collect::<Vec<_>>()
                    .join(" UNION ALL ");
                let sql = format!(
                    "UPDATE conversations SET \
                     last_activity = CASE WHEN conversations.last_activity > v.at THEN conversations.last_activity ELSE v.at END, \
                     last_customer_message_at = CASE WHEN conversations.last_customer_message_at > v.at THEN conversations.last_customer_message_at ELSE v.at END \
                     FROM ({values}) AS v WHERE conversations.id = v.id"
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (conversation, at) in chunk {
                    q = q.bind(*conversation).bind(*at);
                }
                q.execute(&mut *tx).await?;
            }
            // The events last, in order, in as few statements as the parameter limit allows.
            for chunk in events.chunks(LOOKUP / 5) {
                let rows = (0..chunk.len())
                    .map(|i| format!("(${}, ${}, ${}, ${}, ${})", 5 * i + 1, 5 * i + 2, 5 * i + 3, 5 * i + 4, 5 * i + 5))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!("INSERT INTO events (account_id, kind, conversation_id, message_id, at) VALUES {rows}");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (account, kind, conversation, message, at) in chunk {
                    q = q.bind(*account).bind(kind.id()).bind(*conversation).bind(*message).bind(*at);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Records a delivery status of a message sent through the channel (by the channel's id
    /// of it). Statuses only move forward (`sent` < `delivered` < `read`; `failed` from any but
    /// `read`); returns whether anything changed.
    pub async fn delivery_status(
        &self,
        channel: &Channel,
        external_id: &str,
        status: &str,
        error: Option<&str>,
        at: i64,
    ) -> Result<bool> {
        let rank = |s: &str| match s {
            "pending" => 0,
            "sent" => 1,
            "delivered" => 2,
            "read" => 3,
            _ => 4,
        };
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let row = sqlx::query("SELECT id, conversation_id, delivery FROM messages WHERE channel_id = $1 AND external_id = $2")
                .bind(channel.id)
                .bind(external_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(r) = row else { return Ok(false) };
            let (id, conversation, current): (i64, i64, Option<String>) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            let current = current.unwrap_or_default();
            let forward = match status {
                "failed" => current != "read" && current != "failed",
                s => rank(s) > rank(&current) && current != "failed",
            };
            if !forward {
                return Ok(false);
            }
            sqlx::query("UPDATE messages SET delivery = $1, delivery_error = $2 WHERE id = $3")
                .bind(status)
                .bind(error)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            insert_event!(&mut *tx, channel.account, EventKind::Message, Some(ConversationId(conversation)), Some(id), None, at)?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Records the customer's reaction to a message of the channel (by the channel's id of it;
    /// an empty `emoji` removes it), with a message event for that message. `false` when the
    /// channel has no such message (the caller then keeps the reaction as a message).
    pub async fn react(
        &self,
        channel: &Channel,
        external_id: &str,
        emoji: &str,
        at: i64,
    ) -> Result<bool> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let row = sqlx::query("SELECT id, conversation_id FROM messages WHERE channel_id = $1 AND external_id = $2")
                .bind(channel.id)
                .bind(external_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(r) = row else { return Ok(false) };
            let (id, conversation): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            sqlx::query("UPDATE messages SET reaction = $1 WHERE id = $2")
                .bind(Some(emoji).filter(|e| !e.is_empty()))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            insert_event!(&mut *tx, channel.account, EventKind::Message, Some(ConversationId(conversation)), Some(id), None, at)?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The conversation's channel and when the customer last wrote (the 24-hour window).
    pub async fn conversation_channel(
        &self,
        account: AccountId,
        conversation: ConversationId,
    ) -> Result<(Option<Channel>, Option<i64>)> {
        let row: Option<(Option<i64>, Option<i64>)> = with_pool!(self, pool => {
            let r = sqlx::query("SELECT channel_id, last_customer_message_at FROM conversations WHERE id = $1 AND account_id = $2")
                .bind(conversation.0)
                .bind(account.0)
                .fetch_optional(pool)
                .await?;
            r.map(|r| Ok::<_, StoreError>((r.try_get(0)?, r.try_get(1)?))).transpose()?
        });
        let (channel, last) = row.ok_or(StoreError::NotFound("conversation"))?;
        let channel = match channel {
            Some(id) => self.channel(id).await?.filter(|c| c.account == account),
            None => None,
        };
        Ok((channel, last))
    }
}

/// The values of a channel to create or change. On a change, a `None` secret keeps the stored
/// one.
#[derive(Clone, Debug, Default)]
pub struct ChannelWrite<'a> {
    /// Display name.
    pub name: &'a str,
    /// Where new conversations start (`None`: the account's default department).
    pub department: Option<DepartmentId>,
    /// WhatsApp: the phone number id.
    pub phone_number_id: Option<&'a str>,
    /// WhatsApp: the webhook verify token.
    pub verify_token: Option<&'a str>,
    /// WhatsApp: the app secret.
    pub app_secret: Option<&'a str>,
    /// WhatsApp: the Graph API access token.
    pub access_token: Option<&'a str>,
    /// WhatsApp: the Graph API base URL.
    pub graph_base_url: Option<&'a str>,
    /// Generic: SHA-256 of the channel token.
    pub token_hash: Option<&'a str>,
    /// Accepts messages.
    pub active: bool,
}

impl crate::AdminTx {
    /// One channel of the account, inside the transaction.
    pub async fn channel(&mut self, id: i64) -> Result<Option<Channel>> {
        let account = self.account;
        let sql =
            format!("SELECT {CHANNEL_COLUMNS} FROM channels WHERE id = $1 AND account_id = $2");
        crate::admin::with_tx!(self, conn => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(account.0).fetch_optional(&mut *conn).await?;
            row.map(|r| channel_from(&r)).transpose()
        })
    }

    /// Whether a channel other than `except`, of any account of the installation, has this
    /// phone number id (a number is bound to one channel: it routes Meta's deliveries).
    pub async fn phone_number_taken(&mut self, number: &str, except: Option<i64>) -> Result<bool> {
        crate::admin::with_tx!(self, conn => {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM channels WHERE phone_number_id = $1 AND id <> $2 LIMIT 1",
            )
            .bind(number)
            .bind(except.unwrap_or(0))
            .fetch_optional(&mut *conn)
            .await?;
            Ok(found.is_some())
        })
    }

    /// Creates a channel; its department must be of the account.
    pub async fn create_channel(
        &mut self,
        kind: ChannelKind,
        w: &ChannelWrite<'_>,
        now: i64,
    ) -> Result<i64> {
        let account = self.account;
        let id: Option<i64> = crate::admin::with_tx!(self, conn => sqlx::query_scalar(
            "INSERT INTO channels (account_id, kind, name, department_id, phone_number_id, verify_token, app_secret, access_token, \
             graph_base_url, token_hash, active, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 \
             WHERE $4 IS NULL OR EXISTS (SELECT 1 FROM departments WHERE id = $4 AND account_id = $1) RETURNING id",
        )
        .bind(account.0)
        .bind(kind.id())
        .bind(w.name)
        .bind(w.department.map(|d| d.0))
        .bind(w.phone_number_id)
        .bind(w.verify_token)
        .bind(w.app_secret)
        .bind(w.access_token)
        .bind(w.graph_base_url)
        .bind(w.token_hash)
        .bind(crate::codec::flag(w.active))
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?);
        id.ok_or(StoreError::NotFound("department"))
    }

    /// Changes a channel (secrets left `None` stay as they are).
    pub async fn update_channel(&mut self, id: i64, w: &ChannelWrite<'_>) -> Result<()> {
        let account = self.account;
        let done = crate::admin::with_tx!(self, conn => sqlx::query(
            "UPDATE channels SET name = $1, department_id = $2, phone_number_id = COALESCE($3, phone_number_id), \
             verify_token = COALESCE($4, verify_token), app_secret = COALESCE($5, app_secret), access_token = COALESCE($6, access_token), \
             graph_base_url = COALESCE($7, graph_base_url), token_hash = COALESCE($8, token_hash), active = $9 \
             WHERE id = $10 AND account_id = $11 \
             AND ($2 IS NULL OR EXISTS (SELECT 1 FROM departments WHERE id = $2 AND account_id = $11))",
        )
        .bind(w.name)
        .bind(w.department.map(|d| d.0))
        .bind(w.phone_number_id)
        .bind(w.verify_token)
        .bind(w.app_secret)
        .bind(w.access_token)
        .bind(w.graph_base_url)
        .bind(w.token_hash)
        .bind(crate::codec::flag(w.active))
        .bind(id)
        .bind(account.0)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        if done == 0 {
            Err(StoreError::NotFound("channel or department"))
        } else {
            Ok(())
        }
    }

    /// Deletes a channel that no conversation came through; otherwise a conflict (deactivate it
    /// instead).
    pub async fn delete_channel(&mut self, id: i64) -> Result<()> {
        let account = self.account;
        crate::admin::with_tx!(self, conn => {
            let used: Option<i64> = sqlx::query_scalar("SELECT id FROM conversations WHERE channel_id = $1 LIMIT 1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
            if used.is_some() {
                return Err(StoreError::conflict(
                    "channel_in_use",
                    "conversations came through this channel: deactivate it (`active: false`) instead of deleting it".to_owned(),
                ));
            }
            let done = sqlx::query("DELETE FROM channels WHERE id = $1 AND account_id = $2")
                .bind(id)
                .bind(account.0)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if done == 0 { Err(StoreError::NotFound("channel")) } else { Ok(()) }
        })
    }
}
