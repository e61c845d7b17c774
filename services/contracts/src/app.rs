//! Contracts use cases: companies, contacts and the CSV import here; the catalog in
//! [`catalog`], contracts and service scopes in [`agreements`]. Free of tonic.
//!
//! Portal principals (client users) see only their own company and its contacts and
//! contracts; any other id answers NOT_FOUND. Writes need permissions portal roles do not have.

pub mod agreements;
pub mod catalog;
pub mod cocs;
pub mod expiry;
pub mod safs;

use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db::{self, TenantTx};
use psa_kit::events::Naming;
use psa_kit::list::ListParams;
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::company::{Company, CompanyFields, CompanyStatus};
use crate::domain::contact::{Contact, ContactFields, ContactType};
use crate::domain::import::{self, RowError};
use crate::{events, repo};

/// What the contracts service needs at run time.
pub struct Contracts {
    pub pool: PgPool,
    pub naming: Naming,
}

/// Whether the rows of an import are committed when some are bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Commit nothing unless every row is valid (the default).
    AllOrNothing,
    /// Commit the valid rows.
    ValidRows,
}

/// Outcome of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub total_rows: usize,
    pub created_companies: usize,
    pub created_contacts: usize,
    pub skipped_rows: usize,
    pub errors: Vec<RowError>,
    pub committed: bool,
    pub ignored_columns: Vec<String>,
}

impl Contracts {
    async fn tx(&self, p: &Principal) -> Result<TenantTx> {
        Ok(db::begin(&self.pool, p.tenant_id).await?)
    }

    /// Creates a company and records `CompanyCreated`.
    pub async fn create_company(&self, p: &Principal, fields: CompanyFields) -> Result<Company> {
        let fields = fields.normalize("company.")?;
        let mut tx = self.tx(p).await?;
        let c = repo::companies::insert(&mut tx, p.tenant_id, &fields).await?;
        events::company_created(&mut tx, &self.naming, p.user_id, &c).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// The company `id`.
    pub async fn get_company(&self, p: &Principal, id: Uuid) -> Result<Company> {
        if p.portal_company().is_some_and(|c| c != id) {
            return Err(DomainError::NotFound { entity: "company" }.into());
        }
        let mut tx = self.tx(p).await?;
        repo::companies::get(&mut tx, p.tenant_id, id, false).await
    }

    /// Updates the masked fields and records `CompanyUpdated` when something changed.
    pub async fn update_company(
        &self,
        p: &Principal,
        id: Uuid,
        patch: CompanyFields,
        mask: &[String],
    ) -> Result<Company> {
        let mut tx = self.tx(p).await?;
        let mut c = repo::companies::get(&mut tx, p.tenant_id, id, true).await?;
        let changed = c.fields.apply(patch, mask)?;
        if changed.is_empty() {
            return Ok(c);
        }
        c.fields = c.fields.normalize("company.")?;
        let c = repo::companies::update(&mut tx, &c).await?;
        events::company_updated(&mut tx, &self.naming, p.user_id, &c, changed).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Archives a company (its history stays).
    pub async fn archive_company(&self, p: &Principal, id: Uuid) -> Result<Company> {
        let patch = CompanyFields { status: CompanyStatus::Archived, ..Default::default() };
        self.update_company(p, id, patch, &["status".to_owned()]).await
    }

    /// One page of companies.
    pub async fn list_companies(&self, p: &Principal, params: &ListParams) -> Result<(Vec<Company>, String)> {
        let plan = repo::companies::LIST.plan(params)?;
        let names_status = psa_core::filter::parse(&params.filter)?.iter().any(|c| c.field == "status");
        let mut tx = self.tx(p).await?;
        repo::companies::list(&mut tx, p.tenant_id, &plan, names_status, p.portal_company()).await
    }

    /// Imports companies (and their primary contacts) from CSV; see `domain::import`.
    /// Companies whose name exists are skipped. Writes nothing on `dry_run`, nor — in
    /// [`ImportMode::AllOrNothing`] — when any row is bad.
    pub async fn import_companies(
        &self,
        p: &Principal,
        data: &[u8],
        dry_run: bool,
        mode: ImportMode,
    ) -> Result<ImportReport> {
        let plan = import::parse(data)?;
        let mut report = ImportReport {
            total_rows: plan.total_rows,
            errors: plan.errors,
            ignored_columns: plan.ignored_columns,
            ..Default::default()
        };
        let mut tx = self.tx(p).await?;
        let names: Vec<String> = plan.rows.iter().map(|r| r.company.name.clone()).collect();
        let existing = repo::companies::existing_names(&mut tx, p.tenant_id, &names).await?;
        let (skipped, new_rows): (Vec<_>, Vec<_>) =
            plan.rows.into_iter().partition(|r| existing.contains(&r.company.name.to_lowercase()));
        report.skipped_rows = skipped.len();
        let blocked = mode == ImportMode::AllOrNothing && !report.errors.is_empty();
        for row in &new_rows {
            report.created_companies += 1;
            report.created_contacts += usize::from(row.contact.is_some());
        }
        if dry_run || blocked {
            return Ok(report);
        }
        for row in new_rows {
            let c = repo::companies::insert(&mut tx, p.tenant_id, &row.company).await?;
            events::company_created(&mut tx, &self.naming, p.user_id, &c).await?;
            if let Some(d) = row.contact {
                let fields = ContactFields {
                    company_id: c.id,
                    first_name: d.first_name,
                    last_name: d.last_name,
                    email: d.email,
                    phone: d.phone,
                    title: d.title,
                    contact_type: ContactType::Primary,
                }
                .normalize("")
                .map_err(|e| match e {
                    DomainError::Invalid(v) => DomainError::Invalid(
                        v.into_iter()
                            .map(|f| {
                                psa_core::FieldViolation::new(
                                    format!("line {}: contact {}", row.line, f.field),
                                    f.description,
                                )
                            })
                            .collect(),
                    ),
                    other => other,
                })?;
                repo::contacts::insert(&mut tx, p.tenant_id, &fields).await?;
            }
        }
        tx.commit().await?;
        report.committed = true;
        Ok(report)
    }

    /// Creates a contact at one of the tenant's companies.
    pub async fn create_contact(&self, p: &Principal, fields: ContactFields) -> Result<Contact> {
        let fields = fields.normalize("contact.")?;
        let mut tx = self.tx(p).await?;
        let c = repo::contacts::insert(&mut tx, p.tenant_id, &fields).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// The contact `id`.
    pub async fn get_contact(&self, p: &Principal, id: Uuid) -> Result<Contact> {
        let mut tx = self.tx(p).await?;
        let c = repo::contacts::get(&mut tx, p.tenant_id, id).await?;
        if p.portal_company().is_some_and(|company| company != c.fields.company_id) {
            return Err(DomainError::NotFound { entity: "contact" }.into());
        }
        Ok(c)
    }

    /// One page of contacts.
    pub async fn list_contacts(&self, p: &Principal, params: &ListParams) -> Result<(Vec<Contact>, String)> {
        let plan = repo::contacts::LIST.plan(params)?;
        let mut tx = self.tx(p).await?;
        repo::contacts::list(&mut tx, p.tenant_id, &plan, p.portal_company()).await
    }
}
