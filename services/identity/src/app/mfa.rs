//! TOTP second factor for the caller (setup, verify, disable) and the second step of a login
//! (RFC 6238; rules in `domain::mfa`).

use chrono::Utc;
use psa_core::validate::Validator;
use psa_core::{DomainError, Principal};
use psa_kit::secrets::SecretBox;
use psa_kit::{Result, db};
use uuid::Uuid;

use super::sessions::require_staff;
use super::{Identity, Tokens, unauthenticated};
use crate::domain::{lockout, mfa};
use crate::repo::{self, sessions::Client};

/// The one message every refused second step gets (wrong, reused or drifted code, unknown,
/// used or expired challenge, locked account).
const BAD_MFA: &str = "invalid or expired MFA challenge or code";

/// A new, not yet active, TOTP enrolment (shown once).
#[derive(Debug, Clone)]
pub struct MfaSetup {
    /// RFC 4648 base32 secret, no padding.
    pub secret: String,
    /// `otpauth://totp/PSA%20<tenant>:<email>?secret=…&issuer=…` key URI.
    pub otpauth_uri: String,
    /// The URI as an SVG QR code.
    pub qr_code_svg: String,
}

/// Associated data binding a sealed TOTP secret to its tenant and user.
fn totp_aad(tenant: Uuid, user: Uuid) -> Vec<u8> {
    format!("totp:{tenant}:{user}").into_bytes()
}

fn now_secs() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap_or_default()
}

fn other(e: impl std::fmt::Display) -> psa_kit::Error {
    psa_kit::Error::Other(anyhow::anyhow!("{e}"))
}

impl Identity {
    /// `user`'s enrolment, row locked, with its secret opened (rows from before sealing hold
    /// the raw 20 bytes). A secret that does not open (wrong `PSA_SECRETS_KEY`) is an
    /// internal error, logged without the value.
    async fn enrolment(&self, tx: &mut db::TenantTx, tenant: Uuid, user: Uuid) -> Result<Option<repo::mfa::Enrolment>> {
        let Some(mut e) = repo::mfa::lock(tx, tenant, user).await? else { return Ok(None) };
        if SecretBox::is_sealed(&e.secret) {
            e.secret = self.secrets.open(&e.secret, &totp_aad(tenant, user)).map_err(|err| {
                tracing::error!(tenant = %tenant, user = %user, "TOTP secret does not open");
                other(err)
            })?;
        }
        Ok(Some(e))
    }

