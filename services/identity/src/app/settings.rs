//! The tenant's security settings: lockout threshold and period, minimum password length.

use psa_core::validate::Validator;
use psa_core::{DomainError, Principal};
use psa_kit::Result;

use super::{Identity, require_not_portal};
use crate::repo::{self, tenants::SecuritySettings};

/// Changes to the settings; `None` leaves a field as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct SettingsChanges {
    pub lockout_threshold: Option<i32>,
    /// Minutes.
    pub lockout_minutes: Option<i32>,
    /// Characters.
    pub password_min_length: Option<i32>,
    /// Require a second factor of every staff user.
    pub mfa_required: Option<bool>,
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
        let next = SecuritySettings {
            lockout_threshold: changes.lockout_threshold.unwrap_or(current.lockout_threshold),
            lockout_minutes: changes.lockout_minutes.unwrap_or(current.lockout_minutes),
            password_min_length: changes.password_min_length.unwrap_or(current.password_min_length),
            mfa_required: changes.mfa_required.unwrap_or(current.mfa_required),
        };
        let mut v = Validator::new();
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
        repo::tenants::set_security(&self.pool, p.tenant_id, next).await?;
        tracing::info!(tenant = %p.tenant_id, by = %p.user_id, ?next, "security settings changed");
        Ok(next)
    }
}
