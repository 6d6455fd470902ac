//! Contacts: the account's address book. One contact per person: a phone is stored in E.164
//! (`atende-phone`), and no two contacts of an account share one (a unique index, added by
//! [`phones`] once the duplicates of older versions were merged).
//!
//! A listing or search is compiled from the engine's [`ContactScope`] (the whole account with
//! `contacts.view`, else the contacts of the conversations whose details the caller sees), never
//! decided here. Pages are ordered by the folded name and continue from a keyset cursor.
//! Changes (edit, merge, erase, import) are written in one transaction each, with an event for
//! every conversation of the contacts they touch, so open conversations show the new name.

mod phones;
mod write;

use std::collections::{BTreeMap, HashMap};

use access::{AccountId, ContactScope};
use sqlx::Row;

use crate::compile::{Value, contact_listing};
use crate::{Result, with_pool};

pub use phones::fold;
pub(crate) use phones::{normalise_phones, search_text};
pub use write::{ContactWrite, Imported};

/// A contact as the address book shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRecord {
    /// The id.
    pub id: i64,
    /// The name.
    pub name: String,
    /// The phone in E.164 (or a generic channel's own id for the contact).
    pub phone: Option<String>,
    /// The email.
    pub email: Option<String>,
    /// Custom attributes (name → text).
    pub attributes: BTreeMap<String, String>,
    /// The contact tags, by name.
    pub tags: Vec<String>,
    /// When it was created (seconds).
    pub created_at: i64,
    /// When it was last changed by a user (seconds).
    pub updated_at: Option<i64>,
}

/// Where a page of contacts continues: after this (folded name, id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactCursor {
    /// The last row's folded name.
    pub sort_name: String,
    /// The last row's id.
    pub id: i64,
}

/// A page of contacts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactPage {
    /// The contacts, by name.
    pub items: Vec<ContactRecord>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<ContactCursor>,
}

const COLUMNS: &str = "id, name, phone, email, attributes, created_at, updated_at, sort_name";

fn attributes_text(a: &BTreeMap<String, String>) -> String {
    serde_json::to_string(a).unwrap_or_else(|_| "{}".to_owned())
}

fn attributes_from(text: &str) -> BTreeMap<String, String> {
    // Written only by this module, as a JSON object of texts; anything else reads as empty.
    serde_json::from_str(text).unwrap_or_default()
}

/// Reads a row of [`COLUMNS`] (a macro: the body is compiled for each backend's row type).
macro_rules! record {
    ($r:expr) => {{
        let r = $r;
        let attributes: String = r.try_get(4)?;
        let sort_name: String = r.try_get(7)?;
        Ok::<_, crate::StoreError>((
            ContactRecord {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                phone: r.try_get(2)?,
                email: r.try_get(3)?,
                attributes: attributes_from(&attributes),
                tags: Vec::new(),
                created_at: r.try_get(5)?,
                updated_at: r.try_get(6)?,
            },
            sort_name,
        ))
    }};
}

impl crate::Contacts<'_> {
    /// A page of the contacts in `scope`, by name, optionally only those matching `search` (a
    /// name, an email or a phone in any format), continuing after `after`.
    pub async fn list(
        &self,
        scope: &ContactScope,
        search: Option<&str>,
        after: Option<&ContactCursor>,
        limit: u32,
    ) -> Result<ContactPage> {
        let Some(compiled) = contact_listing(scope, search, after, limit + 1, self.store.backend())
        else {
            return Ok(ContactPage::default());
        };
        let mut items: Vec<(ContactRecord, String)> = with_pool!(self, pool => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(compiled.sql));
            for v in compiled.binds {
                q = match v {
                    Value::Int(i) => q.bind(i),
                    Value::Text(t) => q.bind(t),
                };
            }
            let rows = q.fetch_all(pool).await?;
            rows.iter().map(|r| record!(r)).collect::<Result<Vec<_>>>()?
        });
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|(c, sort_name)| ContactCursor {
                sort_name: sort_name.clone(),
                id: c.id,
            })
        } else {
            None
        };
        let mut items: Vec<ContactRecord> = items.into_iter().map(|(c, _)| c).collect();
        self.fill_tags(scope.account, &mut items).await?;
        Ok(ContactPage { items, next })
    }

    /// One contact of the account (not erased), without deciding who may see it: the caller
    /// asks `contact_visible` with [`crate::Inbox::contact_conversations`] first.
    pub async fn get(&self, account: AccountId, id: i64) -> Result<Option<ContactRecord>> {
        let row = with_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} FROM contacts WHERE id = $1 AND account_id = $2 AND erased_at IS NULL");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(account.0).fetch_optional(pool).await?;
            row.as_ref().map(|r| record!(r)).transpose()?
        });
        let Some((c, _)) = row else {
            return Ok(None);
        };
        let mut one = vec![c];
        self.fill_tags(account, &mut one).await?;
        Ok(one.pop())
    }

    /// The contact of the account with this phone (E.164), erased or not excluded.
    pub async fn by_phone(&self, account: AccountId, phone: &str) -> Result<Option<i64>> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM contacts WHERE account_id = $1 AND phone = $2 ORDER BY id LIMIT 1",
        )
        .bind(account.0)
        .bind(phone)
        .fetch_optional(pool)
        .await?))
    }

    async fn fill_tags(&self, account: AccountId, items: &mut [ContactRecord]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = items.iter().map(|c| c.id.to_string()).collect();
        // Ids are integers read from the database: written inline.
        let sql = format!(
            "SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id \
             WHERE ct.account_id = $1 AND ct.contact_id IN ({}) ORDER BY t.name",
            ids.join(", ")
        );
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        with_pool!(self, pool => {
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.0).fetch_all(pool).await? {
                tags.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
            }
        });
        for c in items {
            if let Some(t) = tags.remove(&c.id) {
                c.tags = t;
            }
        }
        Ok(())
    }
}
