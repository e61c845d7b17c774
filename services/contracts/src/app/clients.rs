//! The client side of companies: sites, notes, team assignments, the activity timeline and the
//! Client 360 overview. Portal principals read their own company's sites and team; notes,
//! activity and the overview are staff only (PERMISSION_DENIED); anything of another company
//! is NOT_FOUND.

use psa_core::{DomainError, Principal, permissions};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::{Contracts, staff_only};
use crate::domain::activity::Activity;
use crate::domain::coc::Coc;
use crate::domain::company::Company;
use crate::domain::contact::Contact;
use crate::domain::contract::Contract;
use crate::domain::note::{self, CompanyNote};
use crate::domain::saf::Saf;
use crate::domain::scope::ServiceScope;
use crate::domain::site::{self, Site, SiteFields};
use crate::domain::team::{TeamAssignment, TeamRole};
use crate::events::{self, SiteChange};
use crate::repo;

/// How many entries of each list the overview carries.
pub const OVERVIEW_LIMIT: i32 = 100;
/// How many activity entries the overview carries.
pub const OVERVIEW_ACTIVITY: i32 = 20;

/// Everything Client 360 shows that the contracts service owns.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub company: Option<Company>,
    pub parent: Option<Company>,
    pub children: Vec<Company>,
    pub contacts: Vec<Contact>,
    pub sites: Vec<Site>,
    pub contracts: Vec<Contract>,
    pub scopes: Vec<ServiceScope>,
    pub safs: Vec<Saf>,
    pub cocs: Vec<Coc>,
    pub team: Vec<TeamAssignment>,
    pub activity: Vec<Activity>,
}

fn first(n: i32, filter: String, order_by: &str) -> ListParams {
    ListParams { page_size: n, page_token: String::new(), filter, order_by: order_by.to_owned() }
}

impl Contracts {
    /// The company `id` when the principal may see it (NOT_FOUND otherwise).
    async fn visible_company(&self, tx: &mut TenantTx, p: &Principal, id: Uuid) -> Result<Company> {
        if super::hidden(p, id) {
            return Err(DomainError::NotFound { entity: "company" }.into());
        }
        repo::companies::get(tx, p.tenant_id, id, false).await
    }

