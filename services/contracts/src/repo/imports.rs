//! Import jobs and their reports, the bulk writes of a clients import (multi-row `unnest`
//! inserts), and the look-ups that resolve an import row's references by name.

use chrono::{DateTime, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::activity::ActivityKind;
use crate::domain::company::{Company, CompanyFields};
use crate::domain::contact::{Contact, ContactFields};
use crate::domain::import::RowError;

/// A stored import job (see `app::imports::ImportJob` for the meaning of the counters).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: Uuid,
    pub import_type: String,
    pub mode: String,
    pub state: String,
    pub file_name: String,
    pub rows_read: i32,
    pub rows_valid: i32,
    pub rows_bad: i32,
    pub created: i32,
    pub skipped: i32,
    pub committed: bool,
    pub ignored_columns: Vec<String>,
    pub failure: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const JOB_COLUMNS: &str = "id, import_type, mode, state, file_name, rows_read, rows_valid, rows_bad, created, skipped, \
     committed, ignored_columns, failure, created_at, updated_at";

/// Creates a RUNNING job; `false` when the id is taken (in any tenant).
pub async fn insert_job(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    import_type: &str,
    mode: &str,
    file_name: &str,
    actor: Uuid,
) -> Result<bool> {
    // The primary key spans tenants; a clash with another tenant's job must not be visible as
    // such, but cannot happen in practice with client-chosen random UUIDs.
    let done = sqlx::query(
        "insert into import_jobs (id, tenant_id, import_type, mode, file_name, created_by) \
         values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
    )
    .bind(id)
    .bind(tenant)
    .bind(import_type)
    .bind(mode)
    .bind(file_name)
    .bind(actor)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Progress of a job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub rows_read: i32,
    pub rows_valid: i32,
    pub rows_bad: i32,
    pub created: i32,
    pub skipped: i32,
}

/// Writes the counters (and the ignored columns) of a running job and appends `errors`
/// numbered from `first_seq`, in a transaction of its own (committed at once, so other
/// replicas see the progress while the import's own transaction is open).
pub async fn save_progress(
    pool: &PgPool,
    tenant: Uuid,
    id: Uuid,
    c: Counters,
    ignored: &[String],
    first_seq: i32,
    errors: &[RowError],
) -> Result<()> {
    let mut tx = psa_kit::db::begin(pool, tenant).await?;
    sqlx::query(
        "update import_jobs set rows_read = $3, rows_valid = $4, rows_bad = $5, created = $6, skipped = $7, \
         ignored_columns = $8, updated_at = now() where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(c.rows_read)
    .bind(c.rows_valid)
    .bind(c.rows_bad)
    .bind(c.created)
    .bind(c.skipped)
    .bind(ignored)
    .execute(&mut *tx)
    .await?;
    if !errors.is_empty() {
        let seqs: Vec<i32> = (first_seq..first_seq + errors.len() as i32).collect();
        let lines: Vec<i32> = errors.iter().map(|e| e.line as i32).collect();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        sqlx::query(
            "insert into import_job_errors (tenant_id, job_id, seq, line, field, message) \
             select $1, $2, u.seq, u.line, u.field, u.message \
             from unnest($3::int[], $4::int[], $5::text[], $6::text[]) as u(seq, line, field, message)",
        )
        .bind(tenant)
        .bind(id)
        .bind(&seqs)
        .bind(&lines)
        .bind(&fields)
        .bind(&messages)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Marks a job finished (`succeeded` or `failed`), in a transaction of its own.
pub async fn finish_job(
    pool: &PgPool,
    tenant: Uuid,
    id: Uuid,
    state: &str,
    c: Counters,
    committed: bool,
    failure: &str,
) -> Result<()> {
    let mut tx = psa_kit::db::begin(pool, tenant).await?;
    sqlx::query(
        "update import_jobs set state = $3, rows_read = $4, rows_valid = $5, rows_bad = $6, created = $7, \
         skipped = $8, committed = $9, failure = $10, updated_at = now() where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(state)
    .bind(c.rows_read)
    .bind(c.rows_valid)
    .bind(c.rows_bad)
    .bind(c.created)
    .bind(c.skipped)
    .bind(committed)
    .bind(failure)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The job `id` of the tenant.
pub async fn get_job(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<JobRow>> {
    Ok(sqlx::query_as(&format!("select {JOB_COLUMNS} from import_jobs where tenant_id = $1 and id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?)
}

/// The first `limit` bad rows of job `id`, by line.
pub async fn job_errors(tx: &mut TenantTx, tenant: Uuid, id: Uuid, limit: i64) -> Result<Vec<RowError>> {
    let rows: Vec<(i32, String, String)> = sqlx::query_as(
        "select line, field, message from import_job_errors where tenant_id = $1 and job_id = $2 \
         order by line, seq limit $3",
    )
    .bind(tenant)
    .bind(id)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(line, field, message)| RowError { line: line as u32, field, message }).collect())
}

/// The transaction's start time (`now()`), the `created_at` of every row it inserts.
pub async fn tx_now(tx: &mut TenantTx) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar("select now()").fetch_one(&mut **tx).await?)
}

/// Inserts the companies whose name (case-insensitive) the tenant does not have yet; returns
/// the created ones. Names should be distinct within `rows`.
///
/// The names the tenant has are looked up first and left out, and the rest go in with one plain
/// multi-row insert under a savepoint: an `on conflict` insert checks every row speculatively,
/// a cost per row that a new file's rows do not need. Should a company of the same name be
/// created meanwhile (or two names of `rows` match case-insensitively), the insert is redone with
/// `on conflict do nothing`.
///
/// # Errors
/// Database errors.
pub async fn insert_companies(tx: &mut TenantTx, tenant: Uuid, rows: &[&CompanyFields]) -> Result<Vec<Company>> {
    let names: Vec<&str> = rows.iter().map(|f| f.name.as_str()).collect();
    let taken: std::collections::HashSet<String> = sqlx::query_scalar(
        "select n from unnest($2::text[]) n \
         where exists (select 1 from companies c where c.tenant_id = $1 and lower(c.name) = lower(n))",
    )
    .bind(tenant)
    .bind(&names)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let fresh: Vec<&CompanyFields> = rows.iter().copied().filter(|f| !taken.contains(&f.name)).collect();
    if fresh.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query("savepoint import_companies").execute(&mut **tx).await?;
    match insert_company_rows(tx, tenant, &fresh, false).await {
        Ok(created) => {
            sqlx::query("release savepoint import_companies").execute(&mut **tx).await?;
            Ok(created)
        }
        Err(e) if e.is_unique_violation("companies_name_per_tenant") => {
            sqlx::query("rollback to savepoint import_companies").execute(&mut **tx).await?;
            insert_company_rows(tx, tenant, &fresh, true).await
        }
        Err(e) => Err(e),
    }
}

/// One multi-row insert of `rows` (`on conflict (tenant_id, lower(name)) do nothing` when
/// `skip_taken`); returns the inserted companies.
async fn insert_company_rows(
    tx: &mut TenantTx,
    tenant: Uuid,
    rows: &[&CompanyFields],
    skip_taken: bool,
) -> Result<Vec<Company>> {
    let n = rows.len();
    let mut ids = Vec::with_capacity(n);
    let (mut names, mut types, mut statuses, mut industries) = (vec![], vec![], vec![], vec![]);
    let (mut sizes, mut sources, mut websites, mut phones, mut emails) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut addresses, mut notes, mut tags) = (vec![], vec![], vec![]);
    for f in rows {
        ids.push(Uuid::now_v7());
        names.push(f.name.as_str());
        types.push(f.company_type.as_str());
        statuses.push(f.status.as_str());
        industries.push(f.industry.as_str());
        sizes.push(f.company_size.map(|s| s.as_str()));
        sources.push(f.source.as_str());
        websites.push(f.website.as_str());
        phones.push(f.phone.as_str());
        emails.push(f.email.as_str());
        addresses.push(serde_json::to_string(&f.address).unwrap_or_else(|_| "{}".into()));
        notes.push(f.notes.as_str());
        tags.push(f.tags.join("\u{1f}"));
    }
    let sql = format!(
        "insert into companies (id, tenant_id, name, company_type, status, industry, company_size, source, website, \
         phone, email, address, notes, tags) \
         select u.id, $1, u.name, u.company_type, u.status, u.industry, u.company_size, u.source, u.website, u.phone, \
         u.email, u.address::jsonb, u.notes, \
         case when u.tags = '' then '{{}}'::text[] else string_to_array(u.tags, E'\\x1f') end \
         from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], \
         $10::text[], $11::text[], $12::text[], $13::text[], $14::text[]) \
         as u(id, name, company_type, status, industry, company_size, source, website, phone, email, address, notes, tags) \
         {} returning {}",
        if skip_taken { "on conflict (tenant_id, lower(name)) do nothing" } else { "" },
        super::companies::COLUMNS
    );
    let created: Vec<super::companies::Row> = sqlx::query_as(&sql)
        .bind(tenant)
        .bind(&ids)
        .bind(&names)
        .bind(&types)
        .bind(&statuses)
        .bind(&industries)
        .bind(&sizes)
        .bind(&sources)
        .bind(&websites)
        .bind(&phones)
        .bind(&emails)
        .bind(&addresses)
        .bind(&notes)
        .bind(&tags)
        .fetch_all(&mut **tx)
        .await?;
    Ok(created.into_iter().map(Company::from).collect())
}

/// Of the lower-cased `names`, those the tenant has, each with whether it was created since
/// `since` (the import's start: by an earlier row of the same import).
pub async fn company_names(
    tx: &mut TenantTx,
    tenant: Uuid,
    names: &[String],
    since: DateTime<Utc>,
) -> Result<Vec<(String, bool)>> {
    Ok(sqlx::query_as(
        "select lower(name), created_at >= $3 from companies where tenant_id = $1 and lower(name) = any($2)",
    )
    .bind(tenant)
    .bind(names)
    .bind(since)
    .fetch_all(&mut **tx)
    .await?)
}

/// The first status history entries of new companies (from none to their status).
pub async fn insert_first_statuses(
    tx: &mut TenantTx,
    tenant: Uuid,
    actor: Uuid,
    now: DateTime<Utc>,
    companies: &[Company],
) -> Result<()> {
    let ids: Vec<Uuid> = companies.iter().map(|_| Uuid::now_v7()).collect();
    let company_ids: Vec<Uuid> = companies.iter().map(|c| c.id).collect();
    let to: Vec<&str> = companies.iter().map(|c| c.fields.status.as_str()).collect();
    sqlx::query(
        "insert into company_status_changes (id, tenant_id, company_id, from_status, to_status, reason, actor_id, changed_at) \
         select u.id, $1, u.company_id, null, u.to_status, '', $2, $3 \
         from unnest($4::uuid[], $5::uuid[], $6::text[]) as u(id, company_id, to_status)",
    )
    .bind(tenant)
    .bind(actor)
    .bind(now)
    .bind(&ids)
    .bind(&company_ids)
    .bind(&to)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Appends activity entries `(company, kind, summary, subject)` in one statement.
pub async fn record_activity(
    tx: &mut TenantTx,
    tenant: Uuid,
    actor: Uuid,
    entries: &[(Uuid, ActivityKind, String, Uuid)],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = entries.iter().map(|_| Uuid::now_v7()).collect();
    let companies: Vec<Uuid> = entries.iter().map(|e| e.0).collect();
    let kinds: Vec<&str> = entries.iter().map(|e| e.1.as_str()).collect();
    let summaries: Vec<&str> = entries.iter().map(|e| e.2.as_str()).collect();
    let subjects: Vec<Uuid> = entries.iter().map(|e| e.3).collect();
    sqlx::query(
        "insert into company_activity (id, tenant_id, company_id, kind, summary, actor_id, subject_id) \
         select u.id, $1, u.company_id, u.kind, u.summary, $2, u.subject_id \
         from unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::uuid[]) as u(id, company_id, kind, summary, subject_id)",
    )
    .bind(tenant)
    .bind(actor)
    .bind(&ids)
    .bind(&companies)
    .bind(&kinds)
    .bind(&summaries)
    .bind(&subjects)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inserts contacts (their companies are the tenant's, created in this transaction) in one
/// statement.
pub async fn insert_contacts(tx: &mut TenantTx, tenant: Uuid, rows: &[ContactFields]) -> Result<Vec<Contact>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    let companies: Vec<Uuid> = rows.iter().map(|r| r.company_id).collect();
    let first: Vec<&str> = rows.iter().map(|r| r.first_name.as_str()).collect();
    let last: Vec<&str> = rows.iter().map(|r| r.last_name.as_str()).collect();
    let emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
    let phones: Vec<&str> = rows.iter().map(|r| r.phone.as_str()).collect();
    let titles: Vec<&str> = rows.iter().map(|r| r.title.as_str()).collect();
    let types: Vec<&str> = rows.iter().map(|r| r.contact_type.as_str()).collect();
    let sql = format!(
        "insert into contacts (id, tenant_id, company_id, first_name, last_name, email, phone, title, contact_type) \
         select u.id, $1, u.company_id, u.first_name, u.last_name, u.email, u.phone, u.title, u.contact_type \
         from unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) \
         as u(id, company_id, first_name, last_name, email, phone, title, contact_type) returning {}",
        super::contacts::COLUMNS
    );
    let created: Vec<super::contacts::Row> = sqlx::query_as(&sql)
        .bind(tenant)
        .bind(&ids)
        .bind(&companies)
        .bind(&first)
        .bind(&last)
        .bind(&emails)
        .bind(&phones)
        .bind(&titles)
        .bind(&types)
        .fetch_all(&mut **tx)
        .await?;
    Ok(created.into_iter().map(Contact::from).collect())
}

/// The company named `name` (case-insensitive).
pub async fn company_by_name(tx: &mut TenantTx, tenant: Uuid, name: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar("select id from companies where tenant_id = $1 and lower(name) = lower($2)")
        .bind(tenant)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?)
}

/// The contract of `company` named or numbered `reference` (case-insensitive): a number match
/// first, then the newest contract of that name that is not RENEWED (a renewal keeps the name).
pub async fn contract_by_ref(tx: &mut TenantTx, tenant: Uuid, company: Uuid, reference: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "select id from contracts where tenant_id = $1 and company_id = $2 \
         and (lower(number) = lower($3) or lower(name) = lower($3)) \
         order by lower(number) = lower($3) desc, status <> 'renewed' desc, created_at desc limit 1",
    )
    .bind(tenant)
    .bind(company)
    .bind(reference)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The company of the contract numbered `number`, if any.
pub async fn contract_number_owner(tx: &mut TenantTx, tenant: Uuid, number: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar("select company_id from contracts where tenant_id = $1 and lower(number) = lower($2)")
        .bind(tenant)
        .bind(number)
        .fetch_optional(&mut **tx)
        .await?)
}

/// The service named `name` (case-insensitive).
pub async fn service_by_name(tx: &mut TenantTx, tenant: Uuid, name: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar("select id from services where tenant_id = $1 and lower(name) = lower($2)")
        .bind(tenant)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?)
}

/// The (oldest) scope of `service` on `contract`.
pub async fn scope_of(tx: &mut TenantTx, tenant: Uuid, contract: Uuid, service: Uuid) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "select id from service_scopes where tenant_id = $1 and contract_id = $2 and service_id = $3 \
         order by created_at, id limit 1",
    )
    .bind(tenant)
    .bind(contract)
    .bind(service)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The SAF numbered `number` (case-insensitive): its id and contract.
pub async fn saf_by_number(tx: &mut TenantTx, tenant: Uuid, number: &str) -> Result<Option<(Uuid, Uuid)>> {
    Ok(sqlx::query_as("select id, contract_id from safs where tenant_id = $1 and lower(number) = lower($2)")
        .bind(tenant)
        .bind(number)
        .fetch_optional(&mut **tx)
        .await?)
}

/// The contract of the COC numbered `number` (case-insensitive), if any.
pub async fn coc_by_number(tx: &mut TenantTx, tenant: Uuid, number: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar("select contract_id from cocs where tenant_id = $1 and lower(number) = lower($2)")
        .bind(tenant)
        .bind(number)
        .fetch_optional(&mut **tx)
        .await?)
}

/// Sets a savepoint in the import's transaction (one per row of the slower import types, so
/// a row that the database refuses does not abort the whole import).
pub async fn savepoint(tx: &mut TenantTx) -> Result<()> {
    sqlx::query("savepoint import_row").execute(&mut **tx).await?;
    Ok(())
}

/// Releases (`ok`) or rolls back to the savepoint.
pub async fn end_savepoint(tx: &mut TenantTx, ok: bool) -> Result<()> {
    let sql = if ok { "release savepoint import_row" } else { "rollback to savepoint import_row" };
    sqlx::query(sql).execute(&mut **tx).await?;
    Ok(())
}
