//! Outbound webhooks: an account's URLs that receive signed JSON deliveries of its
//! conversation and message events, and their delivery log.
//!
//! What belongs here: the `webhooks` rows (created, changed and deleted inside an
//! [`crate::AdminTx`]), moving events into deliveries (the server builds the payloads; the
//! deliveries and the webhook's advanced cursor are written in one transaction, and only if
//! the cursor is still where the caller read it, so two nodes never move the same events
//! twice), claiming due deliveries with a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, as the
//! outbox does), recording each attempt's outcome, and the log, newest first. What does not:
//! HTTP, payloads and signatures (the server's `webhooks` module).

use access::{AccountId, UserId};
use sqlx::Row;

use crate::events::EventKind;
use crate::{Backend, Result, StoreError, with_pool};

/// An outbound webhook with its secret (never to be shown after creation or rotation: the API
/// shows whether it is set).
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its id.
    pub id: i64,
    /// Its account.
    pub account: AccountId,
    /// Where deliveries are posted (`http://` or `https://`).
    pub url: String,
    /// Signs every delivery (HMAC-SHA256 of the body).
    pub secret: String,
    /// Which events it receives: [`EventKind::Conversation`] and/or [`EventKind::Message`].
    pub events: Vec<EventKind>,
    /// Whether it receives anything.
    pub active: bool,
    /// The last event id considered for it.
    pub cursor: i64,
    /// Created, µs since the epoch.
    pub created_at: i64,
    /// The user it acts for (its creator, or whoever last changed it): it delivers only what
    /// this user may see. `None` for a webhook created before webhooks acted for a user: it
    /// delivers nothing until it is changed.
    pub acting_user: Option<UserId>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("account", &self.account)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("active", &self.active)
            .field("cursor", &self.cursor)
            .field("acting_user", &self.acting_user)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// Whether it receives events of this kind.
    pub fn wants(&self, kind: EventKind) -> bool {
        self.events.contains(&kind)
    }
}

/// The stored list of event kinds (`conversation,message`).
fn events_text(events: &[EventKind]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for k in [EventKind::Conversation, EventKind::Message] {
        if events.contains(&k) {
            names.push(k.id());
        }
    }
    names.join(",")
}

fn events_from(s: &str) -> Result<Vec<EventKind>> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| match p {
            "conversation" => Ok(EventKind::Conversation),
            "message" => Ok(EventKind::Message),
            other => Err(StoreError::corrupt(
                "webhooks",
                format!("event kind `{other}`"),
            )),
        })
        .collect()
}

const WEBHOOK_COLUMNS: &str =
    "id, account_id, url, secret, events, active, cursor, created_at, acting_user_id";

fn webhook_from<R: Row>(r: &R) -> Result<Webhook>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Webhook {
        id: r.try_get(0)?,
        account: AccountId(r.try_get(1)?),
        url: r.try_get(2)?,
        secret: r.try_get(3)?,
        events: events_from(&r.try_get::<String, _>(4)?)?,
        active: r.try_get::<i64, _>(5)? != 0,
        cursor: r.try_get(6)?,
        created_at: r.try_get(7)?,
        acting_user: r.try_get::<Option<i64>, _>(8)?.map(UserId),
    })
}

/// The values of a webhook to create or change.
#[derive(Clone, Debug, Default)]
pub struct WebhookWrite<'a> {
    /// Where deliveries are posted.
    pub url: &'a str,
    /// Which events it receives.
    pub events: &'a [EventKind],
    /// Whether it receives anything.
    pub active: bool,
    /// The user it will act for: whoever creates or changes it.
    pub acting_user: Option<UserId>,
}

/// One event moved into a webhook's deliveries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    /// The event.
    pub event_id: i64,
    /// Its type as the receiver reads it (`conversation.updated`, `message.created`, ...).
    pub event_type: String,
    /// The JSON body to post (built by the server).
    pub payload: String,
}

/// A delivery claimed for an attempt, with where to post it and the secret to sign it with.
#[derive(Clone, PartialEq, Eq)]
pub struct DueDelivery {
    /// The delivery's id.
    pub id: i64,
    /// Its webhook.
    pub webhook: i64,
    /// Its account.
    pub account: AccountId,
    /// The event it carries.
    pub event_id: i64,
    /// The event's type.
    pub event_type: String,
    /// The JSON body.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
    /// The webhook's URL.
    pub url: String,
    /// The webhook's secret.
    pub secret: String,
    /// The user the webhook acts for now.
    pub acting_user: Option<UserId>,
}

