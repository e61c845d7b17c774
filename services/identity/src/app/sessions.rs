//! The caller's own sign-in sessions: list, revoke one, revoke all.

use psa_core::{DomainError, Principal, PrincipalKind};
use psa_kit::{Result, db};
use uuid::Uuid;

use super::Identity;
use crate::repo::{self, sessions::Session};

fn require_staff(p: &Principal) -> Result<()> {
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
}
