//! Per-tenant generated document numbers (contracts `C-000001`, SAFs `SAF-000001`, COCs
//! `COC-000001`): a counter row per tenant, incremented in the caller's transaction, skipping
//! values a user already entered by hand.

use psa_kit::Result;
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// Which numbered documents: their counter table, their own table (with `tenant_id` and a
/// case-insensitively unique `number`), and how a counter value is written.
#[derive(Debug, Clone, Copy)]
pub struct Numbering {
    /// Counter table `(tenant_id primary key, last bigint)`; trusted SQL identifier.
    pub counters: &'static str,
    /// Document table; trusted SQL identifier.
    pub table: &'static str,
    /// Counter value → number, e.g. `C-000042`.
    pub format: fn(i64) -> String,
}

/// The tenant's next free generated number.
///
/// # Errors
/// Database errors.
pub async fn next(tx: &mut TenantTx, tenant: Uuid, n: Numbering) -> Result<String> {
    let bump = format!(
        "insert into {c} (tenant_id, last) values ($1, 1) \
         on conflict (tenant_id) do update set last = {c}.last + 1 returning last",
        c = n.counters
    );
    let taken = format!("select exists(select 1 from {} where tenant_id = $1 and lower(number) = lower($2))", n.table);
    loop {
        let value: i64 = sqlx::query_scalar(&bump).bind(tenant).fetch_one(&mut **tx).await?;
        let number = (n.format)(value);
        let exists: bool = sqlx::query_scalar(&taken).bind(tenant).bind(&number).fetch_one(&mut **tx).await?;
        if !exists {
            return Ok(number);
        }
    }
}
