//! Per-tenant generated document numbers (contracts `C-000001`, SAFs `SAF-000001`, COCs
//! `COC-000001`): a counter row per tenant, incremented in the caller's transaction, skipping
//! values a user already entered by hand.

use psa_core::DomainError;
use psa_kit::db::TenantTx;
use psa_kit::{Error, Result};
use uuid::Uuid;

/// Which numbered documents: their counter table, their own table (with `tenant_id` and a
/// case-insensitively unique `number`, constraint `<table>_number_per_tenant`), and how a
/// counter value is written.
#[derive(Debug, Clone, Copy)]
pub struct Numbering {
    /// Counter table `(tenant_id primary key, last bigint)`; trusted SQL identifier.
    pub counters: &'static str,
    /// Document table; trusted SQL identifier.
    pub table: &'static str,
    /// What ALREADY_EXISTS names: "SAF", "contract".
    pub entity: &'static str,
    /// Counter value → number, e.g. `C-000042`.
    pub format: fn(i64) -> String,
}

impl Numbering {
    /// Maps a write error: the number's unique violation becomes ALREADY_EXISTS on `number`;
    /// anything else is returned as it is.
    pub fn taken(&self, e: sqlx::Error) -> Error {
        let e = Error::from(e);
        if e.is_unique_violation(&format!("{}_number_per_tenant", self.table)) {
            DomainError::AlreadyExists { entity: self.entity, field: "number" }.into()
        } else {
            e
        }
    }

    /// The tenant's next free generated number.
    ///
    /// # Errors
    /// Database errors.
    pub async fn next(&self, tx: &mut TenantTx, tenant: Uuid) -> Result<String> {
        let bump = format!(
            "insert into {c} (tenant_id, last) values ($1, 1) \
             on conflict (tenant_id) do update set last = {c}.last + 1 returning last",
            c = self.counters
        );
        let taken =
            format!("select exists(select 1 from {} where tenant_id = $1 and lower(number) = lower($2))", self.table);
        loop {
            let value: i64 = sqlx::query_scalar(&bump).bind(tenant).fetch_one(&mut **tx).await?;
            let number = (self.format)(value);
            let exists: bool = sqlx::query_scalar(&taken).bind(tenant).bind(&number).fetch_one(&mut **tx).await?;
            if !exists {
                return Ok(number);
            }
        }
    }

    /// Gives `number` the next generated number when it is empty (a number entered by hand is
    /// kept).
    ///
    /// # Errors
    /// Database errors.
    pub async fn fill(&self, tx: &mut TenantTx, tenant: Uuid, number: &mut String) -> Result<()> {
        if number.is_empty() {
            *number = self.next(tx, tenant).await?;
        }
        Ok(())
    }
}
