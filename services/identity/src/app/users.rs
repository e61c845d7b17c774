//! Staff user administration: list, get, create, update (name, roles, password), disable,
//! enable, unlock. Nobody can grant permissions they lack, or change a user who holds
//! permissions they lack.

use psa_core::validate::Validator;
use psa_core::{DomainError, Principal};
use psa_kit::list::ListParams;
use psa_kit::{Result, db};
use uuid::Uuid;

use super::{Identity, blocking, custom_roles, permissions_of, require_not_portal, union_of};
use crate::domain::password;
use crate::domain::roles::{RoleRef, check_no_escalation};
use crate::repo::{self, users::User};

/// A user with the permissions their roles grant.
#[derive(Debug, Clone)]
pub struct UserView {
    pub user: User,
    pub permissions: Vec<String>,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role_ids: Option<Vec<String>>,
    pub password: Option<String>,
}

const NOT_FOUND: DomainError = DomainError::NotFound { entity: "user" };

/// Roles that administer the tenant: its last active holder cannot be disabled or demoted.
const ADMIN_ROLES: [&str; 2] = ["admin", "super_admin"];

fn is_admin(roles: &[String]) -> bool {
    roles.iter().any(|r| ADMIN_ROLES.contains(&r.as_str()))
}

impl Identity {
    /// Last-admin guard: refuses (FAILED_PRECONDITION, HTTP 400) to leave the tenant without an
    /// active Admin or Super Admin when `user` (currently holding `roles`) loses the role or
    /// is disabled.
    async fn keep_an_admin(&self, tx: &mut db::TenantTx, tenant: Uuid, user: Uuid, roles: &[String]) -> Result<()> {
        if !is_admin(roles) {
            return Ok(());
        }
        if repo::users::lock_other_active_with_roles(tx, tenant, user, &ADMIN_ROLES).await?.is_empty() {
            return Err(DomainError::FailedPrecondition(
                "this is the tenant's last active Admin; make another user an Admin first".into(),
            )
            .into());
        }
        Ok(())
    }

    /// A page of the caller's tenant's users (see [`repo::users::LIST`]) and the next page
    /// token.
    pub async fn list_users(&self, p: &Principal, params: &ListParams) -> Result<(Vec<UserView>, String)> {
        require_not_portal(p)?;
        let plan = repo::users::LIST.plan(params)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let (users, next) = repo::users::list(&mut tx, p.tenant_id, &plan).await?;
        let all_roles: Vec<String> = users.iter().flat_map(|u| u.roles.iter().cloned()).collect();
        let custom = custom_roles(&mut tx, p.tenant_id, &all_roles).await?;
        tx.commit().await?;
        let views = users.into_iter().map(|u| UserView { permissions: union_of(&u.roles, &custom), user: u }).collect();
        Ok((views, next))
    }

