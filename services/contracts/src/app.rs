//! Contracts use cases: companies, contacts and the CSV import here; the catalog in
//! [`catalog`], contracts and service scopes in [`agreements`]. Free of tonic.
//!
//! Portal principals (client users) see only their own company and its contacts and
//! contracts; any other id answers NOT_FOUND. Writes need permissions portal roles do not have.

pub mod agreements;
pub mod attachments;
pub mod catalog;
pub mod clients;
pub mod cocs;
pub mod contacts;
pub mod custom_fields;
pub mod expiry;
pub mod import_jobs;
pub mod imports;
pub mod proposals;
pub mod rates;
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
    /// Where company attachments are kept (`PSA_ATTACHMENTS_DIR`) and their size limit
    /// (`PSA_ATTACHMENT_MAX_BYTES`).
    pub attachments: psa_kit::attachments::AttachmentStore,
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

/// Whether a record of `company` is hidden from `p`: portal principals see their own
/// company's records only (others answer NOT_FOUND); staff see every company's.
fn hidden(p: &Principal, company: Uuid) -> bool {
    p.portal_company().is_some_and(|c| c != company)
}

/// The company a list is restricted to for `p` when `asked` for one: a portal principal's own
/// company always; `None` (answer an empty page) when a portal principal asks for another.
fn list_company(p: &Principal, asked: Option<Uuid>) -> Option<Option<Uuid>> {
    match (asked, p.portal_company()) {
        (Some(c), Some(own)) if c != own => None,
        (c, own) => Some(own.or(c)),
    }
}

impl Contracts {
    async fn tx(&self, p: &Principal) -> Result<TenantTx> {
        Ok(db::begin(&self.pool, p.tenant_id).await?)
    }

