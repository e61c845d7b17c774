//! SaaS tenant administration by the platform tenant's Super Admins: list, get, provision,
//! suspend, reactivate, usage. A suspended tenant's users cannot sign in or refresh, and its
//! access tokens are refused by every service (Redis key
//! [`psa_kit::auth::suspended_tenant_key`], re-asserted at start-up).

use chrono::{DateTime, Utc};
use psa_core::{DomainError, Principal, PrincipalKind};
use psa_kit::auth::suspended_tenant_key;
use psa_kit::list::ListParams;
use psa_kit::{Error, Result, db};
use uuid::Uuid;

use super::audit::{SecurityAction, SecurityEvent, record};
use crate::repo::{self, sessions::Client, tenants::Tenant};

use super::Identity;

const NOT_FOUND: DomainError = DomainError::NotFound { entity: "tenant" };

/// A provisioned tenant and its first admin.
#[derive(Debug, Clone)]
pub struct TenantCreated {
    pub tenant: Tenant,
    pub admin_user_id: Uuid,
    /// Generated; shown once.
    pub admin_password: String,
}

/// A tenant's usage at `measured_at`.
#[derive(Debug, Clone)]
pub struct Usage {
    pub tenant_id: Uuid,
    pub users: i64,
    pub active_users: i64,
    pub open_sessions: i64,
    pub audit_log_entries: i64,
    /// Tickets created minus deleted, from the tickets service's audit records.
    pub tickets: i64,
    /// Bytes of stored files (ticket attachments) created minus deleted, from the tickets
    /// service's audit records.
    pub storage_bytes: i64,
    pub measured_at: DateTime<Utc>,
}

impl Identity {
    /// Refuses everyone but staff users of the platform tenant (the permission itself is
    /// checked by the auth layer).
    async fn require_platform(&self, p: &Principal) -> Result<()> {
        if p.kind != PrincipalKind::Staff || !repo::tenants::is_platform(&self.pool, p.tenant_id).await? {
            return Err(DomainError::PermissionDenied("platform administration only".into()).into());
        }
        Ok(())
    }

    /// A page of every tenant (see [`repo::tenants::LIST`]).
    pub async fn list_tenants(&self, p: &Principal, params: &ListParams) -> Result<(Vec<Tenant>, String)> {
        self.require_platform(p).await?;
        let plan = repo::tenants::LIST.plan(params)?;
        Ok(repo::tenants::list(&self.pool, &plan).await?)
    }

    /// Tenant `id`.
    pub async fn get_tenant(&self, p: &Principal, id: Uuid) -> Result<Tenant> {
        self.require_platform(p).await?;
        Ok(repo::tenants::by_id(&self.pool, id).await?.ok_or(NOT_FOUND)?)
    }

    /// Provisions tenant `slug` with its first admin `admin_email` (role Admin, generated
    /// password). ALREADY_EXISTS when the slug is taken; INVALID_ARGUMENT for a bad slug,
    /// name or email.
    pub async fn create_tenant(
        &self,
        p: &Principal,
        slug: &str,
        name: &str,
        admin_email: &str,
        client: &Client,
    ) -> Result<TenantCreated> {
        self.require_platform(p).await?;
        let slug = slug.trim();
        if repo::tenants::by_slug(&self.pool, slug).await?.is_some() {
            return Err(DomainError::AlreadyExists { entity: "tenant", field: "slug" }.into());
        }
        let out = super::bootstrap_with_fields(
            &self.pool,
            &self.naming,
            slug,
            name.trim(),
            admin_email.trim(),
            None,
            ["slug", "name", "admin_email"],
        )
        .await?;
        if !out.tenant_created {
            return Err(DomainError::AlreadyExists { entity: "tenant", field: "slug" }.into());
        }
        let tenant = repo::tenants::by_id(&self.pool, out.tenant_id).await?.ok_or(NOT_FOUND)?;
        self.record_platform(p, SecurityAction::TenantCreated, &tenant, client).await?;
        Ok(TenantCreated {
            tenant,
            admin_user_id: out.admin_user_id,
            admin_password: out.generated_password.unwrap_or_default(),
        })
    }

    /// Suspends (`true`) or reactivates tenant `id`; idempotent. The platform tenant cannot be
    /// suspended (FAILED_PRECONDITION).
    pub async fn set_tenant_suspended(
        &self,
        p: &Principal,
        id: Uuid,
        suspended: bool,
        client: &Client,
    ) -> Result<Tenant> {
        self.require_platform(p).await?;
        let tenant = repo::tenants::by_id(&self.pool, id).await?.ok_or(NOT_FOUND)?;
        if tenant.platform && suspended {
            return Err(DomainError::FailedPrecondition("the platform tenant cannot be suspended".into()).into());
        }
        // Redis first when suspending (refuse tokens at once), last when reactivating.
        if suspended {
            self.mark_suspended(id, true).await?;
        }
        let tenant = repo::tenants::set_status(&self.pool, id, suspended).await?.ok_or(NOT_FOUND)?;
        if !suspended {
            self.mark_suspended(id, false).await?;
        }
        let action = if suspended { SecurityAction::TenantSuspended } else { SecurityAction::TenantReactivated };
        self.record_platform(p, action, &tenant, client).await?;
        tracing::info!(tenant = %id, suspended, by = %p.user_id, "tenant state changed");
        Ok(tenant)
    }

    /// Usage of tenant `id` now.
    pub async fn tenant_usage(&self, p: &Principal, id: Uuid) -> Result<Usage> {
        self.require_platform(p).await?;
        repo::tenants::by_id(&self.pool, id).await?.ok_or(NOT_FOUND)?;
        let mut tx = db::begin(&self.pool, id).await?;
        let (users, active_users, open_sessions): (i64, i64, i64) = sqlx::query_as(
            "select (select count(*) from users where tenant_id = $1), \
                    (select count(*) from users where tenant_id = $1 and status = 'active'), \
                    (select count(*) from sessions where tenant_id = $1 and revoked_at is null \
                       and expires_at > now())",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let (audit_log_entries, tickets, storage_bytes) = repo::audit::usage(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Usage {
            tenant_id: id,
            users,
            active_users,
            open_sessions,
            audit_log_entries,
            tickets,
            storage_bytes,
            measured_at: Utc::now(),
        })
    }

    /// Sets the suspended-tenant key of every suspended tenant (after a Redis restart or
    /// flush, suspensions still hold once identity starts).
    pub async fn reassert_suspensions(&self) -> Result<()> {
        for id in repo::tenants::suspended_ids(&self.pool).await? {
            self.mark_suspended(id, true).await?;
        }
        Ok(())
    }

    async fn mark_suspended(&self, id: Uuid, suspended: bool) -> Result<()> {
        let mut redis = self.redis.clone();
        let cmd = if suspended {
            redis::cmd("SET").arg(suspended_tenant_key(id)).arg(1).clone()
        } else {
            redis::cmd("DEL").arg(suspended_tenant_key(id)).clone()
        };
        let _: () = cmd.query_async(&mut redis).await.map_err(|e| Error::Other(e.into()))?;
        Ok(())
    }

    /// Records a tenant administration event in the platform tenant's audit log.
    async fn record_platform(&self, p: &Principal, action: SecurityAction, t: &Tenant, client: &Client) -> Result<()> {
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let details = serde_json::json!({"slug": t.slug, "name": t.name, "status": t.status});
        record(
            &mut tx,
            p.tenant_id,
            SecurityEvent { action, entity_type: "tenant", entity_id: t.id, actor: Some(p.user_id), details, client },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
