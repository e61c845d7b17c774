//! Users (staff and portal) and their role assignments (tenant-owned).

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use sqlx::QueryBuilder;
use uuid::Uuid;

/// A user row, with its role ids (standard role names or custom role UUIDs, sorted).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub roles: Vec<String>,
    /// `invited` (portal users before accepting), `active` or `disabled`.
    pub status: String,
    /// `staff` or `portal`.
    pub kind: String,
    /// Portal users: their company and contact (contracts' ids).
    pub company_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub failed_login_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub last_password_change_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The user columns (with their sorted roles) from `users u`; callers add the `where`.
pub(crate) const SELECT: &str = "select u.id, u.tenant_id, u.email, u.display_name, u.password_hash, \
     coalesce((select array_agg(r.role order by r.role) from user_roles r \
               where r.tenant_id = u.tenant_id and r.user_id = u.id), '{}') as roles, \
     u.status, u.kind, u.company_id, u.contact_id, u.failed_login_attempts, u.locked_until, u.last_login_at, u.last_password_change_at, \
     u.created_at, u.updated_at from users u";

/// The user with `email` (case-insensitive) in `tenant`, of any kind.
pub async fn by_email(tx: &mut TenantTx, tenant: Uuid, email: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} where u.tenant_id = $1 and lower(u.email) = lower($2)"))
        .bind(tenant)
        .bind(email)
        .fetch_optional(&mut **tx)
        .await
}

/// The user of `kind` (`staff` or `portal`) with `email` (case-insensitive) in `tenant`.
pub async fn by_email_of_kind(
    tx: &mut TenantTx,
    tenant: Uuid,
    email: &str,
    kind: &str,
) -> Result<Option<User>, sqlx::Error> {
    Ok(by_email(tx, tenant, email).await?.filter(|u| u.kind == kind))
}

/// The user `id` in `tenant`.
pub async fn by_id(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} where u.tenant_id = $1 and u.id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// The user `id`, row locked for update (lockout counter changes serialise).
pub async fn lock(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} where u.tenant_id = $1 and u.id = $2 for update of u"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// What `ListUsers` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "email", column: "u.email", kind: FieldKind::Text },
        FilterField { name: "display_name", column: "u.display_name", kind: FieldKind::Text },
        FilterField {
            name: "status",
            column: "u.status",
            kind: FieldKind::Enum { prefix: "USER_STATUS_", values: &["active", "disabled"] },
        },
    ],
    orders: &[
        OrderField { name: "email", column: "lower(u.email)", kind: SortKind::Text },
        OrderField { name: "create_time", column: "u.created_at", kind: SortKind::Time },
    ],
    default_order: "email",
    id_column: "u.id",
};

/// Every staff user of `tenant` (any status), oldest first.
pub async fn all_staff(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} where u.kind = 'staff' and u.tenant_id = $1 order by u.created_at, u.id"))
        .bind(tenant)
        .fetch_all(&mut **tx)
        .await
}

/// One page of `tenant`'s staff users per `plan`, and the next page token.
pub async fn list(tx: &mut TenantTx, tenant: Uuid, plan: &ListPlan) -> Result<(Vec<User>, String), sqlx::Error> {
    let mut qb = QueryBuilder::new(format!("{SELECT} where u.kind = 'staff' and u.tenant_id = "));
    qb.push_bind(tenant);
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let mut users: Vec<User> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let token = plan.finish(&mut users, |u, order| match order {
        "create_time" => (time_key(u.created_at), u.id),
        _ => (SortValue::Text(u.email.to_lowercase()), u.id),
    });
    Ok((users, token))
}

/// Inserts a user with `roles`; `Ok(None)` when the email already exists in the tenant.
pub async fn insert(
    tx: &mut TenantTx,
    tenant: Uuid,
    email: &str,
    display_name: &str,
    password_hash: &str,
    roles: &[String],
) -> Result<Option<Uuid>, sqlx::Error> {
    let id = Uuid::now_v7();
    let n = sqlx::query(
        "insert into users (id, tenant_id, email, display_name, password_hash, last_password_change_at) \
         values ($1, $2, $3, $4, $5, now()) on conflict (tenant_id, lower(email)) do nothing",
    )
    .bind(id)
    .bind(tenant)
    .bind(email)
    .bind(display_name)
    .bind(password_hash)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    set_roles(tx, tenant, id, roles).await?;
    Ok(Some(id))
}

/// Replaces the roles of user `id`.
pub async fn set_roles(tx: &mut TenantTx, tenant: Uuid, id: Uuid, roles: &[String]) -> Result<(), sqlx::Error> {
    sqlx::query("delete from user_roles where tenant_id = $1 and user_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into user_roles (tenant_id, user_id, role) select $1, $2, unnest($3::text[]) on conflict do nothing",
    )
    .bind(tenant)
    .bind(id)
    .bind(roles)
    .execute(&mut **tx)
    .await?;
    touch(tx, tenant, id).await
}

async fn touch(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("update users set updated_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Sets the display name.
pub async fn set_display_name(tx: &mut TenantTx, tenant: Uuid, id: Uuid, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update users set display_name = $3, updated_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Sets a new password hash and its change time.
pub async fn set_password(tx: &mut TenantTx, tenant: Uuid, id: Uuid, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update users set password_hash = $3, last_password_change_at = now(), updated_at = now() \
         where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces the hash of an unchanged password (parameter upgrade; the change time stays).
pub async fn upgrade_hash(tx: &mut TenantTx, tenant: Uuid, id: Uuid, old: &str, new: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update users set password_hash = $4 where tenant_id = $1 and id = $2 and password_hash = $3")
        .bind(tenant)
        .bind(id)
        .bind(old)
        .bind(new)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Sets `active` or `disabled`.
pub async fn set_status(tx: &mut TenantTx, tenant: Uuid, id: Uuid, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update users set status = $3, updated_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .bind(status)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stores the lockout counter and lock.
pub async fn set_lockout(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    failed_attempts: i32,
    locked_until: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update users set failed_login_attempts = $3, locked_until = $4, updated_at = now() \
         where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(failed_attempts)
    .bind(locked_until)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records a successful login: last login now, counter and lock cleared.
pub async fn touch_login(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update users set last_login_at = now(), failed_login_attempts = 0, locked_until = null \
         where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many users of `tenant` hold role `role` (a standard name or custom role id).
pub async fn count_with_role(tx: &mut TenantTx, tenant: Uuid, role: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from user_roles where tenant_id = $1 and role = $2")
        .bind(tenant)
        .bind(role)
        .fetch_one(&mut **tx)
        .await
}

/// The active users of `tenant` other than `except` holding any of `roles`, rows locked for
/// update (so two admins demoting each other serialise).
pub async fn lock_other_active_with_roles(
    tx: &mut TenantTx,
    tenant: Uuid,
    except: Uuid,
    roles: &[&str],
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "select u.id from users u where u.tenant_id = $1 and u.id <> $2 and u.status = 'active' \
         and exists (select 1 from user_roles r where r.tenant_id = u.tenant_id and r.user_id = u.id \
                     and r.role = any($3)) \
         for update of u",
    )
    .bind(tenant)
    .bind(except)
    .bind(roles)
    .fetch_all(&mut **tx)
    .await
}
