//! Portal users: invitation by mail, acceptance (first password), role changes between Client
//! Admin and Client User, disable/enable; forgotten-password and reset for portal and staff
//! users. Client Admins act on their own company only (others are NOT_FOUND); staff with the
//! `portal_users.*` permissions act on every company of the tenant.

use chrono::{DateTime, Utc};
use psa_core::permissions::Role;
use psa_core::validate::Validator;
use psa_core::{DomainError, Principal, PrincipalKind};
use psa_kit::mail::OutgoingMail;
use psa_kit::{Result, db};
use uuid::Uuid;

use super::{Identity, blocking};
use crate::domain::{links, password, tokens};
use crate::repo::portal_users::{PortalUserRow, Purpose};
use crate::repo::{self, users::User};

/// A contact as contracts knows it, looked up with the inviting caller's token.
#[derive(Debug, Clone)]
pub struct ContactInfo {
    pub id: Uuid,
    pub company_id: Uuid,
    /// May be empty (then the contact cannot be invited).
    pub email: String,
    pub display_name: String,
}

/// A portal user and, while invited, when the current invitation link expires.
#[derive(Debug, Clone)]
pub struct PortalUserView {
    pub user: User,
    pub invitation_expires_at: Option<DateTime<Utc>>,
}

const NOT_FOUND: DomainError = DomainError::NotFound { entity: "portal user" };
const BAD_TOKEN: &str = "the link is invalid, already used or expired";

/// NOT_FOUND when a portal caller asks about another company than their own.
pub fn check_company(p: &Principal, company: Uuid) -> Result<()> {
    match p.portal_company() {
        Some(own) if own != company => Err(NOT_FOUND.into()),
        _ => Ok(()),
    }
}

fn password_violations(v: &mut Validator, field: &str, pass: &str, min: i32, email: &str) {
    if let Err(DomainError::Invalid(violations)) = password::check_policy(field, pass, min as usize, email) {
        for f in violations {
            v.push(f.field, f.description);
        }
    }
}

impl From<PortalUserRow> for PortalUserView {
    fn from(r: PortalUserRow) -> Self {
        Self { user: r.user, invitation_expires_at: r.invitation_expires_at }
    }
}

impl Identity {
    /// Portal user `id` as it is now (after a change in `tx`).
    async fn portal_view(&self, tx: &mut db::TenantTx, tenant: Uuid, id: Uuid) -> Result<PortalUserView> {
        Ok(repo::portal_users::by_id(tx, tenant, id).await?.ok_or(NOT_FOUND)?.into())
    }

    /// Portal user `id` as `p` may see it (their company's, or any for staff); NOT_FOUND
    /// otherwise.
    async fn visible_portal_user(&self, tx: &mut db::TenantTx, p: &Principal, id: Uuid) -> Result<User> {
        let row = repo::portal_users::by_id(tx, p.tenant_id, id).await?.ok_or(NOT_FOUND)?;
        check_company(p, row.user.company_id.unwrap_or_default())?;
        Ok(row.user)
    }

    /// The portal users of `company`, by email.
    pub async fn list_portal_users(&self, p: &Principal, company: Uuid) -> Result<Vec<PortalUserView>> {
        check_company(p, company)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let users = repo::portal_users::list_for_company(&mut tx, p.tenant_id, company).await?;
        tx.commit().await?;
        Ok(users.into_iter().map(Into::into).collect())
    }

