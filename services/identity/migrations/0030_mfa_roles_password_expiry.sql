-- MFA enforcement per role, password expiry (issue 5 "Credentials and sessions"; seed 001
-- lastPasswordChangeAt). TOTP secrets are sealed with AES-256-GCM from now on (psa-kit
-- secrets; rows written before this keep their raw 20 bytes and are re-sealed at next setup).

-- Users holding any of these role ids (standard names or custom role UUIDs) must use a second
-- factor, even when `mfa_required` is off for the whole tenant.
alter table tenants
    add column mfa_required_roles text[] not null default '{}',
    -- Passwords older than this many days must be changed at the next sign-in; null: never.
    add column password_max_age_days int check (password_max_age_days between 1 and 3650);
