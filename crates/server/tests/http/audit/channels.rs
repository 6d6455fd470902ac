//! The audit story's channels part: created, changed, tested and deleted, their secrets never
//! in the log.

use access::UserId;
use serde_json::json;

use super::Audit;

/// A generic channel through its life: every write recorded, its token never in a row.
pub(super) async fn channels(
    a: &mut Audit<'_>,
    w: &super::World,
    dona: (&str, UserId),
    ana: (&str, UserId),
) {
    let (ok, denied) = ("ok", "denied: ");
    // Channels (their secrets never reach the log).
    let t = "/api/v1/channels";
    let body = json!({"kind": "generic", "name": "Site", "department_id": w.vendas.0});
    a.once(
        ana,
        "POST",
        t,
        t,
        Some(body.clone()),
        403,
        "channel.create",
        denied,
    )
    .await;
    let (r, row) = a
        .once(dona, "POST", t, t, Some(body), 201, "channel.create", ok)
        .await;
    let channel = r.json()["id"].as_i64().unwrap();
    let token = r.json()["token"].as_str().unwrap().to_owned();
    assert!(!row.to_string().contains(&token), "{row}");
    let t = "/api/v1/channels/{id}";
    let p = format!("/api/v1/channels/{channel}");
    a.once(
        ana,
        "PATCH",
        t,
        &p,
        Some(json!({"name": "S"})),
        403,
        "channel.update",
        denied,
    )
    .await;
    a.once(
        dona,
        "PATCH",
        t,
        &p,
        Some(json!({"name": "Site 2"})),
        200,
        "channel.update",
        ok,
    )
    .await;
    // A connection test changes nothing: only its refusal is recorded.
    let tested = format!("/api/v1/channels/{channel}/test");
    a.once(
        ana,
        "POST",
        "/api/v1/channels/{id}/test",
        &tested,
        None,
        403,
        "channel.test",
        denied,
    )
    .await;
    a.once(ana, "DELETE", t, &p, None, 403, "channel.delete", denied)
        .await;
    a.once(dona, "DELETE", t, &p, None, 204, "channel.delete", ok)
        .await;
}
