//! Mailboxes, their parse rules, the message log, the poll schedule, and the lookups that
//! thread a message into a ticket and find its sender.

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, time_key};
use sqlx::types::Json;
use sqlx::{PgPool, QueryBuilder};
use uuid::Uuid;

use crate::domain::email::mailbox::{ImapSettings, Mailbox, MailboxFields, UnknownSenderPolicy};
use crate::domain::email::rules::{ParseRule, RuleActions, RuleConditions, RuleFields};
use crate::domain::email::{EmailDirection, EmailOutcome};
use crate::domain::ticket::TicketPriority;

#[derive(sqlx::FromRow)]
struct MailboxRow {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    address: String,
    active: bool,
    imap_host: String,
    imap_port: i32,
    imap_username: String,
    has_password: bool,
    imap_folder: String,
    imap_tls_ca_pem: String,
    unknown_sender_policy: String,
    default_company_id: Option<Uuid>,
    default_priority: String,
    uid_validity: Option<i64>,
    last_uid: i64,
    last_poll_at: Option<DateTime<Utc>>,
    last_poll_error: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<MailboxRow> for Mailbox {
    fn from(r: MailboxRow) -> Self {
        Mailbox {
            id: r.id,
            tenant_id: r.tenant_id,
            fields: MailboxFields {
                name: r.name,
                address: r.address,
                active: r.active,
                imap: ImapSettings {
                    host: r.imap_host,
                    port: u16::try_from(r.imap_port).unwrap_or(993),
                    username: r.imap_username,
                    folder: r.imap_folder,
                    tls_ca_pem: r.imap_tls_ca_pem,
                },
                unknown_sender_policy: UnknownSenderPolicy::parse(&r.unknown_sender_policy)
                    .unwrap_or(UnknownSenderPolicy::Reject),
                default_company_id: r.default_company_id,
                default_priority: TicketPriority::parse(&r.default_priority).unwrap_or(TicketPriority::Medium),
            },
            has_password: r.has_password,
            uid_validity: r.uid_validity,
            last_uid: r.last_uid,
            last_poll_at: r.last_poll_at,
            last_poll_error: r.last_poll_error,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const MAILBOX_COLUMNS: &str = "id, tenant_id, name, address, active, imap_host, imap_port, imap_username, \
    imap_password_enc is not null as has_password, imap_folder, imap_tls_ca_pem, unknown_sender_policy, default_company_id, \
    default_priority, uid_validity, last_uid, last_poll_at, last_poll_error, created_at, updated_at";

fn address_taken(e: sqlx::Error) -> psa_kit::Error {
    let e = psa_kit::Error::from(e);
    if e.is_unique_violation("email_mailboxes_address") {
        DomainError::AlreadyExists { entity: "email mailbox", field: "address" }.into()
    } else {
        e
    }
}

/// Inserts a mailbox with its encrypted password and token digest.
pub async fn insert_mailbox(
    tx: &mut TenantTx,
    tenant: Uuid,
    f: &MailboxFields,
    password_enc: Option<&[u8]>,
    token_sha256: &[u8],
) -> Result<Mailbox> {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into email_mailboxes (id, tenant_id, name, address, active, imap_host, imap_port, imap_username, imap_password_enc, \
         imap_folder, imap_tls_ca_pem, unknown_sender_policy, default_company_id, default_priority, inbound_token_sha256) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(id)
    .bind(tenant)
    .bind(&f.name)
    .bind(&f.address)
    .bind(f.active)
    .bind(&f.imap.host)
    .bind(i32::from(f.imap.port))
    .bind(&f.imap.username)
    .bind(password_enc)
    .bind(&f.imap.folder)
    .bind(&f.imap.tls_ca_pem)
    .bind(f.unknown_sender_policy.as_str())
    .bind(f.default_company_id)
    .bind(f.default_priority.as_str())
    .bind(token_sha256)
    .execute(&mut **tx)
    .await
    .map_err(address_taken)?;
    schedule(tx, tenant, id, f, Utc::now()).await?;
    get_mailbox(tx, tenant, id, false).await
}

/// Keeps the poll schedule in step with the mailbox: polled when active with an IMAP host.
async fn schedule(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &MailboxFields, at: DateTime<Utc>) -> Result<()> {
    if f.active && !f.imap.host.is_empty() {
        sqlx::query(
            "insert into email_poll_schedule (mailbox_id, tenant_id, next_poll_at) values ($1, $2, $3) \
             on conflict (mailbox_id) do update set next_poll_at = least(email_poll_schedule.next_poll_at, excluded.next_poll_at)",
        )
        .bind(id)
        .bind(tenant)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query("delete from email_poll_schedule where tenant_id = $1 and mailbox_id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The mailbox `id` (archived ones are NOT_FOUND); with `lock`, locked for update.
pub async fn get_mailbox(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<Mailbox> {
    let row: Option<MailboxRow> = sqlx::query_as(&format!(
        "select {MAILBOX_COLUMNS} from email_mailboxes where tenant_id = $1 and id = $2 and not archived{}",
        if lock { " for update" } else { "" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Mailbox::from).ok_or_else(|| DomainError::NotFound { entity: "email mailbox" }.into())
}

/// The mailbox `id` when `token_sha256` is its inbound token's digest (compared in SQL on
/// the 32-byte digest, so timing reveals nothing about the token); archived: NOT_FOUND.
pub async fn mailbox_by_token(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    token_sha256: &[u8],
) -> Result<Option<Mailbox>> {
    let row: Option<MailboxRow> = sqlx::query_as(&format!(
        "select {MAILBOX_COLUMNS} from email_mailboxes where tenant_id = $1 and id = $2 and not archived and inbound_token_sha256 = $3"
    ))
    .bind(tenant)
    .bind(id)
    .bind(token_sha256)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(Mailbox::from))
}

/// The encrypted IMAP password of mailbox `id`.
pub async fn mailbox_password(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar("select imap_password_enc from email_mailboxes where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .fetch_one(&mut **tx)
        .await?)
}

/// Mailboxes by name.
pub async fn list_mailboxes(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<Mailbox>> {
    let rows: Vec<MailboxRow> = sqlx::query_as(&format!(
        "select {MAILBOX_COLUMNS} from email_mailboxes where tenant_id = $1 and not archived order by lower(name), id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(Mailbox::from).collect())
}

/// Writes the fields of `m`; `password` replaces the stored one when `Some`; `reset_position`
/// forgets UIDVALIDITY and the last UID (another server or folder).
pub async fn update_mailbox(
    tx: &mut TenantTx,
    m: &Mailbox,
    password: Option<Option<&[u8]>>,
    reset_position: bool,
) -> Result<Mailbox> {
    let f = &m.fields;
    sqlx::query(
        "update email_mailboxes set name = $3, address = $4, active = $5, imap_host = $6, imap_port = $7, imap_username = $8, \
         imap_folder = $9, imap_tls_ca_pem = $10, unknown_sender_policy = $11, default_company_id = $12, default_priority = $13, \
         imap_password_enc = case when $14 then $15 else imap_password_enc end, \
         uid_validity = case when $16 then null else uid_validity end, last_uid = case when $16 then 0 else last_uid end, \
         updated_at = now() where tenant_id = $1 and id = $2",
    )
    .bind(m.tenant_id)
    .bind(m.id)
    .bind(&f.name)
    .bind(&f.address)
    .bind(f.active)
    .bind(&f.imap.host)
    .bind(i32::from(f.imap.port))
    .bind(&f.imap.username)
    .bind(&f.imap.folder)
    .bind(&f.imap.tls_ca_pem)
    .bind(f.unknown_sender_policy.as_str())
    .bind(f.default_company_id)
    .bind(f.default_priority.as_str())
    .bind(password.is_some())
    .bind(password.flatten())
    .bind(reset_position)
    .execute(&mut **tx)
    .await
    .map_err(address_taken)?;
    schedule(tx, m.tenant_id, m.id, f, Utc::now()).await?;
    get_mailbox(tx, m.tenant_id, m.id, false).await
}

/// Archives mailbox `id` (no more polling; its token stops working).
pub async fn archive_mailbox(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Mailbox> {
    let mut m = get_mailbox(tx, tenant, id, true).await?;
    sqlx::query("update email_mailboxes set archived = true, active = false, updated_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    m.fields.active = false;
    schedule(tx, tenant, id, &m.fields, Utc::now()).await?;
    Ok(m)
}

/// Replaces the inbound token digest.
pub async fn set_token(tx: &mut TenantTx, tenant: Uuid, id: Uuid, token_sha256: &[u8]) -> Result<()> {
    sqlx::query(
        "update email_mailboxes set inbound_token_sha256 = $3, updated_at = now() where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(token_sha256)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records a poll's end: the IMAP position reached (when given) and the error (empty: success).
pub async fn finish_poll(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    position: Option<(i64, i64)>,
    error: &str,
) -> Result<()> {
    sqlx::query(
        "update email_mailboxes set uid_validity = coalesce($3, uid_validity), last_uid = coalesce($4, last_uid), \
         last_poll_at = now(), last_poll_error = $5 where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(position.map(|p| p.0))
    .bind(position.map(|p| p.1))
    .bind(error)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes the poll lease of mailbox `id` for `lease` from `now` unless another poller holds
/// it; true when taken. The lease stops two replicas (or a job and a "poll now") from
/// polling one mailbox at once; the unique Message-ID per mailbox is the second lock.
pub async fn take_poll_lease(pool: &PgPool, id: Uuid, now: DateTime<Utc>, lease: chrono::Duration) -> Result<bool> {
    let taken = sqlx::query(
        "update email_poll_schedule set leased_until = $2 + $3 \
         where mailbox_id = $1 and (leased_until is null or leased_until < $2)",
    )
    .bind(id)
    .bind(now)
    .bind(lease)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(taken == 1)
}

/// Releases the lease and schedules the next poll at `next`.
pub async fn release_poll_lease(pool: &PgPool, id: Uuid, next: DateTime<Utc>) -> Result<()> {
    sqlx::query("update email_poll_schedule set leased_until = null, next_poll_at = $2 where mailbox_id = $1")
        .bind(id)
        .bind(next)
        .execute(pool)
        .await?;
    Ok(())
}

/// Mailboxes due a poll at `now` and not leased: (tenant, mailbox), at most `limit`.
pub async fn due_polls(pool: &PgPool, now: DateTime<Utc>, limit: i64) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(sqlx::query_as(
        "select tenant_id, mailbox_id from email_poll_schedule where next_poll_at <= $1 \
         and (leased_until is null or leased_until < $1) order by next_poll_at limit $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: Uuid,
    tenant_id: Uuid,
    mailbox_id: Uuid,
    name: String,
    position: i32,
    active: bool,
    conditions: Json<RuleConditions>,
    actions: Json<RuleActions>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<RuleRow> for ParseRule {
    fn from(r: RuleRow) -> Self {
        ParseRule {
            id: r.id,
            tenant_id: r.tenant_id,
            fields: RuleFields {
                mailbox_id: r.mailbox_id,
                name: r.name,
                position: r.position,
                active: r.active,
                conditions: r.conditions.0,
                actions: r.actions.0,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const RULE_COLUMNS: &str =
    "id, tenant_id, mailbox_id, name, position, active, conditions, actions, created_at, updated_at";

/// A mailbox's rules in evaluation order.
pub async fn list_rules(tx: &mut TenantTx, tenant: Uuid, mailbox: Uuid) -> Result<Vec<ParseRule>> {
    let rows: Vec<RuleRow> = sqlx::query_as(&format!(
        "select {RULE_COLUMNS} from email_parse_rules where tenant_id = $1 and mailbox_id = $2 order by position, created_at, id"
    ))
    .bind(tenant)
    .bind(mailbox)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(ParseRule::from).collect())
}

/// Inserts a rule.
pub async fn insert_rule(tx: &mut TenantTx, tenant: Uuid, f: &RuleFields) -> Result<ParseRule> {
    let row: RuleRow = sqlx::query_as(&format!(
        "insert into email_parse_rules (id, tenant_id, mailbox_id, name, position, active, conditions, actions) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning {RULE_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(f.mailbox_id)
    .bind(&f.name)
    .bind(f.position)
    .bind(f.active)
    .bind(Json(&f.conditions))
    .bind(Json(&f.actions))
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// Replaces rule `id` of the mailbox in `f`.
pub async fn update_rule(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &RuleFields) -> Result<ParseRule> {
    let row: Option<RuleRow> = sqlx::query_as(&format!(
        "update email_parse_rules set name = $4, position = $5, active = $6, conditions = $7, actions = $8, updated_at = now() \
         where tenant_id = $1 and id = $2 and mailbox_id = $3 returning {RULE_COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.mailbox_id)
    .bind(&f.name)
    .bind(f.position)
    .bind(f.active)
    .bind(Json(&f.conditions))
    .bind(Json(&f.actions))
    .fetch_optional(&mut **tx)
    .await?;
    row.map(ParseRule::from).ok_or_else(|| DomainError::NotFound { entity: "email parse rule" }.into())
}

/// Deletes rule `id` of `mailbox`; returns it.
pub async fn delete_rule(tx: &mut TenantTx, tenant: Uuid, mailbox: Uuid, id: Uuid) -> Result<ParseRule> {
    let row: Option<RuleRow> = sqlx::query_as(&format!(
        "delete from email_parse_rules where tenant_id = $1 and mailbox_id = $2 and id = $3 returning {RULE_COLUMNS}"
    ))
    .bind(tenant)
    .bind(mailbox)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(ParseRule::from).ok_or_else(|| DomainError::NotFound { entity: "email parse rule" }.into())
}

/// One entry of the message log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageRecord {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub mailbox_id: Uuid,
    pub direction: String,
    pub message_id: String,
    pub outcome: String,
    pub reason: String,
    pub from_address: String,
    pub subject: String,
    pub ticket_id: Option<Uuid>,
    pub ticket_number: Option<i64>,
    pub note_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// What [`claim_message`] writes first.
pub struct NewMessage<'a> {
    pub mailbox_id: Uuid,
    pub direction: EmailDirection,
    pub message_id: &'a str,
    pub outcome: EmailOutcome,
    pub reason: &'a str,
    pub from_address: &'a str,
    pub subject: &'a str,
}

const MESSAGE_SELECT: &str = "select m.id, m.tenant_id, m.mailbox_id, m.direction, m.message_id, m.outcome, m.reason, \
    m.from_address, m.subject, m.ticket_id, t.number as ticket_number, m.note_id, m.created_at \
    from email_messages m left join tickets t on t.tenant_id = m.tenant_id and t.id = m.ticket_id";

/// Records message `m` unless the mailbox already has it (same direction and Message-ID):
/// `Ok(Some(id))` when this call recorded it, `Ok(None)` for a duplicate. The unique key
/// makes a concurrent second import wait for the first and then see the duplicate.
pub async fn claim_message(tx: &mut TenantTx, tenant: Uuid, m: &NewMessage<'_>) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "insert into email_messages (id, tenant_id, mailbox_id, direction, message_id, outcome, reason, from_address, subject) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (tenant_id, mailbox_id, direction, message_id) do nothing returning id",
    )
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(m.mailbox_id)
    .bind(m.direction.as_str())
    .bind(m.message_id)
    .bind(m.outcome.as_str())
    .bind(m.reason)
    .bind(m.from_address)
    .bind(m.subject)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Sets what became of message `id`.
pub async fn set_message_outcome(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    outcome: EmailOutcome,
    reason: &str,
    ticket: Option<Uuid>,
    note: Option<Uuid>,
) -> Result<()> {
    sqlx::query("update email_messages set outcome = $3, reason = $4, ticket_id = $5, note_id = $6 where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .bind(outcome.as_str())
        .bind(reason)
        .bind(ticket)
        .bind(note)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The record of a mailbox's message by direction and Message-ID.
pub async fn find_message(
    tx: &mut TenantTx,
    tenant: Uuid,
    mailbox: Uuid,
    direction: EmailDirection,
    message_id: &str,
) -> Result<Option<MessageRecord>> {
    Ok(sqlx::query_as(&format!(
        "{MESSAGE_SELECT} where m.tenant_id = $1 and m.mailbox_id = $2 and m.direction = $3 and m.message_id = $4"
    ))
    .bind(tenant)
    .bind(mailbox)
    .bind(direction.as_str())
    .bind(message_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The message log entry `id`.
pub async fn get_message(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<MessageRecord> {
    let r: Option<MessageRecord> = sqlx::query_as(&format!("{MESSAGE_SELECT} where m.tenant_id = $1 and m.id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    r.ok_or_else(|| DomainError::NotFound { entity: "email message" }.into())
}

/// The ticket of the newest message (in or out, any mailbox of the tenant) among `ids`.
pub async fn ticket_of_thread(tx: &mut TenantTx, tenant: Uuid, ids: &[String]) -> Result<Option<Uuid>> {
    if ids.is_empty() {
        return Ok(None);
    }
    Ok(sqlx::query_scalar(
        "select ticket_id from email_messages where tenant_id = $1 and message_id = any($2) and ticket_id is not null \
         order by created_at desc limit 1",
    )
    .bind(tenant)
    .bind(ids)
    .fetch_optional(&mut **tx)
    .await?)
}

/// What `ListEmailMessages` may filter by; newest first.
pub const MESSAGES: ListSpec = ListSpec {
    filters: &[
        FilterField {
            name: "outcome",
            column: "m.outcome",
            kind: FieldKind::Enum { prefix: "EMAIL_OUTCOME_", values: EmailOutcome::NAMES },
        },
        FilterField {
            name: "direction",
            column: "m.direction",
            kind: FieldKind::Enum { prefix: "EMAIL_DIRECTION_", values: EmailDirection::NAMES },
        },
        FilterField { name: "ticket_id", column: "m.ticket_id", kind: FieldKind::Uuid },
    ],
    orders: &[OrderField { name: "create_time", column: "m.created_at", kind: SortKind::Time }],
    default_order: "create_time desc",
    id_column: "m.id",
};

/// One page of a mailbox's message log.
pub async fn list_messages(
    tx: &mut TenantTx,
    tenant: Uuid,
    mailbox: Uuid,
    plan: &ListPlan,
) -> Result<(Vec<MessageRecord>, String)> {
    let mut qb = QueryBuilder::new(format!("{MESSAGE_SELECT} where m.tenant_id = "));
    qb.push_bind(tenant).push(" and m.mailbox_id = ").push_bind(mailbox);
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let mut rows: Vec<MessageRecord> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let token = plan.finish(&mut rows, |m, _| (time_key(m.created_at), m.id));
    Ok((rows, token))
}

/// A sender the desk knows: the contact with this address, or the one company whose domain it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sender {
    pub company_id: Uuid,
    pub contact_id: Option<Uuid>,
}

/// Finds the sender `address` (lower case): a contact with that email (the oldest, when
/// several companies share one), else the single company that has the address's domain.
pub async fn find_sender(tx: &mut TenantTx, tenant: Uuid, address: &str) -> Result<Option<Sender>> {
    let contact: Option<(Uuid, Uuid)> = sqlx::query_as(
        "select company_id, id from contacts where tenant_id = $1 and lower(email) = $2 order by id limit 1",
    )
    .bind(tenant)
    .bind(address)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((company_id, contact_id)) = contact {
        return Ok(Some(Sender { company_id, contact_id: Some(contact_id) }));
    }
    let Some((_, domain)) = address.rsplit_once('@') else { return Ok(None) };
    let companies: Vec<Uuid> =
        sqlx::query_scalar("select id from companies where tenant_id = $1 and domains @> array[$2]::text[] limit 2")
            .bind(tenant)
            .bind(domain)
            .fetch_all(&mut **tx)
            .await?;
    Ok(match companies.as_slice() {
        [one] => Some(Sender { company_id: *one, contact_id: None }),
        _ => None,
    })
}

/// Applies a contact snapshot unless a newer one was applied.
pub async fn upsert_contact(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    company_id: Uuid,
    email: &str,
    name: &str,
    updated_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "insert into contacts (tenant_id, id, company_id, email, name, source_updated_at) values ($1, $2, $3, $4, $5, $6) \
         on conflict (tenant_id, id) do update set company_id = excluded.company_id, email = excluded.email, name = excluded.name, \
         source_updated_at = excluded.source_updated_at where contacts.source_updated_at <= excluded.source_updated_at",
    )
    .bind(tenant)
    .bind(id)
    .bind(company_id)
    .bind(email.trim().to_lowercase())
    .bind(name)
    .bind(updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The contact's email address, if the projection has it.
pub async fn contact_email(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("select email from contacts where tenant_id = $1 and id = $2 and email <> ''")
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?)
}

/// Where mail about a ticket goes: the mailbox it came through (else the tenant's oldest
/// active mailbox), the client's address (the contact's, else the last inbound sender), the
/// last inbound Message-ID and every Message-ID of the ticket, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketThread {
    pub mailbox_id: Uuid,
    pub from_address: String,
    pub from_name: String,
    pub to_address: Option<String>,
    pub last_inbound: Option<String>,
    pub ids: Vec<String>,
}

/// The thread of ticket `ticket` (contact `contact`), or `None` when the tenant has no active mailbox.
pub async fn ticket_thread(
    tx: &mut TenantTx,
    tenant: Uuid,
    ticket: Uuid,
    contact: Option<Uuid>,
) -> Result<Option<TicketThread>> {
    let rows: Vec<(Uuid, String, String, String)> = sqlx::query_as(
        "select mailbox_id, direction, message_id, from_address from email_messages \
         where tenant_id = $1 and ticket_id = $2 order by created_at, id",
    )
    .bind(tenant)
    .bind(ticket)
    .fetch_all(&mut **tx)
    .await?;
    let inbound: Vec<&(Uuid, String, String, String)> = rows.iter().filter(|r| r.1 == "inbound").collect();
    let mailbox: Option<(Uuid, String, String)> = match inbound.last() {
        Some(r) => sqlx::query_as("select id, address, name from email_mailboxes where tenant_id = $1 and id = $2 and active and not archived")
            .bind(tenant)
            .bind(r.0)
            .fetch_optional(&mut **tx)
            .await?,
        None => None,
    };
    let mailbox = match mailbox {
        Some(m) => Some(m),
        None => sqlx::query_as(
            "select id, address, name from email_mailboxes where tenant_id = $1 and active and not archived order by created_at, id limit 1",
        )
        .bind(tenant)
        .fetch_optional(&mut **tx)
        .await?,
    };
    let Some((mailbox_id, from_address, from_name)) = mailbox else { return Ok(None) };
    let contact_email = match contact {
        Some(c) => contact_email(tx, tenant, c).await?,
        None => None,
    };
    let to_address = contact_email.or_else(|| inbound.last().map(|r| r.3.clone()).filter(|a| !a.is_empty()));
    Ok(Some(TicketThread {
        mailbox_id,
        from_address,
        from_name,
        to_address,
        last_inbound: inbound.last().map(|r| r.2.clone()),
        ids: rows.iter().map(|r| r.2.clone()).filter(|id| !id.starts_with("sha256:")).collect(),
    }))
}

/// A queued outbound mail.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Outbound {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub mailbox_id: Uuid,
    pub ticket_id: Uuid,
    pub note_id: Uuid,
    pub message_row_id: Uuid,
    pub from_address: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub in_reply_to: String,
    pub refs: Vec<String>,
    pub attempts: i32,
}

/// Queues `o` (its message-log row first, then the mail, then its schedule entry).
pub async fn queue_outbound(tx: &mut TenantTx, o: &Outbound) -> Result<()> {
    sqlx::query(
        "insert into email_messages (id, tenant_id, mailbox_id, direction, message_id, outcome, from_address, subject, ticket_id, note_id) \
         values ($1, $2, $3, 'outbound', $4, 'queued', $5, $6, $7, $8)",
    )
    .bind(o.message_row_id)
    .bind(o.tenant_id)
    .bind(o.mailbox_id)
    .bind(&o.message_id)
    .bind(&o.from_address)
    .bind(&o.subject)
    .bind(o.ticket_id)
    .bind(o.note_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "insert into email_outbound (id, tenant_id, mailbox_id, ticket_id, note_id, message_row_id, from_address, to_address, subject, \
         body, message_id, in_reply_to, refs) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(o.id)
    .bind(o.tenant_id)
    .bind(o.mailbox_id)
    .bind(o.ticket_id)
    .bind(o.note_id)
    .bind(o.message_row_id)
    .bind(&o.from_address)
    .bind(&o.to_address)
    .bind(&o.subject)
    .bind(&o.body)
    .bind(&o.message_id)
    .bind(&o.in_reply_to)
    .bind(&o.refs)
    .execute(&mut **tx)
    .await?;
    sqlx::query("insert into email_send_schedule (outbound_id, tenant_id, next_attempt_at) values ($1, $2, now())")
        .bind(o.id)
        .bind(o.tenant_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Leases up to `limit` due sends for `lease` (replicas skip each other's): (tenant, id).
pub async fn lease_due_sends(
    pool: &PgPool,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: i64,
) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(sqlx::query_as(
        "update email_send_schedule set leased_until = $1 + $2 where outbound_id in (\
           select outbound_id from email_send_schedule where next_attempt_at <= $1 and (leased_until is null or leased_until < $1) \
           order by next_attempt_at limit $3 for update skip locked) returning tenant_id, outbound_id",
    )
    .bind(now)
    .bind(lease)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// The queued mail `id` (not yet sent).
pub async fn get_outbound(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<Outbound>> {
    Ok(sqlx::query_as(
        "select id, tenant_id, mailbox_id, ticket_id, note_id, message_row_id, from_address, to_address, subject, body, message_id, \
         in_reply_to, refs, attempts from email_outbound where tenant_id = $1 and id = $2 and sent_at is null",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Records a send attempt: sent (`error` None), retried at `retry_at`, or given up (`retry_at` None).
pub async fn finish_send(
    tx: &mut TenantTx,
    o: &Outbound,
    error: Option<&str>,
    retry_at: Option<DateTime<Utc>>,
) -> Result<()> {
    let outcome = match (error, retry_at) {
        (None, _) => EmailOutcome::Sent,
        (Some(_), Some(_)) => EmailOutcome::Queued,
        (Some(_), None) => EmailOutcome::Failed,
    };
    sqlx::query(
        "update email_outbound set attempts = attempts + 1, last_error = $3, sent_at = case when $4 then now() end \
         where tenant_id = $1 and id = $2",
    )
    .bind(o.tenant_id)
    .bind(o.id)
    .bind(error.unwrap_or_default())
    .bind(error.is_none())
    .execute(&mut **tx)
    .await?;
    set_message_outcome(
        tx,
        o.tenant_id,
        o.message_row_id,
        outcome,
        error.unwrap_or_default(),
        Some(o.ticket_id),
        Some(o.note_id),
    )
    .await?;
    match retry_at {
        Some(at) if error.is_some() => {
            sqlx::query(
                "update email_send_schedule set next_attempt_at = $3, leased_until = null where outbound_id = $1 and tenant_id = $2",
            )
            .bind(o.id)
            .bind(o.tenant_id)
            .bind(at)
                .execute(&mut **tx)
                .await?;
        }
        _ => {
            unschedule_send(tx, o.tenant_id, o.id).await?;
        }
    }
    Ok(())
}

/// Drops send `id` from the schedule (sent, given up, or gone).
pub async fn unschedule_send(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("delete from email_send_schedule where outbound_id = $1 and tenant_id = $2")
        .bind(id)
        .bind(tenant)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
