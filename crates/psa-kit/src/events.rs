//! Domain events over NATS JetStream with a transactional outbox (DESIGN.md §6).
//!
//! - [`enqueue`] writes an event into the service's `outbox` table inside the caller's
//!   transaction, so the event exists if and only if the change committed.
//! - [`Relay`] publishes pending outbox rows to JetStream with `Nats-Msg-Id` = event id (the
//!   stream's duplicate window drops re-sends after a crash between publish and mark), marks
//!   them sent, and wakes on `pg_notify` from the outbox trigger (or every 5 s; every second
//!   without a listener). Several
//!   replicas may run: rows are claimed with `FOR UPDATE SKIP LOCKED`. While NATS is down,
//!   rows wait in the outbox; nothing is lost.
//! - [`consume`] runs a durable pull consumer with explicit acks; each event is handled in a
//!   tenant-scoped transaction that first records its id in the `inbox` table, so a redelivered
//!   event is acknowledged without being applied twice. Events already delivered together are
//!   applied in one transaction per run of the same tenant (falling back to one by one when
//!   that fails), and acked after its commit.
//! - Trace context: the envelope and the NATS `traceparent` header carry the causing request's
//!   W3C trace context; handlers run with it as their current context (see
//!   [`crate::trace_context`]).

use std::future::Future;
use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::consumer::pull;
use futures::StreamExt as _;
use prost::Message as _;
use psa_proto::events::Envelope;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::config::NatsConfig;
use crate::db::TenantTx;

/// Who/what an event is about.
#[derive(Debug, Clone, Copy)]
pub struct EventMeta {
    pub tenant_id: Uuid,
    /// User that caused the change (nil for system jobs).
    pub actor_id: Uuid,
    /// Aggregate id (company, ticket, …).
    pub subject_id: Uuid,
}

/// Subject and stream naming for one service: subjects `psa.<service>.<entity>.<verb>` and a
/// stream `PSA_<SERVICE>`, both prefixed by the configured namespace when set.
#[derive(Debug, Clone)]
pub struct Naming {
    namespace: String,
}

impl Naming {
    /// Naming for `config.nats_namespace` (may be empty).
    pub fn new(config: &NatsConfig) -> Self {
        Self { namespace: config.nats_namespace.clone() }
    }

    /// `[ns.]psa.<service>.<entity>.<verb>`.
    pub fn subject(&self, service: &str, entity: &str, verb: &str) -> String {
        self.prefixed(format!("psa.{service}.{entity}.{verb}"))
    }

    /// `[ns.]psa.<service>.>` — every subject of a service's stream.
    pub fn stream_subjects(&self, service: &str) -> String {
        self.prefixed(format!("psa.{service}.>"))
    }

    /// `[NS_]PSA_<SERVICE>`.
    pub fn stream(&self, service: &str) -> String {
        let base = format!("PSA_{}", service.to_ascii_uppercase());
        if self.namespace.is_empty() {
            base
        } else {
            format!("{}_{base}", self.namespace.to_ascii_uppercase().replace(['.', '-'], "_"))
        }
    }

    fn prefixed(&self, s: String) -> String {
        if self.namespace.is_empty() { s } else { format!("{}.{s}", self.namespace) }
    }
}

