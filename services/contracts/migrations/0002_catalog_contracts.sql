-- Service catalog with versioned scope definition templates, contracts and service scopes
-- (PRD §3.8, seed 000 "Dynamic Service Catalog & Scope Definition", seed 001 Service, Contract,
-- ServiceScope). Money is numeric with an ISO 4217 currency code.

create table services (
    id             uuid primary key,
    tenant_id      uuid not null,
    name           text not null check (length(name) between 1 and 200),
    category       text not null default '',
    description    text not null default '',
    delivery_model text not null check (delivery_model in ('serverless', 'on_prem_engineer', 'hybrid', 'managed_service', 'remote', 'professional_services')),
    base_price     numeric(18, 4) not null check (base_price >= 0),
    currency       text not null check (currency ~ '^[A-Z]{3}$'),
    pricing_unit   text not null check (pricing_unit in ('monthly', 'annually', 'per_endpoint', 'per_user', 'per_device', 'hourly', 'one_time')),
    active         boolean not null default true,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    unique (tenant_id, id)
);
create unique index services_name_per_tenant on services (tenant_id, lower(name));

-- Append-only: editing a template inserts the next version.
create table scope_templates (
    tenant_id  uuid not null,
    service_id uuid not null,
    version    integer not null check (version >= 1),
    schema     jsonb not null check (jsonb_typeof(schema) = 'object'),
    created_by uuid,
    created_at timestamptz not null default now(),
    primary key (tenant_id, service_id, version),
    foreign key (tenant_id, service_id) references services (tenant_id, id)
);

-- Last generated contract number per tenant (C-000001, C-000002, …).
create table contract_counters (
    tenant_id uuid primary key,
    last      bigint not null
);

create table contracts (
    id                   uuid primary key,
    tenant_id            uuid not null,
    number               text not null check (length(number) between 1 and 50),
    name                 text not null check (length(name) between 1 and 200),
    company_id           uuid not null,
    contract_type        text not null check (contract_type in ('msa', 'sow', 'managed_services', 'block_hours', 'time_and_materials', 'fixed_price', 'warranty')),
    status               text not null default 'draft' check (status in ('draft', 'active', 'expired', 'cancelled', 'renewed')),
    start_date           date not null,
    end_date             date,
    renewal_date         date,
    auto_renew           boolean not null default false,
    renewal_term_months  integer not null default 12 check (renewal_term_months between 1 and 120),
    renewal_terms        text not null default '',
    billing_cycle        text not null default 'monthly' check (billing_cycle in ('monthly', 'quarterly', 'semi_annually', 'annually', 'one_time')),
    billing_amount       numeric(18, 4) not null default 0 check (billing_amount >= 0),
    value                numeric(18, 4) not null default 0 check (value >= 0),
    currency             text not null check (currency ~ '^[A-Z]{3}$'),
    signed_date          date,
    signer_contact_id    uuid,
    previous_contract_id uuid,
    description          text not null default '',
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    unique (tenant_id, id),
    check (end_date is null or end_date >= start_date),
    foreign key (tenant_id, company_id) references companies (tenant_id, id),
    foreign key (tenant_id, previous_contract_id) references contracts (tenant_id, id)
);
create unique index contracts_number_per_tenant on contracts (tenant_id, lower(number));
create index contracts_company on contracts (tenant_id, company_id);
create index contracts_created on contracts (tenant_id, created_at, id);

create table service_scopes (
    id               uuid primary key,
    tenant_id        uuid not null,
    contract_id      uuid not null,
    company_id       uuid not null,
    service_id       uuid not null,
    quantity         numeric(18, 4) not null check (quantity > 0),
    unit             text not null check (unit in ('monthly', 'annually', 'per_endpoint', 'per_user', 'per_device', 'hourly', 'one_time')),
    unit_price       numeric(18, 4) not null check (unit_price >= 0),
    scope_details    jsonb not null default '{}'::jsonb check (jsonb_typeof(scope_details) = 'object'),
    -- Template version the details were validated against; 0 when the service had none.
    template_version integer not null default 0,
    status           text not null default 'pending' check (status in ('pending', 'active', 'on_hold', 'completed')),
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    foreign key (tenant_id, contract_id) references contracts (tenant_id, id),
    foreign key (tenant_id, service_id) references services (tenant_id, id)
);
create index service_scopes_contract on service_scopes (tenant_id, contract_id, created_at, id);

select enable_tenant_rls('services');
select enable_tenant_rls('scope_templates');
select enable_tenant_rls('contract_counters');
select enable_tenant_rls('contracts');
select enable_tenant_rls('service_scopes');
