-- Proposals with their version history, rate cards and block-hour balances (PRD §3.8, seed 000
-- "Proposal management", seed 001 Proposal). Money is numeric with an ISO 4217 currency code;
-- hours are numeric hours (2 decimal places).

create table proposals (
    id               uuid primary key,
    tenant_id        uuid not null,
    title            text not null check (length(title) between 1 and 200),
    description      text not null default '',
    proposal_type    text not null check (proposal_type in ('technical', 'financial')),
    status           text not null default 'draft' check (status in ('draft', 'submitted', 'accepted', 'rejected', 'expired')),
    company_id       uuid not null,
    contract_id      uuid,
    service_scope_id uuid,
    value            numeric(18, 4) not null default 0 check (value >= 0),
    currency         text not null check (currency ~ '^[A-Z]{3}$'),
    valid_until      date,
    -- Identity user id of the staff member responsible.
    assignee_id      uuid,
    -- Current version (1, 2, …); every revision of the content inserts a proposal_versions row.
    version          integer not null default 1 check (version >= 1),
    decision_reason  text not null default '',
    decided_at       timestamptz,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    unique (tenant_id, id),
    foreign key (tenant_id, company_id) references companies (tenant_id, id),
    foreign key (tenant_id, contract_id) references contracts (tenant_id, id)
);
create index proposals_created on proposals (tenant_id, created_at, id);
create index proposals_company on proposals (tenant_id, company_id);
create index proposals_due on proposals (tenant_id, valid_until) where status = 'submitted';

-- Append-only history: the content of each version as it was written.
create table proposal_versions (
    tenant_id    uuid not null,
    proposal_id  uuid not null,
    version      integer not null check (version >= 1),
    title        text not null,
    description  text not null,
    value        numeric(18, 4) not null,
    currency     text not null,
    valid_until  date,
    author_id    uuid not null,
    created_at   timestamptz not null default now(),
    primary key (tenant_id, proposal_id, version),
    foreign key (tenant_id, proposal_id) references proposals (tenant_id, id)
);

-- Rate cards: the tenant default (no company, no contract), one per company, one per contract.
-- Lines (work type → hourly, after-hours, emergency rates) are a jsonb array validated in code.
create table rate_cards (
    id          uuid primary key,
    tenant_id   uuid not null,
    name        text not null check (length(name) between 1 and 200),
    company_id  uuid,
    contract_id uuid,
    currency    text not null check (currency ~ '^[A-Z]{3}$'),
    lines       jsonb not null default '[]'::jsonb check (jsonb_typeof(lines) = 'array'),
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    foreign key (tenant_id, company_id) references companies (tenant_id, id),
    foreign key (tenant_id, contract_id) references contracts (tenant_id, id)
);
create unique index rate_cards_one_default on rate_cards (tenant_id) where company_id is null and contract_id is null;
create unique index rate_cards_one_per_company on rate_cards (tenant_id, company_id) where company_id is not null and contract_id is null;
create unique index rate_cards_one_per_contract on rate_cards (tenant_id, contract_id) where contract_id is not null;
create index rate_cards_created on rate_cards (tenant_id, created_at, id);

-- Block-hour policy of a contract: hours included per period and the rollover rule.
create table hour_balance_policies (
    tenant_id            uuid not null,
    contract_id          uuid not null,
    included_hours       numeric(10, 2) not null check (included_hours >= 0),
    period               text not null check (period in ('monthly', 'quarterly', 'annually')),
    rollover_allowed     boolean not null default false,
    -- Most hours carried into the next period; null: no cap.
    rollover_cap_hours   numeric(10, 2) check (rollover_cap_hours >= 0),
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    primary key (tenant_id, contract_id),
    foreign key (tenant_id, contract_id) references contracts (tenant_id, id)
);

-- Hours drawn from a contract's balance: one row per approved time entry (tickets'
-- TimeEntryApproved), unique per entry so a replayed event never draws twice.
create table hour_usages (
    id            uuid primary key,
    tenant_id     uuid not null,
    contract_id   uuid not null,
    time_entry_id uuid not null,
    work_date     date not null,
    hours         numeric(10, 2) not null check (hours >= 0),
    user_id       uuid,
    created_at    timestamptz not null default now(),
    foreign key (tenant_id, contract_id) references contracts (tenant_id, id)
);
create unique index hour_usages_entry on hour_usages (tenant_id, time_entry_id);
create index hour_usages_contract on hour_usages (tenant_id, contract_id, work_date);

select enable_tenant_rls('proposals');
select enable_tenant_rls('proposal_versions');
select enable_tenant_rls('rate_cards');
select enable_tenant_rls('hour_balance_policies');
select enable_tenant_rls('hour_usages');

select enable_audit('proposals');
select exempt_from_audit('proposal_versions', 'append-only history; each version is written with an audited proposals change');
select enable_audit('rate_cards');
select enable_audit('hour_balance_policies', id_column => 'contract_id');
select enable_audit('hour_usages');
