-- Client side of PRD §3.3 and seed 001: company hierarchy, the renewal status and its
-- history, business fields, sites, company notes, team assignments, contact merge and the
-- per-company activity timeline. Every new table is tenant-owned with RLS.

alter table companies drop constraint companies_status_check;
alter table companies add constraint companies_status_check
    check (status in ('prospect', 'active', 'renewal', 'inactive', 'archived'));
alter table companies
    add column parent_id              uuid,
    add column lead_score             smallint check (lead_score between 0 and 100),
    add column estimated_deal_value   numeric(18, 4) check (estimated_deal_value >= 0),
    add column deal_currency          text check (deal_currency ~ '^[A-Z]{3}$'),
    add column first_interaction_date date,
    add constraint companies_parent_fk foreign key (tenant_id, parent_id) references companies (tenant_id, id),
    add constraint companies_parent_not_self check (parent_id <> id),
    add constraint companies_deal_currency check ((estimated_deal_value is null) = (deal_currency is null));
create index companies_parent on companies (tenant_id, parent_id) where parent_id is not null;

-- Lifecycle status history: one row per change (the creation included, with from_status null).
create table company_status_changes (
    id          uuid primary key,
    tenant_id   uuid not null,
    company_id  uuid not null,
    from_status text,
    to_status   text not null,
    reason      text not null default '' check (length(reason) <= 1000),
    actor_id    uuid not null,
    changed_at  timestamptz not null default now(),
    foreign key (tenant_id, company_id) references companies (tenant_id, id)
);
create index company_status_changes_company on company_status_changes (tenant_id, company_id, changed_at, id);

-- Sites (locations). At most one primary per company, enforced here as well as in code.
create table sites (
    id          uuid primary key,
    tenant_id   uuid not null,
    company_id  uuid not null,
    name        text not null check (length(name) between 1 and 200),
    address     jsonb not null default '{}'::jsonb,
    phone       text not null default '',
    is_primary  boolean not null default false,
    time_zone   text not null default 'UTC',
    notes       text not null default '',
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    foreign key (tenant_id, company_id) references companies (tenant_id, id)
);
create unique index sites_one_primary on sites (tenant_id, company_id) where is_primary;
create unique index sites_name_per_company on sites (tenant_id, company_id, lower(name));
create index sites_created on sites (tenant_id, created_at, id);

-- Staff notes on a company (append-only).
create table company_notes (
    id          uuid primary key,
    tenant_id   uuid not null,
    company_id  uuid not null,
    body        text not null check (length(body) between 1 and 65536),
    author_id   uuid not null,
    created_at  timestamptz not null default now(),
    foreign key (tenant_id, company_id) references companies (tenant_id, id)
);
create index company_notes_company on company_notes (tenant_id, company_id, created_at, id);

-- Staff users assigned to a client with an engagement role (seed 001 ClientTeamAssignment).
-- user_id is an identity user id (identity owns users; the web client resolves names).
create table team_assignments (
    id          uuid primary key,
    tenant_id   uuid not null,
    company_id  uuid not null,
    user_id     uuid not null,
    role        text not null check (role in ('account_manager', 'lead_engineer', 'project_manager',
                                              'service_delivery_manager', 'backup_engineer', 'security_analyst')),
    created_by  uuid not null,
    created_at  timestamptz not null default now(),
    foreign key (tenant_id, company_id) references companies (tenant_id, id)
);
create unique index team_assignments_unique on team_assignments (tenant_id, company_id, user_id, role);
create index team_assignments_user on team_assignments (tenant_id, user_id);

-- Contact merge: the merged contact stays as a redirect to the one it was merged into.
create unique index contacts_tenant_id on contacts (tenant_id, id);
alter table contacts
    add column merged_into_id uuid,
    add column merged_at      timestamptz,
    add constraint contacts_merged_fk foreign key (tenant_id, merged_into_id) references contacts (tenant_id, id),
    add constraint contacts_merged_not_self check (merged_into_id <> id);

-- Per-company activity timeline: one row per event this service records about a company
-- (written in the same transaction as the outbox event).
create table company_activity (
    id          uuid primary key,
    tenant_id   uuid not null,
    company_id  uuid not null,
    kind        text not null,
    summary     text not null,
    actor_id    uuid not null,
    subject_id  uuid not null,
    occurred_at timestamptz not null default now()
);
create index company_activity_company on company_activity (tenant_id, company_id, occurred_at desc, id desc);

select enable_tenant_rls('company_status_changes');
select enable_tenant_rls('sites');
select enable_tenant_rls('company_notes');
select enable_tenant_rls('team_assignments');
select enable_tenant_rls('company_activity');

-- Audit capture (psa-kit): the client records are audited; the activity timeline is derived
-- from changes that are audited already.
select enable_audit('sites');
select enable_audit('company_notes');
select enable_audit('team_assignments');
select enable_audit('company_status_changes');
select exempt_from_audit('company_activity', 'derived timeline; every entry mirrors an audited change or event');
