//! The audit story's tags part: a company tag created, recoloured, renamed, merged and removed,
//! each write recorded once, each refusal too.

use access::UserId;
use serde_json::json;

use super::Audit;

/// A company tag through its life.
pub(super) async fn tags(
    a: &mut Audit<'_>,
    stamp: &str,
    dona: (&str, UserId),
    ana: (&str, UserId),
) {
    let (ok, denied) = ("ok", "denied: ");
    let t = "/api/v1/tags";
    let tag_body = json!({"name": format!("auditada-{stamp}")});
    a.once(
        ana,
        "POST",
        t,
        t,
        Some(tag_body.clone()),
        403,
        "tag.create",
        denied,
    )
    .await;
    a.once(dona, "POST", t, t, Some(tag_body), 201, "tag.create", ok)
        .await;
    let other = json!({"name": format!("outra-{stamp}"), "colour": "teal"});
    a.once(dona, "POST", t, t, Some(other), 201, "tag.create", ok)
        .await;

    let one = "/api/v1/tags/{name}";
    let p = format!("/api/v1/tags/auditada-{stamp}");
    let change = json!({"colour": "blue"});
    a.once(
        ana,
        "PATCH",
        one,
        &p,
        Some(change.clone()),
        403,
        "tag.update",
        denied,
    )
    .await;
    let (_, row) = a
        .once(dona, "PATCH", one, &p, Some(change), 200, "tag.update", ok)
        .await;
    assert_eq!(row["before"]["colour"], "gray", "{row}");
    assert_eq!(row["after"]["colour"], "blue", "{row}");

    let merge = "/api/v1/tags/{name}/merge";
    let m = format!("/api/v1/tags/outra-{stamp}/merge");
    let into = json!({"into": format!("auditada-{stamp}")});
    a.once(
        ana,
        "POST",
        merge,
        &m,
        Some(into.clone()),
        403,
        "tag.merge",
        denied,
    )
    .await;
    let (_, row) = a
        .once(dona, "POST", merge, &m, Some(into), 200, "tag.merge", ok)
        .await;
    assert_eq!(
        row["after"]["merged_into"],
        format!("auditada-{stamp}"),
        "{row}"
    );

    a.once(ana, "DELETE", one, &p, None, 403, "tag.delete", denied)
        .await;
    a.once(dona, "DELETE", one, &p, None, 204, "tag.delete", ok)
        .await;
}
