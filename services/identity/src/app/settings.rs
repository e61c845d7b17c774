//! The tenant's security settings: lockout threshold and period, password policy (minimum
//! length, maximum age), MFA enforcement (tenant-wide or per role).

use psa_core::validate::Validator;
use psa_core::{DomainError, Principal};
use psa_kit::{Result, db};

use super::{Identity, require_not_portal};
use crate::domain::roles::RoleRef;
use crate::repo::{self, tenants::SecuritySettings};

/// Changes to the settings; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsChanges {
    pub lockout_threshold: Option<i32>,
    /// Minutes.
    pub lockout_minutes: Option<i32>,
    /// Characters.
    pub password_min_length: Option<i32>,
    /// Require a second factor of every staff user.
    pub mfa_required: Option<bool>,
    /// Require a second factor of these roles' holders (standard names or custom role ids).
    pub mfa_required_roles: Option<Vec<String>>,
    /// Password maximum age in days, 1–3650; `0` turns expiry off.
    pub password_max_age_days: Option<i32>,
}

impl Identity {
    /// The caller's tenant's settings.
    pub async fn security_settings(&self, p: &Principal) -> Result<SecuritySettings> {
        require_not_portal(p)?;
        Ok(repo::tenants::security(&self.pool, p.tenant_id).await?)
    }

    /// Applies `changes`: threshold 1–100 failures, lock 1–10080 minutes (a week), minimum
    /// password length 8–128 characters. New limits apply from the next sign-in / password set.
    pub async fn update_security_settings(&self, p: &Principal, changes: SettingsChanges) -> Result<SecuritySettings> {
        require_not_portal(p)?;
        repo::tenants::by_id(&self.pool, p.tenant_id).await?.ok_or(DomainError::NotFound { entity: "tenant" })?;
        let current = repo::tenants::security(&self.pool, p.tenant_id).await?;
        let mut v = Validator::new();
        let mfa_required_roles = match changes.mfa_required_roles {
            None => current.mfa_required_roles.clone(),
            Some(ids) => self.check_mfa_roles(p, &ids, &mut v).await?,
        };
        let next = SecuritySettings {
            lockout_threshold: changes.lockout_threshold.unwrap_or(current.lockout_threshold),
            lockout_minutes: changes.lockout_minutes.unwrap_or(current.lockout_minutes),
            password_min_length: changes.password_min_length.unwrap_or(current.password_min_length),
            mfa_required: changes.mfa_required.unwrap_or(current.mfa_required),
            mfa_required_roles,
            password_max_age_days: match changes.password_max_age_days {
                None => current.password_max_age_days,
                Some(0) => None,
                Some(d) => Some(d),
            },
        };
        if next.password_max_age_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            v.push("password_max_age_days", "must be between 1 and 3650 days, or 0 for never");
        }
        if !(1..=100).contains(&next.lockout_threshold) {
            v.push("lockout_threshold", "must be between 1 and 100");
        }
        if !(1..=10080).contains(&next.lockout_minutes) {
            v.push("lockout_minutes", "must be between 1 and 10080 minutes");
        }
        if !(8..=128).contains(&next.password_min_length) {
            v.push("password_min_length", "must be between 8 and 128 characters");
        }
        v.finish()?;
        repo::tenants::set_security(&self.pool, p.tenant_id, &next).await?;
        tracing::info!(tenant = %p.tenant_id, by = %p.user_id, ?next, "security settings changed");
        Ok(next)
    }

    /// Validates the roles of `mfa_required_roles` (each a staff standard role id or one of the
    /// tenant's custom roles; violations into `v`) and returns them deduplicated and sorted.
    async fn check_mfa_roles(&self, p: &Principal, ids: &[String], v: &mut Validator) -> Result<Vec<String>> {
        let mut keys: Vec<String> = Vec::new();
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        for (i, id) in ids.iter().enumerate() {
            let field = format!("mfa_required_roles[{i}]");
            match RoleRef::parse(id.trim()) {
                None => v.push(field, format!("unknown role {id:?}")),
                Some(RoleRef::Standard(r)) if r.is_portal() => v.push(field, "portal roles do not sign in as staff"),
                Some(RoleRef::Custom(c)) if repo::roles::by_ids(&mut tx, p.tenant_id, &[c]).await?.is_empty() => {
                    v.push(field, "no such role");
                }
                Some(r) => keys.push(r.key()),
            }
        }
        tx.commit().await?;
        keys.sort();
        keys.dedup();
        Ok(keys)
    }
}
