-- Identity: tenants (global), staff users and sessions (tenant-owned, RLS), signing keys (global).

create table tenants (
    id         uuid primary key,
    slug       text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name       text not null check (length(name) between 1 and 200),
    status     text not null default 'active' check (status in ('active', 'suspended')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table users (
    id            uuid primary key,
    tenant_id     uuid not null references tenants (id),
    email         text not null check (length(email) between 3 and 320),
    display_name  text not null default '',
    password_hash text not null,
    role          text not null check (role in ('admin', 'technician')),
    status        text not null default 'active' check (status in ('active', 'disabled')),
    last_login_at timestamptz,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);
create unique index users_email_per_tenant on users (tenant_id, lower(email));

create table sessions (
    id             uuid primary key,
    tenant_id      uuid not null references tenants (id),
    user_id        uuid not null references users (id),
    created_at     timestamptz not null default now(),
    last_seen_at   timestamptz not null default now(),
    expires_at     timestamptz not null,
    revoked_at     timestamptz,
    revoked_reason text
);
create index sessions_user on sessions (tenant_id, user_id);

-- Refresh tokens are stored as SHA-256 hashes; each use marks the row used and issues a new
-- one. Presenting a used token revokes its session (token theft detection).
create table refresh_tokens (
    token_hash bytea primary key,
    tenant_id  uuid not null references tenants (id),
    session_id uuid not null references sessions (id),
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at    timestamptz
);
create index refresh_tokens_session on refresh_tokens (session_id);

-- Ed25519 keys that sign access tokens; the newest active one signs, all are published (JWKS).
create table signing_keys (
    kid         text primary key,
    private_der bytea not null,
    public_raw  bytea not null,
    created_at  timestamptz not null default now()
);

-- Row-level security with the standard tenant policy (psa-kit creates enable_tenant_rls).
select enable_tenant_rls('users');
select enable_tenant_rls('sessions');
select enable_tenant_rls('refresh_tokens');
