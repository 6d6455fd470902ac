//! The company's tags as a catalogue (the tags screen): listed with their colour, created,
//! renamed, recoloured, merged into another and removed, and counted over the conversations a
//! plan lists. Attaching a tag to a conversation is the conversation's business
//! ([`crate::Inbox::tag`]).

use access::{AccountId, ConversationId, DetailsPlan};

use crate::compile;
use crate::events::{EventKind, insert_event};
use crate::{Result, StoreError, with_pool};

/// Deletes tag `$tag` with its conversation and contact rows, inside transaction `$tx`;
/// answers the conversations that carried it (a macro: its body is compiled for each backend).
macro_rules! remove {
    ($tx:expr, $account:expr, $tag:expr) => {{
        let account: AccountId = $account;
        let tag: i64 = $tag;
        let carrying: Vec<i64> = sqlx::query_scalar(
            "DELETE FROM conversation_tags WHERE account_id = $1 AND tag_id = $2 RETURNING conversation_id",
        )
        .bind(account.0)
        .bind(tag)
        .fetch_all(&mut *$tx)
        .await?;
        sqlx::query("DELETE FROM contact_tags WHERE account_id = $1 AND tag_id = $2")
            .bind(account.0)
            .bind(tag)
            .execute(&mut *$tx)
            .await?;
        sqlx::query("DELETE FROM tags WHERE id = $1 AND account_id = $2")
            .bind(tag)
            .bind(account.0)
            .execute(&mut *$tx)
            .await?;
        carrying
    }};
}

/// A company tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// Its name, unique in the account.
    pub name: String,
    /// Its colour: a name of the web UI's palette (`gray` by default).
    pub colour: String,
}

