//! The audit story's contacts part: personal data changed, merged, erased, and imports.

use access::UserId;
use serde_json::json;

use super::{Audit, from};

/// Contacts' writes: an agent (no `contacts.edit`) is refused and recorded; the owner's
/// creation, change, merge and erasure are recorded with what changed.
pub(super) async fn contacts(a: &mut Audit<'_>, dona: (&str, UserId), ana: (&str, UserId)) {
    let (ok, denied) = ("ok", "denied: ");
    let t = "/api/v1/contacts";
    let body = json!({"name": "Contato Auditado"});
    a.once(
        ana,
        "POST",
        t,
        t,
        Some(body.clone()),
        403,
        "contact.create",
        denied,
    )
    .await;
    let (r, _) = a
        .once(dona, "POST", t, t, Some(body), 201, "contact.create", ok)
        .await;
    let k = r.json()["id"].as_i64().unwrap();
    let p = format!("/api/v1/contacts/{k}");
    let t = "/api/v1/contacts/{id}";
    let change = json!({"name": "Contato Alterado", "email": "k@a.example"});
    a.once(dona, "PUT", t, &p, Some(change), 200, "contact.update", ok)
        .await;
    let other = from(
        a.w.addr,
        "POST",
        "/api/v1/contacts",
        Some(&a.dona),
        &a.w.far,
        Some(json!({"name": "Outro"})),
    )
    .await
    .json()["id"]
        .as_i64()
        .unwrap();
    let merge = format!("/api/v1/contacts/{k}/merge");
    let m = "/api/v1/contacts/{id}/merge";
    a.once(
        dona,
        "POST",
        m,
        &merge,
        Some(json!({"from": other})),
        200,
        "contact.merge",
        ok,
    )
    .await;
    let i = "/api/v1/contacts/import";
    a.once(
        ana,
        "POST",
        i,
        &format!("{i}?commit=true"),
        None,
        403,
        "contact.import",
        denied,
    )
    .await;
    a.once(dona, "DELETE", t, &p, None, 204, "contact.erase", ok)
        .await;
}
