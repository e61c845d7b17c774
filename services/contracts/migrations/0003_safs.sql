-- Service activation forms (seed 000 "Tracking of Service Activation Form (SAF) details",
-- seed 001 ServiceScope saf* fields, seed 002 SAF CSV template): one signed authorisation to
-- start a contract's service scope. Money is numeric with an ISO 4217 currency code.

-- Last generated SAF number per tenant (SAF-000001, SAF-000002, …).
create table saf_counters (
    tenant_id uuid primary key,
    last      bigint not null
);

create table safs (
    id               uuid primary key,
    tenant_id        uuid not null,
    number           text not null check (length(number) between 1 and 50),
    title            text not null check (length(title) between 1 and 200),
    description      text not null default '',
    document_url     text not null default '',
    contract_id      uuid not null,
    company_id       uuid not null,
    service_scope_id uuid,
    start_date       date,
    end_date         date,
    value            numeric(18, 4) not null default 0 check (value >= 0),
    currency         text not null check (currency ~ '^[A-Z]{3}$'),
    status           text not null default 'draft' check (status in ('draft', 'sent', 'signed', 'active', 'expired')),
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    unique (tenant_id, id),
    check (end_date is null or start_date is null or end_date >= start_date),
    foreign key (tenant_id, contract_id) references contracts (tenant_id, id)
);
create unique index safs_number_per_tenant on safs (tenant_id, lower(number));
create index safs_created on safs (tenant_id, created_at, id);
create index safs_contract on safs (tenant_id, contract_id);

select enable_tenant_rls('saf_counters');
select enable_tenant_rls('safs');