impl crate::Tags<'_> {
    /// The account's tags, by name.
    pub async fn list(&self, account: AccountId) -> Result<Vec<Tag>> {
        let rows: Vec<(String, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT name, colour FROM tags WHERE account_id = $1 ORDER BY name",
        )
        .bind(account.0)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(name, colour)| Tag { name, colour })
            .collect())
    }

    /// The account's tag names, by name.
    pub async fn names(&self, account: AccountId) -> Result<Vec<String>> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT name FROM tags WHERE account_id = $1 ORDER BY name",
        )
        .bind(account.0)
        .fetch_all(pool)
        .await?))
    }

    /// How many conversations of `plan` carry each tag, by name (tags no listed conversation
    /// carries are absent). The plan is a [`DetailsPlan`]: a tag is a detail of the
    /// conversation, so a count never looks into what hide-until-assumed hides.
    pub async fn counts(&self, plan: &DetailsPlan) -> Result<Vec<(String, u64)>> {
        let Some(q) = compile::tag_counts(plan.plan()) else {
            return Ok(Vec::new());
        };
        let rows: Vec<(String, i64)> = with_pool!(self, pool => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(q.sql));
            for v in q.binds {
                query = match v {
                    compile::Value::Int(i) => query.bind(i),
                    compile::Value::Text(t) => query.bind(t),
                };
            }
            query.fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(name, n)| {
                u64::try_from(n)
                    .map(|n| (name, n))
                    .map_err(|_| StoreError::corrupt("conversation_tags", format!("count {n}")))
            })
            .collect()
    }

    /// Creates a company tag (`Conflict("tag_exists")` when the account has one by that name).
    pub async fn create(&self, account: AccountId, name: &str, colour: &str) -> Result<()> {
        with_pool!(self, pool => {
            let done = sqlx::query("INSERT INTO tags (account_id, name, colour) VALUES ($1, $2, $3) ON CONFLICT (account_id, name) DO NOTHING")
                .bind(account.0)
                .bind(name)
                .bind(colour)
                .execute(pool)
                .await?
                .rows_affected();
            if done == 0 {
                return Err(exists(name));
            }
        });
        Ok(())
    }

    /// Renames `name` to `new_name` and sets its colour: the tag as it was, or
    /// `NotFound("tag")`; `Conflict("tag_exists")` when another tag has the new name (merge
    /// them instead). Every conversation carrying it gets an event when the name changes.
    pub async fn update(
        &self,
        account: AccountId,
        name: &str,
        new_name: &str,
        colour: &str,
        at: i64,
    ) -> Result<Tag> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let found: Option<(i64, String)> = sqlx::query_as("SELECT id, colour FROM tags WHERE account_id = $1 AND name = $2")
                .bind(account.0)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((id, old_colour)) = found else {
                return Err(StoreError::NotFound("tag"));
            };
            if new_name != name {
                let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM tags WHERE account_id = $1 AND name = $2")
                    .bind(account.0)
                    .bind(new_name)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Err(exists(new_name));
                }
            }
            sqlx::query("UPDATE tags SET name = $1, colour = $2 WHERE id = $3 AND account_id = $4")
                .bind(new_name)
                .bind(colour)
                .bind(id)
                .bind(account.0)
                .execute(&mut *tx)
                .await?;
            if new_name != name {
                let carrying: Vec<i64> = sqlx::query_scalar(
                    "SELECT conversation_id FROM conversation_tags WHERE account_id = $1 AND tag_id = $2 ORDER BY conversation_id",
                )
                .bind(account.0)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                for c in carrying {
                    insert_event!(&mut *tx, account, EventKind::Conversation, Some(ConversationId(c)), None::<i64>, None, at)?;
                }
            }
            tx.commit().await?;
            Ok(Tag { name: name.to_owned(), colour: old_colour })
        })
    }

    /// Merges tag `name` into tag `into`: every conversation and contact carrying `name`
    /// carries `into` instead (once), and `name` is removed. Answers how many conversations
    /// carried `name`; `NotFound("tag")` when either is missing, `Conflict("same_tag")` when
    /// they are the same. Each conversation that carried `name` gets an event.
    pub async fn merge(&self, account: AccountId, name: &str, into: &str, at: i64) -> Result<u64> {
        if name == into {
            return Err(StoreError::conflict(
                "same_tag",
                "a tag cannot be merged into itself",
            ));
        }
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let from: Option<i64> = sqlx::query_scalar("SELECT id FROM tags WHERE account_id = $1 AND name = $2")
                .bind(account.0)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
            let to: Option<i64> = sqlx::query_scalar("SELECT id FROM tags WHERE account_id = $1 AND name = $2")
                .bind(account.0)
                .bind(into)
                .fetch_optional(&mut *tx)
                .await?;
            let (Some(from), Some(to)) = (from, to) else {
                return Err(StoreError::NotFound("tag"));
            };
            sqlx::query(
                "INSERT INTO conversation_tags (account_id, conversation_id, tag_id) \
                 SELECT account_id, conversation_id, $3 FROM conversation_tags WHERE account_id = $1 AND tag_id = $2 \
                 ON CONFLICT (conversation_id, tag_id) DO NOTHING",
            )
            .bind(account.0)
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO contact_tags (account_id, contact_id, tag_id) \
                 SELECT account_id, contact_id, $3 FROM contact_tags WHERE account_id = $1 AND tag_id = $2 \
                 ON CONFLICT DO NOTHING",
            )
            .bind(account.0)
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
            let carrying = remove!(tx, account, from);
            let n = carrying.len() as u64;
            for c in carrying {
                insert_event!(&mut *tx, account, EventKind::Conversation, Some(ConversationId(c)), None::<i64>, None, at)?;
            }
            tx.commit().await?;
            Ok(n)
        })
    }

    /// Removes a company tag from the account and from every conversation and contact carrying
    /// it (each conversation gets an event); `NotFound("tag")` when there is none by that name.
    pub async fn delete(&self, account: AccountId, name: &str, at: i64) -> Result<()> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let tag: Option<i64> = sqlx::query_scalar("SELECT id FROM tags WHERE account_id = $1 AND name = $2")
                .bind(account.0)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(tag) = tag else {
                return Err(StoreError::NotFound("tag"));
            };
            for c in remove!(tx, account, tag) {
                insert_event!(&mut *tx, account, EventKind::Conversation, Some(ConversationId(c)), None::<i64>, None, at)?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

fn exists(name: &str) -> StoreError {
    StoreError::conflict("tag_exists", format!("the tag `{name}` exists already"))
}
