-- Projection of identity's staff users (psa.identity.user.created / updated): whom automation
-- can notify (a ticket's assignee, its team's members, users named in a rule).
create table users (
    id                uuid not null,
    tenant_id         uuid not null,
    email             text not null,
    display_name      text not null,
    -- identity's status is `active` (false: disabled or invited)
    active            boolean not null,
    -- identity's updated_at of the snapshot applied, so late events never overwrite newer ones
    source_updated_at timestamptz not null,
    primary key (tenant_id, id)
);

select enable_tenant_rls('users');
select exempt_from_audit('users', 'projection of identity''s users, audited there');
