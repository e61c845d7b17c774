-- Ticket templates (prefilled new tickets) and canned responses (note bodies with
-- placeholders such as {{ ticket.number }}), PRD §3.4, issue 4.

create table ticket_templates (
    id          uuid primary key,
    tenant_id   uuid not null,
    name        text not null check (length(name) between 1 and 100),
    title       text not null check (length(title) between 1 and 255),
    description text not null default '',
    priority    text check (priority in ('low', 'medium', 'high', 'critical')),
    queue_id    uuid,
    type_id     uuid,
    category_id uuid,
    team_id     uuid,
    tags        text[] not null default '{}',
    active      boolean not null default true,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, id),
    foreign key (tenant_id, queue_id) references ticket_queues (tenant_id, id),
    foreign key (tenant_id, type_id) references ticket_types (tenant_id, id),
    foreign key (tenant_id, category_id) references ticket_categories (tenant_id, id),
    foreign key (tenant_id, team_id) references teams (tenant_id, id)
);
create unique index ticket_templates_name on ticket_templates (tenant_id, lower(name));

create table canned_responses (
    id         uuid primary key,
    tenant_id  uuid not null,
    name       text not null check (length(name) between 1 and 100),
    body       text not null check (length(body) between 1 and 65536),
    active     boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (tenant_id, id)
);
create unique index canned_responses_name on canned_responses (tenant_id, lower(name));

select enable_tenant_rls('ticket_templates');
select enable_tenant_rls('canned_responses');
select enable_audit('ticket_templates');
select enable_audit('canned_responses');
