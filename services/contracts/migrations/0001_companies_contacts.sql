-- Client companies and contacts (PRD §3.3.2, seed 001), tenant-owned with RLS.

create table companies (
    id            uuid primary key,
    tenant_id     uuid not null,
    name          text not null check (length(name) between 1 and 200),
    company_type  text not null default 'client' check (company_type in ('client', 'prospect', 'vendor', 'partner')),
    status        text not null default 'active' check (status in ('prospect', 'active', 'inactive', 'archived')),
    industry      text not null default '',
    company_size  text check (company_size in ('small', 'medium', 'large', 'enterprise')),
    source        text not null default '',
    website       text not null default '',
    phone         text not null default '',
    email         text not null default '',
    address       jsonb not null default '{}'::jsonb,
    notes         text not null default '',
    tags          text[] not null default '{}',
    custom_fields jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_fields) = 'object'),
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    unique (tenant_id, id)
);
create unique index companies_name_per_tenant on companies (tenant_id, lower(name));
create index companies_created on companies (tenant_id, created_at, id);

create table contacts (
    id           uuid primary key,
    tenant_id    uuid not null,
    company_id   uuid not null,
    first_name   text not null check (length(first_name) between 1 and 100),
    last_name    text not null default '' check (length(last_name) <= 100),
    email        text not null default '',
    phone        text not null default '',
    title        text not null default '',
    contact_type text not null default 'other' check (contact_type in ('primary', 'technical', 'billing', 'other')),
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    foreign key (tenant_id, company_id) references companies (tenant_id, id)
);
create index contacts_company on contacts (tenant_id, company_id);
create index contacts_email on contacts (tenant_id, lower(email));

-- Row-level security with the standard tenant policy (psa-kit creates enable_tenant_rls).
select enable_tenant_rls('companies');
select enable_tenant_rls('contacts');