    /// User `id` of the caller's tenant (NOT_FOUND otherwise).
    pub async fn get_user(&self, p: &Principal, id: Uuid) -> Result<UserView> {
        require_not_portal(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let view = self.view(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    async fn view(&self, tx: &mut db::TenantTx, tenant: Uuid, id: Uuid) -> Result<UserView> {
        // Portal users are managed through the portal-user API only.
        let user = repo::users::by_id(tx, tenant, id).await?.filter(|u| u.kind == "staff").ok_or(NOT_FOUND)?;
        let permissions = permissions_of(tx, tenant, &user.roles).await?;
        Ok(UserView { user, permissions })
    }

    /// Validates `role_ids` (`field` for violations): non-empty, each a staff standard role or
    /// an existing custom role; returns them deduplicated and the permissions they grant.
    async fn check_roles(
        &self,
        tx: &mut db::TenantTx,
        tenant: Uuid,
        field: &str,
        role_ids: &[String],
    ) -> Result<(Vec<String>, Vec<String>)> {
        let mut v = Validator::new();
        if role_ids.is_empty() {
            v.push(field, "at least one role is required");
        }
        let mut keys: Vec<String> = Vec::new();
        let mut custom_ids = Vec::new();
        for (i, id) in role_ids.iter().enumerate() {
            match RoleRef::parse(id.trim()) {
                None => v.push(format!("{field}[{i}]"), format!("unknown role {id:?}")),
                Some(RoleRef::Standard(r)) if r.is_portal() => {
                    v.push(format!("{field}[{i}]"), "portal roles belong to portal users, not staff");
                }
                Some(r) => {
                    if let RoleRef::Custom(c) = r {
                        custom_ids.push((i, c));
                    }
                    if !keys.contains(&r.key()) {
                        keys.push(r.key());
                    }
                }
            }
        }
        let ids: Vec<Uuid> = custom_ids.iter().map(|(_, c)| *c).collect();
        let custom: std::collections::HashMap<Uuid, Vec<String>> = if ids.is_empty() {
            Default::default()
        } else {
            repo::roles::lock(tx, tenant, &ids, false).await?.into_iter().map(|r| (r.id, r.permissions)).collect()
        };
        for (i, c) in custom_ids {
            if !custom.contains_key(&c) {
                v.push(format!("{field}[{i}]"), "no such role");
            }
        }
        v.finish()?;
        keys.sort();
        let perms = union_of(&keys, &custom);
        Ok((keys, perms))
    }

    /// Creates a staff user. Password policy of the tenant applies; the email is unique per
    /// tenant (ALREADY_EXISTS); the roles' permissions must all be held by the caller
    /// (PERMISSION_DENIED).
    pub async fn create_user(
        &self,
        p: &Principal,
        email: &str,
        display_name: &str,
        pass: &str,
        role_ids: &[String],
    ) -> Result<UserView> {
        require_not_portal(p)?;
        let email = email.trim();
        let mut v = Validator::new();
        v.required("email", email).email("email", email).max_chars("display_name", display_name, 200);
        let settings = repo::tenants::security(&self.pool, p.tenant_id).await?;
        if let Err(DomainError::Invalid(violations)) =
            password::check_policy("password", pass, settings.password_min_length as usize, email)
        {
            for f in violations {
                v.push(f.field, f.description);
            }
        }
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let roles = self.check_roles(&mut tx, p.tenant_id, "role_ids", role_ids).await;
        let roles = match roles {
            Ok(r) => Some(r),
            Err(psa_kit::Error::Domain(DomainError::Invalid(violations))) => {
                for f in violations {
                    v.push(f.field, f.description);
                }
                None
            }
            Err(e) => return Err(e),
        };
        v.finish()?;
        let (keys, perms) = roles.unwrap_or_default();
        check_no_escalation(&p.permissions, &perms)?;
        let pass = pass.to_owned();
        let hash = blocking(move || password::hash(&pass)).await??;
        let id = repo::users::insert(&mut tx, p.tenant_id, email, display_name.trim(), &hash, &keys)
            .await?
            .ok_or(DomainError::AlreadyExists { entity: "user", field: "email" })?;
        let view = self.view(&mut tx, p.tenant_id, id).await?;
        crate::events::user_changed(&mut tx, &self.naming, p.user_id, &view.user, true).await?;
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, user = %id, by = %p.user_id, "user created");
        Ok(view)
    }

    /// Loads user `id` for a change by `p`: NOT_FOUND outside the tenant; PERMISSION_DENIED
    /// when the user holds permissions the caller lacks.
    async fn for_change(&self, tx: &mut db::TenantTx, p: &Principal, id: Uuid) -> Result<UserView> {
        require_not_portal(p)?;
        let view = self.view(tx, p.tenant_id, id).await?;
        check_no_escalation(&p.permissions, &view.permissions)?;
        Ok(view)
    }

    /// Applies `changes` to user `id`. Taking the Admin role from the tenant's last active
    /// Admin is FAILED_PRECONDITION.
    pub async fn update_user(&self, p: &Principal, id: Uuid, changes: UserChanges) -> Result<UserView> {
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let current = self.for_change(&mut tx, p, id).await?;
        let mut v = Validator::new();
        if let Some(name) = &changes.display_name {
            v.max_chars("display_name", name, 200);
        }
        if let Some(pass) = &changes.password {
            let settings = repo::tenants::security(&self.pool, p.tenant_id).await?;
            if let Err(DomainError::Invalid(violations)) =
                password::check_policy("password", pass, settings.password_min_length as usize, &current.user.email)
            {
                for f in violations {
                    v.push(f.field, f.description);
                }
            }
        }
        v.finish()?;
        if let Some(ids) = &changes.role_ids {
            let (keys, perms) = self.check_roles(&mut tx, p.tenant_id, "role_ids", ids).await?;
            check_no_escalation(&p.permissions, &perms)?;
            if current.user.status == "active" && !is_admin(&keys) {
                self.keep_an_admin(&mut tx, p.tenant_id, id, &current.user.roles).await?;
            }
            repo::users::set_roles(&mut tx, p.tenant_id, id, &keys).await?;
        }
        if let Some(name) = &changes.display_name {
            repo::users::set_display_name(&mut tx, p.tenant_id, id, name.trim()).await?;
        }
        if let Some(pass) = changes.password {
            let hash = blocking(move || password::hash(&pass)).await??;
            repo::users::set_password(&mut tx, p.tenant_id, id, &hash).await?;
        }
        let view = self.view(&mut tx, p.tenant_id, id).await?;
        if view.user.display_name != current.user.display_name {
            crate::events::user_changed(&mut tx, &self.naming, p.user_id, &view.user, false).await?;
        }
        tx.commit().await?;
        Ok(view)
    }

    /// Disables user `id`: sign-in refused; every open session and API key of theirs revoked
    /// (their tokens are refused by every service within seconds). Disabling oneself, or the
    /// tenant's last active Admin, is FAILED_PRECONDITION.
    pub async fn disable_user(&self, p: &Principal, id: Uuid) -> Result<UserView> {
        if id == p.user_id {
            return Err(DomainError::FailedPrecondition("you cannot disable your own account".into()).into());
        }
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let current = self.for_change(&mut tx, p, id).await?;
        if current.user.status == "active" {
            self.keep_an_admin(&mut tx, p.tenant_id, id, &current.user.roles).await?;
        }
        repo::users::set_status(&mut tx, p.tenant_id, id, "disabled").await?;
        let mut revoked = repo::sessions::revoke_all(&mut tx, p.tenant_id, id, None, "user_disabled").await?;
        revoked.extend(repo::api_keys::revoke_for_user(&mut tx, p.tenant_id, id).await?);
        let view = self.view(&mut tx, p.tenant_id, id).await?;
        crate::events::user_changed(&mut tx, &self.naming, p.user_id, &view.user, false).await?;
        tx.commit().await?;
        for sid in revoked {
            self.mark_revoked(sid).await?;
        }
        tracing::info!(tenant = %p.tenant_id, user = %id, by = %p.user_id, "user disabled");
        Ok(view)
    }

    /// Re-enables user `id`.
    pub async fn enable_user(&self, p: &Principal, id: Uuid) -> Result<UserView> {
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        self.for_change(&mut tx, p, id).await?;
        repo::users::set_status(&mut tx, p.tenant_id, id, "active").await?;
        let view = self.view(&mut tx, p.tenant_id, id).await?;
        crate::events::user_changed(&mut tx, &self.naming, p.user_id, &view.user, false).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Clears user `id`'s lockout and failed-login counter.
    pub async fn unlock_user(&self, p: &Principal, id: Uuid) -> Result<UserView> {
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        self.for_change(&mut tx, p, id).await?;
        repo::users::set_lockout(&mut tx, p.tenant_id, id, 0, None).await?;
        let view = self.view(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, user = %id, by = %p.user_id, "user unlocked");
        Ok(view)
    }
}
