//! The keys contacts are ordered and searched by, and the one-time step that brought contacts of
//! older versions to one per phone.

use std::collections::BTreeMap;

use access::AccountId;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::write::merge_into;
use crate::{Backend, Result, StoreError, with_pool};

/// A text as it is compared: lower case, without accents (`João` → `joao`), spaces collapsed.
pub fn fold(text: &str) -> String {
    let lowered: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    lowered.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `(sort_name, search)` of a contact: its folded name, and its folded name, email and phone
/// digits, which a search looks into.
pub(crate) fn search_text(
    name: &str,
    email: Option<&str>,
    phone: Option<&str>,
) -> (String, String) {
    let sort_name = fold(name);
    let mut search = sort_name.clone();
    for part in [
        email.map(fold),
        phone.map(|p| p.trim_start_matches('+').to_owned()),
    ]
    .into_iter()
    .flatten()
    {
        search.push(' ');
        search.push_str(&part);
    }
    (sort_name, search)
}

/// The step's name in `data_migrations`.
const STEP: &str = "0010_contact_phones_e164";

/// Once per database, after migration 10: every phone to E.164 (the Brazilian ninth digit
/// added), the contacts that turn out to share a phone merged into the oldest (its
/// conversations, tags, and the fields it lacks), the sort and search keys filled, and the
/// unique index on `(account_id, phone)` added. One transaction (serialised across nodes on
/// PostgreSQL); recorded so that it runs once.
pub(crate) async fn normalise_phones(store: &crate::Store) -> Result<()> {
    with_pool!(store, pool, begin => {
        let mut tx = pool.begin_with(begin).await?;
        if store.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7242010001)").execute(&mut *tx).await?;
        }
        let done: Option<String> = sqlx::query_scalar("SELECT name FROM data_migrations WHERE name = $1")
            .bind(STEP)
            .fetch_optional(&mut *tx)
            .await?;
        if done.is_some() {
            return Ok(());
        }
        let rows: Vec<(i64, i64, Option<String>)> =
            sqlx::query_as("SELECT id, account_id, phone FROM contacts ORDER BY id")
                .fetch_all(&mut *tx)
                .await?;
        // (account, key) → the oldest contact with it; the others merge into it.
        let mut owner: BTreeMap<(i64, String), i64> = BTreeMap::new();
        let mut merges: Vec<(i64, i64, i64)> = Vec::new();
        let mut keys: Vec<(i64, Option<String>)> = Vec::new();
        for (id, account, phone) in &rows {
            let key = phone.as_deref().map(phone::contact_key).filter(|k| !k.is_empty());
            if let Some(k) = &key {
                match owner.get(&(*account, k.clone())) {
                    Some(keep) => {
                        merges.push((*account, *keep, *id));
                        continue;
                    }
                    None => {
                        owner.insert((*account, k.clone()), *id);
                    }
                }
            }
            keys.push((*id, key));
        }
        for (account, keep, from) in merges {
            let account = AccountId(account);
            // The survivor still has its old phone form here: merge first, key after.
            merge_into!(tx, account, keep, from);
        }
        for (id, key) in keys {
            let (name, email, old_phone): (String, Option<String>, Option<String>) =
                sqlx::query_as("SELECT name, email, phone FROM contacts WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            // A name that was only the phone (a customer without a profile name) follows it.
            let name = match (&old_phone, &key) {
                (Some(old), Some(k)) if *old == name => k.clone(),
                _ => name,
            };
            let (sort_name, search) = search_text(&name, email.as_deref(), key.as_deref());
            sqlx::query("UPDATE contacts SET name = $1, phone = $2, sort_name = $3, search = $4 WHERE id = $5")
                .bind(&name)
                .bind(&key)
                .bind(sort_name)
                .bind(search)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("CREATE UNIQUE INDEX contacts_phone_unique ON contacts(account_id, phone) WHERE phone IS NOT NULL")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO data_migrations (name) VALUES ($1)")
            .bind(STEP)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_spacing() {
        assert_eq!(fold("  João   da SILVA "), "joao da silva");
        assert_eq!(fold("Conceição"), "conceicao");
        assert_eq!(
            search_text("Ana", Some("Ana@X.com"), Some("+5585988511238")),
            ("ana".to_owned(), "ana ana@x.com 5585988511238".to_owned())
        );
    }
}
