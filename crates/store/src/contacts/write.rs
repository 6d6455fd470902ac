//! Changing contacts: create, edit, merge, erase and import, each one transaction, each
//! followed by an event for every conversation of the contacts it touched.
//!
//! The bodies run on either backend's transaction, so the steps shared by several writes are
//! macros (like `insert_event!`).

use std::collections::BTreeMap;

use access::{AccountId, ConversationId};

use super::{attributes_text, search_text};
use crate::events::{EventKind, insert_event};
use crate::{Result, StoreError, with_pool};

/// What a user writes into a contact. The phone arrives normalised (E.164) by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactWrite {
    /// The name.
    pub name: String,
    /// The phone, E.164.
    pub phone: Option<String>,
    /// The email.
    pub email: Option<String>,
    /// Custom attributes.
    pub attributes: BTreeMap<String, String>,
    /// Contact tags, by name: each must be one of the account's tags.
    pub tags: Vec<String>,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// New contacts.
    pub created: u64,
    /// Existing contacts (found by phone) whose fields were updated.
    pub updated: u64,
}

/// An event for every conversation of contact `$contact`: open panes show the change.
macro_rules! contact_events {
    ($tx:expr, $account:expr, $contact:expr, $at:expr) => {{
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM conversations WHERE contact_id = $1 AND account_id = $2",
        )
        .bind($contact)
        .bind($account.0)
        .fetch_all(&mut *$tx)
        .await?;
        for c in ids {
            insert_event!(
                &mut *$tx,
                $account,
                EventKind::Conversation,
                Some(ConversationId(c)),
                None::<i64>,
                None,
                $at
            )?;
        }
    }};
}

/// Replaces contact `$contact`'s tags by `$tags` (names of the account's tags).
macro_rules! set_tags {
    ($tx:expr, $account:expr, $contact:expr, $tags:expr) => {{
        sqlx::query("DELETE FROM contact_tags WHERE contact_id = $1 AND account_id = $2")
            .bind($contact)
            .bind($account.0)
            .execute(&mut *$tx)
            .await?;
        for name in $tags {
            let done = sqlx::query(
                "INSERT INTO contact_tags (account_id, contact_id, tag_id) SELECT $1, $2, t.id FROM tags t \
                 WHERE t.account_id = $1 AND t.name = $3 ON CONFLICT (contact_id, tag_id) DO NOTHING",
            )
            .bind($account.0)
            .bind($contact)
            .bind(name)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if done == 0 {
                let known: Option<i64> = sqlx::query_scalar("SELECT id FROM tags WHERE account_id = $1 AND name = $2")
                    .bind($account.0)
                    .bind(name)
                    .fetch_optional(&mut *$tx)
                    .await?;
                if known.is_none() {
                    return Err(StoreError::NotFound("tag"));
                }
            }
        }
    }};
}