/// Writes `payload` as an event on `subject` into the outbox of the transaction's service.
/// Returns the event id (UUIDv7).
///
/// # Errors
/// Database errors.
pub async fn enqueue<M: prost::Name>(
    tx: &mut TenantTx,
    subject: &str,
    meta: EventMeta,
    payload: &M,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    let now = chrono::Utc::now();
    let envelope = Envelope {
        event_id: id.to_string(),
        r#type: M::full_name(),
        tenant_id: meta.tenant_id.to_string(),
        occurred_at: Some(prost_types::Timestamp {
            seconds: now.timestamp(),
            nanos: now.timestamp_subsec_nanos() as i32,
        }),
        actor_id: if meta.actor_id.is_nil() { String::new() } else { meta.actor_id.to_string() },
        subject_id: meta.subject_id.to_string(),
        traceparent: crate::trace_context::current().unwrap_or_default(),
        payload: Some(prost_types::Any::from_msg(payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?),
    };
    sqlx::query("insert into outbox (id, tenant_id, subject, payload) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(meta.tenant_id)
        .bind(subject)
        .bind(envelope.encode_to_vec())
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// Writes one event per `(meta, payload)` on `subject` into the outbox with a single
/// statement (bulk operations such as CSV imports). Same envelopes as [`enqueue`].
///
/// # Errors
/// Database errors.
pub async fn enqueue_many<M: prost::Name>(
    tx: &mut TenantTx,
    subject: &str,
    events: &[(EventMeta, M)],
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    let traceparent = crate::trace_context::current().unwrap_or_default();
    let mut ids = Vec::with_capacity(events.len());
    let mut tenants = Vec::with_capacity(events.len());
    let mut payloads = Vec::with_capacity(events.len());
    for (meta, payload) in events {
        let id = Uuid::now_v7();
        let envelope = Envelope {
            event_id: id.to_string(),
            r#type: M::full_name(),
            tenant_id: meta.tenant_id.to_string(),
            occurred_at: Some(prost_types::Timestamp {
                seconds: now.timestamp(),
                nanos: now.timestamp_subsec_nanos() as i32,
            }),
            actor_id: if meta.actor_id.is_nil() { String::new() } else { meta.actor_id.to_string() },
            subject_id: meta.subject_id.to_string(),
            traceparent: traceparent.clone(),
            payload: Some(prost_types::Any::from_msg(payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?),
        };
        ids.push(id);
        tenants.push(meta.tenant_id);
        payloads.push(envelope.encode_to_vec());
    }
    sqlx::query(
        "insert into outbox (id, tenant_id, subject, payload) \
         select u.id, u.tenant_id, $3, u.payload from unnest($1::uuid[], $2::uuid[], $4::bytea[]) as u(id, tenant_id, payload)",
    )
    .bind(&ids)
    .bind(&tenants)
    .bind(subject)
    .bind(&payloads)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Creates (or updates) the stream of `service` with a 2-minute duplicate window.
///
/// # Errors
/// NATS errors.
pub async fn ensure_stream(js: &jetstream::Context, naming: &Naming, service: &str) -> anyhow::Result<()> {
    js.get_or_create_stream(jetstream::stream::Config {
        name: naming.stream(service),
        subjects: vec![naming.stream_subjects(service)],
        storage: jetstream::stream::StorageType::File,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .map_err(|e| anyhow::anyhow!("creating stream {}: {e}", naming.stream(service)))?;
    Ok(())
}

/// Publishes a service's outbox to JetStream; see the module docs.
pub struct Relay {
    pub pool: PgPool,
    pub js: jetstream::Context,
    pub naming: Naming,
    /// Service name (`contracts`); also the schema whose outbox is relayed.
    pub service: &'static str,
}

impl Relay {
    /// Runs until `shutdown` fires.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut listener = match PgListener::connect_with(&self.pool).await {
            Ok(mut l) => match l.listen(&format!("{}_outbox", self.service)).await {
                Ok(()) => Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "outbox LISTEN failed; polling only");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "outbox listener connect failed; polling only");
                None
            }
        };
        let mut stream_ready = false;
        loop {
            if !stream_ready {
                match ensure_stream(&self.js, &self.naming, self.service).await {
                    Ok(()) => stream_ready = true,
                    Err(e) => tracing::warn!(error = %e, "stream not ready; will retry"),
                }
            }
            let mut more = false;
            if stream_ready {
                match self.publish_batch().await {
                    Ok(n) => more = n >= BATCH,
                    Err(e) => tracing::warn!(error = %e, "outbox relay: publish failed; will retry"),
                }
            }
            if more {
                continue;
            }
            let wait = async {
                match listener.as_mut() {
                    // Notified at every commit that wrote events; the poll only covers a
                    // notification lost while the listener reconnected. Polls are not free: they
                    // walk the pending index past a long import's uncommitted rows.
                    Some(l) => {
                        let _ = tokio::time::timeout(Duration::from_secs(5), l.recv()).await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(1)).await,
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = wait => {}
            }
        }
    }

    /// Publishes up to [`BATCH`] pending events and up to [`BATCH`] pending audit records in
    /// order; returns the larger count (so a full batch of either means "more may wait").
    async fn publish_batch(&self) -> anyhow::Result<usize> {
        let mut tx = self.pool.begin().await?;
        let rows: Vec<(Uuid, String, Vec<u8>)> = sqlx::query_as(
            "select id, subject, payload from outbox where published_at is null order by id limit $1 for update skip locked",
        )
        .bind(BATCH as i64)
        .fetch_all(&mut *tx)
        .await?;
        let rows =
            rows.into_iter().map(|(id, subject, payload)| Outgoing { row: id, id, subject, payload, last: true });
        let events = self.publish_rows(tx, "outbox", rows.collect()).await?;
        let mut tx = self.pool.begin().await?;
        let rows: Vec<AuditRow> = sqlx::query_as(
            "select id, tenant_id, table_name, row_id, action, old_values::text as old_values, \
             new_values::text as new_values, actor_id, client_ip, user_agent, traceparent, occurred_at \
             from audit_outbox where published_at is null order by seq limit $1 for update skip locked",
        )
        .bind(BATCH as i64)
        .fetch_all(&mut *tx)
        .await?;
        let subject = self.naming.subject(self.service, crate::audit::ENTITY, crate::audit::VERB);
        // A bulk row expands to one record per id: rows are taken while the batch has room
        // (at least one), the others stay pending (their locks end with `tx`).
        let mut out = Vec::new();
        for r in rows {
            if !out.is_empty() && out.len() >= BATCH {
                break;
            }
            let row = r.id;
            let records = r.envelopes(self.service)?;
            let n = records.len();
            for (i, (id, e)) in records.into_iter().enumerate() {
                out.push(Outgoing { row, id, subject: subject.clone(), payload: e.encode_to_vec(), last: i + 1 == n });
            }
        }
        let audits = self.publish_rows(tx, "audit_outbox", out).await?;
        Ok(events.max(audits))
    }

    /// Publishes messages in order and marks their rows sent in `table` (committing `tx`): a
    /// row is marked when its last message is acknowledged. The messages are sent back to back
    /// and their acks awaited afterwards (one round trip per batch, not per event); rows up to
    /// the first failure are marked, the rest wait for the next pass (a re-sent message that
    /// did arrive is dropped by the stream's duplicate window on its `Nats-Msg-Id`). Returns
    /// the messages sent.
    async fn publish_rows(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
        table: &'static str,
        messages: Vec<Outgoing>,
    ) -> anyhow::Result<usize> {
        let mut pending = Vec::with_capacity(messages.len());
        let mut failure = None;
        for m in messages {
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", m.id.to_string().as_str());
            if let Ok(envelope) = Envelope::decode(m.payload.as_slice())
                && !envelope.traceparent.is_empty()
            {
                headers.insert(crate::trace_context::HEADER, envelope.traceparent.as_str());
            }
            match self.js.publish_with_headers(m.subject, headers, m.payload.into()).await {
                Ok(ack) => pending.push(((m.row, m.last), ack)),
                Err(e) => {
                    failure = Some(anyhow::Error::from(e));
                    break;
                }
            }
        }
        let mut acked = 0;
        let mut sent = Vec::with_capacity(pending.len());
        for ((row, last), ack) in pending {
            match tokio::time::timeout(Duration::from_secs(5), ack).await {
                Ok(Ok(_)) => {
                    acked += 1;
                    if last {
                        sent.push(row);
                    }
                }
                Ok(Err(e)) => {
                    failure = Some(e.into());
                    break;
                }
                Err(_) => {
                    failure = Some(anyhow::anyhow!("publish ack timed out"));
                    break;
                }
            }
        }
        if !sent.is_empty() {
            sqlx::query(&format!("update {table} set published_at = now() where id = any($1)"))
                .bind(&sent)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        match failure {
            Some(e) => Err(e),
            None => Ok(acked),
        }
    }
}

/// One message to publish for an outbox row (`row`); an event row has one, a bulk audit row
/// one per id (`last` on the final one).
struct Outgoing {
    row: Uuid,
    /// The message's id (`Nats-Msg-Id`).
    id: Uuid,
    subject: String,
    payload: Vec<u8>,
    last: bool,
}

/// A pending `audit_outbox` row.
#[derive(Clone, sqlx::FromRow)]
struct AuditRow {
    id: Uuid,
    tenant_id: Uuid,
    table_name: String,
    row_id: String,
    action: String,
    old_values: Option<String>,
    new_values: Option<String>,
    actor_id: Option<Uuid>,
    client_ip: String,
    user_agent: String,
    traceparent: String,
    occurred_at: chrono::DateTime<chrono::Utc>,
}

impl AuditRow {
    /// The `(event id, envelope)` of each `AuditRecord` this row stands for: itself, or for a
    /// bulk row (row id `*`, see [`crate::audit::BULK`]) one `create` record per listed id.
    fn envelopes(self, service: &str) -> anyhow::Result<Vec<(Uuid, Envelope)>> {
        let bulk = if self.row_id == "*" {
            match serde_json::from_str::<crate::audit::BulkRecord>(self.new_values.as_deref().unwrap_or("")) {
                Ok(b) => Some(b),
                Err(e) => {
                    // Published as it is rather than blocking every later record behind it.
                    tracing::error!(error = %e, id = %self.id, "malformed bulk audit row");
                    None
                }
            }
        } else {
            None
        };
        let Some(bulk) = bulk else {
            let id = self.id;
            return Ok(vec![(id, self.envelope(service, id)?)]);
        };
        let new_values = serde_json::json!({ crate::audit::BULK: bulk.bulk_operation }).to_string();
        bulk.ids
            .into_iter()
            .enumerate()
            .map(|(i, row_id)| {
                // Distinct per id and the same on every re-send, so the stream's duplicate
                // window drops a record published twice.
                let id = Uuid::from_u128(self.id.as_u128() ^ (i as u128 + 1));
                let record = AuditRow { row_id, new_values: Some(new_values.clone()), ..self.clone() };
                Ok((id, record.envelope(service, id)?))
            })
            .collect()
    }

    /// The event envelope carrying this row as an `AuditRecord` with event id `id`.
    fn envelope(self, service: &str, id: Uuid) -> Result<Envelope, prost::EncodeError> {
        let record = psa_proto::events::AuditRecord {
            service: service.to_owned(),
            entity_type: self.table_name,
            entity_id: self.row_id.clone(),
            action: self.action,
            old_values: self.old_values.unwrap_or_default(),
            new_values: self.new_values.unwrap_or_default(),
            client_ip: self.client_ip,
            user_agent: self.user_agent,
        };
        Ok(Envelope {
            event_id: id.to_string(),
            r#type: <psa_proto::events::AuditRecord as prost::Name>::full_name(),
            tenant_id: self.tenant_id.to_string(),
            occurred_at: Some(prost_types::Timestamp {
                seconds: self.occurred_at.timestamp(),
                nanos: self.occurred_at.timestamp_subsec_nanos() as i32,
            }),
            actor_id: self.actor_id.map(|a| a.to_string()).unwrap_or_default(),
            subject_id: self.row_id,
            traceparent: self.traceparent,
            payload: Some(prost_types::Any::from_msg(&record)?),
        })
    }
}

/// Outbox rows published per batch.
pub const BATCH: usize = 1000;

/// A durable consumer of another service's stream.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    /// Service whose stream is read (`contracts`).
    pub stream_service: &'static str,
    /// Durable name, unique per consuming purpose (`tickets-company-projection`); also the
    /// `inbox.consumer` key.
    pub durable: &'static str,
    /// Subjects within the stream, as `(entity, verb)`; `("company", "*")` etc. One filter works
    /// on any NATS 2.x; several need NATS 2.10 or newer (`filter_subjects`).
    pub filters: Vec<(&'static str, &'static str)>,
}

/// Consumes events until `shutdown` fires; see the module docs. `handle` applies one event in
/// the given tenant transaction (already scoped to the envelope's tenant); returning an error
/// rolls back and leaves the message for redelivery (with a back-off of 5 s).
pub async fn consume<H, F>(
    pool: PgPool,
    js: jetstream::Context,
    naming: Naming,
    spec: ConsumerSpec,
    handle: H,
    shutdown: CancellationToken,
) where
    H: Fn(TenantTx, Envelope) -> F + Send + Sync,
    F: Future<Output = anyhow::Result<TenantTx>> + Send,
{
    loop {
        let result = consume_once(&pool, &js, &naming, &spec, &handle, &shutdown).await;
        if shutdown.is_cancelled() {
            return;
        }
        if let Err(e) = result {
            tracing::warn!(error = %e, durable = spec.durable, "consumer stopped; restarting");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

async fn consume_once<H, F>(
    pool: &PgPool,
    js: &jetstream::Context,
    naming: &Naming,
    spec: &ConsumerSpec,
    handle: &H,
    shutdown: &CancellationToken,
) -> anyhow::Result<()>
where
    H: Fn(TenantTx, Envelope) -> F + Send + Sync,
    F: Future<Output = anyhow::Result<TenantTx>> + Send,
{
    ensure_stream(js, naming, spec.stream_service).await?;
    let stream = js.get_stream(naming.stream(spec.stream_service)).await?;
    let durable = if naming.namespace.is_empty() {
        spec.durable.to_owned()
    } else {
        format!("{}_{}", naming.namespace, spec.durable)
    };
    let mut subjects: Vec<String> =
        spec.filters.iter().map(|(e, v)| naming.subject(spec.stream_service, e, v)).collect();
    // One filter goes in `filter_subject`: NATS servers before 2.10 (Debian ships 2.9) ignore
    // `filter_subjects`, which would hand the consumer every event of the stream.
    let (filter_subject, filter_subjects) = match subjects.len() {
        1 => (subjects.pop().unwrap_or_default(), Vec::new()),
        _ => (String::new(), subjects),
    };
    let consumer = stream
        .get_or_create_consumer(
            &durable,
            pull::Config {
                durable_name: Some(durable.clone()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: Duration::from_secs(30),
                filter_subject,
                filter_subjects,
                ..Default::default()
            },
        )
        .await?;
    // Messages already delivered are applied together (up to APPLY_BATCH, one transaction
    // per run of the same tenant): a burst such as an import's events costs a few commits,
    // not one per event.
    let mut chunks = consumer.messages().await?.ready_chunks(APPLY_BATCH);
    loop {
        let chunk = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            c = chunks.next() => c,
        };
        let Some(chunk) = chunk else { anyhow::bail!("message stream ended") };
        let mut msgs = Vec::with_capacity(chunk.len());
        for m in chunk {
            msgs.push(m.map_err(|e| anyhow::anyhow!("{e}"))?);
        }
        apply_chunk(pool, spec.durable, msgs, handle).await?;
    }
}

/// Most delivered messages applied in one transaction.
pub const APPLY_BATCH: usize = 200;

/// An event ready to apply: its message, envelope and ids.
struct Delivery {
    msg: jetstream::Message,
    envelope: Envelope,
    event_id: Uuid,
    tenant_id: Uuid,
}

/// Applies `msgs` in order: each run of consecutive events of one tenant in one transaction,
/// then acks them; when that transaction fails, the run's events are applied one by one (so
/// one bad event only holds back itself).
async fn apply_chunk<H, F>(
    pool: &PgPool,
    consumer: &str,
    msgs: Vec<jetstream::Message>,
    handle: &H,
) -> anyhow::Result<()>
where
    H: Fn(TenantTx, Envelope) -> F,
    F: Future<Output = anyhow::Result<TenantTx>>,
{
    let mut run: Vec<Delivery> = Vec::new();
    for msg in msgs {
        let Some(d) = delivery(msg) else { continue };
        if run.last().is_some_and(|l| l.tenant_id != d.tenant_id) {
            apply_run(pool, consumer, std::mem::take(&mut run), handle).await?;
        }
        run.push(d);
    }
    apply_run(pool, consumer, run, handle).await
}

/// The message as a [`Delivery`]; `None` (after acking it) when it can never be applied.
fn delivery(msg: jetstream::Message) -> Option<Delivery> {
    let envelope = match Envelope::decode(msg.payload.as_ref()) {
        Ok(e) => e,
        Err(e) => {
            // A message that can never be decoded is dropped (acked), not retried forever.
            tracing::error!(error = %e, "undecodable event dropped");
            tokio::spawn(async move { msg.ack().await });
            return None;
        }
    };
    let (Ok(event_id), Ok(tenant_id)) = (envelope.event_id.parse::<Uuid>(), envelope.tenant_id.parse::<Uuid>()) else {
        tracing::error!(event_id = %envelope.event_id, "event with malformed ids dropped");
        tokio::spawn(async move { msg.ack().await });
        return None;
    };
    Some(Delivery { msg, envelope, event_id, tenant_id })
}

async fn apply_run<H, F>(pool: &PgPool, consumer: &str, run: Vec<Delivery>, handle: &H) -> anyhow::Result<()>
where
    H: Fn(TenantTx, Envelope) -> F,
    F: Future<Output = anyhow::Result<TenantTx>>,
{
    if run.len() > 1 {
        let events: Vec<(Uuid, Envelope)> = run.iter().map(|d| (d.event_id, d.envelope.clone())).collect();
        match apply_together(pool, consumer, run[0].tenant_id, events, handle).await {
            Ok(()) => {
                for d in &run {
                    d.msg.ack().await.map_err(|e| anyhow::anyhow!("ack: {e}"))?;
                }
                return Ok(());
            }
            Err(e) => tracing::debug!(error = ?e, "batch failed; applying its events one by one"),
        }
    }
    for d in run {
        match apply_together(pool, consumer, d.tenant_id, vec![(d.event_id, d.envelope)], handle).await {
            Ok(()) => d.msg.ack().await.map_err(|e| anyhow::anyhow!("ack: {e}"))?,
            Err(e) => {
                tracing::warn!(error = ?e, subject = %d.msg.subject, "event handling failed; will be redelivered");
                let _ = d.msg.ack_with(jetstream::AckKind::Nak(Some(Duration::from_secs(5)))).await;
            }
        }
    }
    Ok(())
}

/// Records `event_id` in the inbox of `consumer` within `tx`, first making the event's actor
/// and trace the transaction's (what audit capture records); whether it was new.
async fn record_inbox(tx: &mut TenantTx, consumer: &str, event_id: Uuid, envelope: &Envelope) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "insert into inbox (consumer, event_id) \
         select $1, $2 from (select set_config('app.actor_id', $3, true), set_config('app.traceparent', $4, true)) s \
         on conflict do nothing",
    )
    .bind(consumer)
    .bind(event_id)
    .bind(envelope.actor_id.parse::<Uuid>().map(|u| u.to_string()).unwrap_or_default())
    .bind(&envelope.traceparent)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// The handler run for one envelope, in its trace and as its actor.
async fn run_handler<H, F>(tx: TenantTx, envelope: Envelope, handle: &H) -> anyhow::Result<TenantTx>
where
    H: Fn(TenantTx, Envelope) -> F,
    F: Future<Output = anyhow::Result<TenantTx>>,
{
    // Changes the handler makes are audited as the event's actor, in its trace.
    let ctx =
        crate::audit::RequestContext { actor_id: envelope.actor_id.parse().unwrap_or_default(), ..Default::default() };
    let traceparent = Some(envelope.traceparent.clone());
    crate::audit::scope(ctx, crate::trace_context::scope(traceparent, handle(tx, envelope))).await
}

/// Applies `events` (`(event id, envelope)`, all of `tenant_id`) in one transaction, all or
/// none; an event already in the consumer's inbox is skipped.
async fn apply_together<H, F>(
    pool: &PgPool,
    consumer: &str,
    tenant_id: Uuid,
    events: Vec<(Uuid, Envelope)>,
    handle: &H,
) -> anyhow::Result<()>
where
    H: Fn(TenantTx, Envelope) -> F,
    F: Future<Output = anyhow::Result<TenantTx>>,
{
    let mut tx = crate::db::begin(pool, tenant_id).await?;
    for (id, envelope) in events {
        if record_inbox(&mut tx, consumer, id, &envelope).await? {
            tx = run_handler(tx, envelope, handle).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Connects to NATS (retrying in the background if the server is down) and returns a
/// JetStream context.
///
/// # Errors
/// When the URL is invalid.
pub async fn connect(config: &NatsConfig) -> anyhow::Result<(async_nats::Client, jetstream::Context)> {
    let client = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(5))
        .connect(&config.nats_url)
        .await?;
    let js = jetstream::new(client.clone());
    Ok((client, js))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit_row(row_id: &str, new_values: &str) -> AuditRow {
        AuditRow {
            id: Uuid::now_v7(),
            tenant_id: Uuid::now_v7(),
            table_name: "companies".into(),
            row_id: row_id.into(),
            action: "create".into(),
            old_values: None,
            new_values: Some(new_values.into()),
            actor_id: Some(Uuid::now_v7()),
            client_ip: "10.0.0.1".into(),
            user_agent: "csv".into(),
            traceparent: String::new(),
            occurred_at: chrono::Utc::now(),
        }
    }

    fn record(e: &Envelope) -> psa_proto::events::AuditRecord {
        prost::Message::decode(e.payload.as_ref().unwrap().value.as_slice()).unwrap()
    }

    #[test]
    fn a_bulk_audit_row_becomes_one_create_record_per_id_with_stable_event_ids() {
        let row = audit_row("*", r#"{"bulk_operation": "import job 7", "ids": ["a1", "b2", "c3"]}"#);
        let first = row.clone().envelopes("contracts").unwrap();
        let again = row.clone().envelopes("contracts").unwrap();
        assert_eq!(first.len(), 3);
        let ids: std::collections::HashSet<Uuid> = first.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids.len(), 3, "distinct event ids");
        assert!(!ids.contains(&row.id));
        assert_eq!(
            first.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            again.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            "a re-send has the same ids (de-duplicated by the stream)"
        );
        for ((id, e), entity) in first.iter().zip(["a1", "b2", "c3"]) {
            assert_eq!(e.event_id, id.to_string());
            assert_eq!(e.subject_id, entity);
            assert_eq!(e.actor_id, row.actor_id.unwrap().to_string());
            let r = record(e);
            assert_eq!((r.entity_id.as_str(), r.action.as_str()), (entity, "create"));
            assert_eq!(r.new_values, r#"{"bulk_operation":"import job 7"}"#);
            assert_eq!((r.client_ip.as_str(), r.user_agent.as_str()), ("10.0.0.1", "csv"));
        }
    }

    #[test]
    fn an_ordinary_audit_row_is_one_record_under_its_own_id() {
        let row = audit_row("a1", r#"{"name": "Acme"}"#);
        let out = row.clone().envelopes("contracts").unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, row.id);
        assert_eq!(record(&out[0].1).new_values, r#"{"name": "Acme"}"#);
    }

    #[test]
    fn a_malformed_bulk_row_is_published_as_it_is() {
        let row = audit_row("*", r#"{"ids": 3}"#);
        let out = row.clone().envelopes("contracts").unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, row.id);
        assert_eq!(record(&out[0].1).new_values, r#"{"ids": 3}"#);
    }

    #[test]
    fn naming() {
        let n = Naming::new(&NatsConfig { nats_url: String::new(), nats_namespace: String::new() });
        assert_eq!(n.subject("contracts", "company", "created"), "psa.contracts.company.created");
        assert_eq!(n.stream("contracts"), "PSA_CONTRACTS");
        let n = Naming::new(&NatsConfig { nats_url: String::new(), nats_namespace: "t1-ab".into() });
        assert_eq!(n.subject("tickets", "ticket", "created"), "t1-ab.psa.tickets.ticket.created");
        assert_eq!(n.stream_subjects("tickets"), "t1-ab.psa.tickets.>");
        assert_eq!(n.stream("tickets"), "T1_AB_PSA_TICKETS");
    }
}