    /// Portal user `id`.
    pub async fn get_portal_user(&self, p: &Principal, id: Uuid) -> Result<PortalUserView> {
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        self.visible_portal_user(&mut tx, p, id).await?;
        let view = self.portal_view(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Invites `contact` (already looked up in contracts with the caller's token) into the
    /// portal of `company` as `role`, and mails the invitation link. INVALID_ARGUMENT on
    /// `portal_user.contact_id` when the contact is not `company`'s or has no email;
    /// ALREADY_EXISTS when the contact or the email already has a user; FAILED_PRECONDITION
    /// when mail is not configured, or when sending failed (the user then exists, invited).
    pub async fn create_portal_user(
        &self,
        p: &Principal,
        company: Uuid,
        contact: &ContactInfo,
        role: Role,
    ) -> Result<PortalUserView> {
        check_company(p, company)?;
        let mut v = Validator::new();
        if contact.company_id != company {
            v.push("portal_user.contact_id", "the contact belongs to another company");
        } else if contact.email.trim().is_empty() {
            v.push("portal_user.contact_id", "the contact has no email address to send the invitation to");
        }
        if !role.is_portal() {
            v.push("portal_user.role", "must be CLIENT_ADMIN or CLIENT_USER");
        }
        v.finish()?;
        if !self.mailer.is_configured() {
            return Err(DomainError::FailedPrecondition(
                "outbound mail is not configured (PSA_SMTP_URL): invitations cannot be sent".into(),
            )
            .into());
        }
        let email = contact.email.trim();
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let id = repo::portal_users::insert_invited(
            &mut tx,
            p.tenant_id,
            company,
            contact.id,
            email,
            contact.display_name.trim(),
            role.as_str(),
        )
        .await?
        .ok_or(DomainError::AlreadyExists { entity: "portal user", field: "contact_id" })?;
        let (token, hash) = links::new_token(p.tenant_id);
        let expires = Utc::now() + links::INVITATION_TTL;
        repo::portal_users::insert_token(&mut tx, p.tenant_id, id, Purpose::Invitation, &hash, expires).await?;
        let view = self.portal_view(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, user = %id, company = %company, by = %p.user_id, "portal user invited");
        self.send_invitation(&view.user, &token).await?;
        Ok(view)
    }

    async fn send_invitation(&self, user: &User, token: &str) -> Result<()> {
        let tenant = repo::tenants::by_id(&self.pool, user.tenant_id).await?.ok_or(NOT_FOUND)?;
        let link = links::url(&self.public_url, "/portal/accept-invitation", token);
        let name = if user.display_name.is_empty() { user.email.as_str() } else { user.display_name.as_str() };
        let text = links::invitation_mail(&tenant.name, name, &link);
        let mail =
            OutgoingMail { to: vec![user.email.clone()], subject: text.subject, text: text.text, ..Default::default() };
        if let Err(e) = self.mailer.send(mail).await {
            tracing::warn!(tenant = %user.tenant_id, user = %user.id, error = %e, "invitation mail not sent");
            return Err(DomainError::FailedPrecondition(format!(
                "the portal user exists but the invitation mail could not be sent ({e}); send it again with \
                 :resendInvitation"
            ))
            .into());
        }
        Ok(())
    }

    /// Mails a new invitation link to invited user `id` (older links stop working).
    pub async fn resend_invitation(&self, p: &Principal, id: Uuid) -> Result<PortalUserView> {
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let user = self.visible_portal_user(&mut tx, p, id).await?;
        if user.status != "invited" {
            return Err(DomainError::FailedPrecondition("the user has already accepted the invitation".into()).into());
        }
        let (token, hash) = links::new_token(p.tenant_id);
        let expires = Utc::now() + links::INVITATION_TTL;
        repo::portal_users::insert_token(&mut tx, p.tenant_id, id, Purpose::Invitation, &hash, expires).await?;
        let view = self.portal_view(&mut tx, p.tenant_id, user.id).await?;
        tx.commit().await?;
        self.send_invitation(&view.user, &token).await?;
        Ok(view)
    }

    /// Sets portal user `id`'s role (Client Admin or Client User). Not one's own.
    pub async fn set_portal_role(&self, p: &Principal, id: Uuid, role: Role) -> Result<PortalUserView> {
        if !role.is_portal() {
            return Err(DomainError::invalid("portal_user.role", "must be CLIENT_ADMIN or CLIENT_USER").into());
        }
        if id == p.user_id {
            return Err(DomainError::FailedPrecondition("you cannot change your own role".into()).into());
        }
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        self.visible_portal_user(&mut tx, p, id).await?;
        repo::users::set_roles(&mut tx, p.tenant_id, id, &[role.as_str().to_owned()]).await?;
        let view = self.portal_view(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, user = %id, role = role.as_str(), by = %p.user_id, "portal role changed");
        Ok(view)
    }

    /// Disables portal user `id` (sign-in refused, sessions revoked) or enables a disabled
    /// one. Not oneself.
    pub async fn set_portal_user_enabled(&self, p: &Principal, id: Uuid, enabled: bool) -> Result<PortalUserView> {
        if id == p.user_id {
            return Err(DomainError::FailedPrecondition("you cannot disable or enable your own account".into()).into());
        }
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let user = self.visible_portal_user(&mut tx, p, id).await?;
        let mut revoked = Vec::new();
        match (enabled, user.status.as_str()) {
            (false, "active" | "invited") => {
                repo::users::set_status(&mut tx, p.tenant_id, id, "disabled").await?;
                revoked = repo::sessions::revoke_all(&mut tx, p.tenant_id, id, None, "user_disabled").await?;
            }
            // A disabled user who never accepted goes back to invited; else active.
            (true, "disabled") => {
                let accepted = user.last_password_change_at.is_some();
                repo::users::set_status(&mut tx, p.tenant_id, id, if accepted { "active" } else { "invited" }).await?;
            }
            _ => {}
        }
        let view = self.portal_view(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        for sid in revoked {
            self.mark_revoked(sid).await?;
        }
        Ok(view)
    }

    /// Accepts an invitation: sets the first password (policy applies) and activates the user.
    pub async fn accept_invitation(&self, token: &str, pass: &str, display_name: &str) -> Result<()> {
        let mut v = Validator::new();
        v.required("token", token).required("password", pass).max_chars("display_name", display_name, 200);
        v.finish()?;
        let tenant =
            tokens::refresh_token_tenant(token.trim()).ok_or_else(|| DomainError::invalid("token", BAD_TOKEN))?;
        let settings = repo::tenants::security(&self.pool, tenant).await?;
        let hash = tokens::hash_refresh_token(token.trim());
        let mut tx = db::begin(&self.pool, tenant).await?;
        let user_id = repo::portal_users::take_token(&mut tx, tenant, Purpose::Invitation, &hash, Utc::now())
            .await?
            .ok_or_else(|| DomainError::invalid("token", BAD_TOKEN))?;
        let user = repo::users::by_id(&mut tx, tenant, user_id)
            .await?
            .filter(|u| u.status == "invited")
            .ok_or_else(|| DomainError::invalid("token", BAD_TOKEN))?;
        let mut v = Validator::new();
        password_violations(&mut v, "password", pass, settings.password_min_length, &user.email);
        // The token is only spent when the request is valid (the transaction rolls back).
        v.finish()?;
        let plain = pass.to_owned();
        let hashed = blocking(move || password::hash(&plain)).await??;
        repo::portal_users::activate(&mut tx, tenant, user.id, &hashed).await?;
        if !display_name.trim().is_empty() {
            repo::users::set_display_name(&mut tx, tenant, user.id, display_name.trim()).await?;
        }
        tx.commit().await?;
        tracing::info!(tenant = %tenant, user = %user.id, "portal invitation accepted");
        Ok(())
    }

    /// Starts a password reset for the active user of `kind` with `email` in tenant `slug`:
    /// stores a hashed single-use link token (valid [`links::RESET_TTL`]) and mails the link
    /// in the background. Answers `Ok(())` for unknown tenants, unknown or inactive accounts
    /// and accounts of the other kind alike, and never waits for SMTP, so neither the answer
    /// nor a mail-server delay tells whether the account exists (OWASP Forgot Password Cheat
    /// Sheet). Only blank fields are INVALID_ARGUMENT.
    pub async fn forgot_password(&self, kind: PrincipalKind, slug: &str, email: &str) -> Result<()> {
        let mut v = Validator::new();
        v.required("tenant", slug).required("email", email);
        v.finish()?;
        let Some(tenant) = repo::tenants::by_slug(&self.pool, slug.trim()).await?.filter(|t| t.status == "active")
        else {
            return Ok(());
        };
        let mut tx = db::begin(&self.pool, tenant.id).await?;
        let user = repo::users::by_email_of_kind(&mut tx, tenant.id, email.trim(), kind.as_str())
            .await?
            .filter(|u| u.status == "active");
        let Some(user) = user else {
            tracing::info!(tenant = %tenant.id, "password reset asked for an unknown or inactive account");
            return Ok(());
        };
        let (token, hash) = links::new_token(tenant.id);
        let expires = Utc::now() + links::RESET_TTL;
        repo::portal_users::insert_token(&mut tx, tenant.id, user.id, Purpose::PasswordReset, &hash, expires).await?;
        tx.commit().await?;
        let path = if kind == PrincipalKind::Portal { "/portal/reset-password" } else { "/reset-password" };
        let text = links::reset_mail(&tenant.name, &links::url(&self.public_url, path, &token));
        let mail =
            OutgoingMail { to: vec![user.email.clone()], subject: text.subject, text: text.text, ..Default::default() };
        let mailer = self.mailer.clone();
        // In the background: the caller must not learn from timing or errors that it exists.
        tokio::spawn(async move {
            if let Err(e) = mailer.send(mail).await {
                tracing::warn!(tenant = %tenant.id, user = %user.id, error = %e, "password reset mail not sent");
            }
        });
        tracing::info!(tenant = %tenant.id, user = %user.id, "password reset link issued");
        Ok(())
    }

    /// Sets a new password with a reset `token` of a user of `kind` (policy applies), and
    /// revokes every session of theirs.
    pub async fn reset_password(&self, kind: PrincipalKind, token: &str, new_password: &str) -> Result<()> {
        let mut v = Validator::new();
        v.required("token", token).required("new_password", new_password);
        v.finish()?;
        let tenant =
            tokens::refresh_token_tenant(token.trim()).ok_or_else(|| DomainError::invalid("token", BAD_TOKEN))?;
        let settings = repo::tenants::security(&self.pool, tenant).await?;
        let hash = tokens::hash_refresh_token(token.trim());
        let mut tx = db::begin(&self.pool, tenant).await?;
        let user_id = repo::portal_users::take_token(&mut tx, tenant, Purpose::PasswordReset, &hash, Utc::now())
            .await?
            .ok_or_else(|| DomainError::invalid("token", BAD_TOKEN))?;
        let user = repo::users::by_id(&mut tx, tenant, user_id)
            .await?
            .filter(|u| u.status == "active" && u.kind == kind.as_str())
            .ok_or_else(|| DomainError::invalid("token", BAD_TOKEN))?;
        let mut v = Validator::new();
        password_violations(&mut v, "new_password", new_password, settings.password_min_length, &user.email);
        v.finish()?;
        let plain = new_password.to_owned();
        let hashed = blocking(move || password::hash(&plain)).await??;
        repo::users::set_password(&mut tx, tenant, user.id, &hashed).await?;
        repo::users::set_lockout(&mut tx, tenant, user.id, 0, None).await?;
        let revoked = repo::sessions::revoke_all(&mut tx, tenant, user.id, None, "password_reset").await?;
        tx.commit().await?;
        for sid in revoked {
            self.mark_revoked(sid).await?;
        }
        tracing::info!(tenant = %tenant, user = %user.id, "password reset");
        Ok(())
    }
}
