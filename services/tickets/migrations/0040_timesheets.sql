-- Weekly timesheets (PRD §3.5): one row per user and ISO week (keyed by its Monday) once the
-- week is touched by an entry write or an action. Submitted and approved weeks lock their
-- entries; the row lock taken by every entry write serialises entry changes with submission.

create table timesheets (
    tenant_id        uuid not null,
    user_id          uuid not null,
    week_start       date not null check (extract(isodow from week_start) = 1),
    status           text not null default 'open' check (status in ('open', 'submitted', 'approved', 'rejected')),
    submitted_at     timestamptz,
    decided_by       uuid,
    decided_at       timestamptz,
    rejection_reason text not null default '' check (length(rejection_reason) <= 2000),
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    primary key (tenant_id, user_id, week_start)
);
create index timesheets_status on timesheets (tenant_id, status, week_start);

select enable_tenant_rls('timesheets');
