-- Time tracking (PRD §3.5): work types, the tenant's rounding rule, time entries (raw and
-- rounded minutes) and one running timer per user.

create table work_types (
    id           uuid primary key,
    tenant_id    uuid not null,
    name         text not null check (length(name) between 1 and 100),
    description  text not null default '',
    default_rate numeric(18, 4) not null default 0 check (default_rate >= 0),
    currency     text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
    billable     boolean not null default true,
    active       boolean not null default true,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    unique (tenant_id, id)
);
create unique index work_types_name on work_types (tenant_id, lower(name));

create table time_settings (
    tenant_id         uuid primary key,
    method            text not null check (method in ('none', 'up', 'down', 'nearest')),
    increment_minutes integer not null check (increment_minutes between 1 and 60),
    minimum_minutes   integer not null check (minimum_minutes between 0 and 1440),
    updated_at        timestamptz not null default now()
);

create table time_entries (
    id               uuid primary key,
    tenant_id        uuid not null,
    user_id          uuid not null,
    entry_date       date not null,
    start_time       time,
    end_time         time,
    duration_minutes integer not null check (duration_minutes between 1 and 1440),
    rounded_minutes  integer not null check (rounded_minutes between 0 and 1440),
    work_type_id     uuid not null,
    ticket_id        uuid,
    company_id       uuid,
    billable         boolean not null,
    notes            text not null default '',
    internal_notes   text not null default '',
    billing_status   text not null default 'unbilled' check (billing_status in ('unbilled', 'ready_to_bill', 'billed')),
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    check ((start_time is null) = (end_time is null)),
    foreign key (tenant_id, work_type_id) references work_types (tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id)
);
create index time_entries_user_date on time_entries (tenant_id, user_id, entry_date);
create index time_entries_ticket on time_entries (tenant_id, ticket_id) where ticket_id is not null;
create index time_entries_company on time_entries (tenant_id, company_id) where company_id is not null;

create table running_timers (
    tenant_id    uuid not null,
    user_id      uuid not null,
    work_type_id uuid not null,
    ticket_id    uuid,
    notes        text not null default '',
    started_at   timestamptz not null default now(),
    -- one running timer per user
    primary key (tenant_id, user_id),
    foreign key (tenant_id, work_type_id) references work_types (tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id)
);

select enable_tenant_rls('work_types');
select enable_tenant_rls('time_settings');
select enable_tenant_rls('time_entries');
select enable_tenant_rls('running_timers');
