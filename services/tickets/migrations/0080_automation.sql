-- Ticket automation rules (PRD §3.4): rules with a trigger, conditions and ordered actions
-- (JSON documents checked by the service), their runs, and queued outbound work (webhook
-- calls, notification mails) delivered by a job after the run committed.

create table automation_rules (
    id                uuid primary key,
    tenant_id         uuid not null,
    name              text not null check (length(name) between 1 and 100),
    description       text not null default '',
    active            boolean not null default true,
    priority          integer not null default 0 check (priority between 0 and 10000),
    trigger           text not null check (trigger in ('ticket_created', 'ticket_updated', 'schedule', 'sla_warning', 'sla_breached', 'no_response')),
    schedule          text not null default '',
    time_zone         text not null default 'UTC',
    no_response_hours integer not null default 0 check (no_response_hours between 0 and 8760),
    -- the condition tree and the action list (see domain::automation); webhook secrets inside
    -- are sealed (AES-256-GCM, bound to tenant and rule) and never returned
    conditions        jsonb not null,
    actions           jsonb not null,
    created_by        uuid not null,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    archived_at       timestamptz,
    unique (tenant_id, id)
);
create index automation_rules_trigger on automation_rules (tenant_id, trigger, priority, name) where archived_at is null;

-- When schedule and no-response rules are next due (scheduling infrastructure like the
-- outbox: no RLS, every row carries its tenant). The lease keeps replicas from running one
-- rule at once.
create table automation_schedule (
    rule_id      uuid primary key,
    tenant_id    uuid not null,
    next_run_at  timestamptz not null,
    leased_until timestamptz
);
create index automation_schedule_due on automation_schedule (next_run_at);

create table automation_runs (
    id          uuid primary key,
    tenant_id   uuid not null,
    rule_id     uuid not null,
    ticket_id   uuid not null,
    trigger     text not null,
    -- the event id, or for schedule/no-response runs the slot (`<rule>:<time>`), unique per
    -- rule and ticket so two replicas never run one slot twice
    event_key   text not null,
    chain       uuid[] not null default '{}',
    outcome     text not null check (outcome in ('applied', 'skipped_loop')),
    conditions  jsonb not null default '[]',
    actions     jsonb not null default '[]',
    created_at  timestamptz not null default now(),
    foreign key (tenant_id, rule_id) references automation_rules (tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id),
    unique (tenant_id, rule_id, ticket_id, event_key)
);
create index automation_runs_rule on automation_runs (tenant_id, rule_id, created_at desc, id desc);

create table automation_deliveries (
    id              uuid primary key,
    tenant_id       uuid not null,
    run_id          uuid not null,
    rule_id         uuid not null,
    kind            text not null check (kind in ('webhook', 'email')),
    -- webhook: the URL; email: recipients joined by ', '
    target          text not null,
    subject         text not null default '',
    body            text not null,
    -- webhook: the secret sealed for this delivery (bound to tenant and delivery id)
    secret          bytea,
    status          text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    attempts        integer not null default 0,
    response_status integer,
    last_error      text not null default '',
    created_at      timestamptz not null default now(),
    sent_at         timestamptz,
    foreign key (tenant_id, rule_id) references automation_rules (tenant_id, id)
);
create index automation_deliveries_run on automation_deliveries (tenant_id, run_id);

create table automation_delivery_schedule (
    delivery_id     uuid primary key,
    tenant_id       uuid not null,
    next_attempt_at timestamptz not null,
    leased_until    timestamptz
);
create index automation_delivery_schedule_due on automation_delivery_schedule (next_attempt_at);

-- Who wrote a note: staff, the client (portal user or email) or an automation rule; "no
-- response" rules wait for a public staff note after the client's last message.
alter table ticket_notes add column author_kind text not null default 'staff' check (author_kind in ('staff', 'client', 'automation'));
-- The automation rule behind an activity row (its actor is then empty).
alter table ticket_activity add column automation_rule_id uuid;

select enable_tenant_rls('automation_rules');
select enable_tenant_rls('automation_runs');
select enable_tenant_rls('automation_deliveries');
select enable_audit('automation_rules');
select exempt_from_audit('automation_runs', 'execution log of audited rules, written by the rules themselves');
select exempt_from_audit('automation_deliveries', 'outbound queue of rule runs (webhook calls, mails)');
