-- Ticket relations and history (PRD §3.4): parent/child, merged-into, tags, and an activity
-- row for every change of a ticket.

alter table tickets
    add column parent_id      uuid,
    add column merged_into_id uuid,
    add column tags           text[] not null default '{}',
    add constraint tickets_parent_fk foreign key (tenant_id, parent_id) references tickets (tenant_id, id),
    add constraint tickets_merged_into_fk foreign key (tenant_id, merged_into_id) references tickets (tenant_id, id),
    add constraint tickets_not_own_parent check (parent_id is distinct from id);
create index tickets_parent on tickets (tenant_id, parent_id) where parent_id is not null;

create table ticket_activity (
    id         uuid primary key,
    tenant_id  uuid not null,
    ticket_id  uuid not null,
    actor_id   uuid,
    action     text not null,
    field      text not null default '',
    old_value  text not null default '',
    new_value  text not null default '',
    created_at timestamptz not null default now(),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id)
);
create index ticket_activity_ticket on ticket_activity (tenant_id, ticket_id, created_at desc, id desc);

select enable_tenant_rls('ticket_activity');
select exempt_from_audit('ticket_activity', 'the per-ticket history, written with each audited ticket change');
