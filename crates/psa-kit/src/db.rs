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
/// `audit_outbox`, `enable_audit(..)`, `exempt_from_audit(table, reason)`: audit capture, see
/// [`crate::audit`]; after the migrations, tables left without either get audit capture with
/// defaults. `enable_append_only(table)`: UPDATE/DELETE/TRUNCATE raise, and the service
/// role loses those privileges on the table.
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
-- Audit capture (crate::audit): `enable_audit(table, redacted, ignored, id_column,
-- tenant_column)` installs the `audit_capture` row trigger (updates, deletes) and the
-- `audit_capture_insert` statement trigger (inserts); the relay publishes `audit_outbox`.
create table if not exists audit_outbox (
    id           uuid primary key default gen_random_uuid(),
    seq          bigserial,
    tenant_id    uuid not null,
    table_name   text not null,
    row_id       text not null,
    action       text not null check (action in ('create', 'update', 'delete')),
    old_values   jsonb,
    new_values   jsonb,
    actor_id     uuid,
    client_ip    text not null default '',
    user_agent   text not null default '',
    traceparent  text not null default '',
    occurred_at  timestamptz not null default clock_timestamp(),
    published_at timestamptz
);
create index if not exists audit_outbox_pending on audit_outbox (seq) where published_at is null;
drop trigger if exists audit_outbox_notify on audit_outbox;
create trigger audit_outbox_notify after insert on audit_outbox for each statement execute function outbox_notify();
-- Trigger arguments: redacted columns, ignored columns, id column, tenant column. Updates keep
-- only changed columns; an update changing only ignored columns is not recorded.
create or replace function audit_capture() returns trigger language plpgsql
set search_path from current as $$
declare
    redacted text[] := tg_argv[0]::text[];
    ignored  text[] := tg_argv[1]::text[];
    full_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
    full_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
    o jsonb := full_old;
    n jsonb := full_new;
    k text;
begin
    if tg_op = 'UPDATE' then
        o := '{}'; n := '{}';
        for k in select jsonb_object_keys(full_new) loop
            if full_old -> k is distinct from full_new -> k and not (k = any (ignored)) then
                o := o || jsonb_build_object(k, full_old -> k);
                n := n || jsonb_build_object(k, full_new -> k);
            end if;
        end loop;
        if n = '{}'::jsonb then
            return null;
        end if;
    end if;
    foreach k in array redacted loop
        if o ? k then o := jsonb_set(o, array[k], '"[redacted]"'); end if;
        if n ? k then n := jsonb_set(n, array[k], '"[redacted]"'); end if;
    end loop;
    insert into audit_outbox (tenant_id, table_name, row_id, action, old_values, new_values, actor_id,
                              client_ip, user_agent, traceparent)
    values (coalesce(full_new ->> tg_argv[3], full_old ->> tg_argv[3])::uuid, tg_table_name,
            coalesce(full_new ->> tg_argv[2], full_old ->> tg_argv[2], ''),
            case tg_op when 'INSERT' then 'create' when 'UPDATE' then 'update' else 'delete' end, o, n,
            nullif(current_setting('app.actor_id', true), '')::uuid,
            coalesce(current_setting('app.client_ip', true), ''),
            coalesce(current_setting('app.user_agent', true), ''),
            coalesce(current_setting('app.traceparent', true), ''));
    return null;
end $$;
-- Inserts are captured once per statement from the transition table (a bulk insert such as a
-- CSV import writes its audit records in one statement instead of one trigger call per row);
-- same arguments and the same record as `audit_capture` gives an INSERT. (`audit_redact` is
-- called only for rows that have a redacted column: a SQL function with a subquery is not
-- inlined, and calling it per row doubled the cost of a bulk insert.)
create or replace function audit_redact(j jsonb, redacted text[]) returns jsonb language sql immutable as $$
    select case when j ?| redacted
                then j || (select jsonb_object_agg(k, '"[redacted]"'::jsonb) from unnest(redacted) k where j ? k)
                else j end
$$;
create or replace function audit_capture_inserts() returns trigger language plpgsql
set search_path from current as $$
declare
    redacted text[] := tg_argv[0]::text[];
    id_col   text := tg_argv[2];
    tenant   text := tg_argv[3];
    actor    uuid := nullif(current_setting('app.actor_id', true), '')::uuid;
    ip       text := coalesce(current_setting('app.client_ip', true), '');
    agent    text := coalesce(current_setting('app.user_agent', true), '');
    trace    text := coalesce(current_setting('app.traceparent', true), '');
    bulk     text := coalesce(current_setting('app.audit_bulk', true), '');
