//! What the webhooks screen does besides editing (`settings.webhooks`): "Enviar evento de
//! teste" queues a `webhook.test` delivery (no conversation in it) that goes through the same
//! worker, signature, egress policy, retries and log as any event; "Reenviar" queues a
//! finished delivery again (the same delivery, id and payload, with a new cycle of attempts: a
//! receiver that deduplicates on the event `id` sees one event, delivered late). A delivery the caller may not see now (its conversation, or its details, hidden
//! from them) is not found, as in the log.

use crate::error_codes as codes;
use access::{Decision, Permission, Reason};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use store::NewDelivery;
use utoipa::ToSchema;

use super::Attempt;
use crate::audit_action::AuditAction;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::input::Path;
use crate::outbound_webhooks::{payload, principal};
use crate::state::AppState;

/// A delivery queued.
#[derive(Serialize, ToSchema)]
pub struct Queued {
    /// The delivery's id (`X-Atende-Delivery`), in the webhook's log.
    pub delivery_id: i64,
}

/// Sends a test event to a webhook now (`settings.webhooks`): a `webhook.test` delivery, in its
/// log like any; 409 `webhook_paused` when the webhook is paused.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 202, body = Queued), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<(StatusCode, axum::Json<Queued>), ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::WebhookTest,
        format!("webhook#{id}"),
    );
    let granted = at.gate(Permission::SettingsWebhooks).await?;
    let account = caller.owner.account;
    let Some(hook) = state.store.webhooks().webhook(account, id).await? else {
        return Err(at
            .refuse(&Decision::not_found(vec![Reason::TargetNotFound]), None)
            .await);
    };
    if !hook.active {
        return Err(ApiError::conflict_because(
            codes::WEBHOOK_PAUSED,
            "the webhook is paused: resume it to send a test event",
        ));
    }
    let now = state.clock.now_micros();
    // Negative: no event of the log has it; unique per webhook (the µs of the request and a
    // random thousandth, so that two tests in one µs do not collide).
    let salt = crate::secret::random_token("")
        .ok()
        .and_then(|t| i64::from_str_radix(t.get(..4)?, 16).ok())
        .unwrap_or(0)
        % 1000;
    let event_id = -(now.saturating_mul(1000) + salt);
    let body = payload::test_payload(event_id, account, now);
    let delivery = NewDelivery {
        event_id,
        event_type: payload::TEST_EVENT.to_owned(),
        payload: body.to_string(),
    };
    let delivery_id = state
        .store
        .webhooks()
        .enqueue_one(account, id, &delivery, now)
        .await?;
    at.record_change(&granted, None, Some(&json!({"delivery_id": delivery_id})))
        .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(Queued { delivery_id })))
}

/// Queues a delivered or failed delivery again (`settings.webhooks`), due now; 409
/// `delivery_pending` while it is still being delivered, `webhook_paused` while its webhook is
/// paused. A delivery whose conversation the
/// caller does not see now is not found.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), ("delivery" = i64, Path, description = "Delivery id")),
    responses((status = 202, body = Queued), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn redeliver(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, delivery)): Path<(i64, i64)>,
) -> Result<(StatusCode, axum::Json<Queued>), ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::WebhookRedeliver,
        format!("webhook#{id}/delivery#{delivery}"),
    );
    let granted = at.gate(Permission::SettingsWebhooks).await?;
    let account = caller.owner.account;
    let missing = Decision::not_found(vec![Reason::TargetNotFound]);
    let Some(d) = state
        .store
        .webhooks()
        .delivery(account, id, delivery)
        .await?
    else {
        return Err(at.refuse(&missing, None).await);
    };
    let body: Value = serde_json::from_str(&d.payload).unwrap_or(Value::Null);
    let row = match principal::conversation_of(&body) {
        Some(c) => state
            .store
            .conversations()
            .conversation_rows(account, &[c])
            .await?
            .into_iter()
            .next(),
        None => None,
    };
    // Only what the caller would see whole in the log.
    match principal::shown(&caller.principal, &d.event_type, &body, row.as_ref()) {
        Some(v) if v == body => {}
        _ => return Err(at.refuse(&missing, None).await),
    }
    if state
        .store
        .webhooks()
        .webhook(account, id)
        .await?
        .is_some_and(|w| !w.active)
    {
        return Err(ApiError::conflict_because(
            codes::WEBHOOK_PAUSED,
            "the webhook is paused: resume it to send the delivery again",
        ));
    }
    if d.status == "pending" {
        return Err(ApiError::conflict_because(
            codes::DELIVERY_PENDING,
            "the delivery is still being delivered: wait for it to succeed or fail",
        ));
    }
    let now = state.clock.now_micros();
    if !state
        .store
        .webhooks()
        .redeliver(account, id, delivery, now)
        .await?
    {
        return Err(ApiError::conflict_because(
            codes::DELIVERY_PENDING,
            "the delivery is still being delivered: wait for it to succeed or fail",
        ));
    }
    at.record_change(
        &granted,
        Some(&json!({"delivery_id": delivery, "status": d.status})),
        Some(&json!({"delivery_id": delivery, "status": "pending"})),
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(Queued {
            delivery_id: delivery,
        }),
    ))
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(test))
        .routes(utoipa_axum::routes!(redeliver))
}