    /// Creates a company, records `CompanyCreated` and starts its status history. A parent must
    /// be a company of the tenant (INVALID_ARGUMENT on `company.parent_id`).
    pub async fn create_company(&self, p: &Principal, fields: CompanyFields) -> Result<Company> {
        let mut fields = fields.normalize("company.")?;
        let mut tx = self.tx(p).await?;
        fields.custom_fields = custom_fields::check(
            &mut tx,
            p.tenant_id,
            psa_core::custom_fields::CustomFieldEntity::Company,
            &fields.custom_fields,
            "company.",
        )
        .await?;
        if let Some(parent) = fields.parent_id
            && !repo::companies::exists(&mut tx, p.tenant_id, parent).await?
        {
            return Err(DomainError::invalid("company.parent_id", "no such company").into());
        }
        let c = repo::companies::insert(&mut tx, p.tenant_id, &fields).await?;
        self.record_created(&mut tx, p, &c).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// `CompanyCreated` and the first status history entry of a new company.
    async fn record_created(&self, tx: &mut TenantTx, p: &Principal, c: &Company) -> Result<()> {
        events::company_created(tx, &self.naming, p.user_id, c).await?;
        let change =
            repo::companies::insert_status_change(tx, p.tenant_id, c.id, None, c.fields.status, "", p.user_id).await?;
        events::company_status_changed(tx, &self.naming, p.tenant_id, &change).await?;
        Ok(())
    }

    /// The company `id`.
    pub async fn get_company(&self, p: &Principal, id: Uuid) -> Result<Company> {
        if p.portal_company().is_some_and(|c| c != id) {
            return Err(DomainError::NotFound { entity: "company" }.into());
        }
        let mut tx = self.tx(p).await?;
        repo::companies::get(&mut tx, p.tenant_id, id, false).await
    }

    /// Updates the masked fields and records `CompanyUpdated` when something changed. A status
    /// change must be a legal lifecycle move (recorded in the history without a reason); a new
    /// parent must exist and must not make the hierarchy loop.
    pub async fn update_company(
        &self,
        p: &Principal,
        id: Uuid,
        patch: CompanyFields,
        mask: &[String],
    ) -> Result<Company> {
        self.update_company_with_reason(p, id, patch, mask, "company.status", "").await
    }

    async fn update_company_with_reason(
        &self,
        p: &Principal,
        id: Uuid,
        patch: CompanyFields,
        mask: &[String],
        status_field: &str,
        reason: &str,
    ) -> Result<Company> {
        let mut tx = self.tx(p).await?;
        let mut c = repo::companies::get(&mut tx, p.tenant_id, id, true).await?;
        let before = c.fields.status;
        let old_parent = c.fields.parent_id;
        let changed = c.fields.apply(patch, mask)?;
        if changed.is_empty() {
            return Ok(c);
        }
        before.check_move(c.fields.status, status_field)?;
        c.fields = c.fields.normalize("company.")?;
        if changed.iter().any(|f| f == "custom_fields") {
            c.fields.custom_fields = custom_fields::check(
                &mut tx,
                p.tenant_id,
                psa_core::custom_fields::CustomFieldEntity::Company,
                &c.fields.custom_fields,
                "company.",
            )
            .await?;
        }
        if let Some(parent) = c.fields.parent_id
            && c.fields.parent_id != old_parent
        {
            if !repo::companies::exists(&mut tx, p.tenant_id, parent).await? {
                return Err(DomainError::invalid("company.parent_id", "no such company").into());
            }
            let ancestors = repo::companies::ancestors(&mut tx, p.tenant_id, parent).await?;
            crate::domain::company::check_parent(id, parent, &ancestors, "company.parent_id")?;
        }
        let c = repo::companies::update(&mut tx, &c).await?;
        events::company_updated(&mut tx, &self.naming, p.user_id, &c, changed).await?;
        if c.fields.status != before {
            let change = repo::companies::insert_status_change(
                &mut tx,
                p.tenant_id,
                id,
                Some(before),
                c.fields.status,
                reason,
                p.user_id,
            )
            .await?;
            events::company_status_changed(&mut tx, &self.naming, p.tenant_id, &change).await?;
        }
        tx.commit().await?;
        Ok(c)
    }

    /// Moves a company to `status` (a legal lifecycle move, INVALID_ARGUMENT on `status`
    /// otherwise) and records who, when, from, to and `reason` (at most 1000 characters).
    pub async fn change_company_status(
        &self,
        p: &Principal,
        id: Uuid,
        status: CompanyStatus,
        reason: &str,
    ) -> Result<Company> {
        let reason = reason.trim();
        let mut v = psa_core::validate::Validator::new();
        v.max_chars("reason", reason, 1000);
        v.finish()?;
        let patch = CompanyFields { status, ..Default::default() };
        self.update_company_with_reason(p, id, patch, &["status".to_owned()], "status", reason).await
    }

    /// One page of a company's status history, oldest first. Staff only.
    pub async fn list_status_changes(
        &self,
        p: &Principal,
        company: Uuid,
        params: &ListParams,
    ) -> Result<(Vec<crate::domain::activity::StatusChange>, String)> {
        staff_only(p, company)?;
        let plan = repo::companies::STATUS_HISTORY.plan(params)?;
        let mut tx = self.tx(p).await?;
        repo::companies::get(&mut tx, p.tenant_id, company, false).await?;
        repo::companies::status_changes(&mut tx, p.tenant_id, company, &plan).await
    }

    /// Archives a company (its history stays); any status may be archived.
    pub async fn archive_company(&self, p: &Principal, id: Uuid) -> Result<Company> {
        let patch = CompanyFields { status: CompanyStatus::Archived, ..Default::default() };
        self.update_company(p, id, patch, &["status".to_owned()]).await
    }

    /// One page of companies; with `parent`, only that company's direct subsidiaries (the
    /// parent must exist: NOT_FOUND otherwise).
    /// The filter may name `custom_fields.<key>` (see
    /// `psa_kit::list::ListSpec::plan_with_custom_fields`).
    pub async fn list_companies(
        &self,
        p: &Principal,
        params: &ListParams,
        parent: Option<Uuid>,
    ) -> Result<(Vec<Company>, String)> {
        let mut params = params.clone();
        if let Some(parent) = parent {
            if p.portal_company().is_some_and(|own| own != parent) {
                return Err(DomainError::NotFound { entity: "company" }.into());
            }
            let own = format!("parent_id = \"{parent}\"");
            params.filter =
                if params.filter.trim().is_empty() { own } else { format!("{} AND {own}", params.filter.trim()) };
        }
        let plan = repo::companies::LIST.plan_with_custom_fields(&params, "custom_fields")?;
        let names_status = psa_core::filter::parse(&params.filter)?.iter().any(|c| c.field == "status");
        let mut tx = self.tx(p).await?;
        if let Some(parent) = parent {
            repo::companies::get(&mut tx, p.tenant_id, parent, false).await?;
        }
        let (companies, token) =
            repo::companies::list(&mut tx, p.tenant_id, &plan, names_status, p.portal_company()).await?;
        Ok((companies, token))
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
            self.record_created(&mut tx, p, &c).await?;
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
                let contact = repo::contacts::insert(&mut tx, p.tenant_id, &fields).await?;
                events::contact_created(&mut tx, p.user_id, &contact).await?;
                events::contact_published(&mut tx, &self.naming, p.user_id, &contact).await?;
            }
        }
        tx.commit().await?;
        report.committed = true;
        Ok(report)
    }

    /// Creates a contact at one of the tenant's companies; records `ContactCreated`.
    pub async fn create_contact(&self, p: &Principal, fields: ContactFields) -> Result<Contact> {
        self.create_contact_with(p, fields, Vec::new(), serde_json::json!({})).await
    }

    /// Creates a contact with tags and custom field values (validated against the contact
    /// definitions); records `ContactCreated`.
    pub async fn create_contact_with(
        &self,
        p: &Principal,
        fields: ContactFields,
        tags: Vec<String>,
        custom_fields: serde_json::Value,
    ) -> Result<Contact> {
        let fields = fields.normalize("contact.")?;
        let tags = crate::domain::contact::normalize_tags(tags, "contact.tags")?;
        let mut tx = self.tx(p).await?;
        let values = custom_fields::check(
            &mut tx,
            p.tenant_id,
            psa_core::custom_fields::CustomFieldEntity::Contact,
            &custom_fields,
            "contact.",
        )
        .await?;
        let c = repo::contacts::insert(&mut tx, p.tenant_id, &fields).await?;
        let c = repo::contacts::set_extras(&mut tx, p.tenant_id, c.id, &tags, &values).await?;
        events::contact_created(&mut tx, p.user_id, &c).await?;
        events::contact_published(&mut tx, &self.naming, p.user_id, &c).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// The contact `id`; a merged duplicate answers the contact it was merged into.
    pub async fn get_contact(&self, p: &Principal, id: Uuid) -> Result<Contact> {
        let mut tx = self.tx(p).await?;
        let mut c = repo::contacts::get(&mut tx, p.tenant_id, id, false).await?;
        if let Some(target) = c.merged_into {
            c = repo::contacts::get(&mut tx, p.tenant_id, target, false).await?;
        }
        if p.portal_company().is_some_and(|company| company != c.fields.company_id) {
            return Err(DomainError::NotFound { entity: "contact" }.into());
        }
        Ok(c)
    }

    /// Merges duplicate `source` into `target` (see `domain::contact::merge`), moves this
    /// service's references, records `ContactMerged` and returns the target.
    pub async fn merge_contact(&self, p: &Principal, source: Uuid, target: Uuid) -> Result<Contact> {
        let mut tx = self.tx(p).await?;
        // Lock in id order so two merges of the same pair cannot deadlock.
        let (first, second) = if source < target { (source, target) } else { (target, source) };
        let a = repo::contacts::get(&mut tx, p.tenant_id, first, true).await;
        let b = repo::contacts::get(&mut tx, p.tenant_id, second, true).await;
        let (src, dst) = if first == source { (a, b) } else { (b, a) };
        let src = src?;
        let dst = dst.map_err(|_| psa_kit::Error::from(DomainError::invalid("target_id", "no such contact")))?;
        let fields = crate::domain::contact::merge(&src, &dst)?;
        let merged = repo::contacts::update(&mut tx, p.tenant_id, dst.id, &fields).await?;
        repo::contacts::merge(&mut tx, p.tenant_id, src.id, dst.id).await?;
        events::contact_merged(&mut tx, &self.naming, p.user_id, &src, &merged).await?;
        tx.commit().await?;
        Ok(merged)
    }

    /// One page of contacts (merged duplicates left out); `company`: only that company's
    /// (which must exist and be visible: NOT_FOUND otherwise).
    /// The filter may name `custom_fields.<key>` (see
    /// `psa_kit::list::ListSpec::plan_with_custom_fields`).
    pub async fn list_contacts(
        &self,
        p: &Principal,
        params: &ListParams,
        company: Option<Uuid>,
    ) -> Result<(Vec<Contact>, String)> {
        let plan = repo::contacts::LIST.plan_with_custom_fields(params, "custom_fields")?;
        let mut tx = self.tx(p).await?;
        let scope = match (company, p.portal_company()) {
            (Some(c), Some(own)) if c != own => return Err(DomainError::NotFound { entity: "company" }.into()),
            (Some(c), _) => {
                repo::companies::get(&mut tx, p.tenant_id, c, false).await?;
                Some(c)
            }
            (None, own) => own,
        };
        repo::contacts::list(&mut tx, p.tenant_id, &plan, scope).await
    }
}

/// Staff-only resources of company `company` (notes, status history, activity, overview):
/// portal principals get PERMISSION_DENIED for their own company and NOT_FOUND for others.
pub(crate) fn staff_only(p: &Principal, company: Uuid) -> Result<()> {
    match p.portal_company() {
        Some(own) if own == company => Err(DomainError::PermissionDenied("staff only".into()).into()),
        Some(_) => Err(DomainError::NotFound { entity: "company" }.into()),
        None => Ok(()),
    }
}