begin
    -- A bulk operation (an import) names itself in `app.audit_bulk`: one record per statement
    -- and tenant lists the new rows' ids (row id '*'); the relay publishes one `create` record
    -- per id with new values `{"bulk_operation": <name>}` (crate::audit::BULK).
    if bulk <> '' and id_col <> '' then
        execute format('insert into audit_outbox (tenant_id, table_name, row_id, action, new_values, actor_id, '
                       'client_ip, user_agent, traceparent) '
                       'select %I, %L, ''*'', ''create'', jsonb_build_object(''bulk_operation'', $1, '
                       '''ids'', jsonb_agg(%I::text)), $2, $3, $4, $5 from audit_new group by 1',
                       tenant, tg_table_name, id_col)
            using bulk, actor, ip, agent, trace;
        return null;
    end if;
    insert into audit_outbox (tenant_id, table_name, row_id, action, old_values, new_values, actor_id,
                              client_ip, user_agent, traceparent)
    select (s.j ->> tenant)::uuid, tg_table_name, coalesce(s.j ->> id_col, ''), 'create', null,
           case when s.j ?| redacted then audit_redact(s.j, redacted) else s.j end, actor, ip, agent, trace
      from (select to_jsonb(n) as j from audit_new n) s;
    return null;
end $$;
-- Installs both capture triggers with arguments as given (defaults already applied).
create or replace function install_audit_triggers(tbl regclass, redacted text[], ignored text[],
                                                  id_column text, tenant_column text)
returns void language plpgsql as $$
begin
    execute format('drop trigger if exists audit_capture on %s', tbl);
    execute format('drop trigger if exists audit_capture_insert on %s', tbl);
    execute format('create trigger audit_capture after update or delete on %s for each row '
        'execute function audit_capture(%L, %L, %L, %L)', tbl, redacted, ignored, id_column, tenant_column);
    execute format('create trigger audit_capture_insert after insert on %s referencing new table as audit_new '
        'for each statement execute function audit_capture_inserts(%L, %L, %L, %L)', tbl,
        redacted, ignored, id_column, tenant_column);
end $$;
create or replace function enable_audit(tbl regclass, redacted text[] default '{}', ignored text[] default '{}',
                                        id_column text default 'id', tenant_column text default 'tenant_id')
returns void language plpgsql as $$
begin
    perform install_audit_triggers(tbl,
        redacted || '{password_hash,key_hash,token_hash,code_hash,secret,private_der}'::text[],
        ignored || '{updated_at}'::text[], id_column, tenant_column);
end $$;
-- Upgrade: row-level insert capture (before statement-level inserts) is reinstalled with the
-- trigger's own arguments.
do $$ declare t record; a text[]; begin
    for t in select g.tgrelid::regclass as tbl, g.tgargs from pg_trigger g join pg_class c on c.oid = g.tgrelid
              where c.relnamespace = current_schema()::regnamespace and g.tgname = 'audit_capture'
                and (g.tgtype & 4) <> 0
    loop
        a := string_to_array(encode(t.tgargs, 'escape'), '\000');
        perform install_audit_triggers(t.tbl, a[1]::text[], a[2]::text[], a[3], a[4]);
    end loop;
end $$;
-- A tenant table that is deliberately not audited says why (checked by the audit coverage test).
create or replace function exempt_from_audit(tbl regclass, reason text) returns void language plpgsql as $$
begin
    if coalesce(length(trim(reason)), 0) = 0 then
        raise exception 'exempt_from_audit(%): a reason is required', tbl;
    end if;
    execute format('comment on table %s is %L', tbl, 'audit-exempt: ' || reason);
end $$;
-- Append-only tables (the audit log): UPDATE, DELETE and TRUNCATE raise; `prepare` also
-- revokes those privileges from the service role for every table with this trigger.
create or replace function append_only_guard() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only', tg_table_name using errcode = 'insufficient_privilege';
end $$;
create or replace function enable_append_only(tbl regclass) returns void language plpgsql as $$
begin
    execute format('drop trigger if exists append_only on %s', tbl);
    execute format('create trigger append_only before update or delete on %s '
        'for each row execute function append_only_guard()', tbl);
    execute format('drop trigger if exists append_only_truncate on %s', tbl);
    execute format('create trigger append_only_truncate before truncate on %s '
        'for each statement execute function append_only_guard()', tbl);
end $$;
"#;

/// Enables audit capture on every RLS table of `{schema}` with a `tenant_id` that has neither
/// the trigger nor an `audit-exempt:` comment.
const AUTO_AUDIT: &str = r#"
do $$ declare t record; begin
    for t in
        select c.oid::regclass as tbl,
               coalesce(
                   (select a.attname::text from pg_attribute a
                     where a.attrelid = c.oid and a.attname = 'id' and not a.attisdropped),
                   (select a.attname::text from pg_index i
                      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
                     where i.indrelid = c.oid and i.indisprimary and a.attname <> 'tenant_id'
                     order by array_position(i.indkey::int2[], a.attnum) limit 1),
                   'id') as id_col
          from pg_class c
         where c.relnamespace = '{schema}'::regnamespace and c.relkind = 'r' and c.relrowsecurity
           and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
           and not exists (select 1 from pg_trigger g where g.tgrelid = c.oid and g.tgname = 'audit_capture')
           and coalesce(obj_description(c.oid, 'pg_class'), '') not like 'audit-exempt: %'
    loop
        perform enable_audit(t.tbl, id_column => t.id_col);
    end loop;
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
    // Audit capture cannot be forgotten: a tenant table that a migration neither audited nor
    // exempted (`exempt_from_audit`) gets the trigger with defaults (row id: `id`, else the
    // first primary-key column after `tenant_id`).
    conn.execute(AUTO_AUDIT.replace("{schema}", schema).as_str()).await?;
    conn.execute(
        format!(
            "grant usage on schema {schema} to {role}; \
             grant select, insert, update, delete on all tables in schema {schema} to {role}; \
             grant usage, select on all sequences in schema {schema} to {role}; \
             revoke all on {schema}._sqlx_migrations from {role}; \
             do $$ declare t regclass; begin \
               for t in select tg.tgrelid::regclass from pg_trigger tg join pg_class c on c.oid = tg.tgrelid \
                        where tg.tgname = 'append_only' and c.relnamespace = '{schema}'::regnamespace loop \
                 execute format('revoke update, delete, truncate on %s from {role}', t); \
               end loop; end $$;"
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

/// A small pool beside `pool`: the same server, role and `search_path`, at most
/// `max_connections` connections, opened lazily.
///
/// For short transactions that must not wait for (or hold a connection needed by) a longer
/// transaction of the same request, the way an "autonomous transaction" would: a caller holding
/// one of `pool`'s connections may take one of these without risking a pool deadlock.
pub fn side_pool(pool: &PgPool, max_connections: u32) -> PgPool {
    pool.options()
        .clone()
        .max_connections(max_connections)
        .min_connections(0)
        .connect_lazy_with((*pool.connect_options()).clone())
}

/// Begins a transaction scoped to `tenant_id`: sets `app.tenant_id` transaction-locally, which
/// every RLS policy compares `tenant_id` with. Repo code still filters by tenant itself.
///
/// It also copies the current [`crate::audit::RequestContext`] (actor, client IP, user agent)
/// and trace context into `app.actor_id`, `app.client_ip`, `app.user_agent` and
/// `app.traceparent`, which the audit trigger records with every change.
///
/// # Errors
/// Database errors.
pub async fn begin(pool: &PgPool, tenant_id: Uuid) -> Result<TenantTx, sqlx::Error> {
    let ctx = crate::audit::current().unwrap_or_default();
    let actor = if ctx.actor_id.is_nil() { String::new() } else { ctx.actor_id.to_string() };
    let mut tx = pool.begin().await?;
    sqlx::query(
        "select set_config('app.tenant_id', $1, true), set_config('app.actor_id', $2, true), \
         set_config('app.client_ip', $3, true), set_config('app.user_agent', $4, true), \
         set_config('app.traceparent', $5, true)",
    )
    .bind(tenant_id.to_string())
    .bind(actor)
    .bind(ctx.client_ip)
    .bind(ctx.user_agent)
    .bind(crate::trace_context::current().unwrap_or_default())
    .execute(&mut *tx)
    .await?;
    Ok(tx)
}

/// A tenant table holding a tree through a self-referencing column, for [`is_in_subtree`].
/// Both names are compile-time constants (never user input): they are spliced into SQL.
#[derive(Debug, Clone, Copy)]
pub struct Tree {
    /// The table, e.g. `kb_categories`; it has `tenant_id` and `id` columns.
    pub table: &'static str,
    /// The column naming the parent row, e.g. `parent_id`.
    pub parent_column: &'static str,
}

/// Whether `candidate` is `root` or one of its descendants in `tree` (one recursive query):
/// making `root` a child of such a candidate would close a cycle.
///
/// # Errors
/// Database errors.
pub async fn is_in_subtree(
    tx: &mut TenantTx,
    tree: Tree,
    tenant_id: Uuid,
    root: Uuid,
    candidate: Uuid,
) -> Result<bool, sqlx::Error> {
    let Tree { table, parent_column } = tree;
    sqlx::query_scalar(&format!(
        "with recursive sub(id) as (select $2::uuid union select t.id from {table} t join sub \
         on t.{parent_column} = sub.id where t.tenant_id = $1) select exists(select 1 from sub where id = $3)"
    ))
    .bind(tenant_id)
    .bind(root)
    .bind(candidate)
    .fetch_one(&mut **tx)
    .await
}
