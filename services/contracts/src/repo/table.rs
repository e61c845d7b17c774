//! The reads every document table (contracts, proposals, SAFs, COCs) shares: one row by id
//! and one list page, both scoped by tenant (in SQL as well as by RLS).

use psa_core::DomainError;
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{ListPlan, SortValue};
use sqlx::QueryBuilder;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// A table with `tenant_id`, `id` and `company_id` columns, and how its rows are read.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// Trusted SQL identifier.
    pub name: &'static str,
    /// The select list the row type reads (trusted SQL).
    pub columns: &'static str,
    /// What NOT_FOUND names: "SAF", "contract".
    pub entity: &'static str,
}

impl Table {
    /// The tenant's row `id`; with `lock`, locked for update.
    ///
    /// # Errors
    /// NOT_FOUND naming the entity when there is none; database errors.
    pub async fn get<R>(&self, tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<R>
    where
        R: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        let row: Option<R> = sqlx::query_as(&format!(
            "select {} from {} where tenant_id = $1 and id = $2{}",
            self.columns,
            self.name,
            if lock { " for update" } else { "" }
        ))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        row.ok_or_else(|| DomainError::NotFound { entity: self.entity }.into())
    }

    /// One page of the tenant's rows as `T` (`company`: only that company's), filtered,
    /// ordered and cut by `plan`, with the next page token made by `key` (the sort value of
    /// the plan's order field, and the id).
    ///
    /// # Errors
    /// Database errors.
    pub async fn page<R, T>(
        &self,
        tx: &mut TenantTx,
        tenant: Uuid,
        plan: &ListPlan,
        company: Option<Uuid>,
        key: impl Fn(&T, &str) -> (SortValue, Uuid),
    ) -> Result<(Vec<T>, String)>
    where
        R: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
        T: From<R>,
    {
        let mut qb = QueryBuilder::new(format!("select {} from {} where tenant_id = ", self.columns, self.name));
        qb.push_bind(tenant);
        if let Some(c) = company {
            qb.push(" and company_id = ").push_bind(c);
        }
        plan.push_where(&mut qb);
        plan.push_order_limit(&mut qb);
        let rows: Vec<R> = qb.build_query_as().fetch_all(&mut **tx).await?;
        let mut out: Vec<T> = rows.into_iter().map(T::from).collect();
        let token = plan.finish(&mut out, key);
        Ok((out, token))
    }
}
