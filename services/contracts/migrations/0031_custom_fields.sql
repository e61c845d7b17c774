-- Admin-defined custom fields (DESIGN.md §3, seed 001 CustomFieldDefinition): definitions per
-- entity type, and the `custom_fields` jsonb values on the entities this service owns
-- (companies already have the column).

create table custom_field_definitions (
    id          uuid primary key,
    tenant_id   uuid not null,
    entity_type text not null check (entity_type in ('company', 'contact', 'contract', 'service_scope', 'proposal', 'saf', 'coc')),
    key         text not null check (key ~ '^[a-z][a-z0-9_]{0,63}$'),
    label       text not null check (length(label) between 1 and 200),
    field_type  text not null check (field_type in ('text', 'number', 'date', 'boolean', 'select', 'multi_select')),
    options     jsonb not null default '[]'::jsonb check (jsonb_typeof(options) = 'array'),
    required    boolean not null default false,
    min_value   double precision,
    max_value   double precision,
    regex       text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
create unique index custom_field_definitions_key on custom_field_definitions (tenant_id, entity_type, key);
create index custom_field_definitions_created on custom_field_definitions (tenant_id, created_at, id);

-- Contacts: tags, and soft deletion (a deleted contact stays for the contracts, tickets and
-- merge redirects that name it, but is no longer read or listed).
alter table contacts add column tags text[] not null default '{}';
alter table contacts add column deleted_at timestamptz;
alter table contacts add column custom_fields jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_fields) = 'object');
alter table contracts add column custom_fields jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_fields) = 'object');
alter table service_scopes add column custom_fields jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_fields) = 'object');
alter table safs add column custom_fields jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_fields) = 'object');
alter table cocs add column custom_fields jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_fields) = 'object');
alter table proposals add column custom_fields jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_fields) = 'object');

select enable_tenant_rls('custom_field_definitions');
select enable_audit('custom_field_definitions');
