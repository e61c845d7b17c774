-- Portal users (client users of a company) and single-use links for invitations and password
-- resets (issue 5; PRD §3.1.2 Client Admin / Client User).

-- Portal users live in `users` beside staff, so sessions, refresh tokens, lockout and password
-- policy work the same; `kind` keeps the two logins apart. A portal user belongs to a contact
-- of a company (both owned by contracts; identity keeps their ids, validated against contracts
-- with the inviting caller's token at invitation time). `invited`: no password yet.
alter table users
    add column kind       text not null default 'staff' check (kind in ('staff', 'portal')),
    add column company_id uuid,
    add column contact_id uuid,
    add constraint users_portal_company check ((kind = 'portal') = (company_id is not null and contact_id is not null));
alter table users drop constraint users_status_check;
alter table users add constraint users_status_check check (status in ('invited', 'active', 'disabled'));
create index users_company on users (tenant_id, company_id) where kind = 'portal';
create unique index users_contact on users (tenant_id, contact_id) where kind = 'portal';

-- Invitation and password-reset links: only the SHA-256 of the token is kept; single use
-- (`used_at`), time-limited (`expires_at`); issuing a new one voids the user's older ones of
-- the same purpose.
create table user_tokens (
    token_hash bytea primary key,
    tenant_id  uuid not null references tenants (id),
    user_id    uuid not null references users (id),
    purpose    text not null check (purpose in ('invitation', 'password_reset')),
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at    timestamptz
);
create index user_tokens_user on user_tokens (tenant_id, user_id, purpose);

select enable_tenant_rls('user_tokens');
