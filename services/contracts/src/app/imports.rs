//! Streamed CSV imports (issue #3 "Bulk import and export"; row rules in
//! `domain::imports`).
//!
//! How a run works:
//! - the file arrives in chunks on a bounded channel; a blocking thread parses it with the
//!   `csv` crate as it arrives and hands validated rows on in batches (bounded channel too), so
//!   memory holds a few batches, never the file;
//! - every batch is resolved (client → company, contract by number or name, service by name,
//!   scope = contract + service, SAF by number) and written in the import's one transaction:
//!   clients with multi-row `unnest` inserts (companies, first status entries, contacts,
//!   activity, outbox events), the other types row by row under a savepoint;
//! - the transaction is a bulk operation for the audit log (`psa_kit::audit::bulk`): every
//!   imported row gets a `create` record naming the job, without a copy of its columns;
//! - after every batch the counters and the new bad rows are saved to `import_jobs` /
//!   `import_job_errors` in a separate, immediately committed transaction: that is how
//!   `GetImportJob` and `WatchImportJob` (SSE) report progress from any replica (the database
//!   is the shared state; no Redis or NATS needed for it);
//! - at the end the transaction commits when the mode allows it: all-or-nothing (the default)
//!   commits only when no row is bad, valid-rows commits the good ones. A file-level problem
//!   (bad header, unterminated quote, invalid UTF-8, an interrupted upload) fails the job and
//!   commits nothing.
//!
//! Re-imports never duplicate: a row whose natural key exists (company name, contract number
//! or client + contract name, service name, contract + service, SAF number, COC number) is
//! skipped and counted in `skipped`, leaving the stored record unchanged. A key repeated within
//! the same file is reported as a bad row.

use std::collections::HashMap;
use std::io::Read;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use psa_core::{DomainError, Principal, permissions};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::events::{EventMeta, enqueue_many};
use psa_proto::events as ev;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{Contracts, ImportMode};
use crate::domain::activity::ActivityKind;
use crate::domain::contact::{ContactFields, ContactType};
use crate::domain::contract::ContractStatus;
use crate::domain::import::{ImportRow, RowError, csv_problem};
use crate::domain::imports::{
    CocDraft, ContractDraft, Draft, ImportType, RowParser, SafDraft, ScopeDraft, ServiceDraft,
};
use crate::domain::scope::ScopeFields;
use crate::domain::scope_template;
use crate::events::SERVICE;
use crate::repo;
use crate::repo::imports::Counters;

/// Rows per batch of a clients import (one multi-row insert each).
pub const CLIENT_BATCH: usize = 5000;
/// Rows per batch of the other types (progress is saved after each).
pub const ROW_BATCH: usize = 200;
/// Most bad rows listed in a job's report (all are stored and counted).
pub const MAX_REPORTED_ERRORS: i64 = 1000;

/// How an import starts.
#[derive(Debug, Clone)]
pub struct StartImport {
    pub import_type: ImportType,
    pub mode: ImportMode,
    /// Client-chosen id; generated (UUIDv7) when `None`.
    pub job_id: Option<Uuid>,
    pub file_name: String,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Running,
    Succeeded,
    Failed,
}

impl JobState {
    fn parse(s: &str) -> Self {
        match s {
            "succeeded" => JobState::Succeeded,
            "failed" => JobState::Failed,
            _ => JobState::Running,
        }
    }
}

/// An import job and its report.
#[derive(Debug, Clone)]
pub struct ImportJob {
    pub id: Uuid,
    pub import_type: ImportType,
    pub mode: ImportMode,
    pub state: JobState,
    pub file_name: String,
    /// Data rows read (blank lines excluded).
    pub rows_read: i32,
    /// Rows that passed validation and reference resolution (`created + skipped`).
    pub rows_valid: i32,
    /// `rows_read - rows_valid`.
    pub rows_bad: i32,
    /// Rows that created a record (committed only when `committed`).
    pub created: i32,
    /// Rows whose record already existed (left unchanged).
    pub skipped: i32,
    pub committed: bool,
    pub ignored_columns: Vec<String>,
    /// The file-level problem of a failed job.
    pub failure: String,
    /// The first [`MAX_REPORTED_ERRORS`] bad rows by line (empty when not asked for).
    pub errors: Vec<RowError>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn mode_str(m: ImportMode) -> &'static str {
    match m {
        ImportMode::AllOrNothing => "all_or_nothing",
        ImportMode::ValidRows => "valid_rows",
    }
}

