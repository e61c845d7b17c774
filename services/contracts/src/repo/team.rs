//! Team assignments table.

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::db::TenantTx;
use psa_kit::{Error, Result};
use uuid::Uuid;

use crate::domain::team::{TeamAssignment, TeamRole};

type Row = (Uuid, Uuid, Uuid, Uuid, String, Uuid, DateTime<Utc>);

const COLUMNS: &str = "id, tenant_id, company_id, user_id, role, created_by, created_at";

fn assignment((id, tenant_id, company_id, user_id, role, created_by, created_at): Row) -> TeamAssignment {
    TeamAssignment {
        id,
        tenant_id,
        company_id,
        user_id,
        role: TeamRole::parse(&role).unwrap_or(TeamRole::AccountManager),
        created_by,
        created_at,
    }
}

/// Inserts an assignment (the company is checked by the caller).
///
/// # Errors
/// ALREADY_EXISTS on `role` when the user already has that role at the company.
pub async fn insert(
    tx: &mut TenantTx,
    tenant: Uuid,
    company: Uuid,
    user: Uuid,
    role: TeamRole,
    actor: Uuid,
) -> Result<TeamAssignment> {
    let row: Row = sqlx::query_as(&format!(
        "insert into team_assignments (id, tenant_id, company_id, user_id, role, created_by) \
         values ($1, $2, $3, $4, $5, $6) returning {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(company)
    .bind(user)
    .bind(role.as_str())
    .bind(actor)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        let e: Error = e.into();
        if e.is_unique_violation("team_assignments_unique") {
            DomainError::AlreadyExists { entity: "team assignment", field: "role" }.into()
        } else {
            e
        }
    })?;
    Ok(assignment(row))
}

/// The company's team, by role then assignment time.
pub async fn of_company(tx: &mut TenantTx, tenant: Uuid, company: Uuid) -> Result<Vec<TeamAssignment>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from team_assignments where tenant_id = $1 and company_id = $2 order by role, created_at, id"
    ))
    .bind(tenant)
    .bind(company)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(assignment).collect())
}

/// Deletes assignment `id` of `company`; returns it.
///
/// # Errors
/// NOT_FOUND when the company has no such assignment.
pub async fn delete(tx: &mut TenantTx, tenant: Uuid, company: Uuid, id: Uuid) -> Result<TeamAssignment> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "delete from team_assignments where tenant_id = $1 and company_id = $2 and id = $3 returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(company)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(assignment).ok_or_else(|| DomainError::NotFound { entity: "team assignment" }.into())
}
