-- Single sign-on: the tenant's OpenID Connect providers (issue 5 "SSO"). The client secret is
-- sealed with AES-256-GCM (psa-kit secrets, associated data `idp:<tenant>:<id>`).

create table identity_providers (
    id                   uuid primary key,
    tenant_id            uuid not null references tenants (id),
    name                 text not null check (name ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
    display_name         text not null check (length(display_name) between 1 and 100),
    issuer_url           text not null check (length(issuer_url) between 8 and 500),
    client_id            text not null check (length(client_id) between 1 and 500),
    client_secret_sealed bytea,
    scopes               text[] not null default '{}',
    email_domains        text[] not null check (cardinality(email_domains) >= 1),
    jit_enabled          boolean not null default false,
    jit_role             text,
    enabled              boolean not null default true,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    check (not jit_enabled or jit_role is not null)
);
create unique index identity_providers_name_per_tenant on identity_providers (tenant_id, name);

select enable_tenant_rls('identity_providers');

select enable_audit('identity_providers', redacted => '{client_secret_sealed}');
