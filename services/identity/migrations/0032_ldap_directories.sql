-- LDAP / Active Directory bind login (issue 5): the tenant's directories. A user's DN comes
-- from `bind_dn_template` (`uid={username},ou=people,dc=example,dc=org`) or from a search under
-- `search_base` for `user_attribute` = username (bound as the service account, whose password
-- is sealed with AES-256-GCM, associated data `ldap:<tenant>:<id>`).

create table ldap_directories (
    id                       uuid primary key,
    tenant_id                uuid not null references tenants (id),
    name                     text not null check (name ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
    url                      text not null check (url ~ '^ldaps?://'),
    bind_dn_template         text check (bind_dn_template like '%{username}%'),
    search_base              text,
    service_bind_dn          text,
    service_password_sealed  bytea,
    user_attribute           text not null default 'uid' check (user_attribute ~ '^[A-Za-z][A-Za-z0-9-]{0,63}$'),
    email_attribute          text not null default 'mail' check (email_attribute ~ '^[A-Za-z][A-Za-z0-9-]{0,63}$'),
    enabled                  boolean not null default true,
    created_at               timestamptz not null default now(),
    updated_at               timestamptz not null default now(),
    check (bind_dn_template is not null or search_base is not null)
);
create unique index ldap_directories_name_per_tenant on ldap_directories (tenant_id, name);

select enable_tenant_rls('ldap_directories');

select enable_audit('ldap_directories', redacted => '{service_password_sealed}');
