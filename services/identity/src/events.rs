//! Events identity publishes besides its audit records: staff users' directory fields
//! (`psa.identity.user.created`, `psa.identity.user.updated`), so other services (tickets'
//! notifications) can keep a projection of who is who.

use psa_kit::db::TenantTx;
use psa_kit::events::{EventMeta, Naming, enqueue};
use psa_proto::events as ev;
use uuid::Uuid;

use crate::repo::users::User;

/// The directory fields of `u` as published.
pub fn record(u: &User) -> ev::UserRecord {
    ev::UserRecord {
        id: u.id.to_string(),
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        kind: u.kind.clone(),
        status: u.status.clone(),
        update_time: Some(prost_types::Timestamp {
            seconds: u.updated_at.timestamp(),
            nanos: u.updated_at.timestamp_subsec_nanos() as i32,
        }),
    }
}

/// Records `UserCreated` (`created`) or `UserUpdated` for `u` as it is in `tx`; `actor` made
/// the change (nil: the system, e.g. single sign-on provisioning).
///
/// # Errors
/// Database errors.
pub async fn user_changed(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    u: &User,
    created: bool,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: u.tenant_id, actor_id: actor, subject_id: u.id };
    let user = Some(record(u));
    if created {
        enqueue(tx, &naming.subject(crate::SERVICE, "user", "created"), meta, &ev::UserCreated { user }).await?;
    } else {
        enqueue(tx, &naming.subject(crate::SERVICE, "user", "updated"), meta, &ev::UserUpdated { user }).await?;
    }
    Ok(())
}
