//! Events contracts publishes (subjects `psa.contracts.company.{created,updated}` and
//! `psa.contracts.contract.{created,updated}`), written to the outbox in the same transaction
//! as the change.

use psa_kit::db::TenantTx;
use psa_kit::events::{EventMeta, Naming, enqueue};
use psa_proto::events as ev;
use uuid::Uuid;

use crate::domain::coc::Coc;
use crate::domain::company::Company;
use crate::domain::contract::Contract;

/// Service name in subjects and stream names.
pub const SERVICE: &str = "contracts";

/// Records `CompanyCreated`.
pub async fn company_created(tx: &mut TenantTx, naming: &Naming, actor: Uuid, c: &Company) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: actor, subject_id: c.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "company", "created"),
        meta,
        &ev::CompanyCreated { company: Some(crate::proto::company(c)) },
    )
    .await?;
    Ok(())
}

/// Records `CompanyUpdated` with the names of the changed fields.
pub async fn company_updated(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    c: &Company,
    changed: Vec<String>,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: actor, subject_id: c.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "company", "updated"),
        meta,
        &ev::CompanyUpdated { company: Some(crate::proto::company(c)), changed_fields: changed },
    )
    .await?;
    Ok(())
}

/// Records `ContractCreated` (`psa.contracts.contract.created`).
pub async fn contract_created(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    c: &Contract,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: actor, subject_id: c.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "contract", "created"),
        meta,
        &ev::ContractCreated { contract: Some(crate::proto::catalog::contract(c)) },
    )
    .await?;
    Ok(())
}

/// Records `ContractUpdated` (`psa.contracts.contract.updated`) with the changed field names.
pub async fn contract_updated(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    c: &Contract,
    changed: Vec<String>,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: actor, subject_id: c.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "contract", "updated"),
        meta,
        &ev::ContractUpdated { contract: Some(crate::proto::catalog::contract(c)), changed_fields: changed },
    )
    .await?;
    Ok(())
}

/// Records `ContractExpiring` (`psa.contracts.contract.expiring`, `threshold` 90/60/30) or, for
/// threshold 0, `ContractExpired` (`psa.contracts.contract.expired`). System event: no actor.
pub async fn contract_expiry(
    tx: &mut TenantTx,
    naming: &Naming,
    c: &Contract,
    threshold: i32,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: Uuid::nil(), subject_id: c.id };
    let contract = Some(crate::proto::catalog::contract(c));
    if threshold == 0 {
        enqueue(tx, &naming.subject(SERVICE, "contract", "expired"), meta, &ev::ContractExpired { contract }).await?;
    } else {
        let e = ev::ContractExpiring { contract, threshold_days: threshold };
        enqueue(tx, &naming.subject(SERVICE, "contract", "expiring"), meta, &e).await?;
    }
    Ok(())
}

/// Records `CocExpiring` (`psa.contracts.coc.expiring`) or, for threshold 0, `CocExpired`
/// (`psa.contracts.coc.expired`). System event: no actor.
pub async fn coc_expiry(tx: &mut TenantTx, naming: &Naming, c: &Coc, threshold: i32) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: Uuid::nil(), subject_id: c.id };
    let coc = Some(crate::proto::saf::coc(c));
    if threshold == 0 {
        enqueue(tx, &naming.subject(SERVICE, "coc", "expired"), meta, &ev::CocExpired { coc }).await?;
    } else {
        enqueue(
            tx,
            &naming.subject(SERVICE, "coc", "expiring"),
            meta,
            &ev::CocExpiring { coc, threshold_days: threshold },
        )
        .await?;
    }
    Ok(())
}
