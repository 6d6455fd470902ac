//! The audit story's webhook actions: a test event sent (its delivery fails: nobody listens on
//! the discard port) and, once the webhook was paused and resumed, that delivery sent again.

use access::UserId;
use serde_json::json;

use super::Audit;

/// Before the story pauses the webhook: a test event; answers its delivery.
pub(super) async fn sent_and_paused(
    a: &mut Audit<'_>,
    hook: i64,
    dona: (&str, UserId),
    ana: (&str, UserId),
) -> i64 {
    let (ok, denied) = ("ok", "denied: ");
    let t = "/api/v1/webhooks/{id}/test";
    let p = format!("/api/v1/webhooks/{hook}/test");
    a.once(ana, "POST", t, &p, None, 403, "webhook.test", denied)
        .await;
    let (r, _) = a
        .once(dona, "POST", t, &p, None, 202, "webhook.test", ok)
        .await;
    r.json()["delivery_id"].as_i64().unwrap()
}

/// After the story paused it (which failed the pending test delivery): resumed, then sent
/// again.
pub(super) async fn resumed_and_resent(
    a: &mut Audit<'_>,
    (hook, delivery): (i64, i64),
    dona: (&str, UserId),
    ana: (&str, UserId),
) {
    let (ok, denied) = ("ok", "denied: ");
    let p = format!("/api/v1/webhooks/{hook}");
    a.once(
        dona,
        "PATCH",
        "/api/v1/webhooks/{id}",
        &p,
        Some(json!({"active": true})),
        200,
        "webhook.update",
        ok,
    )
    .await;
    let t = "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver";
    let p = format!("/api/v1/webhooks/{hook}/deliveries/{delivery}/redeliver");
    a.once(ana, "POST", t, &p, None, 403, "webhook.redeliver", denied)
        .await;
    a.once(dona, "POST", t, &p, None, 202, "webhook.redeliver", ok)
        .await;
}