impl std::fmt::Debug for DueDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DueDelivery")
            .field("id", &self.id)
            .field("webhook", &self.webhook)
            .field("event_id", &self.event_id)
            .field("event_type", &self.event_type)
            .field("attempts", &self.attempts)
            .field("url", &self.url)
            .field("acting_user", &self.acting_user)
            .finish_non_exhaustive()
    }
}

/// The outcome of one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome<'a> {
    /// The receiver answered 2xx with this status.
    Delivered {
        /// The HTTP status.
        status: i64,
    },
    /// The attempt failed; try again at `next` (µs).
    Retry {
        /// The HTTP status, when the receiver answered.
        status: Option<i64>,
        /// What went wrong.
        error: &'a str,
        /// When to try again, µs since the epoch.
        next: i64,
    },
    /// The attempt failed and no other will be made.
    Failed {
        /// The HTTP status, when the receiver answered.
        status: Option<i64>,
        /// What went wrong.
        error: &'a str,
    },
}

/// One row of the delivery log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The delivery's id (sent as `X-Atende-Delivery`).
    pub id: i64,
    /// Its webhook.
    pub webhook: i64,
    /// The event it carries.
    pub event_id: i64,
    /// The event's type.
    pub event_type: String,
    /// The JSON body.
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due (pending only), µs.
    pub next_attempt_at: Option<i64>,
    /// The HTTP status of the last answer.
    pub response_status: Option<i64>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// When the event was moved in, µs.
    pub created_at: i64,
    /// When it was delivered, µs.
    pub delivered_at: Option<i64>,
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event_id, event_type, payload, status, attempts, next_attempt_at, response_status, \
                                error, created_at, delivered_at";

fn delivery_from<R: Row>(r: &R) -> Result<DeliveryRecord>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(DeliveryRecord {
        id: r.try_get(0)?,
        webhook: r.try_get(1)?,
        event_id: r.try_get(2)?,
        event_type: r.try_get(3)?,
        payload: r.try_get(4)?,
        status: r.try_get(5)?,
        attempts: r.try_get(6)?,
        next_attempt_at: r.try_get(7)?,
        response_status: r.try_get(8)?,
        error: r.try_get(9)?,
        created_at: r.try_get(10)?,
        delivered_at: r.try_get(11)?,
    })
}

