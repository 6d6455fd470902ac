//! What the audit log's rows hold beyond each request's row (the rest of `audit_story`): every
//! action written is one of the catalogue the API serves (`GET /api/v1/audit/actions`, labels in
//! both languages), and the rows are append-only in the database itself.

use super::*;
use crate::db::Raw;

/// Every action in the account's rows is in the catalogue, labelled in both languages.
pub(crate) async fn catalogued(w: &World, raw: &Raw, cookie: &str) {
    let r = get(w, cookie, "/api/v1/audit/actions").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let catalogue = r.json();
    let ids: Vec<&str> = catalogue
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert!(a["label_pt"].as_str().is_some_and(|l| !l.is_empty()), "{a}");
            assert!(a["label_en"].as_str().is_some_and(|l| !l.is_empty()), "{a}");
            a["id"].as_str().unwrap()
        })
        .collect();
    let written = raw
        .texts(&format!(
            "SELECT DISTINCT action FROM audit_log WHERE account_id = {}",
            w.a.0
        ))
        .await;
    assert!(written.len() > 20, "{written:?}");
    for action in &written {
        assert!(
            ids.contains(&action.as_str()),
            "`{action}` is not in the catalogue"
        );
    }
}

/// The database refuses UPDATE and DELETE of audit rows, whoever asks.
pub(crate) async fn append_only(w: &World, raw: &Raw, count_sql: &str) {
    let before = raw.scalar(count_sql).await;
    let first = raw
        .scalar(&format!(
            "SELECT MIN(id) FROM audit_log WHERE account_id = {}",
            w.a.0
        ))
        .await;
    let snapshot = raw
        .texts(&format!(
            "SELECT action || result || address FROM audit_log WHERE id = {first}"
        ))
        .await;
    for sql in [
        format!("UPDATE audit_log SET result = 'ok' WHERE id = {first}"),
        format!(
            "UPDATE audit_log SET address = '0.0.0.0' WHERE account_id = {}",
            w.a.0
        ),
        format!("DELETE FROM audit_log WHERE id = {first}"),
        format!("DELETE FROM audit_log WHERE account_id = {}", w.a.0),
    ] {
        let e = raw.execute(&sql).await.unwrap_err();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    if matches!(raw, Raw::Postgres(_)) {
        // TRUNCATE skips row triggers: a statement trigger refuses it (tried in a transaction
        // rolled back, so that the other stories' rows are safe even if it were not refused).
        let e = raw
            .execute_rolled_back("TRUNCATE audit_log CASCADE")
            .await
            .unwrap_err();
        assert!(e.contains("append-only"), "TRUNCATE: {e}");
    }
    assert_eq!(raw.scalar(count_sql).await, before);
    assert_eq!(
        raw.texts(&format!(
            "SELECT action || result || address FROM audit_log WHERE id = {first}"
        ))
        .await,
        snapshot
    );
}
