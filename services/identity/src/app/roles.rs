//! Roles: the standard roles (read-only) and the tenant's custom roles.

use psa_core::permissions::Role;
use psa_core::{DomainError, Principal};
use psa_kit::{Result, db};

use super::{Identity, require_not_portal};
use crate::domain::roles::{RoleRef, check_no_escalation, validate_custom};
use crate::repo;

/// A role as listed: standard or custom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleView {
    /// Standard role name or custom role UUID.
    pub id: String,
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    pub standard: bool,
    pub portal: bool,
}

impl From<Role> for RoleView {
    fn from(r: Role) -> Self {
        Self {
            id: r.as_str().into(),
            name: r.display_name().into(),
            description: r.description().into(),
            permissions: r.permissions(),
            standard: true,
            portal: r.is_portal(),
        }
    }
}

impl From<repo::roles::CustomRole> for RoleView {
    fn from(r: repo::roles::CustomRole) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name,
            description: r.description,
            permissions: r.permissions,
            standard: false,
            portal: false,
        }
    }
}

/// Changes to a custom role; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RoleChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
}

const NOT_FOUND: DomainError = DomainError::NotFound { entity: "role" };
const NAME_TAKEN: DomainError = DomainError::AlreadyExists { entity: "role", field: "name" };

fn standard_is_read_only() -> psa_kit::Error {
    DomainError::FailedPrecondition("standard roles cannot be changed or deleted".into()).into()
}

impl Identity {
    /// The standard roles (PRD order), then the tenant's custom roles by name.
    pub async fn list_roles(&self, p: &Principal) -> Result<Vec<RoleView>> {
        require_not_portal(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let custom = repo::roles::list(&mut tx, p.tenant_id).await?;
        tx.commit().await?;
        Ok(Role::ALL.into_iter().map(RoleView::from).chain(custom.into_iter().map(RoleView::from)).collect())
    }

    /// Role `id` (standard name or custom UUID of the tenant; NOT_FOUND otherwise).
    pub async fn get_role(&self, p: &Principal, id: &str) -> Result<RoleView> {
        require_not_portal(p)?;
        match RoleRef::parse(id.trim()).ok_or(NOT_FOUND)? {
            RoleRef::Standard(r) => Ok(r.into()),
            RoleRef::Custom(id) => {
                let mut tx = db::begin(&self.pool, p.tenant_id).await?;
                let role = repo::roles::by_ids(&mut tx, p.tenant_id, &[id]).await?.pop().ok_or(NOT_FOUND)?;
                tx.commit().await?;
                Ok(role.into())
            }
        }
    }

    /// Creates a custom role; its permissions must be known and held by the caller; the name
    /// is unique per tenant (case-insensitive) and not a standard role's.
    pub async fn create_role(
        &self,
        p: &Principal,
        name: &str,
        description: &str,
        permissions: &[String],
    ) -> Result<RoleView> {
        require_not_portal(p)?;
        let perms = validate_custom(name, description, permissions)?;
        check_no_escalation(&p.permissions, &perms)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let role = repo::roles::insert(&mut tx, p.tenant_id, name.trim(), description.trim(), &perms)
            .await?
            .ok_or(NAME_TAKEN)?;
        tx.commit().await?;
        Ok(role.into())
    }

    /// Updates custom role `id`. Users holding it get the new permissions with their next
    /// access token (at most the access-token lifetime later).
    pub async fn update_role(&self, p: &Principal, id: &str, changes: RoleChanges) -> Result<RoleView> {
        require_not_portal(p)?;
        let id = match RoleRef::parse(id.trim()).ok_or(NOT_FOUND)? {
            RoleRef::Standard(_) => return Err(standard_is_read_only()),
            RoleRef::Custom(id) => id,
        };
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let current = repo::roles::lock(&mut tx, p.tenant_id, &[id], true).await?.pop().ok_or(NOT_FOUND)?;
        check_no_escalation(&p.permissions, &current.permissions)?;
        let name = changes.name.unwrap_or(current.name);
        let description = changes.description.unwrap_or(current.description);
        let perms = validate_custom(&name, &description, &changes.permissions.unwrap_or(current.permissions))?;
        check_no_escalation(&p.permissions, &perms)?;
        let updated = repo::roles::update(&mut tx, p.tenant_id, id, name.trim(), description.trim(), &perms).await;
        let role = match updated {
            Ok(r) => r.ok_or(NOT_FOUND)?,
            Err(e) => {
                let e = psa_kit::Error::from(e);
                return Err(if e.is_unique_violation("roles_name_per_tenant") { NAME_TAKEN.into() } else { e });
            }
        };
        tx.commit().await?;
        Ok(role.into())
    }

    /// Deletes custom role `id`; FAILED_PRECONDITION while any user holds it.
    pub async fn delete_role(&self, p: &Principal, id: &str) -> Result<()> {
        require_not_portal(p)?;
        let id = match RoleRef::parse(id.trim()).ok_or(NOT_FOUND)? {
            RoleRef::Standard(_) => return Err(standard_is_read_only()),
            RoleRef::Custom(id) => id,
        };
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let current = repo::roles::lock(&mut tx, p.tenant_id, &[id], true).await?.pop().ok_or(NOT_FOUND)?;
        check_no_escalation(&p.permissions, &current.permissions)?;
        let holders = repo::users::count_with_role(&mut tx, p.tenant_id, &id.to_string()).await?;
        if holders > 0 {
            return Err(DomainError::FailedPrecondition(format!(
                "the role is assigned to {holders} user(s); reassign them first"
            ))
            .into());
        }
        repo::roles::delete(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(())
    }
}
