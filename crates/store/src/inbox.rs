//! Contacts, messages and tags of conversations.

use access::{AccountId, ConversationId, UserId};
use sqlx::Row;

use crate::events::{EventKind, insert_event};
use crate::{Result, StoreError, guard_version, version_miss, with_pool};

/// A contact (the customer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// Its id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Phone, E.164 digits.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// From the contact.
    In,
    /// To the contact.
    Out,
    /// Internal note, never sent.
    Note,
}

impl MessageKind {
    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            MessageKind::In => "in",
            MessageKind::Out => "out",
            MessageKind::Note => "note",
        }
    }

    fn from_id(s: &str) -> Result<MessageKind> {
        match s {
            "in" => Ok(MessageKind::In),
            "out" => Ok(MessageKind::Out),
            "note" => Ok(MessageKind::Note),
            other => Err(StoreError::corrupt("messages", format!("kind `{other}`"))),
        }
    }
}

/// A message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Its id.
    pub id: i64,
    /// In, out or note.
    pub kind: MessageKind,
    /// The user who wrote it (out and note).
    pub author: Option<UserId>,
    /// Text.
    pub body: String,
    /// When, µs since the epoch.
    pub at: i64,
    /// For a message sent to a channel: `pending`, `sent`, `delivered`, `read` or `failed`.
    pub delivery: Option<String>,
    /// Why the channel refused it, or the last retry's failure.
    pub delivery_error: Option<String>,
    /// Its files (images, audio, documents...), oldest first.
    pub attachments: Vec<crate::Attachment>,
    /// The customer's reaction to it (an emoji).
    pub reaction: Option<String>,
    /// The message of the same conversation it replies to (quotes).
    pub quoted: Option<Quoted>,
}

/// What a message quotes: the quoted message's id, kind and the start of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quoted {
    /// The quoted message.
    pub id: i64,
    /// In, out or note.
    pub kind: MessageKind,
    /// Its first 200 characters.
    pub excerpt: String,
}

/// A message's columns (`m`), with what it quotes (`q`, joined only within its conversation).
const MESSAGE_COLUMNS: &str = "m.id, m.kind, m.author_id, m.body, m.created_at, m.delivery, m.delivery_error, m.reaction, \
     q.id, q.kind, q.body";
/// The messages and what they quote.
const MESSAGES: &str = "messages m LEFT JOIN messages q ON q.id = m.reply_to_id AND q.conversation_id = m.conversation_id";

fn message_from<R: Row>(r: &R) -> Result<Message>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Message {
        id: r.try_get(0)?,
        kind: MessageKind::from_id(&r.try_get::<String, _>(1)?)?,
        author: r.try_get::<Option<i64>, _>(2)?.map(UserId),
        body: r.try_get(3)?,
        at: r.try_get(4)?,
        delivery: r.try_get(5)?,
        delivery_error: r.try_get(6)?,
        attachments: Vec::new(),
        reaction: r.try_get(7)?,
        quoted: match r.try_get::<Option<i64>, _>(8)? {
            None => None,
            Some(id) => Some(Quoted {
                id,
                kind: MessageKind::from_id(&r.try_get::<String, _>(9)?)?,
                excerpt: r.try_get::<String, _>(10)?.chars().take(200).collect(),
            }),
        },
    })
}

