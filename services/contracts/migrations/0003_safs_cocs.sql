-- Service activation forms (seed 000 "Tracking of Service Activation Form (SAF) details",
-- seed 001 ServiceScope saf* fields, seed 002 SAF template): one authorisation to start a
-- contract's service scope; and certificates of compliance (seed 002 COC template), each linked
-- to a SAF or a scope. Money is numeric with an ISO 4217 currency code.

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

-- Last generated COC number per tenant (COC-000001, …).
create table coc_counters (
    tenant_id uuid primary key,
    last      bigint not null
);

create table cocs (
    id               uuid primary key,
    tenant_id        uuid not null,
    number           text not null check (length(number) between 1 and 50),
    title            text not null check (length(title) between 1 and 200),
    description      text not null default '',
    coc_type         text not null check (coc_type in ('soc2', 'iso27001', 'hipaa', 'pci_dss', 'gdpr', 'nist_csf', 'other')),
    status           text not null default 'draft' check (status in ('draft', 'active', 'expired', 'revoked')),
    issue_date       date,
    expiry_date      date,
    audit_date       date,
    next_audit_date  date,
    company_id       uuid not null,
    contract_id      uuid not null,
    saf_id           uuid,
    service_scope_id uuid,
    document_url     text not null default '',
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    unique (tenant_id, id),
    check (saf_id is not null or service_scope_id is not null),
    check (expiry_date is null or issue_date is null or expiry_date >= issue_date),
    check (next_audit_date is null or audit_date is null or next_audit_date >= audit_date),
    foreign key (tenant_id, contract_id) references contracts (tenant_id, id),
    foreign key (tenant_id, saf_id) references safs (tenant_id, id)
);
create unique index cocs_number_per_tenant on cocs (tenant_id, lower(number));
create index cocs_created on cocs (tenant_id, created_at, id);

select enable_tenant_rls('coc_counters');
select enable_tenant_rls('cocs');

-- Expiry alerts (issue #3): `ContractExpiring` 90/60/30 days before a contract's end date and
-- `ContractExpired` on it, the same for COCs' expiry dates. Announced alerts; the unique key
-- (per subject, watched date and threshold; 0 = expired) makes every alert exactly-once,
-- even with several replicas, because it is written in the transaction that enqueues the event.
create table expiry_alerts (
    tenant_id      uuid not null,
    subject_kind   text not null check (subject_kind in ('contract', 'coc')),
    subject_id     uuid not null,
    watched_date   date not null,
    threshold_days smallint not null check (threshold_days in (0, 30, 60, 90)),
    emitted_at     timestamptz not null default now(),
    primary key (tenant_id, subject_kind, subject_id, watched_date, threshold_days)
);
select enable_tenant_rls('expiry_alerts');

-- Tenants that have (had) a contract end date or COC expiry date: the expiry job visits only
-- these. Infrastructure read across tenants by the job (like the outbox), hence no RLS; filled
-- by triggers so no write path can forget it.
create table expiry_tenants (
    tenant_id uuid primary key
);

create function note_expiry_tenant() returns trigger language plpgsql as $$
begin
    insert into expiry_tenants (tenant_id) values (new.tenant_id) on conflict do nothing;
    return new;
end $$;

create trigger contracts_expiry_tenant after insert or update of end_date on contracts
    for each row when (new.end_date is not null) execute function note_expiry_tenant();
create trigger cocs_expiry_tenant after insert or update of expiry_date on cocs
    for each row when (new.expiry_date is not null) execute function note_expiry_tenant();