/// What the parser thread hands on.
enum Parsed {
    Header(Vec<String>),
    Batch { rows: Vec<Draft>, errors: Vec<RowError>, read: usize },
    Failed(String),
    Done,
}

/// A `Read` over the uploaded chunks; counts quote characters (an odd total means a quote was
/// never closed) and drops a leading UTF-8 BOM.
struct ChunkReader {
    rx: mpsc::Receiver<std::result::Result<Bytes, String>>,
    current: Bytes,
    first: bool,
    quotes: u64,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => {
                    self.current = b;
                    if self.first && !self.current.is_empty() {
                        self.first = false;
                        if self.current.starts_with(b"\xEF\xBB\xBF") {
                            self.current = self.current.slice(3..);
                        }
                    }
                }
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.quotes += buf[..n].iter().filter(|&&b| b == b'"').count() as u64;
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// Parses the file from `input` on the current (blocking) thread; see [`Parsed`].
fn parse_stream(t: ImportType, input: mpsc::Receiver<std::result::Result<Bytes, String>>, out: &mpsc::Sender<Parsed>) {
    let send = |m: Parsed| out.blocking_send(m).is_ok();
    let reader = ChunkReader { rx: input, current: Bytes::new(), first: true, quotes: 0 };
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = match csv.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            send(Parsed::Failed(format!("header row: {}", failure_text(&e))));
            return;
        }
    };
    if headers.iter().all(|h| h.trim().is_empty()) {
        send(Parsed::Failed("the file is empty; expected a header row".into()));
        return;
    }
    let parser = match RowParser::new(t, &headers) {
        Ok(p) => p,
        Err(e) => {
            send(Parsed::Failed(domain_text(e)));
            return;
        }
    };
    if !send(Parsed::Header(parser.ignored_columns().to_vec())) {
        return;
    }
    let size = if t == ImportType::Clients { CLIENT_BATCH } else { ROW_BATCH };
    let (mut rows, mut errors, mut read) = (Vec::with_capacity(size), Vec::new(), 0usize);
    let mut last_line = 1u32;
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                send(Parsed::Failed(failure_text(&e)));
                return;
            }
        }
        let line = record.position().map_or(0, |p| p.line() as u32);
        last_line = line;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        read += 1;
        match parser.row(&record, line) {
            Ok(d) => rows.push(d),
            Err(e) => errors.extend(e),
        }
        if read == size {
            let batch = Parsed::Batch { rows: std::mem::take(&mut rows), errors: std::mem::take(&mut errors), read };
            if !send(batch) {
                return;
            }
            read = 0;
        }
    }
    if csv.get_ref().quotes % 2 == 1 {
        send(Parsed::Failed(format!("line {last_line}: unterminated quoted field (a `\"` is never closed)")));
        return;
    }
    if read > 0 && !send(Parsed::Batch { rows, errors, read }) {
        return;
    }
    send(Parsed::Done);
}

fn failure_text(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => format!("the upload was interrupted: {io}"),
        _ => csv_problem(e),
    }
}

