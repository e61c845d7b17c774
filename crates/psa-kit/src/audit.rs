//! Audit capture (issue 5, PRD §3.18): every insert, update and delete of an audited table is
//! recorded by the database itself, so no code path can forget it.
//!
//! - Migrations call `select enable_audit('tbl', redacted => '{password_hash}', ignored =>
//!   '{last_seen_at}', id_column => 'id')` (a kit function, see [`crate::db`]). Its triggers (one per
//!   row for updates and deletes, one per statement for inserts, reading the statement's new
//!   rows from its transition table, so a bulk insert costs one audit statement) write to the kit table `audit_outbox`: tenant, table, row id, action (`create`, `update`,
//!   `delete`), old and new values as JSON (updates: only the changed columns; redacted columns
//!   are replaced by `"[redacted]"`), the actor, client IP and user agent of the request, and its
//!   `traceparent`. An update that changes only `ignored` columns is not recorded. Tables that
//!   must not be audited (counters, projections, dedupe markers, ephemeral credentials) say so
//!   with `select exempt_from_audit('tbl', 'reason')`. A tenant table left with neither gets the
//!   trigger with defaults when the service starts (after its migrations), so a table added
//!   later is audited even if its migration forgot; columns named like secrets
//!   (`password_hash`, `key_hash`, `token_hash`, `code_hash`, `secret`, `private_der`) are always
//!   redacted.
//! - A bulk operation (an import) marks its transaction with [`bulk`]: its inserts are then
//!   captured as one row per statement listing the new rows' ids, which the relay publishes as
//!   one `create` record per row with new values `{"bulk_operation": <name>}`.
//! - Who made the change comes from [`RequestContext`], a task-local the auth layer sets for
//!   each call and [`crate::db::begin`] copies into the transaction settings `app.actor_id`,
//!   `app.client_ip`, `app.user_agent` and `app.traceparent`.
//! - The outbox relay ([`crate::events::Relay`]) publishes each row as an
//!   `psa.events.v1.AuditRecord` event on `psa.<service>.audit.recorded`; identity consumes every
//!   service's audit subject into its append-only `audit_log`.

use std::future::Future;

use uuid::Uuid;

tokio::task_local! {
    static CONTEXT: RequestContext;
}

/// Who is behind the current request or event handler.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// The signed-in user (nil for public calls and system jobs).
    pub actor_id: Uuid,
    /// The client address the gateway saw (last `x-forwarded-for` entry), or empty.
    pub client_ip: String,
    /// The client's user agent (`x-forwarded-user-agent` from the gateway, else `user-agent`),
    /// at most 500 characters, or empty.
    pub user_agent: String,
}

impl RequestContext {
    /// The context of a gRPC call from its headers and verified caller.
    pub fn from_headers(headers: &http::HeaderMap, actor_id: Uuid) -> Self {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let client_ip = text("x-forwarded-for")
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
            .unwrap_or_default()
            .to_owned();
        let user_agent: String = text("x-forwarded-user-agent")
            .or_else(|| text("user-agent"))
            .unwrap_or_default()
            .chars()
            .take(500)
            .collect();
        Self { actor_id, client_ip, user_agent }
    }
}

/// The context of the current task, if any.
pub fn current() -> Option<RequestContext> {
    CONTEXT.try_with(Clone::clone).ok()
}

/// Runs `f` with `ctx` as the current request context.
pub async fn scope<F: Future>(ctx: RequestContext, f: F) -> F::Output {
    CONTEXT.scope(ctx, f).await
}

/// Subject entity and verb of audit records: `psa.<service>.audit.recorded`.
pub const ENTITY: &str = "audit";
/// See [`ENTITY`].
pub const VERB: &str = "recorded";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_from_headers_takes_the_gateway_view() {
        let mut h = http::HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.200, 198.51.100.7".parse().unwrap());
        h.insert("x-forwarded-user-agent", "Mozilla/5.0 (test)".parse().unwrap());
        h.insert("user-agent", "tonic".parse().unwrap());
        let id = Uuid::now_v7();
        let c = RequestContext::from_headers(&h, id);
        assert_eq!(
            c,
            RequestContext { actor_id: id, client_ip: "198.51.100.7".into(), user_agent: "Mozilla/5.0 (test)".into() }
        );
        let mut h = http::HeaderMap::new();
        h.insert("x-forwarded-for", "not-an-ip".parse().unwrap());
        h.insert("user-agent", "x".repeat(600).parse().unwrap());
        let c = RequestContext::from_headers(&h, Uuid::nil());
        assert_eq!(c.client_ip, "");
        assert_eq!(c.user_agent.len(), 500);
    }

    #[tokio::test]
    async fn scopes_the_current_context() {
        assert_eq!(current(), None);
        let ctx = RequestContext { actor_id: Uuid::now_v7(), ..Default::default() };
        assert_eq!(scope(ctx.clone(), async { current() }).await, Some(ctx));
    }
}

/// The new-values key of a `create` record written for a bulk operation (see [`bulk`]); its
/// value is the operation's name, e.g. `{"bulk_operation": "import job 0193…"}`.
pub const BULK: &str = "bulk_operation";

/// The `new_values` of a bulk `audit_outbox` row (row id `*`): the operation's name and the
/// ids of the rows one statement created.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct BulkRecord {
    pub bulk_operation: String,
    pub ids: Vec<String>,
}

/// Marks the rest of `tx` as the bulk operation `name` (e.g. `import job <id>`): rows its
/// statements insert are audited as one record per statement listing their ids, and published
/// as one `create` record per row whose new values are `{"bulk_operation": name}` instead of
/// the whole row. Capturing every column of every row costs tens of microseconds per row in
/// the database, most of a large import's time; the imported values are the rows' own and any
/// later change is audited with its old values. Updates and deletes are audited as always.
///
/// # Errors
/// Database errors; an empty `name` is refused (it would not mark anything).
pub async fn bulk(tx: &mut crate::db::TenantTx, name: &str) -> Result<(), sqlx::Error> {
    if name.is_empty() {
        return Err(sqlx::Error::Protocol("a bulk operation needs a name".into()));
    }
    sqlx::query("select set_config('app.audit_bulk', $1, true)").bind(name).execute(&mut **tx).await?;
    Ok(())
}
