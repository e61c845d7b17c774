//! PostgreSQL: one schema and one role per service (DESIGN.md §3), migrations, and
//! tenant-scoped transactions for row-level security.
//!
//! [`connect`] (1) creates the service's schema and its `NOLOGIN` role, (2) runs the kit's own
//! tables (outbox, inbox) and the service's sqlx migrations inside that schema with the
//! configured (owner) user, (3) grants the role DML on the schema, and (4) returns a pool whose
//! connections `SET ROLE` to the service role with `search_path` = the schema. The role owns
//! nothing, so `FORCE ROW LEVEL SECURITY` policies on `app.tenant_id` apply to every query.

use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, Executor, PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::config::DatabaseConfig;

/// The database identity of a service.
#[derive(Debug, Clone, Copy)]
pub struct ServiceDb {
    /// Schema the service owns, e.g. `contracts`.
    pub schema: &'static str,
    /// Role its connections use, e.g. `psa_contracts`.
    pub role: &'static str,
}

/// A transaction with `app.tenant_id` set (transaction-local) for RLS.
pub type TenantTx = Transaction<'static, Postgres>;

/// Tables and functions every service has, created in its schema before its own migrations.
/// `outbox`: events written in the same transaction as the change (relayed to JetStream).
/// `inbox`: ids of consumed events, for idempotent consumers. Both are infrastructure read
/// across tenants by the relay/consumers only, so they carry `tenant_id` but no RLS policy.
/// `enable_tenant_rls(table)`: enables and forces RLS with the standard policy comparing
/// `tenant_id` with the transaction's `app.tenant_id` (unset or empty matches nothing).
const KIT_TABLES: &str = r#"
create table if not exists outbox (
    id           uuid primary key,
    tenant_id    uuid not null,
    subject      text not null,
    payload      bytea not null,
    created_at   timestamptz not null default now(),
    published_at timestamptz
);
create index if not exists outbox_pending on outbox (id) where published_at is null;
create table if not exists inbox (
    consumer     text not null,
    event_id     uuid not null,
    processed_at timestamptz not null default now(),
    primary key (consumer, event_id)
);
create or replace function outbox_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify(tg_table_schema || '_outbox', '');
    return null;
end $$;
drop trigger if exists outbox_notify on outbox;
create trigger outbox_notify after insert on outbox for each statement execute function outbox_notify();
-- The one tenant-isolation policy (DESIGN.md §3): migrations call
-- `select enable_tenant_rls('table')` for every tenant-owned table.
create or replace function enable_tenant_rls(tbl regclass) returns void language plpgsql as $$
begin
    execute format('alter table %s enable row level security', tbl);
    execute format('alter table %s force row level security', tbl);
    execute format('drop policy if exists tenant_isolation on %s', tbl);
    execute format('create policy tenant_isolation on %s '
        'using (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid) '
        'with check (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)', tbl);
end $$;
"#;

/// Prepares the service's schema and role, migrates, and returns the runtime pool.
///
/// Safe to run concurrently from several replicas (a PostgreSQL advisory lock serialises it).
///
/// # Errors
/// Connection failures, a failed migration, or a database whose user cannot create schemas.
pub async fn connect(config: &DatabaseConfig, svc: ServiceDb, migrator: &Migrator) -> anyhow::Result<PgPool> {
    check_ident(svc.schema)?;
    check_ident(svc.role)?;
    let base = PgConnectOptions::from_str(&config.database_url)?;
    {
        let mut admin = PgConnection::connect_with(&base).await?;
        admin.execute("select pg_advisory_lock(7270450001)").await?;
        let result = prepare(&mut admin, &base, svc, migrator).await;
        admin.execute("select pg_advisory_unlock(7270450001)").await?;
        result?;
    }
    let role = svc.role;
    let pool = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                conn.execute(format!("set role {role}").as_str()).await?;
                Ok(())
            })
        })
        .connect_with(base.options([("search_path", svc.schema)]))
        .await?;
    Ok(pool)
}

async fn prepare(
    admin: &mut PgConnection,
    base: &PgConnectOptions,
    svc: ServiceDb,
    migrator: &Migrator,
) -> anyhow::Result<()> {
    let (schema, role) = (svc.schema, svc.role);
    admin
        .execute(
            format!(
                "do $$ begin create role {role} nologin; \
                 exception when duplicate_object or unique_violation then null; end $$; \
                 create schema if not exists {schema}; \
                 grant {role} to current_user;"
            )
            .as_str(),
        )
        .await?;
    // A one-connection pool: `Migrator::run` on a pool keeps the future `Send`.
    let conn =
        PgPoolOptions::new().max_connections(1).connect_with(base.clone().options([("search_path", schema)])).await?;
    conn.execute(KIT_TABLES).await?;
    migrator.run(&conn).await?;
    conn.execute(
        format!(
            "grant usage on schema {schema} to {role}; \
             grant select, insert, update, delete on all tables in schema {schema} to {role}; \
             grant usage, select on all sequences in schema {schema} to {role}; \
             revoke all on {schema}._sqlx_migrations from {role};"
        )
        .as_str(),
    )
    .await?;
    conn.close().await;
    Ok(())
}

fn check_ident(s: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()),
        "invalid SQL identifier {s:?}"
    );
    Ok(())
}

/// Begins a transaction scoped to `tenant_id`: sets `app.tenant_id` transaction-locally, which
/// every RLS policy compares `tenant_id` with. Repo code still filters by tenant itself.
///
/// # Errors
/// Database errors.
pub async fn begin(pool: &PgPool, tenant_id: Uuid) -> Result<TenantTx, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("select set_config('app.tenant_id', $1, true)").bind(tenant_id.to_string()).execute(&mut *tx).await?;
    Ok(tx)
}
