-- Service-desk configuration (PRD §3.4, issue 4): tenant-defined ticket statuses (each with a
-- base kind from the fixed six, and the flags `closed` and `pauses_sla` that the lifecycle and
-- the SLA resolution clock follow), priority display settings, queues, types, categories,
-- teams, ticket custom-field definitions and contract → SLA policy selection. Tickets gain
-- links to each, and to a contract, an asset and a project by id.

create table ticket_statuses (
    id         uuid primary key,
    tenant_id  uuid not null,
    name       text not null check (length(name) between 1 and 100),
    -- `#rrggbb`
    colour     text not null check (colour ~ '^#[0-9a-f]{6}$'),
    position   integer not null default 0,
    kind       text not null check (kind in ('new', 'open', 'in_progress', 'waiting_on_client', 'resolved', 'closed')),
    closed     boolean not null default false,
    pauses_sla boolean not null default false,
    is_default boolean not null default false,
    active     boolean not null default true,
    -- the kind for the six statuses seeded per tenant; null for the tenant's own
    system_key text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (tenant_id, id),
    unique (tenant_id, system_key),
    check (not (closed and pauses_sla)),
    check (not is_default or (active and not closed))
);
create unique index ticket_statuses_name on ticket_statuses (tenant_id, lower(name));
create unique index ticket_statuses_one_default on ticket_statuses (tenant_id) where is_default;

-- Display settings of the four fixed priority levels (SLA targets stay per level); a level
-- without a row shows its built-in name and colour.
create table ticket_priorities (
    tenant_id  uuid not null,
    level      text not null check (level in ('low', 'medium', 'high', 'critical')),
    name       text not null check (length(name) between 1 and 100),
    colour     text not null check (colour ~ '^#[0-9a-f]{6}$'),
    position   integer not null default 0,
    updated_at timestamptz not null default now(),
    primary key (tenant_id, level)
);

create table teams (
    id          uuid primary key,
    tenant_id   uuid not null,
    name        text not null check (length(name) between 1 and 100),
    description text not null default '',
    -- staff user ids (identity's users; not checked across services)
    member_ids  uuid[] not null default '{}',
    lead_id     uuid,
    active      boolean not null default true,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, id)
);
create unique index teams_name on teams (tenant_id, lower(name));

create table ticket_queues (
    id              uuid primary key,
    tenant_id       uuid not null,
    name            text not null check (length(name) between 1 and 100),
    description     text not null default '',
    default_team_id uuid,
    active          boolean not null default true,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    unique (tenant_id, id),
    foreign key (tenant_id, default_team_id) references teams (tenant_id, id)
);
create unique index ticket_queues_name on ticket_queues (tenant_id, lower(name));

create table ticket_types (
    id          uuid primary key,
    tenant_id   uuid not null,
    name        text not null check (length(name) between 1 and 100),
    description text not null default '',
    active      boolean not null default true,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, id)
);
create unique index ticket_types_name on ticket_types (tenant_id, lower(name));

create table ticket_categories (
    id          uuid primary key,
    tenant_id   uuid not null,
    name        text not null check (length(name) between 1 and 100),
    description text not null default '',
    parent_id   uuid,
    active      boolean not null default true,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, id),
    foreign key (tenant_id, parent_id) references ticket_categories (tenant_id, id),
    check (parent_id is distinct from id)
);
create unique index ticket_categories_name on ticket_categories (tenant_id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));

-- Admin-defined custom fields of tickets; values live in `tickets.custom_fields` by `key`.
create table ticket_custom_fields (
    id         uuid primary key,
    tenant_id  uuid not null,
    key        text not null check (key ~ '^[a-z][a-z0-9_]{0,49}$'),
    label      text not null check (length(label) between 1 and 100),
    field_type text not null check (field_type in ('text', 'number', 'date', 'boolean', 'select', 'multi_select')),
    required   boolean not null default false,
    options    text[] not null default '{}',
    position   integer not null default 0,
    active     boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (tenant_id, id),
    unique (tenant_id, key)
);

-- The SLA policy of a contract's tickets (before the company's and the tenant default).
create table contract_sla_policies (
    tenant_id   uuid not null,
    contract_id uuid not null,
    policy_id   uuid not null,
    primary key (tenant_id, contract_id),
    foreign key (tenant_id, policy_id) references sla_policies (tenant_id, id)
);

alter table tickets
    add column status_id     uuid,
    add column queue_id      uuid,
    add column type_id       uuid,
    add column category_id   uuid,
    add column team_id       uuid,
    add column contract_id   uuid,
    add column asset_id      uuid,
    add column project_id    uuid,
    add column custom_fields jsonb not null default '{}',
    add constraint tickets_status_fk foreign key (tenant_id, status_id) references ticket_statuses (tenant_id, id),
    add constraint tickets_queue_fk foreign key (tenant_id, queue_id) references ticket_queues (tenant_id, id),
    add constraint tickets_type_fk foreign key (tenant_id, type_id) references ticket_types (tenant_id, id),
    add constraint tickets_category_fk foreign key (tenant_id, category_id) references ticket_categories (tenant_id, id),
    add constraint tickets_team_fk foreign key (tenant_id, team_id) references teams (tenant_id, id);
create index tickets_queue on tickets (tenant_id, queue_id) where queue_id is not null;
create index tickets_contract on tickets (tenant_id, contract_id) where contract_id is not null;

-- The flags of the status a ticket entered, as they were then: un-flagging a status changes
-- later transitions, never recorded history. Null (older rows): derived from the kind.
alter table ticket_status_changes
    add column status_id  uuid,
    add column pauses_sla boolean,
    add column closed     boolean;

select enable_tenant_rls('ticket_statuses');
select enable_tenant_rls('ticket_priorities');
select enable_tenant_rls('teams');
select enable_tenant_rls('ticket_queues');
select enable_tenant_rls('ticket_types');
select enable_tenant_rls('ticket_categories');
select enable_tenant_rls('ticket_custom_fields');
select enable_tenant_rls('contract_sla_policies');
select enable_audit('ticket_statuses');
select enable_audit('ticket_priorities', id_column => 'level');
select enable_audit('teams');
select enable_audit('ticket_queues');
select enable_audit('ticket_types');
select enable_audit('ticket_categories');
select enable_audit('ticket_custom_fields');
select enable_audit('contract_sla_policies', id_column => 'contract_id');
