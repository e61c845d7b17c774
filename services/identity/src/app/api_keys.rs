//! API keys: created with a permission scope (a subset of the creator's permissions) and an
//! optional expiry, shown once, stored as SHA-256, revocable; exchanged by the gateway for
//! short-lived access tokens (kind `service`, session id = key id).

use chrono::{DateTime, Utc};
use psa_core::validate::Validator;
use psa_core::{DomainError, Principal, PrincipalKind, permissions};
use psa_kit::{Result, db};
use uuid::Uuid;

use super::{Identity, permissions_of, require_not_portal, unauthenticated};
use crate::domain::roles::check_no_escalation;
use crate::domain::tokens;
use crate::repo::{self, api_keys::ApiKey, sessions::Client};

/// A new key's fields.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub permissions: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A created key and its secret (shown once).
#[derive(Debug, Clone)]
pub struct ApiKeyCreated {
    pub key: ApiKey,
    pub secret: String,
}

const INVALID_KEY: &str = "invalid or expired API key";

impl Identity {
    /// Creates a key for the caller. The scope must be non-empty, known and held by the
    /// caller (PERMISSION_DENIED otherwise); the expiry, when given, in the future.
    pub async fn create_api_key(&self, p: &Principal, new: NewKey) -> Result<ApiKeyCreated> {
        require_not_portal(p)?;
        let mut v = Validator::new();
        v.required("name", &new.name).max_chars("name", &new.name, 100);
        if new.permissions.is_empty() {
            v.push("permissions", "at least one permission is required");
        }
        for (i, perm) in new.permissions.iter().enumerate() {
            if !permissions::is_known(perm) {
                v.push(format!("permissions[{i}]"), format!("unknown permission {perm:?}"));
            }
        }
        if new.expires_at.is_some_and(|t| t <= Utc::now()) {
            v.push("expire_time", "must be in the future");
        }
        v.finish()?;
        let mut perms = new.permissions.clone();
        perms.sort();
        perms.dedup();
        check_no_escalation(&p.permissions, &perms)?;
        let (secret, hash) = tokens::new_api_key(p.tenant_id);
        let prefix: String = secret.chars().take(12).collect();
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let key = repo::api_keys::insert(
            &mut tx,
            p.tenant_id,
            repo::api_keys::NewApiKey {
                user_id: p.user_id,
                name: new.name.trim(),
                prefix: &prefix,
                key_hash: &hash,
                permissions: &perms,
                expires_at: new.expires_at,
            },
        )
        .await?;
        super::audit::secret_revealed(&mut tx, p.tenant_id, p.user_id, "api_key", key.id, "api_key").await?;
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, key = %key.id, by = %p.user_id, "API key created");
        Ok(ApiKeyCreated { key, secret })
    }

    /// The tenant's keys, newest first.
    pub async fn list_api_keys(&self, p: &Principal) -> Result<Vec<ApiKey>> {
        require_not_portal(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let keys = repo::api_keys::list(&mut tx, p.tenant_id).await?;
        tx.commit().await?;
        Ok(keys)
    }

    /// Revokes key `id` (idempotent; NOT_FOUND outside the tenant); its tokens are refused
    /// by every service within seconds.
    pub async fn revoke_api_key(&self, p: &Principal, id: Uuid) -> Result<ApiKey> {
        require_not_portal(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let key = repo::api_keys::revoke(&mut tx, p.tenant_id, id)
            .await?
            .ok_or(DomainError::NotFound { entity: "API key" })?;
        tx.commit().await?;
        self.mark_revoked(id).await?;
        tracing::info!(tenant = %p.tenant_id, key = %id, by = %p.user_id, "API key revoked");
        Ok(key)
    }

    /// Exchanges `api_key` for an access token: kind `service`, subject the key's creator,
    /// permissions the key's scope that the creator (still active, tenant active) still holds,
    /// session id the key id, lifetime the access-token lifetime capped at the key's expiry.
    /// Records the use. Every failure is the same UNAUTHENTICATED answer.
    ///
    /// Returns the token and its lifetime in seconds.
    pub async fn exchange_api_key(&self, api_key: &str, client: &Client) -> Result<(String, i64)> {
        let tenant_id = tokens::api_key_tenant(api_key.trim()).ok_or_else(|| unauthenticated(INVALID_KEY))?;
        let tenant = repo::tenants::by_id(&self.pool, tenant_id).await?;
        if tenant.is_none_or(|t| t.status != "active") {
            return Err(unauthenticated(INVALID_KEY));
        }
        let hash = tokens::hash_refresh_token(api_key.trim());
        let now = Utc::now();
        let mut tx = db::begin(&self.pool, tenant_id).await?;
        let key = repo::api_keys::by_hash(&mut tx, tenant_id, &hash)
            .await?
            .filter(|k| k.revoked_at.is_none() && k.expires_at.is_none_or(|t| t > now))
            .ok_or_else(|| unauthenticated(INVALID_KEY))?;
        let creator = repo::users::by_id(&mut tx, tenant_id, key.user_id)
            .await?
            .filter(|u| u.status == "active")
            .ok_or_else(|| unauthenticated(INVALID_KEY))?;
        let held = permissions_of(&mut tx, tenant_id, &creator.roles).await?;
        let perms: Vec<String> = key.permissions.iter().filter(|p| held.contains(p)).cloned().collect();
        repo::api_keys::touch(&mut tx, tenant_id, key.id).await?;
        let event = super::audit::SecurityEvent {
            action: super::audit::SecurityAction::ApiKeyUsed,
            entity_type: "api_key",
            entity_id: key.id,
            actor: Some(key.user_id),
            details: serde_json::json!({"name": key.name, "prefix": key.prefix}),
            client,
        };
        super::audit::record(&mut tx, tenant_id, event).await?;
        tx.commit().await?;
        let ttl = key.expires_at.map_or(self.access_ttl_secs, |t| (t - now).num_seconds().min(self.access_ttl_secs));
        let token = self.access_token(tenant_id, key.user_id, PrincipalKind::Service, perms, key.id, ttl)?;
        Ok((token, ttl))
    }
}
