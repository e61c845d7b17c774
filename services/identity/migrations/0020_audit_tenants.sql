-- Audit log (PRD §3.18, issue 5) and SaaS tenant administration.

-- The platform (operator) tenant: its Super Admins administer every tenant. Suspension time.
alter table tenants
    add column platform     boolean not null default false,
    add column suspended_at timestamptz;
create unique index tenants_one_platform on tenants (platform) where platform;

-- Every service's changes (from `psa.<service>.audit.recorded` events) and identity's own
-- security events (login, logout, failed login, MFA, API-key use, secret reveal). Append-only:
-- UPDATE, DELETE and TRUNCATE raise, and the service role holds only SELECT and INSERT on it.
create table audit_log (
    id          uuid primary key,
    tenant_id   uuid not null,
    service     text not null check (service ~ '^[a-z][a-z0-9_]{0,39}$'),
    entity_type text not null check (length(entity_type) between 1 and 100),
    entity_id   text not null default '' check (length(entity_id) <= 200),
    action      text not null check (action ~ '^[a-z][a-z_]{0,39}$'),
    actor_id    uuid,
    old_values  jsonb,
    new_values  jsonb,
    ip_address  text not null default '' check (length(ip_address) <= 100),
    user_agent  text not null default '' check (length(user_agent) <= 500),
    traceparent text not null default '',
    occurred_at timestamptz not null,
    recorded_at timestamptz not null default now()
);
create index audit_log_time on audit_log (tenant_id, occurred_at desc, id desc);
create index audit_log_actor on audit_log (tenant_id, actor_id, occurred_at desc);
create index audit_log_entity on audit_log (tenant_id, entity_type, entity_id);
select enable_tenant_rls('audit_log');
select enable_append_only('audit_log');
select exempt_from_audit('audit_log', 'the audit log itself');

-- Capture every change of identity's tenant tables (secrets redacted; bookkeeping columns
-- whose changes are audited as security events, or are noise, ignored).
select enable_audit('tenants', id_column => 'id', tenant_column => 'id');
select enable_audit('users', redacted => '{password_hash}',
                    ignored => '{last_login_at,failed_login_attempts}');
select enable_audit('sessions', ignored => '{last_seen_at}');
select enable_audit('roles');
select enable_audit('user_roles', id_column => 'user_id');
select enable_audit('api_keys', redacted => '{key_hash}', ignored => '{last_used_at}');
select enable_audit('user_mfa', redacted => '{secret}', ignored => '{last_used_step}', id_column => 'user_id');
select exempt_from_audit('refresh_tokens', 'rotated on every refresh; sign-ins and sign-outs are audited as security events');
select exempt_from_audit('mfa_recovery_codes', 'hashed one-time codes; MFA enrolment and use are audited on user_mfa and as security events');
select exempt_from_audit('mfa_challenges', 'five-minute login challenges; the login outcome is audited as a security event');
