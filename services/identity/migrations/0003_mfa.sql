-- TOTP second factor (RFC 6238), recovery codes, two-step login challenges and the tenant's
-- MFA enforcement flag (PRD §3.1, issue 5 "Credentials and sessions").

-- When set, users without an active second factor still sign in, but their access token only
-- carries `account.self` (enough to enrol) until they activate MFA.
alter table tenants add column mfa_required boolean not null default false;

-- One TOTP enrolment per user: pending (activated_at null) after setup, active after verify.
-- `last_used_step` is the last accepted 30-second step (a step is accepted once).
create table user_mfa (
    tenant_id      uuid not null references tenants (id),
    user_id        uuid not null references users (id),
    secret         bytea not null check (length(secret) >= 16),
    activated_at   timestamptz,
    last_used_step bigint,
    created_at     timestamptz not null default now(),
    primary key (tenant_id, user_id)
);

-- Single-use recovery codes (SHA-256 of the normalised code).
create table mfa_recovery_codes (
    tenant_id  uuid not null references tenants (id),
    user_id    uuid not null references users (id),
    code_hash  bytea not null,
    used_at    timestamptz,
    primary key (tenant_id, user_id, code_hash)
);

-- Second-step challenges handed out by a password login (SHA-256 of the token; 5 minutes,
-- single use).
create table mfa_challenges (
    id         uuid primary key,
    tenant_id  uuid not null references tenants (id),
    user_id    uuid not null references users (id),
    token_hash bytea not null unique,
    expires_at timestamptz not null,
    used_at    timestamptz,
    created_at timestamptz not null default now()
);
create index mfa_challenges_user on mfa_challenges (tenant_id, user_id);

select enable_tenant_rls('user_mfa');
select enable_tenant_rls('mfa_recovery_codes');
select enable_tenant_rls('mfa_challenges');