fn domain_text(e: DomainError) -> String {
    match e {
        DomainError::Invalid(v) => v.into_iter().map(|f| f.description).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

/// What writing one batch gave.
#[derive(Default)]
struct Outcome {
    created: usize,
    skipped: usize,
    errors: Vec<RowError>,
}

impl Outcome {
    fn bad(&mut self, line: u32, field: &str, message: impl Into<String>) {
        self.errors.push(RowError { line, field: field.to_owned(), message: message.into() });
    }
}

/// Ends a row's savepoint: released when the row wrote without problems, rolled back when it
/// reported a bad row or the database refused it (which becomes a bad row too).
async fn settle(tx: &mut TenantTx, out: &mut Outcome, line: u32, before: usize, result: Result<()>) -> Result<()> {
    match result {
        Ok(()) => repo::imports::end_savepoint(tx, out.errors.len() == before).await,
        Err(e) => {
            repo::imports::end_savepoint(tx, false).await?;
            let message = match e {
                psa_kit::Error::Domain(d) => domain_text(d),
                other => {
                    tracing::warn!(error = %other, line, "import row refused by the database");
                    "the row could not be stored".to_owned()
                }
            };
            out.bad(line, "", message);
            Ok(())
        }
    }
}

impl Contracts {
    /// Runs an import of `start.import_type` reading the file from `input` (chunks; an `Err`
    /// item means the upload broke off). Returns the finished job with its report.
    ///
    /// # Errors
    /// PERMISSION_DENIED without the write permission of the imported records;
    /// ALREADY_EXISTS when the chosen job id is taken; database failures. File and row
    /// problems are not errors: they are in the job's report.
    pub async fn run_import(
        &self,
        p: &Principal,
        start: StartImport,
        input: mpsc::Receiver<std::result::Result<Bytes, String>>,
    ) -> Result<ImportJob> {
        let needed = match start.import_type {
            ImportType::Clients => permissions::COMPANIES_WRITE,
            ImportType::Services => permissions::SERVICES_WRITE,
            _ => permissions::CONTRACTS_WRITE,
        };
        if !p.has(needed) {
            return Err(DomainError::PermissionDenied(needed.into()).into());
        }
        let id = start.job_id.unwrap_or_else(Uuid::now_v7);
        let mut jtx = self.tx(p).await?;
        let t = start.import_type;
        let file_name: String = start.file_name.chars().take(255).collect();
        if !repo::imports::insert_job(
            &mut jtx,
            p.tenant_id,
            id,
            t.as_str(),
            mode_str(start.mode),
            &file_name,
            p.user_id,
        )
        .await?
        {
            return Err(DomainError::AlreadyExists { entity: "import job", field: "id" }.into());
        }
        jtx.commit().await?;

        let (out_tx, mut parsed) = mpsc::channel::<Parsed>(2);
        let parser = tokio::task::spawn_blocking(move || parse_stream(t, input, &out_tx));
        let result = self.consume(p, id, &mut parsed).await;
        drop(parsed);
        let _ = parser.await;
        let (counters, failure, tx) = match result {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, job = %id, "import failed");
                let c = Counters::default();
                repo::imports::finish_job(
                    &self.pool,
                    p.tenant_id,
                    id,
                    "failed",
                    c,
                    false,
                    "the import failed on the server",
                )
                .await?;
                return self.get_import_job(p, id, true).await;
            }
        };
        let committed = match (&failure, tx) {
            (None, Some(tx)) if start.mode == ImportMode::ValidRows || counters.rows_bad == 0 => {
                tx.commit().await?;
                true
            }
            (_, Some(tx)) => {
                tx.rollback().await?;
                false
            }
            (_, None) => false,
        };
        let state = if failure.is_some() { "failed" } else { "succeeded" };
        repo::imports::finish_job(
            &self.pool,
            p.tenant_id,
            id,
            state,
            counters,
            committed,
            failure.as_deref().unwrap_or(""),
        )
        .await?;
        self.get_import_job(p, id, true).await
    }

    /// Reads parsed batches and writes them; returns the counters, a file-level failure and
    /// the open transaction (not yet committed).
    async fn consume(
        &self,
        p: &Principal,
        id: Uuid,
        parsed: &mut mpsc::Receiver<Parsed>,
    ) -> Result<(Counters, Option<String>, Option<TenantTx>)> {
        let mut tx = self.tx(p).await?;
        // Imported rows are audited as created by this job (one record per row, not a copy
        // of every column: see `psa_kit::audit::bulk`).
        psa_kit::audit::bulk(&mut tx, &format!("import job {id}")).await?;
        let now = repo::imports::tx_now(&mut tx).await?;
        let mut c = Counters::default();
        let mut ignored = Vec::new();
        let mut seq = 0i32;
        loop {
            let Some(msg) = parsed.recv().await else {
                return Ok((c, Some("the file could not be read".into()), Some(tx)));
            };
            match msg {
                Parsed::Header(cols) => {
                    ignored = cols;
                    repo::imports::save_progress(&self.pool, p.tenant_id, id, c, &ignored, seq, &[]).await?;
                }
                Parsed::Batch { rows, errors, read } => {
                    let out = self.write_batch(&mut tx, p, now, now, rows).await?;
                    self.record_batch(p, id, &mut c, &ignored, &mut seq, out, errors, read).await?;
                }
                Parsed::Failed(message) => return Ok((c, Some(message), Some(tx))),
                Parsed::Done => return Ok((c, None, Some(tx))),
            }
        }
    }

    /// Adds a written batch to the counters and saves the job's progress and new bad rows.
    #[allow(clippy::too_many_arguments)]
    async fn record_batch(
        &self,
        p: &Principal,
        id: Uuid,
        c: &mut Counters,
        ignored: &[String],
        seq: &mut i32,
        mut out: Outcome,
        errors: Vec<RowError>,
        read: usize,
    ) -> Result<()> {
        out.errors.extend(errors);
        out.errors.sort_by_key(|e| e.line);
        c.rows_read += read as i32;
        c.created += out.created as i32;
        c.skipped += out.skipped as i32;
        c.rows_valid = c.created + c.skipped;
        c.rows_bad = c.rows_read - c.rows_valid;
        repo::imports::save_progress(&self.pool, p.tenant_id, id, *c, ignored, *seq, &out.errors).await?;
        *seq += out.errors.len() as i32;
        Ok(())
    }

    async fn write_batch(
        &self,
        tx: &mut TenantTx,
        p: &Principal,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
        rows: Vec<Draft>,
    ) -> Result<Outcome> {
        let mut clients = Vec::new();
        let mut out = Outcome::default();
        for d in rows {
            let line = match &d {
                Draft::Client(r) => r.line,
                Draft::Contract(d) => d.line,
                Draft::Service(d) => d.line,
                Draft::Scope(d) => d.line,
                Draft::Saf(d) => d.line,
                Draft::Coc(d) => d.line,
            };
            if let Draft::Client(r) = d {
                clients.push(r);
                continue;
            }
            repo::imports::savepoint(tx).await?;
            let before = out.errors.len();
            let result = match d {
                Draft::Contract(d) => self.import_contract(tx, p, d, &mut out).await,
                Draft::Service(d) => self.import_service(tx, p, d, &mut out).await,
                Draft::Scope(d) => self.import_scope(tx, p, d, &mut out).await,
                Draft::Saf(d) => self.import_saf(tx, p, d, &mut out).await,
                Draft::Coc(d) => self.import_coc(tx, p, d, &mut out).await,
                Draft::Client(_) => Ok(()),
            };
            settle(tx, &mut out, line, before, result).await?;
        }
        if !clients.is_empty() {
            self.import_clients(tx, p, now, since, clients, &mut out).await?;
        }
        Ok(out)
    }

    /// Clients: companies (and primary contacts) with multi-row inserts and their events.
    async fn import_clients(
        &self,
        tx: &mut TenantTx,
        p: &Principal,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
        rows: Vec<ImportRow>,
        out: &mut Outcome,
    ) -> Result<()> {
        // Names repeated within the batch: the first one counts.
        let mut first: HashMap<String, u32> = HashMap::with_capacity(rows.len());
        let mut unique = Vec::with_capacity(rows.len());
        for r in rows {
            let key = r.company.name.to_lowercase();
            if let Some(&line) = first.get(&key) {
                out.bad(r.line, "name", format!("duplicates the company on line {line}"));
            } else {
                first.insert(key, r.line);
                unique.push(r);
            }
        }
        let fields: Vec<_> = unique.iter().map(|r| &r.company).collect();
        let created = repo::imports::insert_companies(tx, p.tenant_id, &fields).await?;
        let mut by_name: HashMap<String, usize> = HashMap::with_capacity(created.len());
        for (i, c) in created.iter().enumerate() {
            by_name.insert(c.fields.name.to_lowercase(), i);
        }
        let missing: Vec<String> =
            unique.iter().map(|r| r.company.name.to_lowercase()).filter(|n| !by_name.contains_key(n)).collect();
        if !missing.is_empty() {
            let existing: HashMap<String, bool> =
                repo::imports::company_names(tx, p.tenant_id, &missing, since).await?.into_iter().collect();
            for r in &unique {
                match existing.get(&r.company.name.to_lowercase()) {
                    Some(true) => out.bad(r.line, "name", "duplicates a company on an earlier line of this file"),
                    Some(false) => out.skipped += 1,
                    None => {}
                }
            }
        }
        out.created += created.len();
        if created.is_empty() {
            return Ok(());
        }
        let naming = &self.naming;
        let meta = |subject: Uuid| EventMeta { tenant_id: p.tenant_id, actor_id: p.user_id, subject_id: subject };
        // The first status entry of each company is history, not news: `CompanyCreated` carries
        // the status already, so imports publish no `CompanyStatusChanged` for it.
        repo::imports::insert_first_statuses(tx, p.tenant_id, p.user_id, now, &created).await?;
        let company_events: Vec<_> = created
            .iter()
            .map(|c| (meta(c.id), ev::CompanyCreated { company: Some(crate::proto::company(c)) }))
            .collect();
        enqueue_many(tx, &naming.subject(SERVICE, "company", "created"), &company_events).await?;
        drop(company_events);
        let contacts: Vec<ContactFields> = unique
            .into_iter()
            .filter_map(|r| {
                let company = &created[*by_name.get(&r.company.name.to_lowercase())?];
                let d = r.contact?;
                Some(ContactFields {
                    company_id: company.id,
                    first_name: d.first_name,
                    last_name: d.last_name,
                    email: d.email,
                    phone: d.phone,
                    title: d.title,
                    contact_type: ContactType::Primary,
                })
            })
            .collect();
        let contacts = repo::imports::insert_contacts(tx, p.tenant_id, &contacts).await?;
        // One timeline entry per imported company, naming its primary contact.
        let mut contact_of: HashMap<Uuid, &str> = HashMap::with_capacity(contacts.len());
        let names: Vec<String> = contacts
            .iter()
            .map(|c| format!("{} {}", c.fields.first_name, c.fields.last_name).trim().to_owned())
            .collect();
        for (c, name) in contacts.iter().zip(&names) {
            contact_of.insert(c.fields.company_id, name);
        }
        let activity: Vec<_> = created
            .iter()
            .map(|c| {
                let mut summary = format!("Company {} imported ({})", c.fields.name, c.fields.status.as_str());
                if let Some(name) = contact_of.get(&c.id) {
                    summary.push_str(&format!(" with primary contact {name}"));
                }
                (c.id, ActivityKind::CompanyCreated, summary, c.id)
            })
            .collect();
        let contact_events: Vec<_> = contacts
            .iter()
            .map(|c| (meta(c.id), ev::ContactCreated { contact: Some(crate::proto::contact(c)) }))
            .collect();
        enqueue_many(tx, &naming.subject(SERVICE, "contact", "created"), &contact_events).await?;
        repo::imports::record_activity(tx, p.tenant_id, p.user_id, &activity).await?;
        Ok(())
    }

    async fn company(
        &self,
        tx: &mut TenantTx,
        p: &Principal,
        name: &str,
        line: u32,
        out: &mut Outcome,
    ) -> Result<Option<Uuid>> {
        let id = repo::imports::company_by_name(tx, p.tenant_id, name).await?;
        if id.is_none() {
            out.bad(line, "clientName", format!("no client named \"{name}\""));
        }
        Ok(id)
    }

    async fn contract(
        &self,
        tx: &mut TenantTx,
        p: &Principal,
        company: Uuid,
        reference: &str,
        line: u32,
        out: &mut Outcome,
    ) -> Result<Option<Uuid>> {
        let id = repo::imports::contract_by_ref(tx, p.tenant_id, company, reference).await?;
        if id.is_none() {
            out.bad(line, "contractName", format!("the client has no contract named or numbered \"{reference}\""));
        }
        Ok(id)
    }

    /// The scope of the service named `service` on `contract` (`column`: where the name is).
    #[allow(clippy::too_many_arguments)]
    async fn scope(
        &self,
        tx: &mut TenantTx,
        p: &Principal,
        contract: Uuid,
        service: &str,
        column: &str,
        line: u32,
        out: &mut Outcome,
    ) -> Result<Option<Uuid>> {
        let Some(sid) = repo::imports::service_by_name(tx, p.tenant_id, service).await? else {
            out.bad(line, column, format!("no service named \"{service}\""));
            return Ok(None);
        };
        let scope = repo::imports::scope_of(tx, p.tenant_id, contract, sid).await?;
        if scope.is_none() {
            out.bad(line, column, format!("the contract has no service scope for \"{service}\""));
        }
        Ok(scope)
    }

    async fn import_contract(
        &self,
        tx: &mut TenantTx,
        p: &Principal,
        d: ContractDraft,
        out: &mut Outcome,
    ) -> Result<()> {
        let Some(company) = self.company(tx, p, &d.client, d.line, out).await? else { return Ok(()) };
        let mut fields = d.fields;
        fields.company_id = company;
        if !fields.number.is_empty() {
            match repo::imports::contract_number_owner(tx, p.tenant_id, &fields.number).await? {
                Some(owner) if owner == company => {
                    out.skipped += 1;
                    return Ok(());
                }
                Some(_) => {
                    out.bad(d.line, "contractNumber", "another client's contract has this number");
                    return Ok(());
                }
                None => {}
            }
        } else if repo::imports::contract_by_ref(tx, p.tenant_id, company, &fields.name).await?.is_some() {
            out.skipped += 1;
            return Ok(());
        }
        repo::contracts::NUMBERING.fill(tx, p.tenant_id, &mut fields.number).await?;
        let c = repo::contracts::insert(tx, p.tenant_id, &fields, None).await?;
        crate::events::contract_created(tx, &self.naming, p.user_id, &c).await?;
        out.created += 1;
        Ok(())
    }

    async fn import_service(&self, tx: &mut TenantTx, p: &Principal, d: ServiceDraft, out: &mut Outcome) -> Result<()> {
        if repo::imports::service_by_name(tx, p.tenant_id, &d.fields.name).await?.is_some() {
            out.skipped += 1;
            return Ok(());
        }
        repo::services::insert(tx, p.tenant_id, &d.fields).await?;
        out.created += 1;
        Ok(())
    }

    async fn import_scope(&self, tx: &mut TenantTx, p: &Principal, d: ScopeDraft, out: &mut Outcome) -> Result<()> {
        let Some(company) = self.company(tx, p, &d.client, d.line, out).await? else { return Ok(()) };
        let Some(contract_id) = self.contract(tx, p, company, &d.contract, d.line, out).await? else { return Ok(()) };
        let Some(service_id) = repo::imports::service_by_name(tx, p.tenant_id, &d.service).await? else {
            out.bad(d.line, "serviceName", format!("no service named \"{}\"", d.service));
            return Ok(());
        };
        if repo::imports::scope_of(tx, p.tenant_id, contract_id, service_id).await?.is_some() {
            out.skipped += 1;
            return Ok(());
        }
        let contract = repo::contracts::get(tx, p.tenant_id, contract_id, false).await?;
        if !matches!(contract.fields.status, ContractStatus::Draft | ContractStatus::Active) {
            out.bad(
                d.line,
                "contractName",
                format!(
                    "services can be added to draft or active contracts only; this one is {}",
                    contract.fields.status.as_str()
                ),
            );
            return Ok(());
        }
        let service = repo::services::get(tx, p.tenant_id, service_id, false).await?;
        if !service.fields.active {
            out.bad(d.line, "serviceName", "the service is archived");
            return Ok(());
        }
        let template = repo::services::template(tx, p.tenant_id, service_id, None).await?;
        let details = match crate::domain::imports::scope_details(template.as_ref().map(|t| &t.schema), &d.details) {
            Ok(v) => v,
            Err(errors) => {
                for (param, message) in errors {
                    out.bad(d.line, &format!("scope.{param}"), message);
                }
                return Ok(());
            }
        };
        if let Err(DomainError::Invalid(v)) =
            scope_template::validate_details(template.as_ref().map(|t| &t.schema), &details, "scope")
        {
            for f in v {
                let field = if f.field == "scope" { String::new() } else { f.field.clone() };
                out.bad(d.line, &field, f.description);
            }
            return Ok(());
        }
        let fields = ScopeFields {
            quantity: d.quantity,
            unit: d.unit.unwrap_or(service.fields.pricing_unit),
            unit_price: d.unit_price.unwrap_or(service.fields.base_price),
            scope_details: details,
            status: d.status,
        };
        let n = repo::scopes::NewScope {
            contract_id,
            company_id: company,
            service_id,
            template_version: template.map_or(0, |t| t.version),
        };
        repo::scopes::insert(tx, p.tenant_id, &n, &fields).await?;
        out.created += 1;
        Ok(())
    }

    async fn import_saf(&self, tx: &mut TenantTx, p: &Principal, d: SafDraft, out: &mut Outcome) -> Result<()> {
        let Some(company) = self.company(tx, p, &d.client, d.line, out).await? else { return Ok(()) };
        let Some(contract_id) = self.contract(tx, p, company, &d.contract, d.line, out).await? else { return Ok(()) };
        if let Some((_, owner)) = repo::imports::saf_by_number(tx, p.tenant_id, &d.fields.number).await? {
            if owner == contract_id {
                out.skipped += 1;
            } else {
                out.bad(d.line, "safNumber", "a SAF of another contract has this number");
            }
            return Ok(());
        }
        let scope = if d.scope_service.is_empty() {
            None
        } else {
            let Some(s) = self.scope(tx, p, contract_id, &d.scope_service, "serviceScopeName", d.line, out).await?
            else {
                return Ok(());
            };
            Some(s)
        };
        let contract = repo::contracts::get(tx, p.tenant_id, contract_id, false).await?;
        let mut fields = d.fields;
        fields.contract_id = contract_id;
        fields.service_scope_id = scope;
        fields.currency = d.currency.unwrap_or(contract.fields.currency);
        repo::safs::insert(tx, p.tenant_id, company, &fields).await?;
        out.created += 1;
        Ok(())
    }

    async fn import_coc(&self, tx: &mut TenantTx, p: &Principal, d: CocDraft, out: &mut Outcome) -> Result<()> {
        let Some(company) = self.company(tx, p, &d.client, d.line, out).await? else { return Ok(()) };
        let Some(contract_id) = self.contract(tx, p, company, &d.contract, d.line, out).await? else { return Ok(()) };
        if let Some(owner) = repo::imports::coc_by_number(tx, p.tenant_id, &d.fields.number).await? {
            if owner == contract_id {
                out.skipped += 1;
            } else {
                out.bad(d.line, "cocNumber", "a COC of another contract has this number");
            }
            return Ok(());
        }
        let mut fields = d.fields;
        if !d.saf_number.is_empty() {
            match repo::imports::saf_by_number(tx, p.tenant_id, &d.saf_number).await? {
                Some((saf, c)) if c == contract_id => fields.saf_id = Some(saf),
                Some(_) => {
                    out.bad(d.line, "safNumber", "the SAF belongs to another contract");
                    return Ok(());
                }
                None => {
                    out.bad(d.line, "safNumber", format!("no SAF numbered \"{}\"", d.saf_number));
                    return Ok(());
                }
            }
        }
        if !d.scope_service.is_empty() {
            let Some(s) = self.scope(tx, p, contract_id, &d.scope_service, "serviceScopeName", d.line, out).await?
            else {
                return Ok(());
            };
            fields.service_scope_id = Some(s);
        }
        let owner = repo::cocs::Owner { company_id: company, contract_id };
        repo::cocs::insert(tx, p.tenant_id, &owner, &fields).await?;
        out.created += 1;
        Ok(())
    }

    /// The job `id` of the caller's tenant; with `errors`, its first bad rows.
    ///
    /// # Errors
    /// NOT_FOUND for an unknown id or another tenant's job.
    pub async fn get_import_job(&self, p: &Principal, id: Uuid, errors: bool) -> Result<ImportJob> {
        let mut tx = self.tx(p).await?;
        let Some(j) = repo::imports::get_job(&mut tx, p.tenant_id, id).await? else {
            return Err(DomainError::NotFound { entity: "import job" }.into());
        };
        let errors = if errors {
            repo::imports::job_errors(&mut tx, p.tenant_id, id, MAX_REPORTED_ERRORS).await?
        } else {
            Vec::new()
        };
        Ok(ImportJob {
            id: j.id,
            import_type: ImportType::parse(&j.import_type).unwrap_or(ImportType::Clients),
            mode: if j.mode == "valid_rows" { ImportMode::ValidRows } else { ImportMode::AllOrNothing },
            state: JobState::parse(&j.state),
            file_name: j.file_name,
            rows_read: j.rows_read,
            rows_valid: j.rows_valid,
            rows_bad: j.rows_bad,
            created: j.created,
            skipped: j.skipped,
            committed: j.committed,
            ignored_columns: j.ignored_columns,
            failure: j.failure,
            errors,
            created_at: j.created_at,
            updated_at: j.updated_at,
        })
    }
}
