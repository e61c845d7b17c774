-- Tickets, notes, per-tenant ticket numbers, and the company projection fed by contracts'
-- events (DESIGN.md §6). Tenant-owned with RLS.

create table companies (
    id                uuid not null,
    tenant_id         uuid not null,
    name              text not null,
    status            text not null,
    -- contracts' update_time of the snapshot applied, so late events never overwrite newer ones
    source_updated_at timestamptz not null,
    primary key (tenant_id, id)
);

create table ticket_counters (
    tenant_id   uuid primary key,
    last_number bigint not null
);

create table tickets (
    id          uuid primary key,
    tenant_id   uuid not null,
    number      bigint not null check (number > 0),
    title       text not null check (length(title) between 1 and 255),
    description text not null default '',
    status      text not null default 'new' check (status in ('new', 'open', 'in_progress', 'waiting_on_client', 'resolved', 'closed')),
    priority    text not null default 'medium' check (priority in ('low', 'medium', 'high', 'critical')),
    source      text not null default 'api' check (source in ('portal', 'email', 'phone', 'api', 'chat', 'rmm')),
    company_id  uuid not null,
    contact_id  uuid,
    assignee_id uuid,
    created_by  uuid not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    resolved_at timestamptz,
    closed_at   timestamptz,
    unique (tenant_id, number),
    unique (tenant_id, id)
);
create index tickets_created on tickets (tenant_id, created_at, id);
create index tickets_company on tickets (tenant_id, company_id);
create index tickets_status on tickets (tenant_id, status);

create table ticket_notes (
    id         uuid primary key,
    tenant_id  uuid not null,
    ticket_id  uuid not null,
    body       text not null check (length(body) between 1 and 65536),
    visibility text not null check (visibility in ('internal', 'public')),
    author_id  uuid not null,
    created_at timestamptz not null default now(),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id)
);
create index ticket_notes_ticket on ticket_notes (tenant_id, ticket_id, created_at, id);

-- Row-level security with the standard tenant policy (psa-kit creates enable_tenant_rls).
select enable_tenant_rls('companies');
select enable_tenant_rls('ticket_counters');
select enable_tenant_rls('tickets');
select enable_tenant_rls('ticket_notes');
