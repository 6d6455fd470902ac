//! The two migration trees describe one schema (issue 13): after every migration, SQLite and
//! PostgreSQL have the same tables, and each column the same type (SQLite `INTEGER` and
//! PostgreSQL `bigint`, as the store reads every integer as `i64`; `TEXT` and `text`),
//! nullability and default, the same primary keys, and the same indexes (columns, order and
//! uniqueness). What differs by design is not compared: triggers (PostgreSQL orders event ids and
//! protects the audit log with its own), CHECK constraints and partial-index predicates (written
//! in each dialect), and the contacts' text search index (an FTS5 table of trigrams on SQLite, a
//! pg_trgm GIN index on PostgreSQL).

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;

/// A column: type, NOT NULL, default (normalised).
type Column = (String, bool, Option<String>);

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Schema {
    columns: BTreeMap<String, BTreeMap<String, Column>>,
    primary_keys: BTreeMap<String, Vec<String>>,
    /// (table, columns in order, unique).
    indexes: BTreeSet<(String, Vec<String>, bool)>,
}

fn sqlite_type(t: &str) -> String {
    match t.to_ascii_uppercase().as_str() {
        "INTEGER" | "BIGINT" => "integer".to_owned(),
        "TEXT" => "text".to_owned(),
        "BLOB" => "bytes".to_owned(),
        other => format!("sqlite:{other}"),
    }
}

fn postgres_type(t: &str) -> String {
    match t {
        "bigint" => "integer".to_owned(),
        "text" => "text".to_owned(),
        "bytea" => "bytes".to_owned(),
        other => format!("postgres:{other}"),
    }
}

/// A default as both dialects would write the same value: casts dropped, sequences and
/// identities (PostgreSQL's ids) as none (SQLite's `INTEGER PRIMARY KEY` has none either).
fn default_of(d: Option<String>) -> Option<String> {
    let d = d?;
    if d.starts_with("nextval(") {
        return None;
    }
    let d = d.split("::").next().unwrap_or(&d).trim().to_owned();
    Some(d.trim_matches(|c| c == '(' || c == ')').to_owned())
}

pub(crate) async fn sqlite(path: &std::path::Path) -> Schema {
    let url = format!("sqlite://{}", path.display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE 'contacts_search%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut s = Schema::default();
    for t in tables {
        let mut cols = BTreeMap::new();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for r in
            sqlx::query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)")
                .bind(&t)
                .fetch_all(&pool)
                .await
                .unwrap()
        {
            let name: String = r.get(0);
            let pk_pos: i64 = r.get(4);
            if pk_pos > 0 {
                pk.push((pk_pos, name.clone()));
            }
            // A primary key column is NOT NULL in effect (SQLite reports 0 for INTEGER PRIMARY KEY).
            let not_null = r.get::<i64, _>(2) == 1 || pk_pos > 0;
            cols.insert(
                name,
                (
                    sqlite_type(&r.get::<String, _>(1)),
                    not_null,
                    default_of(r.get(3)),
                ),
            );
        }
        pk.sort();
        s.primary_keys
            .insert(t.clone(), pk.into_iter().map(|(_, c)| c).collect());
        for r in sqlx::query("SELECT name, \"unique\", origin FROM pragma_index_list(?)")
            .bind(&t)
            .fetch_all(&pool)
            .await
            .unwrap()
        {
            if r.get::<String, _>(2) == "pk" {
                continue;
            }
            let index: String = r.get(0);
            let columns: Vec<String> = sqlx::query_scalar::<_, Option<String>>(
                "SELECT name FROM pragma_index_info(?) ORDER BY seqno",
            )
            .bind(&index)
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.unwrap_or_else(|| "(expression)".to_owned()))
            .collect();
            s.indexes
                .insert((t.clone(), columns, r.get::<i64, _>(1) == 1));
        }
        s.columns.insert(t, cols);
    }
    s
}

pub(crate) async fn postgres(url: &str) -> Schema {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let mut s = Schema::default();
    for r in sqlx::query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, column_default::text, is_identity::text \
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    {
        let identity = r.get::<Option<String>, _>(5).as_deref() == Some("YES");
        let default = if identity { None } else { default_of(r.get(4)) };
        s.columns.entry(r.get(0)).or_default().insert(
            r.get(1),
            (postgres_type(&r.get::<String, _>(2)), r.get::<String, _>(3) == "NO", default),
        );
    }
    for r in sqlx::query(
        "SELECT t.relname::text, ix.indisunique, ix.indisprimary, \
         array(SELECT COALESCE(a.attname::text, '(expression)') FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord) \
               LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_am am ON am.oid = i.relam \
         WHERE n.nspname = 'public' AND am.amname = 'btree'",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    {
        let table: String = r.get(0);
        let columns: Vec<String> = r.get(3);
        if r.get::<bool, _>(2) {
            s.primary_keys.insert(table, columns);
        } else {
            s.indexes.insert((table, columns, r.get::<bool, _>(1)));
        }
    }
    for t in s.columns.keys() {
        s.primary_keys.entry(t.clone()).or_default();
    }
    s
}

impl Schema {
    pub(crate) fn tables(&self) -> usize {
        self.columns.len()
    }

    pub(crate) fn index_count(&self) -> usize {
        self.indexes.len()
    }
}

/// What one schema has that the other has not, in words (empty when they agree).
pub(crate) fn differences(a: &Schema, b: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let tables: BTreeSet<&String> = a.columns.keys().chain(b.columns.keys()).collect();
    for t in tables {
        let (ca, cb) = (a.columns.get(t), b.columns.get(t));
        let (Some(ca), Some(cb)) = (ca, cb) else {
            out.push(format!(
                "table {t}: only in {}",
                if ca.is_some() { "SQLite" } else { "PostgreSQL" }
            ));
            continue;
        };
        let names: BTreeSet<&String> = ca.keys().chain(cb.keys()).collect();
        for c in names {
            if ca.get(c) != cb.get(c) {
                out.push(format!(
                    "{t}.{c}: SQLite {:?}, PostgreSQL {:?}",
                    ca.get(c),
                    cb.get(c)
                ));
            }
        }
        if a.primary_keys.get(t) != b.primary_keys.get(t) {
            out.push(format!(
                "{t} primary key: SQLite {:?}, PostgreSQL {:?}",
                a.primary_keys.get(t),
                b.primary_keys.get(t)
            ));
        }
    }
    for i in a.indexes.symmetric_difference(&b.indexes) {
        let side = if a.indexes.contains(i) {
            "SQLite"
        } else {
            "PostgreSQL"
        };
        out.push(format!(
            "index on {} {:?} (unique: {}): only in {side}",
            i.0, i.1, i.2
        ));
    }
    out
}