impl crate::Webhooks<'_> {
    /// Every webhook of the account, by id.
    pub async fn list(&self, account: AccountId) -> Result<Vec<Webhook>> {
        let sql =
            format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE account_id = $1 ORDER BY id");
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.0).fetch_all(pool).await?;
            rows.iter().map(webhook_from).collect()
        })
    }

    /// One webhook of the account; `None` when unknown or of another account.
    pub async fn webhook(&self, account: AccountId, id: i64) -> Result<Option<Webhook>> {
        let sql =
            format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND account_id = $2");
        with_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(account.0).fetch_optional(pool).await?;
            row.map(|r| webhook_from(&r)).transpose()
        })
    }

    /// Active webhooks (of every account) whose account has events after their cursor, at
    /// most `limit`, the furthest behind first.
    pub async fn webhooks_behind(&self, limit: u32) -> Result<Vec<Webhook>> {
        let sql = format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks w WHERE w.active = 1 \
             AND EXISTS (SELECT 1 FROM events e WHERE e.account_id = w.account_id AND e.id > w.cursor) \
             ORDER BY w.cursor, w.id LIMIT $1"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(limit)).fetch_all(pool).await?;
            rows.iter().map(webhook_from).collect()
        })
    }

    /// Moves events into a webhook's deliveries (`pending`, due at `now`) and advances its
    /// cursor to `through`, in one transaction, provided its cursor is still `hook.cursor` and
    /// it is still active; returns whether it did (`false`: another node did it first, or the
    /// webhook was changed meanwhile: read it again).
    pub async fn enqueue_deliveries(
        &self,
        hook: &Webhook,
        through: i64,
        deliveries: &[NewDelivery],
        now: i64,
    ) -> Result<bool> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            // First, so that on PostgreSQL a concurrent node waits on the row lock, then finds
            // the cursor moved.
            let moved = sqlx::query("UPDATE webhooks SET cursor = $1 WHERE id = $2 AND cursor = $3 AND active = 1")
                .bind(through)
                .bind(hook.id)
                .bind(hook.cursor)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if moved == 0 {
                return Ok(false);
            }
            for d in deliveries {
                sqlx::query(
                    "INSERT INTO webhook_deliveries (webhook_id, account_id, event_id, event_type, payload, status, attempts, \
                     next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) \
                     ON CONFLICT (webhook_id, event_id) DO NOTHING",
                )
                .bind(hook.id)
                .bind(hook.account.0)
                .bind(d.event_id)
                .bind(&d.event_type)
                .bind(&d.payload)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Claims up to `limit` pending deliveries of active webhooks due at `now` for `lease` µs;
    /// the earliest due first.
    pub async fn claim_deliveries(
        &self,
        now: i64,
        lease: i64,
        limit: u32,
    ) -> Result<Vec<DueDelivery>> {
        let lock = match self.store.backend() {
            Backend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT d.id, d.webhook_id, d.account_id, d.event_id, d.event_type, d.payload, d.attempts, w.url, w.secret, \
             w.acting_user_id \
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND w.active = 1 \
             ORDER BY d.next_attempt_at LIMIT $2{lock}"
        );
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(i64::from(limit)).fetch_all(&mut *tx).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let d = DueDelivery {
                    id: r.try_get(0)?,
                    webhook: r.try_get(1)?,
                    account: AccountId(r.try_get(2)?),
                    event_id: r.try_get(3)?,
                    event_type: r.try_get(4)?,
                    payload: r.try_get(5)?,
                    attempts: r.try_get(6)?,
                    url: r.try_get(7)?,
                    secret: r.try_get(8)?,
                    acting_user: r.try_get::<Option<i64>, _>(9)?.map(UserId),
                };
                sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2")
                    .bind(now + lease)
                    .bind(d.id)
                    .execute(&mut *tx)
                    .await?;
                out.push(d);
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// The earliest time a pending delivery of an active webhook is due (`None`: nothing
    /// pending).
    pub async fn next_delivery_due(&self) -> Result<Option<i64>> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.status = 'pending' AND w.active = 1",
        )
        .fetch_one(pool)
        .await?))
    }

    /// Records the outcome of an attempt on a pending delivery (one already finished is left
    /// as it is).
    pub async fn delivery_result(
        &self,
        delivery: i64,
        outcome: DeliveryOutcome<'_>,
        now: i64,
    ) -> Result<()> {
        let (status, response, error, next, delivered) = match outcome {
            DeliveryOutcome::Delivered { status } => {
                ("delivered", Some(status), None, None, Some(now))
            }
            DeliveryOutcome::Retry {
                status,
                error,
                next,
            } => ("pending", status, Some(error), Some(next), None),
            DeliveryOutcome::Failed { status, error } => {
                ("failed", status, Some(error), None, None)
            }
        };
        with_pool!(self, pool => sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, response_status = $2, error = $3, \
             next_attempt_at = $4, delivered_at = $5 WHERE id = $6 AND status = 'pending'",
        )
        .bind(status)
        .bind(response)
        .bind(error)
        .bind(next)
        .bind(delivered)
        .bind(delivery)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Queues a delivery that is not an event of the log (a test event) for an active
    /// webhook, due now; answers its id (`NotFound("webhook")`: no such webhook of the account,
    /// or it is paused).
    pub async fn enqueue_one(
        &self,
        account: AccountId,
        webhook: i64,
        d: &NewDelivery,
        now: i64,
    ) -> Result<i64> {
        let id: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO webhook_deliveries (webhook_id, account_id, event_id, event_type, payload, status, attempts, \
             next_attempt_at, created_at) SELECT id, account_id, $3, $4, $5, 'pending', 0, $6, $6 FROM webhooks \
             WHERE id = $1 AND account_id = $2 AND active = 1 ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING id",
        )
        .bind(webhook)
        .bind(account.0)
        .bind(d.event_id)
        .bind(&d.event_type)
        .bind(&d.payload)
        .bind(now)
        .fetch_optional(pool)
        .await?);
        id.ok_or(StoreError::NotFound("webhook"))
    }

    /// One delivery of a webhook of the account.
    pub async fn delivery(
        &self,
        account: AccountId,
        webhook: i64,
        delivery: i64,
    ) -> Result<Option<DeliveryRecord>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2 AND account_id = $3"
        );
        with_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(delivery)
                .bind(webhook)
                .bind(account.0)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(delivery_from).transpose()
        })
    }

    /// Queues a finished delivery (delivered or failed) again, due now, with its id and payload
    /// and a new cycle of attempts; `false` when it is still pending (nothing to do) or not
    /// found.
    pub async fn redeliver(
        &self,
        account: AccountId,
        webhook: i64,
        delivery: i64,
        now: i64,
    ) -> Result<bool> {
        let done = with_pool!(self, pool => sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, delivered_at = NULL \
             WHERE id = $2 AND webhook_id = $3 AND account_id = $4 AND status <> 'pending'",
        )
        .bind(now)
        .bind(delivery)
        .bind(webhook)
        .bind(account.0)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(done > 0)
    }

    /// A webhook's delivery log, newest first: deliveries with an id below `before` (all when
    /// `None`), at most `limit`.
    pub async fn webhook_deliveries(
        &self,
        account: AccountId,
        webhook: i64,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 AND account_id = $2 \
             AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(webhook)
                .bind(account.0)
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(delivery_from).collect()
        })
    }

    /// Deletes delivered and failed deliveries created before `before` (µs); returns how many
    /// went.
    pub async fn prune_webhook_deliveries(&self, before: i64) -> Result<u64> {
        Ok(with_pool!(self, pool => sqlx::query(
            "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1",
        )
        .bind(before)
        .execute(pool)
        .await?
        .rows_affected()))
    }
}

