//! The caller's own account: sign-in sessions (list, revoke one, revoke all) and password
//! change.

use chrono::Utc;
use psa_core::{DomainError, Principal, PrincipalKind};
use psa_kit::{Result, db};
use uuid::Uuid;

use super::{Identity, blocking};
use crate::domain::{lockout, password};
use crate::repo::{self, sessions::Session};

pub(super) fn require_staff(p: &Principal) -> Result<()> {
    if p.kind != PrincipalKind::Staff {
        return Err(DomainError::PermissionDenied("a staff sign-in session".into()).into());
    }
    Ok(())
}

impl Identity {
    /// The caller's open sessions, newest first.
    pub async fn list_sessions(&self, p: &Principal) -> Result<Vec<Session>> {
        require_staff(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let sessions = repo::sessions::open_for_user(&mut tx, p.tenant_id, p.user_id).await?;
        tx.commit().await?;
        Ok(sessions)
    }

    /// Revokes the caller's session `id` (NOT_FOUND for anyone else's, or one already ended).
    pub async fn revoke_session(&self, p: &Principal, id: Uuid) -> Result<()> {
        require_staff(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        if !repo::sessions::revoke_own(&mut tx, p.tenant_id, p.user_id, id, "revoked_by_user").await? {
            return Err(DomainError::NotFound { entity: "session" }.into());
        }
        tx.commit().await?;
        self.mark_revoked(id).await
    }

    /// Revokes every open session of the caller, except the current one when `keep_current`;
    /// returns how many.
    pub async fn revoke_all_sessions(&self, p: &Principal, keep_current: bool) -> Result<usize> {
        require_staff(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let keep = keep_current.then_some(p.session_id);
        let ids = repo::sessions::revoke_all(&mut tx, p.tenant_id, p.user_id, keep, "revoked_by_user").await?;
        tx.commit().await?;
        for id in &ids {
            self.mark_revoked(*id).await?;
        }
        if !keep_current {
            // The calling token may belong to a session that no longer shows as open.
            self.mark_revoked(p.session_id).await?;
        }
        Ok(ids.len())
    }

    /// Changes the caller's password. A wrong `current` is INVALID_ARGUMENT on
    /// `current_password` and counts towards the lockout (a locked account is refused the same
    /// way); `new` must meet the tenant's policy and differ from `current`. Every other session
    /// of the caller is revoked.
    pub async fn change_password(&self, p: &Principal, current: &str, new: &str) -> Result<()> {
        require_staff(p)?;
        let wrong = || DomainError::invalid("current_password", "is not your current password");
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let user = repo::users::by_id(&mut tx, p.tenant_id, p.user_id)
            .await?
            .ok_or(DomainError::NotFound { entity: "user" })?;
        tx.commit().await?;
        let settings = repo::tenants::security(&self.pool, p.tenant_id).await?;
        let mut v = psa_core::validate::Validator::new();
        v.required("current_password", current);
        if let Err(DomainError::Invalid(violations)) =
            password::check_policy("new_password", new, settings.password_min_length as usize, &user.email)
        {
            for f in violations {
                v.push(f.field, f.description);
            }
        }
        if new == current {
            v.push("new_password", "must differ from the current password");
        }
        v.finish()?;
        let (hash, plain) = (user.password_hash.clone(), current.to_owned());
        let ok = blocking(move || password::verify(&hash, &plain)).await?;
        let now = Utc::now();
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let user = repo::users::lock(&mut tx, p.tenant_id, p.user_id)
            .await?
            .ok_or(DomainError::NotFound { entity: "user" })?;
        let state = lockout::State { failed_attempts: user.failed_login_attempts, locked_until: user.locked_until };
        if state.is_locked(now) {
            return Err(wrong().into());
        }
        if !ok {
            let policy = lockout::Policy { threshold: settings.lockout_threshold, minutes: settings.lockout_minutes };
            let next = state.after_failure(policy, now);
            repo::users::set_lockout(&mut tx, p.tenant_id, user.id, next.failed_attempts, next.locked_until).await?;
            tx.commit().await?;
            return Err(wrong().into());
        }
        let new = new.to_owned();
        let hash = blocking(move || password::hash(&new)).await??;
        repo::users::set_password(&mut tx, p.tenant_id, user.id, &hash).await?;
        let revoked =
            repo::sessions::revoke_all(&mut tx, p.tenant_id, user.id, Some(p.session_id), "password_changed").await?;
        tx.commit().await?;
        for id in revoked {
            self.mark_revoked(id).await?;
        }
        tracing::info!(tenant = %p.tenant_id, user = %user.id, "password changed");
        Ok(())
    }
}