    /// Creates a site; the company's first site becomes primary, a new primary demotes the old.
    pub async fn create_site(&self, p: &Principal, fields: SiteFields) -> Result<Site> {
        let mut fields = fields.normalize("site.")?;
        let mut tx = self.tx(p).await?;
        repo::companies::lock_owned(&mut tx, p.tenant_id, fields.company_id).await?;
        let others = repo::sites::count_others(&mut tx, p.tenant_id, fields.company_id, None).await?;
        let (primary, demote) = site::primary_flag(fields.is_primary, false, others, "site.is_primary")?;
        fields.is_primary = primary;
        if demote {
            repo::sites::demote_primary(&mut tx, p.tenant_id, fields.company_id, None).await?;
        }
        let s = repo::sites::insert(&mut tx, p.tenant_id, &fields).await?;
        events::site_changed(&mut tx, &self.naming, p.user_id, &s, SiteChange::Created, Vec::new()).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// The site `id`.
    pub async fn get_site(&self, p: &Principal, id: Uuid) -> Result<Site> {
        let mut tx = self.tx(p).await?;
        let s = repo::sites::get(&mut tx, p.tenant_id, id, false).await?;
        if super::hidden(p, s.fields.company_id) {
            return Err(DomainError::NotFound { entity: "site" }.into());
        }
        Ok(s)
    }

    /// Updates the masked fields of site `id` keeping exactly one primary per company.
    pub async fn update_site(&self, p: &Principal, id: Uuid, patch: SiteFields, mask: &[String]) -> Result<Site> {
        let mut tx = self.tx(p).await?;
        let company = repo::sites::get(&mut tx, p.tenant_id, id, false).await?.fields.company_id;
        repo::companies::lock_owned(&mut tx, p.tenant_id, company).await?;
        let mut s = repo::sites::get(&mut tx, p.tenant_id, id, true).await?;
        let was_primary = s.fields.is_primary;
        let changed = s.fields.apply(patch, mask)?;
        if changed.is_empty() {
            return Ok(s);
        }
        s.fields = s.fields.normalize("site.")?;
        let others = repo::sites::count_others(&mut tx, p.tenant_id, company, Some(id)).await?;
        let (primary, demote) = site::primary_flag(s.fields.is_primary, was_primary, others, "site.is_primary")?;
        s.fields.is_primary = primary;
        if demote {
            repo::sites::demote_primary(&mut tx, p.tenant_id, company, Some(id)).await?;
        }
        let s = repo::sites::update(&mut tx, &s).await?;
        events::site_changed(&mut tx, &self.naming, p.user_id, &s, SiteChange::Updated, changed).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Deletes site `id`; the primary only when it is the company's last site.
    pub async fn delete_site(&self, p: &Principal, id: Uuid) -> Result<()> {
        let mut tx = self.tx(p).await?;
        let company = repo::sites::get(&mut tx, p.tenant_id, id, false).await?.fields.company_id;
        repo::companies::lock_owned(&mut tx, p.tenant_id, company).await?;
        let s = repo::sites::get(&mut tx, p.tenant_id, id, true).await?;
        let others = repo::sites::count_others(&mut tx, p.tenant_id, company, Some(id)).await?;
        if s.fields.is_primary && others > 0 {
            return Err(DomainError::FailedPrecondition(
                "the primary site cannot be deleted while the company has other sites; make another site primary first"
                    .into(),
            )
            .into());
        }
        repo::sites::delete(&mut tx, p.tenant_id, id).await?;
        events::site_changed(&mut tx, &self.naming, p.user_id, &s, SiteChange::Deleted, Vec::new()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One page of sites; `company`: only that company's (NOT_FOUND when not visible).
    pub async fn list_sites(
        &self,
        p: &Principal,
        params: &ListParams,
        company: Option<Uuid>,
    ) -> Result<(Vec<Site>, String)> {
        let plan = repo::sites::LIST.plan(params)?;
        let mut tx = self.tx(p).await?;
        let scope = match company {
            Some(c) => Some(self.visible_company(&mut tx, p, c).await?.id),
            None => p.portal_company(),
        };
        repo::sites::list(&mut tx, p.tenant_id, &plan, scope).await
    }

    /// Adds a staff note to company `company`.
    pub async fn create_note(&self, p: &Principal, company: Uuid, body: &str) -> Result<CompanyNote> {
        staff_only(p, company)?;
        let body = note::normalize_body(body, "body")?;
        let mut tx = self.tx(p).await?;
        repo::companies::get(&mut tx, p.tenant_id, company, false).await?;
        let n = repo::notes::insert(&mut tx, p.tenant_id, company, &body, p.user_id).await?;
        events::note_added(&mut tx, &self.naming, &n).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// One page of a company's notes, newest first. Staff only.
    pub async fn list_notes(
        &self,
        p: &Principal,
        company: Uuid,
        params: &ListParams,
    ) -> Result<(Vec<CompanyNote>, String)> {
        staff_only(p, company)?;
        let plan = repo::notes::LIST.plan(params)?;
        let mut tx = self.tx(p).await?;
        repo::companies::get(&mut tx, p.tenant_id, company, false).await?;
        repo::notes::list(&mut tx, p.tenant_id, company, &plan).await
    }

    /// Assigns staff user `user` to `company` as `role` (ALREADY_EXISTS when already so).
    /// The user id is not checked against identity (no synchronous call; see the proto).
    pub async fn assign_team_member(
        &self,
        p: &Principal,
        company: Uuid,
        user: Uuid,
        role: TeamRole,
    ) -> Result<TeamAssignment> {
        let mut tx = self.tx(p).await?;
        repo::companies::get(&mut tx, p.tenant_id, company, false).await?;
        let a = repo::team::insert(&mut tx, p.tenant_id, company, user, role, p.user_id).await?;
        events::team_changed(&mut tx, &self.naming, p.user_id, &a, true).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Removes assignment `id` of `company`.
    pub async fn remove_team_member(&self, p: &Principal, company: Uuid, id: Uuid) -> Result<()> {
        let mut tx = self.tx(p).await?;
        let a = repo::team::delete(&mut tx, p.tenant_id, company, id).await?;
        events::team_changed(&mut tx, &self.naming, p.user_id, &a, false).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The team of `company` (portal users: their own company's).
    pub async fn list_team(&self, p: &Principal, company: Uuid) -> Result<Vec<TeamAssignment>> {
        let mut tx = self.tx(p).await?;
        self.visible_company(&mut tx, p, company).await?;
        repo::team::of_company(&mut tx, p.tenant_id, company).await
    }

    /// One page of a company's activity timeline, newest first. Staff only.
    pub async fn list_activity(
        &self,
        p: &Principal,
        company: Uuid,
        params: &ListParams,
    ) -> Result<(Vec<Activity>, String)> {
        staff_only(p, company)?;
        let plan = repo::activity::LIST.plan(params)?;
        let mut tx = self.tx(p).await?;
        repo::companies::get(&mut tx, p.tenant_id, company, false).await?;
        repo::activity::list(&mut tx, p.tenant_id, company, &plan).await
    }

    /// Client 360 (staff only): everything about company `id` this service owns, read in one
    /// transaction. Contacts need `contacts.read`; contracts, scopes, SAFs and COCs need
    /// `contracts.read` (left empty otherwise).
    pub async fn overview(&self, p: &Principal, id: Uuid) -> Result<Overview> {
        staff_only(p, id)?;
        let mut tx = self.tx(p).await?;
        let t = p.tenant_id;
        let company = repo::companies::get(&mut tx, t, id, false).await?;
        let mut o = Overview::default();
        if let Some(parent) = company.fields.parent_id {
            o.parent = Some(repo::companies::get(&mut tx, t, parent, false).await?);
        }
        let plan = repo::companies::LIST.plan(&first(OVERVIEW_LIMIT, format!("parent_id = \"{id}\""), ""))?;
        o.children = repo::companies::list(&mut tx, t, &plan, false, None).await?.0;
        if p.has(permissions::CONTACTS_READ) {
            let plan = repo::contacts::LIST.plan(&first(OVERVIEW_LIMIT, String::new(), ""))?;
            o.contacts = repo::contacts::list(&mut tx, t, &plan, Some(id)).await?.0;
        }
        let plan = repo::sites::LIST.plan(&first(OVERVIEW_LIMIT, String::new(), ""))?;
        o.sites = repo::sites::list(&mut tx, t, &plan, Some(id)).await?.0;
        o.sites.sort_by_key(|s| !s.fields.is_primary);
        if p.has(permissions::CONTRACTS_READ) {
            let plan = repo::contracts::LIST.plan(&first(OVERVIEW_LIMIT, String::new(), "create_time desc"))?;
            o.contracts = repo::contracts::list(&mut tx, t, &plan, Some(id)).await?.0;
            let plan = repo::scopes::LIST.plan(&first(OVERVIEW_LIMIT, String::new(), "create_time desc"))?;
            o.scopes = repo::scopes::list(&mut tx, t, &plan, None, Some(id)).await?.0;
            let plan = repo::safs::LIST.plan(&first(OVERVIEW_LIMIT, String::new(), "create_time desc"))?;
            o.safs = repo::safs::list(&mut tx, t, &plan, Some(id)).await?.0;
            let plan = repo::cocs::LIST.plan(&first(OVERVIEW_LIMIT, String::new(), "create_time desc"))?;
            o.cocs = repo::cocs::list(&mut tx, t, &plan, Some(id)).await?.0;
        }
        o.team = repo::team::of_company(&mut tx, t, id).await?;
        let plan = repo::activity::LIST.plan(&first(OVERVIEW_ACTIVITY, String::new(), ""))?;
        o.activity = repo::activity::list(&mut tx, t, id, &plan).await?.0;
        o.company = Some(company);
        Ok(o)
    }
}
