//! Service-desk configuration tables: `ticket_statuses`, `ticket_priorities`, `ticket_queues`,
//! `ticket_types`, `ticket_categories`, `teams`, `ticket_custom_fields`,
//! `contract_sla_policies`. Every query is scoped by tenant (and RLS).

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::db::TenantTx;
use psa_kit::{Error, Result};
use uuid::Uuid;

use crate::domain::desk::{
    CustomFieldDef, CustomFieldFields, CustomFieldType, Item, ItemFields, ItemKind, PriorityDef, StatusDef,
    StatusFields, Team, TeamFields,
};
use crate::domain::ticket::{TicketPriority, TicketStatus};

// ---- statuses ----

type StatusRow =
    (Uuid, String, String, i32, String, bool, bool, bool, bool, Option<String>, DateTime<Utc>, DateTime<Utc>);

const STATUS_COLUMNS: &str =
    "id, name, colour, position, kind, closed, pauses_sla, is_default, active, system_key, created_at, updated_at";

fn status(r: StatusRow) -> StatusDef {
    StatusDef {
        id: r.0,
        fields: StatusFields {
            name: r.1,
            colour: r.2,
            position: r.3,
            kind: TicketStatus::parse(&r.4).unwrap_or(TicketStatus::Open),
            closed: r.5,
            pauses_sla: r.6,
            is_default: r.7,
            active: r.8,
        },
        built_in: r.9.is_some(),
        created_at: r.10,
        updated_at: r.11,
    }
}

fn status_taken(e: Error) -> Error {
    if e.is_unique_violation("ticket_statuses_name") {
        DomainError::AlreadyExists { entity: "ticket status", field: "name" }.into()
    } else {
        e
    }
}

