//! The audit story's "nothing changed" part: a form saved as it was writes nothing (no audit
//! row, no change), while the answer is the object as it is.

use serde_json::json;

use super::{Audit, from};

/// Saves department `dept` (named `name`) as it is, then with a change: only the change is a row.
pub(super) async fn unchanged(a: &mut Audit<'_>, dept: i64, name: &str) {
    let path = format!("/api/v1/departments/{dept}");
    let last = a.last_id().await;
    let same = json!({ "name": name });
    let r = from(
        a.w.addr,
        "PATCH",
        &path,
        Some(&a.dona),
        &a.w.far,
        Some(same),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["name"],
        name,
        "the answer is the department as it is"
    );
    assert_eq!(a.last_id().await, last, "saved unchanged: no audit row");
    let other = json!({ "name": format!("{name} 2") });
    let r = from(
        a.w.addr,
        "PATCH",
        &path,
        Some(&a.dona),
        &a.w.far,
        Some(other),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(a.last_id().await > last, "a real change is recorded");
}