    /// Starts enrolment: stores a new secret (replacing a pending one) and returns it with its
    /// key URI and QR code. FAILED_PRECONDITION when MFA is already active.
    pub async fn setup_mfa(&self, p: &Principal) -> Result<MfaSetup> {
        require_staff(p)?;
        let tenant =
            repo::tenants::by_id(&self.pool, p.tenant_id).await?.ok_or(DomainError::NotFound { entity: "tenant" })?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let user = repo::users::by_id(&mut tx, p.tenant_id, p.user_id)
            .await?
            .ok_or(DomainError::NotFound { entity: "user" })?;
        if repo::mfa::lock(&mut tx, p.tenant_id, p.user_id).await?.is_some_and(|e| e.activated_at.is_some()) {
            return Err(DomainError::FailedPrecondition("MFA is already active; disable it first".into()).into());
        }
        let secret = mfa::new_secret();
        let totp = mfa::totp(&secret, &format!("PSA {}", tenant.slug), &user.email).map_err(other)?;
        let otpauth_uri = totp.to_url().map_err(other)?;
        let qr_code_svg = mfa::qr_svg(&otpauth_uri).ok_or_else(|| other("QR code encoding failed"))?;
        let sealed = self.secrets.seal(&secret, &totp_aad(p.tenant_id, p.user_id));
        repo::mfa::upsert_pending(&mut tx, p.tenant_id, p.user_id, &sealed).await?;
        super::audit::secret_revealed(&mut tx, p.tenant_id, p.user_id, "user", p.user_id, "mfa_secret").await?;
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, user = %p.user_id, "MFA enrolment started");
        Ok(MfaSetup { secret: totp.secret().to_base32(), otpauth_uri, qr_code_svg })
    }

    /// Activates the pending enrolment with a current `code` and returns the recovery codes
    /// (shown once). INVALID_ARGUMENT on `code` when wrong; FAILED_PRECONDITION without a
    /// pending enrolment or when already active.
    pub async fn verify_mfa(&self, p: &Principal, code: &str) -> Result<Vec<String>> {
        require_staff(p)?;
        let mut v = Validator::new();
        v.required("code", code);
        v.finish()?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let Some(enrolment) = self.enrolment(&mut tx, p.tenant_id, p.user_id).await? else {
            return Err(DomainError::FailedPrecondition("no MFA enrolment; call setup first".into()).into());
        };
        if enrolment.activated_at.is_some() {
            return Err(DomainError::FailedPrecondition("MFA is already active".into()).into());
        }
        let Some(step) = mfa::check(&enrolment.secret, code, now_secs(), enrolment.last_used_step) else {
            return Err(DomainError::invalid("code", "is not a current code of this secret").into());
        };
        repo::mfa::use_step(&mut tx, p.tenant_id, p.user_id, step).await?;
        let codes = mfa::new_recovery_codes(mfa::RECOVERY_CODES);
        let hashes: Vec<Vec<u8>> = codes.iter().map(|(_, h)| h.clone()).collect();
        repo::mfa::replace_recovery_codes(&mut tx, p.tenant_id, p.user_id, &hashes).await?;
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, user = %p.user_id, "MFA activated");
        Ok(codes.into_iter().map(|(c, _)| c).collect())
    }

    /// Turns the caller's active second factor off with a current `code` (INVALID_ARGUMENT on
    /// `code` when wrong or reused; FAILED_PRECONDITION when MFA is not active).
    pub async fn disable_mfa(&self, p: &Principal, code: &str) -> Result<()> {
        require_staff(p)?;
        let mut v = Validator::new();
        v.required("code", code);
        v.finish()?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let enrolment = self
            .enrolment(&mut tx, p.tenant_id, p.user_id)
            .await?
            .filter(|e| e.activated_at.is_some())
            .ok_or_else(|| DomainError::FailedPrecondition("MFA is not active".into()))?;
        if mfa::check(&enrolment.secret, code, now_secs(), enrolment.last_used_step).is_none() {
            return Err(DomainError::invalid("code", "is not a current code").into());
        }
        repo::mfa::delete(&mut tx, p.tenant_id, p.user_id).await?;
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, user = %p.user_id, "MFA disabled");
        Ok(())
    }

    /// Completes a login with the `challenge` from [`Identity::login`] and a TOTP `code` or a
    /// `recovery_code` (exactly one; else INVALID_ARGUMENT). Every refusal is the same
    /// UNAUTHENTICATED; a wrong code counts towards the lockout and leaves the challenge
    /// usable until it expires (5 minutes) or succeeds once.
    pub async fn login_mfa(&self, challenge: &str, code: &str, recovery_code: &str, client: &Client) -> Result<Tokens> {
        let mut v = Validator::new();
        v.required("mfa_challenge", challenge);
        match (code.trim().is_empty(), recovery_code.trim().is_empty()) {
            (true, true) => v.push("code", "a TOTP code or a recovery code is required"),
            (false, false) => v.push("recovery_code", "give either a TOTP code or a recovery code"),
            _ => {}
        }
        v.finish()?;
        let bad = || unauthenticated(BAD_MFA);
        let tenant_id = mfa::challenge_tenant(challenge.trim()).ok_or_else(bad)?;
        let tenant =
            repo::tenants::by_id(&self.pool, tenant_id).await?.filter(|t| t.status == "active").ok_or_else(bad)?;
        let hash = mfa::hash_challenge(challenge.trim());
        let mut tx = db::begin(&self.pool, tenant.id).await?;
        let user_id = repo::mfa::find_challenge(&mut tx, tenant.id, &hash).await?.ok_or_else(bad)?;
        let user =
            repo::users::lock(&mut tx, tenant.id, user_id).await?.filter(|u| u.status == "active").ok_or_else(bad)?;
        let settings = repo::tenants::security(&self.pool, tenant.id).await?;
        let now = Utc::now();
        let state = lockout::State { failed_attempts: user.failed_login_attempts, locked_until: user.locked_until };
        if state.is_locked(now) {
            tracing::warn!(tenant = %tenant.id, user = %user.id, "MFA login refused: account locked");
            return Err(bad());
        }
        let enrolment =
            self.enrolment(&mut tx, tenant.id, user.id).await?.filter(|e| e.activated_at.is_some()).ok_or_else(bad)?;
        let ok = if code.trim().is_empty() {
            repo::mfa::use_recovery_code(&mut tx, tenant.id, user.id, &mfa::hash_recovery_code(recovery_code)).await?
        } else if let Some(step) = mfa::check(&enrolment.secret, code, now_secs(), enrolment.last_used_step) {
            repo::mfa::use_step(&mut tx, tenant.id, user.id, step).await?;
            true
        } else {
            false
        };
        if !ok {
            let policy = lockout::Policy { threshold: settings.lockout_threshold, minutes: settings.lockout_minutes };
            let next = state.after_failure(policy, now);
            repo::users::set_lockout(&mut tx, tenant.id, user.id, next.failed_attempts, next.locked_until).await?;
            super::login_failed(&mut tx, tenant.id, &user, "wrong_code", client).await?;
            tx.commit().await?;
            tracing::warn!(tenant = %tenant.id, user = %user.id, locked = next.is_locked(now), "MFA code refused");
            return Err(bad());
        }
        if repo::mfa::take_challenge(&mut tx, tenant.id, &hash).await?.is_none() {
            return Err(bad());
        }
        self.open_session(tx, tenant.id, &user, &settings, client).await
    }
}
