//! The audit log: search, storing other services' audit records (consumer), and identity's own
//! security events written in the same transaction as what they record.

use chrono::{DateTime, Utc};
use prost::Message as _;
use psa_core::Principal;
use psa_kit::db::TenantTx;
use psa_kit::events::ConsumerSpec;
use psa_kit::list::ListParams;
use psa_kit::{Result, db};
use psa_proto::events::{AuditRecord, Envelope};
use uuid::Uuid;

use super::{Identity, require_not_portal};
use crate::repo::{self, audit::Entry, audit::NewEntry, sessions::Client};

/// A security event identity records (actions of the audit log besides create/update/delete).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityAction {
    /// A successful sign-in (password, and second factor when enrolled).
    Login,
    /// A refused sign-in of a known user (wrong password or code, locked account).
    LoginFailed,
    /// A sign-out.
    Logout,
    /// An API key exchanged for an access token.
    ApiKeyUsed,
    /// A secret shown to a user (an API key or MFA secret at creation).
    SecretRevealed,
    TenantCreated,
    TenantSuspended,
    TenantReactivated,
}

impl SecurityAction {
    /// The stored action name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::LoginFailed => "login_failed",
            Self::Logout => "logout",
            Self::ApiKeyUsed => "api_key_used",
            Self::SecretRevealed => "secret_revealed",
            Self::TenantCreated => "tenant_created",
            Self::TenantSuspended => "tenant_suspended",
            Self::TenantReactivated => "tenant_reactivated",
        }
    }
}

/// One security event: what (`entity_type`, `entity_id`), who, from where, and details.
#[derive(Debug, Clone)]
pub struct SecurityEvent<'a> {
    pub action: SecurityAction,
    pub entity_type: &'a str,
    pub entity_id: Uuid,
    pub actor: Option<Uuid>,
    /// Details stored as the entry's new values (never secrets).
    pub details: serde_json::Value,
    pub client: &'a Client,
}

/// The client of the current gRPC call (from the request context the auth layer sets).
pub fn request_client() -> Client {
    let ctx = psa_kit::audit::current().unwrap_or_default();
    Client { ip_address: ctx.client_ip, user_agent: ctx.user_agent }
}

/// Records that `secret_kind` (`api_key`, `mfa_secret`, `recovery_codes`) of `entity_id` was
/// shown to `actor` (the secret itself is never stored).
///
/// # Errors
/// Database errors.
pub async fn secret_revealed(
    tx: &mut TenantTx,
    tenant: Uuid,
    actor: Uuid,
    entity_type: &str,
    entity_id: Uuid,
    secret_kind: &str,
) -> Result<()> {
    let client = request_client();
    let event = SecurityEvent {
        action: SecurityAction::SecretRevealed,
        entity_type,
        entity_id,
        actor: Some(actor),
        details: serde_json::json!({"secret": secret_kind}),
        client: &client,
    };
    record(tx, tenant, event).await
}

/// Appends a security event of `tenant` in `tx` (so it is stored exactly when the change it
/// describes commits).
///
/// # Errors
/// Database errors.
pub async fn record(tx: &mut TenantTx, tenant: Uuid, e: SecurityEvent<'_>) -> Result<()> {
    let entry = NewEntry {
        id: Uuid::now_v7(),
        tenant_id: tenant,
        service: crate::SERVICE.to_owned(),
        entity_type: e.entity_type.to_owned(),
        entity_id: e.entity_id.to_string(),
        action: e.action.as_str().to_owned(),
        actor_id: e.actor,
        old_values: None,
        new_values: Some(e.details),
        ip_address: e.client.ip_address.clone(),
        user_agent: e.client.user_agent.clone(),
        traceparent: psa_kit::trace_context::current().unwrap_or_default(),
        occurred_at: Utc::now(),
    };
    repo::audit::insert(tx, &entry).await?;
    Ok(())
}

/// The durable consumer of `service`'s audit records (`psa.<service>.audit.recorded`).
pub fn consumer(service: &'static str, durable: &'static str) -> ConsumerSpec {
    ConsumerSpec { stream_service: service, durable, filters: vec![(psa_kit::audit::ENTITY, psa_kit::audit::VERB)] }
}

/// Stores one `AuditRecord` event in the audit log of its tenant (the transaction is already
/// scoped to it). Records that cannot be decoded are logged and skipped (acknowledged): they
/// would never decode on redelivery either.
///
/// # Errors
/// Database errors (the event is redelivered).
pub async fn apply_record(mut tx: TenantTx, envelope: Envelope) -> anyhow::Result<TenantTx> {
    let Some(any) = envelope.payload.as_ref() else { return Ok(tx) };
    let record = match AuditRecord::decode(any.value.as_slice()) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, event = %envelope.event_id, "undecodable audit record skipped");
            return Ok(tx);
        }
    };
    let (Ok(id), Ok(tenant_id)) = (envelope.event_id.parse::<Uuid>(), envelope.tenant_id.parse::<Uuid>()) else {
        return Ok(tx);
    };
    let json = |s: &str| (!s.is_empty()).then(|| serde_json::from_str(s).ok()).flatten();
    let occurred_at = envelope
        .occurred_at
        .and_then(|t| DateTime::<Utc>::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .unwrap_or_else(Utc::now);
    let entry = NewEntry {
        id,
        tenant_id,
        service: record.service,
        entity_type: record.entity_type,
        entity_id: record.entity_id,
        action: record.action,
        actor_id: envelope.actor_id.parse().ok(),
        old_values: json(&record.old_values),
        new_values: json(&record.new_values),
        ip_address: record.client_ip,
        user_agent: record.user_agent,
        traceparent: envelope.traceparent,
        occurred_at,
    };
    repo::audit::insert(&mut tx, &entry).await?;
    Ok(tx)
}

impl Identity {
    /// A page of the caller's tenant's audit log (see [`repo::audit::LIST`]), within
    /// `[start, end)` when given, and the next page token. Staff only.
    ///
    /// # Errors
    /// PERMISSION_DENIED for portal users; INVALID_ARGUMENT for a bad filter, order, token or
    /// an `end` not after `start`.
    pub async fn list_audit_logs(
        &self,
        p: &Principal,
        params: &ListParams,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    ) -> Result<(Vec<Entry>, String)> {
        require_not_portal(p)?;
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            return Err(psa_core::DomainError::invalid("end_time", "must be after start_time").into());
        }
        let plan = repo::audit::LIST.plan(params)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let page = repo::audit::list(&mut tx, p.tenant_id, &plan, start, end).await?;
        tx.commit().await?;
        Ok(page)
    }
}
