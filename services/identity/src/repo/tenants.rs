//! Tenants (global table: looked up by slug before any tenant context exists).

use chrono::{DateTime, Utc};
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue};
use sqlx::{PgPool, QueryBuilder};
use uuid::Uuid;

/// A tenant row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    /// `active` or `suspended`.
    pub status: String,
    /// The operator's tenant, whose Super Admins administer the others.
    pub platform: bool,
    pub suspended_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "select id, slug, name, status, platform, suspended_at, created_at from tenants t";

/// The tenant with `slug`, if any.
pub async fn by_slug(pool: &PgPool, slug: &str) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} where slug = $1")).bind(slug).fetch_optional(pool).await
}

/// The ids of every tenant, oldest first.
pub async fn all_ids(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("select id from tenants order by created_at, id").fetch_all(pool).await
}

/// The tenant with `id`, if any.
pub async fn by_id(pool: &PgPool, id: Uuid) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} where id = $1")).bind(id).fetch_optional(pool).await
}

/// A tenant's security settings (defaults: lock after 5 failures for 15 minutes, passwords of
/// at least 10 characters that never expire, MFA optional).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SecuritySettings {
    pub lockout_threshold: i32,
    /// Minutes.
    pub lockout_minutes: i32,
    /// Characters.
    pub password_min_length: i32,
    /// Every staff user must use a second factor (TOTP); until they enrol, their access
    /// tokens carry only `account.self`.
    pub mfa_required: bool,
    /// Role ids (standard names or custom role UUIDs) whose holders must use a second factor.
    pub mfa_required_roles: Vec<String>,
    /// Days after which a password must be changed at sign-in; `None`: never.
    pub password_max_age_days: Option<i32>,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            lockout_threshold: 5,
            lockout_minutes: 15,
            password_min_length: 10,
            mfa_required: false,
            mfa_required_roles: Vec::new(),
            password_max_age_days: None,
        }
    }
}

/// The security settings of tenant `id` (defaults when it does not exist).
pub async fn security(pool: &PgPool, id: Uuid) -> Result<SecuritySettings, sqlx::Error> {
    let s: Option<SecuritySettings> = sqlx::query_as(
        "select lockout_threshold, lockout_minutes, password_min_length, mfa_required, mfa_required_roles, \
         password_max_age_days from tenants where id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(s.unwrap_or_default())
}

/// Creates the tenant unless `slug` exists; returns it and whether it was created.
pub async fn create_if_absent(pool: &PgPool, slug: &str, name: &str) -> Result<(Tenant, bool), sqlx::Error> {
    let created = sqlx::query("insert into tenants (id, slug, name) values ($1, $2, $3) on conflict (slug) do nothing")
        .bind(Uuid::now_v7())
        .bind(slug)
        .bind(name)
        .execute(pool)
        .await?
        .rows_affected()
        == 1;
    let tenant = by_slug(pool, slug).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok((tenant, created))
}

/// Stores tenant `id`'s security settings.
pub async fn set_security(pool: &PgPool, id: Uuid, s: &SecuritySettings) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update tenants set lockout_threshold = $2, lockout_minutes = $3, password_min_length = $4, \
         mfa_required = $5, mfa_required_roles = $6, password_max_age_days = $7, updated_at = now() \
         where id = $1",
    )
    .bind(id)
    .bind(s.lockout_threshold)
    .bind(s.lockout_minutes)
    .bind(s.password_min_length)
    .bind(s.mfa_required)
    .bind(&s.mfa_required_roles)
    .bind(s.password_max_age_days)
    .execute(pool)
    .await?;
    Ok(())
}

/// What `ListTenants` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "slug", column: "t.slug", kind: FieldKind::Text },
        FilterField { name: "name", column: "t.name", kind: FieldKind::Text },
        FilterField {
            name: "state",
            column: "t.status",
            kind: FieldKind::Enum { prefix: "TENANT_STATE_", values: &["active", "suspended"] },
        },
    ],
    orders: &[OrderField { name: "slug", column: "t.slug", kind: SortKind::Text }],
    default_order: "slug",
    id_column: "t.id",
};

/// One page of every tenant per `plan` (platform administration), and the next page token.
pub async fn list(pool: &PgPool, plan: &ListPlan) -> Result<(Vec<Tenant>, String), sqlx::Error> {
    let mut qb = QueryBuilder::new(format!("{SELECT} where true"));
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let mut rows: Vec<Tenant> = qb.build_query_as().fetch_all(pool).await?;
    let token = plan.finish(&mut rows, |t, _| (SortValue::Text(t.slug.clone()), t.id));
    Ok((rows, token))
}

/// Sets tenant `id`'s state (`active` or `suspended`, with the suspension time); returns the
/// updated tenant, `None` when it does not exist.
pub async fn set_status(pool: &PgPool, id: Uuid, suspended: bool) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query(
        "update tenants set status = case when $2 then 'suspended' else 'active' end, \
         suspended_at = case when $2 then coalesce(suspended_at, now()) end, updated_at = now() \
         where id = $1 and status is distinct from case when $2 then 'suspended' else 'active' end",
    )
    .bind(id)
    .bind(suspended)
    .execute(pool)
    .await?;
    by_id(pool, id).await
}

/// Marks tenant `id` as the platform tenant (there is at most one; a no-op when another one
/// already is).
pub async fn make_platform(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "update tenants set platform = true, updated_at = now() where id = $1 \
         and not exists (select 1 from tenants where platform and id <> $1)",
    )
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Ids of the suspended tenants.
pub async fn suspended_ids(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("select id from tenants where status = 'suspended'").fetch_all(pool).await
}

/// Whether tenant `id` is the platform tenant.
pub async fn is_platform(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar("select platform from tenants where id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .unwrap_or(false))
}