/// Merges contact `$from` into `$keep` (both of the account): conversations and tags move,
/// `$keep`'s empty fields take `$from`'s (a name that is only the phone counts as empty), its
/// attributes gain those it lacks, and `$from` is deleted.
macro_rules! merge_into {
    ($tx:expr, $account:expr, $keep:expr, $from:expr) => {{
        let (keep, from): (i64, i64) = ($keep, $from);
        let read = |id: i64| {
            sqlx::query_as::<_, (String, Option<String>, Option<String>, String)>(
                "SELECT name, phone, email, attributes FROM contacts WHERE id = $1 AND account_id = $2 AND erased_at IS NULL",
            )
            .bind(id)
            .bind($account.0)
        };
        let k = read(keep).fetch_optional(&mut *$tx).await?;
        let f = read(from).fetch_optional(&mut *$tx).await?;
        let (Some(k), Some(f)) = (k, f) else {
            return Err(StoreError::NotFound("contact"));
        };
        let placeholder = |name: &str, phone: &Option<String>| name.trim().is_empty() || phone.as_deref() == Some(name);
        let name = if placeholder(&k.0, &k.1) && !placeholder(&f.0, &f.1) { f.0.clone() } else { k.0.clone() };
        let phone = k.1.clone().or(f.1.clone());
        let email = k.2.clone().or(f.2.clone());
        let mut attributes = super::attributes_from(&f.3);
        attributes.extend(super::attributes_from(&k.3));
        sqlx::query("UPDATE conversations SET contact_id = $1, version = version + 1 WHERE contact_id = $2 AND account_id = $3")
            .bind(keep)
            .bind(from)
            .bind($account.0)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(
            "INSERT INTO contact_tags (account_id, contact_id, tag_id) SELECT account_id, $1, tag_id FROM contact_tags \
             WHERE contact_id = $2 AND account_id = $3 ON CONFLICT (contact_id, tag_id) DO NOTHING",
        )
        .bind(keep)
        .bind(from)
        .bind($account.0)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("DELETE FROM contact_tags WHERE contact_id = $1 AND account_id = $2")
            .bind(from)
            .bind($account.0)
            .execute(&mut *$tx)
            .await?;
        sqlx::query("DELETE FROM contacts WHERE id = $1 AND account_id = $2")
            .bind(from)
            .bind($account.0)
            .execute(&mut *$tx)
            .await?;
        let (sort_name, search) = search_text(&name, email.as_deref(), phone.as_deref());
        sqlx::query(
            "UPDATE contacts SET name = $1, phone = $2, email = $3, attributes = $4, sort_name = $5, search = $6 \
             WHERE id = $7 AND account_id = $8",
        )
        .bind(&name)
        .bind(&phone)
        .bind(&email)
        .bind(super::attributes_text(&attributes))
        .bind(sort_name)
        .bind(search)
        .bind(keep)
        .bind($account.0)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use merge_into;

/// A phone taken by another contact: a conflict naming it (the caller decides whether the
/// user may learn of it).
fn phone_taken(e: StoreError) -> StoreError {
    if e.is_unique_violation() {
        StoreError::conflict("phone_taken", "another contact has the phone")
    } else {
        e
    }
}

impl crate::Contacts<'_> {
    /// Creates a contact; a `phone_taken` conflict when another contact has the phone.
    pub async fn create(&self, account: AccountId, c: &ContactWrite, now: i64) -> Result<i64> {
        let (sort_name, search) = search_text(&c.name, c.email.as_deref(), c.phone.as_deref());
        let attributes = attributes_text(&c.attributes);
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO contacts (account_id, name, phone, email, attributes, sort_name, search, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(account.0)
            .bind(&c.name)
            .bind(&c.phone)
            .bind(&c.email)
            .bind(&attributes)
            .bind(&sort_name)
            .bind(&search)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| phone_taken(e.into()))?;
            set_tags!(tx, account, id, &c.tags);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Replaces a contact's fields; `NotFound("contact")` when the account has no such contact,
    /// a `phone_taken` conflict when another contact has the phone.
    pub async fn update(
        &self,
        account: AccountId,
        id: i64,
        c: &ContactWrite,
        now: i64,
    ) -> Result<()> {
        let (sort_name, search) = search_text(&c.name, c.email.as_deref(), c.phone.as_deref());
        let attributes = attributes_text(&c.attributes);
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let done = sqlx::query(
                "UPDATE contacts SET name = $1, phone = $2, email = $3, attributes = $4, sort_name = $5, search = $6, updated_at = $7 \
                 WHERE id = $8 AND account_id = $9 AND erased_at IS NULL",
            )
            .bind(&c.name)
            .bind(&c.phone)
            .bind(&c.email)
            .bind(&attributes)
            .bind(&sort_name)
            .bind(&search)
            .bind(now)
            .bind(id)
            .bind(account.0)
            .execute(&mut *tx)
            .await
            .map_err(|e| phone_taken(e.into()))?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound("contact"));
            }
            set_tags!(tx, account, id, &c.tags);
            contact_events!(tx, account, id, now);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Merges contact `from` into `keep` (see the module): `from`'s conversations become
    /// `keep`'s, and `from` is gone.
    pub async fn merge(&self, account: AccountId, keep: i64, from: i64, now: i64) -> Result<()> {
        if keep == from {
            return Err(StoreError::conflict(
                "same_contact",
                "a contact cannot be merged into itself",
            ));
        }
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            merge_into!(tx, account, keep, from);
            sqlx::query("UPDATE contacts SET updated_at = $1 WHERE id = $2").bind(now).bind(keep).execute(&mut *tx).await?;
            contact_events!(tx, account, keep, now);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Erases a contact's personal data (ACCESS-MODEL v2, LGPD art. 18): name, phone, email,
    /// attributes and tags; the bodies, templates and reactions of every message of its
    /// conversations (outgoing ones not sent yet are not sent); the attachments' rows. The
    /// conversations stay, anonymous. Answers the file store keys to delete once committed.
    pub async fn erase(&self, account: AccountId, id: i64, now: i64) -> Result<Vec<String>> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let done = sqlx::query(
                "UPDATE contacts SET name = '', phone = NULL, email = NULL, attributes = '{}', sort_name = '', search = '', \
                 updated_at = $1, erased_at = $1 WHERE id = $2 AND account_id = $3 AND erased_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .bind(account.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound("contact"));
            }
            sqlx::query("DELETE FROM contact_tags WHERE contact_id = $1 AND account_id = $2")
                .bind(id)
                .bind(account.0)
                .execute(&mut *tx)
                .await?;
            let of_contact = "SELECT id FROM conversations WHERE contact_id = $1 AND account_id = $2";
            let keys: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "DELETE FROM attachments WHERE account_id = $2 AND conversation_id IN ({of_contact}) RETURNING storage_key"
            )))
            .bind(id)
            .bind(account.0)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE messages SET body = '', template = NULL, reaction = NULL, delivery_error = NULL, next_attempt_at = NULL, \
                 delivery = CASE WHEN delivery = 'pending' THEN 'failed' ELSE delivery END \
                 WHERE account_id = $2 AND conversation_id IN ({of_contact})"
            )))
            .bind(id)
            .bind(account.0)
            .execute(&mut *tx)
            .await?;
            contact_events!(tx, account, id, now);
            tx.commit().await?;
            Ok(keys.into_iter().flatten().collect())
        })
    }

    /// Imports rows all or nothing: a row whose phone belongs to a contact updates it (the
    /// row's non-empty fields win, tags are added), any other row creates a contact. The rows
    /// were checked by the caller (phones normalised, no phone twice).
    pub async fn import(
        &self,
        account: AccountId,
        rows: &[ContactWrite],
        now: i64,
    ) -> Result<Imported> {
        let mut outcome = Imported::default();
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            for c in rows {
                let existing: Option<(i64, String, Option<String>, String)> = match &c.phone {
                    Some(p) => sqlx::query_as(
                        "SELECT id, name, email, attributes FROM contacts WHERE account_id = $1 AND phone = $2",
                    )
                    .bind(account.0)
                    .bind(p)
                    .fetch_optional(&mut *tx)
                    .await?,
                    None => None,
                };
                let id = match existing {
                    Some((id, name, email, attributes)) => {
                        let name = if c.name.trim().is_empty() { name } else { c.name.clone() };
                        let email = c.email.clone().or(email);
                        let mut merged = super::attributes_from(&attributes);
                        merged.extend(c.attributes.clone());
                        let (sort_name, search) = search_text(&name, email.as_deref(), c.phone.as_deref());
                        sqlx::query(
                            "UPDATE contacts SET name = $1, email = $2, attributes = $3, sort_name = $4, search = $5, updated_at = $6, \
                             erased_at = NULL WHERE id = $7",
                        )
                        .bind(&name)
                        .bind(&email)
                        .bind(attributes_text(&merged))
                        .bind(sort_name)
                        .bind(search)
                        .bind(now)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        outcome.updated += 1;
                        id
                    }
                    None => {
                        let (sort_name, search) = search_text(&c.name, c.email.as_deref(), c.phone.as_deref());
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO contacts (account_id, name, phone, email, attributes, sort_name, search, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                        )
                        .bind(account.0)
                        .bind(&c.name)
                        .bind(&c.phone)
                        .bind(&c.email)
                        .bind(attributes_text(&c.attributes))
                        .bind(sort_name)
                        .bind(search)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(|e| phone_taken(e.into()))?;
                        outcome.created += 1;
                        id
                    }
                };
                // Tags were checked by the caller against the account's; unknown ones add nothing.
                for name in &c.tags {
                    sqlx::query(
                        "INSERT INTO contact_tags (account_id, contact_id, tag_id) SELECT $1, $2, t.id FROM tags t \
                         WHERE t.account_id = $1 AND t.name = $3 ON CONFLICT (contact_id, tag_id) DO NOTHING",
                    )
                    .bind(account.0)
                    .bind(id)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(outcome)
        })
    }
}
