-- Roles (standard + tenant custom), user ↔ role assignment, lockout and password policy,
-- session client details, API keys (PRD §3.1, §3.18; seed 001 User).

-- Tenant security settings (defaults: lock after 5 failures for 15 minutes; passwords of at
-- least 10 characters).
alter table tenants
    add column lockout_threshold  int not null default 5 check (lockout_threshold between 1 and 100),
    add column lockout_minutes    int not null default 15 check (lockout_minutes between 1 and 10080),
    add column password_min_length int not null default 10 check (password_min_length between 8 and 128);

-- Tenant-defined roles; standard roles are defined in code (psa_core::permissions::Role).
create table roles (
    id          uuid primary key,
    tenant_id   uuid not null references tenants (id),
    name        text not null check (length(name) between 1 and 100),
    description text not null default '' check (length(description) <= 500),
    permissions text[] not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
create unique index roles_name_per_tenant on roles (tenant_id, lower(name));

-- A user's roles: `role` is a standard role name or a custom role's id (as text).
create table user_roles (
    tenant_id uuid not null references tenants (id),
    user_id   uuid not null references users (id),
    role      text not null check (length(role) between 1 and 64),
    primary key (tenant_id, user_id, role)
);
create index user_roles_role on user_roles (tenant_id, role);
-- Move each user's single role over (the owner bypasses RLS while it is not forced).
alter table users no force row level security;
insert into user_roles (tenant_id, user_id, role) select tenant_id, id, role from users;
alter table users drop column role;

alter table users
    add column failed_login_attempts   int not null default 0 check (failed_login_attempts >= 0),
    add column locked_until            timestamptz,
    add column last_password_change_at timestamptz;
update users set last_password_change_at = created_at;
alter table users force row level security;

alter table sessions
    add column ip_address text not null default '' check (length(ip_address) <= 100),
    add column user_agent text not null default '' check (length(user_agent) <= 500);

-- API keys: only the SHA-256 of the key is kept.
create table api_keys (
    id           uuid primary key,
    tenant_id    uuid not null references tenants (id),
    user_id      uuid not null references users (id),
    name         text not null check (length(name) between 1 and 100),
    prefix       text not null,
    key_hash     bytea not null unique,
    permissions  text[] not null,
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz not null default now()
);
create index api_keys_tenant on api_keys (tenant_id, created_at desc);

select enable_tenant_rls('roles');
select enable_tenant_rls('user_roles');
select enable_tenant_rls('api_keys');