impl crate::Inbox<'_> {
    /// One message of the account with its conversation; `None` when there is no such message.
    pub async fn message(
        &self,
        account: AccountId,
        id: i64,
    ) -> Result<Option<(ConversationId, Message)>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS}, m.conversation_id FROM {MESSAGES} WHERE m.id = $1 AND m.account_id = $2"
        );
        let found = with_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(account.0).fetch_optional(pool).await?;
            row.map(|r| Ok::<_, StoreError>((ConversationId(r.try_get(11)?), message_from(&r)?))).transpose()?
        });
        match found {
            Some((conversation, m)) => {
                let mut list = vec![m];
                self.attach(account, &mut list).await?;
                Ok(list.pop().map(|m| (conversation, m)))
            }
            None => Ok(None),
        }
    }

    /// Fills in the messages' attachments (one query).
    async fn attach(&self, account: AccountId, list: &mut [Message]) -> Result<()> {
        if list.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = list.iter().map(|m| m.id).collect();
        let mut files = self.store.attachments().of_messages(account, &ids).await?;
        for m in list {
            if let Some(a) = files.remove(&m.id) {
                m.attachments = a;
            }
        }
        Ok(())
    }

    /// The contact with this phone (its contact key: E.164 for a number), created with this
    /// name and email when the account has none: one contact per phone.
    pub async fn create_contact(
        &self,
        account: AccountId,
        name: &str,
        phone: Option<&str>,
        email: Option<&str>,
        now: i64,
    ) -> Result<i64> {
        let phone = phone.map(phone::contact_key).filter(|p| !p.is_empty());
        let (sort_name, search) = crate::contacts::search_text(name, email, phone.as_deref());
        with_pool!(self, pool => {
            if let Some(p) = &phone {
                let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM contacts WHERE account_id = $1 AND phone = $2")
                    .bind(account.0)
                    .bind(p)
                    .fetch_optional(pool)
                    .await?;
                if let Some(id) = existing {
                    return Ok(id);
                }
            }
            Ok(sqlx::query_scalar(
                "INSERT INTO contacts (account_id, name, phone, email, sort_name, search, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(account.0)
            .bind(name)
            .bind(&phone)
            .bind(email)
            .bind(sort_name)
            .bind(search)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Every conversation of a contact of the account, as the engine decides on them (what
    /// `contact_visible` is asked with); `None` when the account has no such contact.
    pub async fn contact_conversations(
        &self,
        account: AccountId,
        contact: i64,
    ) -> Result<Option<Vec<access::Conversation>>> {
        with_pool!(self, pool => {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1 AND account_id = $2")
                .bind(contact)
                .bind(account.0)
                .fetch_optional(pool)
                .await?;
            if exists.is_none() {
                return Ok(None);
            }
            let rows = sqlx::query(
                "SELECT id, department_id, status, assignee_id FROM conversations WHERE contact_id = $1 AND account_id = $2",
            )
            .bind(contact)
            .bind(account.0)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(access::Conversation {
                    id: ConversationId(r.try_get(0)?),
                    account,
                    department: access::DepartmentId(r.try_get(1)?),
                    status: crate::codec::status_from(r.try_get(2)?)?,
                    assignee: r.try_get::<Option<i64>, _>(3)?.map(UserId),
                });
            }
            Ok(Some(out))
        })
    }

    /// The contact of a conversation, if any.
    pub async fn conversation_contact(
        &self,
        account: AccountId,
        conversation: ConversationId,
    ) -> Result<Option<Contact>> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT c.id, c.name, c.phone, c.email FROM contacts c JOIN conversations v ON v.contact_id = c.id \
                 WHERE v.id = $1 AND v.account_id = $2 AND c.account_id = $2",
            )
            .bind(conversation.0)
            .bind(account.0)
            .fetch_optional(pool)
            .await?;
            row.map(|r| Ok(Contact { id: r.try_get(0)?, name: r.try_get(1)?, phone: r.try_get(2)?, email: r.try_get(3)? })).transpose()
        })
    }

    /// Links (or, with `None`, unlinks) a conversation's contact; the contact must be of the
    /// account. `decided_on`: the conversation's version the decision was taken on (see
    /// [`Store::add_message`]).
    pub async fn link_contact(
        &self,
        account: AccountId,
        conversation: ConversationId,
        contact: Option<i64>,
        decided_on: Option<i64>,
        at: i64,
    ) -> Result<()> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            guard_version!(tx, account, conversation, decided_on);
            let done = sqlx::query(
                "UPDATE conversations SET contact_id = $1, version = version + 1 WHERE id = $2 AND account_id = $3 \
                 AND ($1 IS NULL OR EXISTS (SELECT 1 FROM contacts WHERE id = $1 AND account_id = $3))",
            )
            .bind(contact)
            .bind(conversation.0)
            .bind(account.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound("conversation or contact"));
            }
            insert_event!(&mut *tx, account, EventKind::Conversation, Some(conversation), None::<i64>, None, at)?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Appends a message and moves the conversation's activity (and, for an inbound message,
    /// the customer's last message time) in one transaction.
    ///
    /// `decided_on`: for a write a user's decision allowed, the conversation's version that
    /// decision was taken on; the message is written only if the conversation still has it
    /// (`Conflict` otherwise, and nothing is written). A message does not change the version:
    /// a customer's message arriving meanwhile does not refuse the agent's reply.
    #[expect(clippy::too_many_arguments, reason = "one row's columns and its guard")]
    pub async fn add_message(
        &self,
        account: AccountId,
        conversation: ConversationId,
        kind: MessageKind,
        author: Option<UserId>,
        body: &str,
        decided_on: Option<i64>,
        at: i64,
    ) -> Result<i64> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let touched = sqlx::query(
                "UPDATE conversations SET last_activity = CASE WHEN last_activity > $1 THEN last_activity ELSE $1 END, \
                 last_customer_message_at = CASE WHEN $2 THEN $1 ELSE last_customer_message_at END \
                 WHERE id = $3 AND account_id = $4 AND ($5 IS NULL OR version = $5)",
            )
            .bind(at)
            .bind(kind == MessageKind::In)
            .bind(conversation.0)
            .bind(account.0)
            .bind(decided_on)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if touched == 0 {
                version_miss!(&mut *tx, account, conversation)?;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO messages (account_id, conversation_id, kind, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(account.0)
            .bind(conversation.0)
            .bind(kind.id())
            .bind(author.map(|u| u.0))
            .bind(body)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            insert_event!(&mut *tx, account, EventKind::Message, Some(conversation), Some(id), None, at)?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A conversation's messages, oldest first, after message id `after`, at most `limit`.
    pub async fn messages(
        &self,
        account: AccountId,
        conversation: ConversationId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM {MESSAGES} WHERE m.conversation_id = $1 AND m.account_id = $2 AND m.id > $3 ORDER BY m.id LIMIT $4"
        );
        let mut list: Vec<Message> = with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(conversation.0)
                .bind(account.0)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(message_from).collect::<Result<Vec<_>>>()?
        });
        self.attach(account, &mut list).await?;
        Ok(list)
    }

    /// A conversation's newest messages before message id `before`, at most `limit`, oldest
    /// first (reading a long conversation backwards).
    pub async fn messages_before(
        &self,
        account: AccountId,
        conversation: ConversationId,
        before: i64,
        limit: u32,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM {MESSAGES} WHERE m.conversation_id = $1 AND m.account_id = $2 AND m.id < $3 ORDER BY m.id DESC LIMIT $4"
        );
        let mut list: Vec<Message> = with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(conversation.0)
                .bind(account.0)
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(message_from).collect::<Result<Vec<_>>>()?
        });
        list.reverse();
        self.attach(account, &mut list).await?;
        Ok(list)
    }

    /// Attaches an existing company tag by name (`NotFound("tag")` when the account has no
    /// such tag: creating tags is `tags.company.manage`'s, see [`crate::Tags::create`]).
    /// `decided_on`: see [`Store::add_message`].
    pub async fn tag(
        &self,
        account: AccountId,
        conversation: ConversationId,
        name: &str,
        decided_on: Option<i64>,
        at: i64,
    ) -> Result<()> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            guard_version!(tx, account, conversation, decided_on);
            let tag: Option<i64> = sqlx::query_scalar("SELECT id FROM tags WHERE account_id = $1 AND name = $2")
                .bind(account.0)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
            if tag.is_none() {
                return Err(StoreError::NotFound("tag"));
            }
            sqlx::query(
                "INSERT INTO conversation_tags (account_id, conversation_id, tag_id) \
                 SELECT $1, v.id, t.id FROM conversations v, tags t WHERE v.id = $2 AND v.account_id = $1 AND t.account_id = $1 AND t.name = $3 \
                 ON CONFLICT (conversation_id, tag_id) DO NOTHING",
            )
            .bind(account.0)
            .bind(conversation.0)
            .bind(name)
            .execute(&mut *tx)
            .await?;
            insert_event!(&mut *tx, account, EventKind::Conversation, Some(conversation), None::<i64>, None, at)?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Removes a tag by name; removing a tag the conversation does not have is not an error.
    /// `decided_on`: see [`Store::add_message`].
    pub async fn untag(
        &self,
        account: AccountId,
        conversation: ConversationId,
        name: &str,
        decided_on: Option<i64>,
        at: i64,
    ) -> Result<()> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            guard_version!(tx, account, conversation, decided_on);
            let removed = sqlx::query(
                "DELETE FROM conversation_tags WHERE account_id = $1 AND conversation_id = $2 \
                 AND tag_id IN (SELECT id FROM tags WHERE account_id = $1 AND name = $3)",
            )
            .bind(account.0)
            .bind(conversation.0)
            .bind(name)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if removed > 0 {
                insert_event!(&mut *tx, account, EventKind::Conversation, Some(conversation), None::<i64>, None, at)?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// A conversation's tags, by name.
    pub async fn tags(
        &self,
        account: AccountId,
        conversation: ConversationId,
    ) -> Result<Vec<String>> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT t.name FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.account_id = $1 AND ct.conversation_id = $2 ORDER BY t.name",
        )
        .bind(account.0)
        .bind(conversation.0)
        .fetch_all(pool)
        .await?))
    }
}