/// Creates the six built-in statuses of `tenant` unless it has statuses already (safe under
/// concurrency: the unique `system_key` absorbs a race).
pub async fn ensure_statuses(tx: &mut TenantTx, tenant: Uuid) -> Result<()> {
    let any: bool = sqlx::query_scalar("select exists (select 1 from ticket_statuses where tenant_id = $1)")
        .bind(tenant)
        .fetch_one(&mut **tx)
        .await?;
    if any {
        return Ok(());
    }
    for f in StatusFields::built_in() {
        sqlx::query(
            "insert into ticket_statuses (id, tenant_id, name, colour, position, kind, closed, pauses_sla, is_default, active, system_key) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, $6) on conflict do nothing",
        )
        .bind(Uuid::now_v7())
        .bind(tenant)
        .bind(&f.name)
        .bind(&f.colour)
        .bind(f.position)
        .bind(f.kind.as_str())
        .bind(f.closed)
        .bind(f.pauses_sla)
        .bind(f.is_default)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The tenant's statuses by position, then name.
pub async fn list_statuses(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<StatusDef>> {
    ensure_statuses(tx, tenant).await?;
    let rows: Vec<StatusRow> = sqlx::query_as(&format!(
        "select {STATUS_COLUMNS} from ticket_statuses where tenant_id = $1 order by position, lower(name), id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(status).collect())
}

/// The status `id`.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn get_status(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<StatusDef> {
    let row: Option<StatusRow> =
        sqlx::query_as(&format!("select {STATUS_COLUMNS} from ticket_statuses where tenant_id = $1 and id = $2"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    row.map(status).ok_or_else(|| DomainError::NotFound { entity: "ticket status" }.into())
}

/// The tenant's default status.
pub async fn default_status(tx: &mut TenantTx, tenant: Uuid) -> Result<StatusDef> {
    ensure_statuses(tx, tenant).await?;
    let row: Option<StatusRow> = sqlx::query_as(&format!(
        "select {STATUS_COLUMNS} from ticket_statuses where tenant_id = $1 \
         order by is_default desc, (kind = 'new') desc, position, id limit 1"
    ))
    .bind(tenant)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(status).ok_or_else(|| DomainError::NotFound { entity: "ticket status" }.into())
}

/// The status a ticket of kind `kind` gets when none was named: the built-in one of that
/// kind, else the first active one of that kind.
pub async fn status_for_kind(tx: &mut TenantTx, tenant: Uuid, kind: TicketStatus) -> Result<StatusDef> {
    ensure_statuses(tx, tenant).await?;
    let row: Option<StatusRow> = sqlx::query_as(&format!(
        "select {STATUS_COLUMNS} from ticket_statuses where tenant_id = $1 and kind = $2 \
         order by (system_key is null), (not active), position, id limit 1"
    ))
    .bind(tenant)
    .bind(kind.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(status).ok_or_else(|| DomainError::NotFound { entity: "ticket status" }.into())
}

async fn clear_default(tx: &mut TenantTx, tenant: Uuid, except: Uuid) -> Result<()> {
    sqlx::query("update ticket_statuses set is_default = false, updated_at = now() where tenant_id = $1 and is_default and id <> $2")
        .bind(tenant)
        .bind(except)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Inserts a status; a default one replaces the previous default.
///
/// # Errors
/// ALREADY_EXISTS on `name`.
pub async fn insert_status(tx: &mut TenantTx, tenant: Uuid, f: &StatusFields) -> Result<StatusDef> {
    ensure_statuses(tx, tenant).await?;
    let id = Uuid::now_v7();
    if f.is_default {
        clear_default(tx, tenant, id).await?;
    }
    let row: std::result::Result<StatusRow, sqlx::Error> = sqlx::query_as(&format!(
        "insert into ticket_statuses (id, tenant_id, name, colour, position, kind, closed, pauses_sla, is_default, active) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning {STATUS_COLUMNS}"
    ))
    .bind(id)
    .bind(tenant)
    .bind(&f.name)
    .bind(&f.colour)
    .bind(f.position)
    .bind(f.kind.as_str())
    .bind(f.closed)
    .bind(f.pauses_sla)
    .bind(f.is_default)
    .bind(f.active)
    .fetch_one(&mut **tx)
    .await;
    row.map(status).map_err(|e| status_taken(e.into()))
}

/// Replaces a status's fields; a default one replaces the previous default.
///
/// # Errors
/// NOT_FOUND; ALREADY_EXISTS on `name`.
pub async fn update_status(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &StatusFields) -> Result<StatusDef> {
    if f.is_default {
        clear_default(tx, tenant, id).await?;
    }
    let row: std::result::Result<Option<StatusRow>, sqlx::Error> = sqlx::query_as(&format!(
        "update ticket_statuses set name = $3, colour = $4, position = $5, kind = $6, closed = $7, pauses_sla = $8, \
         is_default = $9, active = $10, updated_at = now() where tenant_id = $1 and id = $2 returning {STATUS_COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&f.name)
    .bind(&f.colour)
    .bind(f.position)
    .bind(f.kind.as_str())
    .bind(f.closed)
    .bind(f.pauses_sla)
    .bind(f.is_default)
    .bind(f.active)
    .fetch_optional(&mut **tx)
    .await;
    row.map_err(|e| status_taken(e.into()))?
        .map(status)
        .ok_or_else(|| DomainError::NotFound { entity: "ticket status" }.into())
}

/// Whether tickets of the tenant are in status `id`.
pub async fn status_in_use(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar("select exists (select 1 from tickets where tenant_id = $1 and status_id = $2)")
        .bind(tenant)
        .bind(id)
        .fetch_one(&mut **tx)
        .await?)
}

// ---- priorities ----

/// The four levels with the tenant's display settings, by position.
pub async fn list_priorities(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<PriorityDef>> {
    let rows: Vec<(String, String, String, i32)> =
        sqlx::query_as("select level, name, colour, position from ticket_priorities where tenant_id = $1")
            .bind(tenant)
            .fetch_all(&mut **tx)
            .await?;
    let mut out: Vec<PriorityDef> =
        [TicketPriority::Low, TicketPriority::Medium, TicketPriority::High, TicketPriority::Critical]
            .into_iter()
            .map(|level| {
                rows.iter()
                    .find(|r| r.0 == level.as_str())
                    .map(|r| PriorityDef { level, name: r.1.clone(), colour: r.2.clone(), position: r.3 })
                    .unwrap_or_else(|| PriorityDef::built_in(level))
            })
            .collect();
    out.sort_by_key(|p| p.position);
    Ok(out)
}

/// Stores a level's display settings.
pub async fn upsert_priority(tx: &mut TenantTx, tenant: Uuid, p: &PriorityDef) -> Result<()> {
    sqlx::query(
        "insert into ticket_priorities (tenant_id, level, name, colour, position) values ($1, $2, $3, $4, $5) \
         on conflict (tenant_id, level) do update set name = excluded.name, colour = excluded.colour, \
         position = excluded.position, updated_at = now()",
    )
    .bind(tenant)
    .bind(p.level.as_str())
    .bind(&p.name)
    .bind(&p.colour)
    .bind(p.position)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ---- queues, types, categories ----

type ItemRow = (Uuid, String, String, Option<Uuid>, bool, DateTime<Utc>, DateTime<Utc>);

fn link_column(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Queue => "default_team_id",
        ItemKind::Type => "null::uuid",
        ItemKind::Category => "parent_id",
    }
}

fn item(r: ItemRow) -> Item {
    Item {
        id: r.0,
        fields: ItemFields { name: r.1, description: r.2, link: r.3, active: r.4 },
        created_at: r.5,
        updated_at: r.6,
    }
}

fn item_taken(kind: ItemKind, e: Error) -> Error {
    let index = format!("{}_name", kind.table());
    if e.is_unique_violation(&index) {
        DomainError::AlreadyExists { entity: kind.entity(), field: "name" }.into()
    } else {
        e
    }
}

fn item_select(kind: ItemKind) -> String {
    format!(
        "select id, name, description, {} as link, active, created_at, updated_at from {}",
        link_column(kind),
        kind.table()
    )
}

/// The tenant's queues, types or categories by name.
pub async fn list_items(tx: &mut TenantTx, tenant: Uuid, kind: ItemKind) -> Result<Vec<Item>> {
    let rows: Vec<ItemRow> =
        sqlx::query_as(&format!("{} where tenant_id = $1 order by lower(name), id", item_select(kind)))
            .bind(tenant)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.into_iter().map(item).collect())
}

/// The item `id` of `kind`.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn get_item(tx: &mut TenantTx, tenant: Uuid, kind: ItemKind, id: Uuid) -> Result<Item> {
    let row: Option<ItemRow> = sqlx::query_as(&format!("{} where tenant_id = $1 and id = $2", item_select(kind)))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(item).ok_or_else(|| DomainError::NotFound { entity: kind.entity() }.into())
}

/// Inserts a queue, type or category.
///
/// # Errors
/// ALREADY_EXISTS on `name`.
pub async fn insert_item(tx: &mut TenantTx, tenant: Uuid, kind: ItemKind, f: &ItemFields) -> Result<Item> {
    let id = Uuid::now_v7();
    let sql = match kind {
        ItemKind::Type => {
            "insert into ticket_types (id, tenant_id, name, description, active) values ($1, $2, $3, $4, $6)".to_owned()
        }
        _ => format!(
            "insert into {} (id, tenant_id, name, description, {}, active) values ($1, $2, $3, $4, $5, $6)",
            kind.table(),
            link_column(kind)
        ),
    };
    let mut q = sqlx::query(&sql).bind(id).bind(tenant).bind(&f.name).bind(&f.description);
    if kind != ItemKind::Type {
        q = q.bind(f.link);
    } else {
        q = q.bind(Option::<Uuid>::None);
    }
    q.bind(f.active).execute(&mut **tx).await.map_err(|e| item_taken(kind, e.into()))?;
    get_item(tx, tenant, kind, id).await
}

/// Replaces a queue's, type's or category's fields.
///
/// # Errors
/// NOT_FOUND; ALREADY_EXISTS on `name`.
pub async fn update_item(tx: &mut TenantTx, tenant: Uuid, kind: ItemKind, id: Uuid, f: &ItemFields) -> Result<Item> {
    let sql = match kind {
        ItemKind::Type => "update ticket_types set name = $3, description = $4, active = $6, updated_at = now() \
             where tenant_id = $1 and id = $2 and $5::uuid is null"
            .to_owned(),
        _ => format!(
            "update {} set name = $3, description = $4, {} = $5, active = $6, updated_at = now() where tenant_id = $1 and id = $2",
            kind.table(),
            link_column(kind)
        ),
    };
    let link = if kind == ItemKind::Type { None } else { f.link };
    let done = sqlx::query(&sql)
        .bind(tenant)
        .bind(id)
        .bind(&f.name)
        .bind(&f.description)
        .bind(link)
        .bind(f.active)
        .execute(&mut **tx)
        .await
        .map_err(|e| item_taken(kind, e.into()))?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound { entity: kind.entity() }.into());
    }
    get_item(tx, tenant, kind, id).await
}

/// Every category's parent (for the cycle check).
pub async fn category_parents(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<(Uuid, Option<Uuid>)>> {
    Ok(sqlx::query_as("select id, parent_id from ticket_categories where tenant_id = $1")
        .bind(tenant)
        .fetch_all(&mut **tx)
        .await?)
}

// ---- teams ----

type TeamRow = (Uuid, String, String, Vec<Uuid>, Option<Uuid>, bool, DateTime<Utc>, DateTime<Utc>);
const TEAM_COLUMNS: &str = "id, name, description, member_ids, lead_id, active, created_at, updated_at";

fn team(r: TeamRow) -> Team {
    Team {
        id: r.0,
        fields: TeamFields { name: r.1, description: r.2, member_ids: r.3, lead_id: r.4, active: r.5 },
        created_at: r.6,
        updated_at: r.7,
    }
}

fn team_taken(e: Error) -> Error {
    if e.is_unique_violation("teams_name") {
        DomainError::AlreadyExists { entity: "team", field: "name" }.into()
    } else {
        e
    }
}

/// The tenant's teams by name.
pub async fn list_teams(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<Team>> {
    let rows: Vec<TeamRow> =
        sqlx::query_as(&format!("select {TEAM_COLUMNS} from teams where tenant_id = $1 order by lower(name), id"))
            .bind(tenant)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.into_iter().map(team).collect())
}

/// The team `id`.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn get_team(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Team> {
    let row: Option<TeamRow> =
        sqlx::query_as(&format!("select {TEAM_COLUMNS} from teams where tenant_id = $1 and id = $2"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    row.map(team).ok_or_else(|| DomainError::NotFound { entity: "team" }.into())
}

/// Inserts a team.
///
/// # Errors
/// ALREADY_EXISTS on `name`.
pub async fn insert_team(tx: &mut TenantTx, tenant: Uuid, f: &TeamFields) -> Result<Team> {
    let row: std::result::Result<TeamRow, sqlx::Error> = sqlx::query_as(&format!(
        "insert into teams (id, tenant_id, name, description, member_ids, lead_id, active) \
         values ($1, $2, $3, $4, $5, $6, $7) returning {TEAM_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(&f.name)
    .bind(&f.description)
    .bind(&f.member_ids)
    .bind(f.lead_id)
    .bind(f.active)
    .fetch_one(&mut **tx)
    .await;
    row.map(team).map_err(|e| team_taken(e.into()))
}

/// Replaces a team's fields.
///
/// # Errors
/// NOT_FOUND; ALREADY_EXISTS on `name`.
pub async fn update_team(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &TeamFields) -> Result<Team> {
    let row: std::result::Result<Option<TeamRow>, sqlx::Error> = sqlx::query_as(&format!(
        "update teams set name = $3, description = $4, member_ids = $5, lead_id = $6, active = $7, updated_at = now() \
         where tenant_id = $1 and id = $2 returning {TEAM_COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&f.name)
    .bind(&f.description)
    .bind(&f.member_ids)
    .bind(f.lead_id)
    .bind(f.active)
    .fetch_optional(&mut **tx)
    .await;
    row.map_err(|e| team_taken(e.into()))?.map(team).ok_or_else(|| DomainError::NotFound { entity: "team" }.into())
}

// ---- custom fields ----

type FieldRow = (Uuid, String, String, String, bool, Vec<String>, i32, bool, DateTime<Utc>, DateTime<Utc>);
const FIELD_COLUMNS: &str = "id, key, label, field_type, required, options, position, active, created_at, updated_at";

fn field(r: FieldRow) -> CustomFieldDef {
    CustomFieldDef {
        id: r.0,
        fields: CustomFieldFields {
            key: r.1,
            label: r.2,
            field_type: CustomFieldType::parse(&r.3).unwrap_or(CustomFieldType::Text),
            required: r.4,
            options: r.5,
            position: r.6,
            active: r.7,
        },
        created_at: r.8,
        updated_at: r.9,
    }
}

/// The tenant's ticket custom-field definitions by position, then label.
pub async fn list_fields(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<CustomFieldDef>> {
    let rows: Vec<FieldRow> = sqlx::query_as(&format!(
        "select {FIELD_COLUMNS} from ticket_custom_fields where tenant_id = $1 order by position, lower(label), id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(field).collect())
}

/// The definition `id`.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn get_field(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<CustomFieldDef> {
    let row: Option<FieldRow> =
        sqlx::query_as(&format!("select {FIELD_COLUMNS} from ticket_custom_fields where tenant_id = $1 and id = $2"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    row.map(field).ok_or_else(|| DomainError::NotFound { entity: "custom field" }.into())
}

/// Inserts a definition.
///
/// # Errors
/// ALREADY_EXISTS on `key`.
pub async fn insert_field(tx: &mut TenantTx, tenant: Uuid, f: &CustomFieldFields) -> Result<CustomFieldDef> {
    let row: std::result::Result<FieldRow, sqlx::Error> = sqlx::query_as(&format!(
        "insert into ticket_custom_fields (id, tenant_id, key, label, field_type, required, options, position, active) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning {FIELD_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(&f.key)
    .bind(&f.label)
    .bind(f.field_type.as_str())
    .bind(f.required)
    .bind(&f.options)
    .bind(f.position)
    .bind(f.active)
    .fetch_one(&mut **tx)
    .await;
    row.map(field).map_err(|e| {
        let e: Error = e.into();
        if e.is_unique_violation("ticket_custom_fields_tenant_id_key_key") {
            DomainError::AlreadyExists { entity: "custom field", field: "key" }.into()
        } else {
            e
        }
    })
}

/// Replaces a definition's label, required flag, options, position and active flag.
///
/// # Errors
/// NOT_FOUND.
pub async fn update_field(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &CustomFieldFields) -> Result<CustomFieldDef> {
    let row: Option<FieldRow> = sqlx::query_as(&format!(
        "update ticket_custom_fields set label = $3, required = $4, options = $5, position = $6, active = $7, \
         updated_at = now() where tenant_id = $1 and id = $2 returning {FIELD_COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&f.label)
    .bind(f.required)
    .bind(&f.options)
    .bind(f.position)
    .bind(f.active)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(field).ok_or_else(|| DomainError::NotFound { entity: "custom field" }.into())
}

// ---- contract SLA selection ----

/// The policy selected for `contract`, if any.
pub async fn contract_policy(tx: &mut TenantTx, tenant: Uuid, contract: Uuid) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar("select policy_id from contract_sla_policies where tenant_id = $1 and contract_id = $2")
        .bind(tenant)
        .bind(contract)
        .fetch_optional(&mut **tx)
        .await?)
}

/// Selects `policy` for `contract` (`None` removes the selection).
pub async fn set_contract_policy(tx: &mut TenantTx, tenant: Uuid, contract: Uuid, policy: Option<Uuid>) -> Result<()> {
    match policy {
        Some(p) => {
            sqlx::query(
                "insert into contract_sla_policies (tenant_id, contract_id, policy_id) values ($1, $2, $3) \
                 on conflict (tenant_id, contract_id) do update set policy_id = excluded.policy_id",
            )
            .bind(tenant)
            .bind(contract)
            .bind(p)
            .execute(&mut **tx)
            .await?;
        }
        None => {
            sqlx::query("delete from contract_sla_policies where tenant_id = $1 and contract_id = $2")
                .bind(tenant)
                .bind(contract)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}
