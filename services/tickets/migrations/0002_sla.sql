-- SLA management (PRD §3.9): holiday calendars, business-hours calendars, policies with
-- per-priority targets, company → policy assignments, the recorded ticket history the clocks
-- are computed from, each ticket's SLA state, pending threshold timers and emitted events.

create table holiday_calendars (
    id         uuid primary key,
    tenant_id  uuid not null,
    name       text not null check (length(name) between 1 and 200),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (tenant_id, id)
);

create table holidays (
    tenant_id   uuid not null,
    calendar_id uuid not null,
    day         date not null,
    name        text not null default '',
    primary key (tenant_id, calendar_id, day),
    foreign key (tenant_id, calendar_id) references holiday_calendars (tenant_id, id) on delete cascade
);

create table business_hours (
    id                   uuid primary key,
    tenant_id            uuid not null,
    name                 text not null check (length(name) between 1 and 200),
    time_zone            text not null,
    -- seven arrays (Monday first) of {"start": minutes, "end": minutes} in local time
    schedule             jsonb not null,
    holiday_calendar_ids uuid[] not null default '{}',
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    unique (tenant_id, id)
);

create table sla_policies (
    id                 uuid primary key,
    tenant_id          uuid not null,
    name               text not null check (length(name) between 1 and 200),
    description        text not null default '',
    is_default         boolean not null default false,
    warning_thresholds smallint[] not null default '{75,90}',
    archived_at        timestamptz,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    unique (tenant_id, id)
);
create unique index sla_policies_one_default on sla_policies (tenant_id) where is_default and archived_at is null;

create table sla_targets (
    tenant_id                 uuid not null,
    policy_id                 uuid not null,
    priority                  text not null check (priority in ('low', 'medium', 'high', 'critical')),
    first_response_minutes    integer not null check (first_response_minutes between 1 and 525600),
    -- null: 24×7
    first_response_hours_id   uuid,
    resolution_minutes        integer not null check (resolution_minutes between 1 and 525600),
    resolution_hours_id       uuid,
    primary key (tenant_id, policy_id, priority),
    foreign key (tenant_id, policy_id) references sla_policies (tenant_id, id) on delete cascade,
    foreign key (tenant_id, first_response_hours_id) references business_hours (tenant_id, id),
    foreign key (tenant_id, resolution_hours_id) references business_hours (tenant_id, id)
);

create table company_sla_policies (
    tenant_id  uuid not null,
    company_id uuid not null,
    policy_id  uuid not null,
    primary key (tenant_id, company_id),
    foreign key (tenant_id, policy_id) references sla_policies (tenant_id, id)
);

-- When the first public note by a staff user was written (the first-response clock stops).
alter table tickets add column first_response_at timestamptz;

-- Every status a ticket has been in, from creation (the resolution clock's history).
create table ticket_status_changes (
    id         bigint generated always as identity primary key,
    tenant_id  uuid not null,
    ticket_id  uuid not null,
    status     text not null check (status in ('new', 'open', 'in_progress', 'waiting_on_client', 'resolved', 'closed')),
    changed_at timestamptz not null,
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id)
);
create index ticket_status_changes_ticket on ticket_status_changes (tenant_id, ticket_id, changed_at, id);
-- Tickets from before this migration start with their current status at creation.
insert into ticket_status_changes (tenant_id, ticket_id, status, changed_at)
    select tenant_id, id, status, created_at from tickets;

-- A ticket's SLA state as last computed (on every ticket change and when a timer fires).
create table ticket_sla (
    tenant_id            uuid not null,
    ticket_id            uuid not null,
    policy_id            uuid not null,
    first_response_due   timestamptz not null,
    first_response_at    timestamptz,
    first_response       text not null check (first_response in ('pending', 'met', 'breached')),
    resolution_due       timestamptz,
    resolved             boolean not null,
    paused               boolean not null,
    resolution           text not null check (resolution in ('pending', 'met', 'breached')),
    computed_at          timestamptz not null,
    primary key (tenant_id, ticket_id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id)
);

-- Thresholds still to be announced and when they fall due. Infrastructure read across
-- tenants by the SLA job (like the outbox), hence no RLS; every row carries its tenant.
create table sla_timers (
    tenant_id uuid not null,
    ticket_id uuid not null,
    clock     text not null check (clock in ('first_response', 'resolution')),
    -- percent of the target; 100 = breach
    threshold smallint not null check (threshold between 1 and 100),
    fire_at   timestamptz not null,
    primary key (tenant_id, ticket_id, clock, threshold)
);
create index sla_timers_due on sla_timers (fire_at);

-- Announced thresholds: the unique key makes every warning and breach exactly-once.
create table sla_emissions (
    tenant_id  uuid not null,
    ticket_id  uuid not null,
    clock      text not null check (clock in ('first_response', 'resolution')),
    threshold  smallint not null check (threshold between 1 and 100),
    event_id   uuid not null,
    emitted_at timestamptz not null default now(),
    primary key (tenant_id, ticket_id, clock, threshold)
);

select enable_tenant_rls('holiday_calendars');
select enable_tenant_rls('holidays');
select enable_tenant_rls('business_hours');
select enable_tenant_rls('sla_policies');
select enable_tenant_rls('sla_targets');
select enable_tenant_rls('company_sla_policies');
select enable_tenant_rls('ticket_status_changes');
select enable_tenant_rls('ticket_sla');
select enable_tenant_rls('sla_emissions');
