//! Portal users (rows of `users` with kind `portal`) and the single-use links
//! (`user_tokens`) that invite users and reset passwords (tenant-owned).

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use uuid::Uuid;

use super::users::User;

/// What a link token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invitation,
    PasswordReset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::PasswordReset => "password_reset",
        }
    }
}

/// A portal user and, while invited, when their latest unused invitation link expires.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PortalUserRow {
    #[sqlx(flatten)]
    pub user: User,
    pub invitation_expires_at: Option<DateTime<Utc>>,
}

fn select_portal(condition: &str) -> String {
    format!(
        "select p.*, case when p.status = 'invited' then (select max(t.expires_at) from user_tokens t \
         where t.tenant_id = p.tenant_id and t.user_id = p.id and t.purpose = 'invitation' and t.used_at is null) \
         end as invitation_expires_at from ({} where u.kind = 'portal' and u.tenant_id = $1 and {condition}) p \
         order by lower(p.email), p.id",
        super::users::SELECT
    )
}

/// The portal users of `company` in `tenant`, by email.
pub async fn list_for_company(
    tx: &mut TenantTx,
    tenant: Uuid,
    company: Uuid,
) -> Result<Vec<PortalUserRow>, sqlx::Error> {
    sqlx::query_as(&select_portal("u.company_id = $2")).bind(tenant).bind(company).fetch_all(&mut **tx).await
}

/// Portal user `id` of `tenant`.
pub async fn by_id(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<PortalUserRow>, sqlx::Error> {
    sqlx::query_as(&select_portal("u.id = $2")).bind(tenant).bind(id).fetch_optional(&mut **tx).await
}

/// Inserts an invited portal user (no usable password: `!`, which never verifies) with
/// `role`; `Ok(None)` when the email or the contact already has a user in the tenant.
pub async fn insert_invited(
    tx: &mut TenantTx,
    tenant: Uuid,
    company: Uuid,
    contact: Uuid,
    email: &str,
    display_name: &str,
    role: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    let id = Uuid::now_v7();
    let n = sqlx::query(
        "insert into users (id, tenant_id, email, display_name, password_hash, status, kind, company_id, contact_id) \
         values ($1, $2, $3, $4, '!', 'invited', 'portal', $5, $6) on conflict do nothing",
    )
    .bind(id)
    .bind(tenant)
    .bind(email)
    .bind(display_name)
    .bind(company)
    .bind(contact)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    super::users::set_roles(tx, tenant, id, &[role.to_owned()]).await?;
    Ok(Some(id))
}

/// Stores a new link token for `user` (only its hash) and voids the user's unused ones of
/// the same purpose.
pub async fn insert_token(
    tx: &mut TenantTx,
    tenant: Uuid,
    user: Uuid,
    purpose: Purpose,
    hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update user_tokens set used_at = now() where tenant_id = $1 and user_id = $2 and purpose = $3 \
         and used_at is null",
    )
    .bind(tenant)
    .bind(user)
    .bind(purpose.as_str())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "insert into user_tokens (token_hash, tenant_id, user_id, purpose, expires_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(hash)
    .bind(tenant)
    .bind(user)
    .bind(purpose.as_str())
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks the unused, unexpired token `hash` of `purpose` used and returns its user; `None`
/// when it is unknown, used, expired or for another purpose.
pub async fn take_token(
    tx: &mut TenantTx,
    tenant: Uuid,
    purpose: Purpose,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "update user_tokens set used_at = $4 where tenant_id = $1 and token_hash = $2 and purpose = $3 \
         and used_at is null and expires_at > $4 returning user_id",
    )
    .bind(tenant)
    .bind(hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
}

/// Activates an invited user with their first password.
pub async fn activate(tx: &mut TenantTx, tenant: Uuid, id: Uuid, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update users set status = 'active', password_hash = $3, last_password_change_at = now(), \
         updated_at = now() where tenant_id = $1 and id = $2 and status = 'invited'",
    )
    .bind(tenant)
    .bind(id)
    .bind(hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