/// The newest event id, inside a transaction (0 when there is none).
macro_rules! newest_event {
    ($conn:expr) => {{
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events")
            .fetch_one($conn)
            .await?;
        id.unwrap_or(0)
    }};
}

impl crate::AdminTx {
    /// One webhook of the account, inside the transaction.
    pub async fn webhook(&mut self, id: i64) -> Result<Option<Webhook>> {
        let account = self.account;
        let sql =
            format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND account_id = $2");
        crate::admin::with_tx!(self, conn => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(account.0).fetch_optional(&mut *conn).await?;
            row.map(|r| webhook_from(&r)).transpose()
        })
    }

    /// Creates a webhook signing with `secret`; it receives the events written after the
    /// newest one stored now.
    pub async fn create_webhook(
        &mut self,
        w: &WebhookWrite<'_>,
        secret: &str,
        now: i64,
    ) -> Result<i64> {
        let account = self.account;
        crate::admin::with_tx!(self, conn => {
            let cursor = newest_event!(&mut *conn);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO webhooks (account_id, url, secret, events, active, cursor, created_at, acting_user_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(account.0)
            .bind(w.url)
            .bind(secret)
            .bind(events_text(w.events))
            .bind(crate::codec::flag(w.active))
            .bind(cursor)
            .bind(now)
            .bind(w.acting_user.map(|u| u.0))
            .fetch_one(&mut *conn)
            .await?;
            Ok(id)
        })
    }

    /// Changes a webhook; a `Some` secret replaces the stored one. Deactivating it fails its
    /// pending deliveries; activating it again starts it at the newest event stored now (it
    /// receives nothing of what happened while it was inactive).
    pub async fn update_webhook(
        &mut self,
        id: i64,
        w: &WebhookWrite<'_>,
        secret: Option<&str>,
    ) -> Result<()> {
        let account = self.account;
        crate::admin::with_tx!(self, conn => {
            let was: Option<i64> = sqlx::query_scalar("SELECT active FROM webhooks WHERE id = $1 AND account_id = $2")
                .bind(id)
                .bind(account.0)
                .fetch_optional(&mut *conn)
                .await?;
            let was = was.ok_or(StoreError::NotFound("webhook"))? != 0;
            let cursor = if !was && w.active { Some(newest_event!(&mut *conn)) } else { None };
            sqlx::query(
                "UPDATE webhooks SET url = $1, events = $2, active = $3, secret = COALESCE($4, secret), \
                 cursor = COALESCE($5, cursor), acting_user_id = $8 WHERE id = $6 AND account_id = $7",
            )
            .bind(w.url)
            .bind(events_text(w.events))
            .bind(crate::codec::flag(w.active))
            .bind(secret)
            .bind(cursor)
            .bind(id)
            .bind(account.0)
            .bind(w.acting_user.map(|u| u.0))
            .execute(&mut *conn)
            .await?;
            if was && !w.active {
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'failed', error = 'the webhook was deactivated', next_attempt_at = NULL \
                     WHERE webhook_id = $1 AND status = 'pending'",
                )
                .bind(id)
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        })
    }

    /// Deletes a webhook with its delivery log.
    pub async fn delete_webhook(&mut self, id: i64) -> Result<()> {
        let account = self.account;
        crate::admin::with_tx!(self, conn => {
            // Deactivated first: on PostgreSQL this takes the row's lock, so that a node moving
            // events in meanwhile either committed before (its deliveries go below) or finds
            // it inactive.
            let found = sqlx::query("UPDATE webhooks SET active = 0 WHERE id = $1 AND account_id = $2")
                .bind(id)
                .bind(account.0)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if found == 0 {
                return Err(StoreError::NotFound("webhook"));
            }
            sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM webhooks WHERE id = $1 AND account_id = $2")
                .bind(id)
                .bind(account.0)
                .execute(&mut *conn)
                .await?;
            Ok(())
        })
    }
}
