-- Email to ticket (PRD §3.4 "Email-to-ticket", "Email parsing rules"): mailboxes polled over
-- IMAP or fed by the inbound endpoint, their ordered parse rules, every message seen (for
-- de-duplication, threading and the admin's log), attachments kept with tickets, outbound
-- mail queued with public notes, and the contact projection fed by contracts' events.

-- Company projection: the email domains of each company (from its email and website), for
-- matching senders that are not contacts.
alter table companies add column domains text[] not null default '{}';
create index companies_domains on companies using gin (domains);

create table contacts (
    id                uuid not null,
    tenant_id         uuid not null,
    company_id        uuid not null,
    email             text not null,
    name              text not null,
    source_updated_at timestamptz not null,
    primary key (tenant_id, id)
);
create index contacts_email on contacts (tenant_id, lower(email));

create table email_mailboxes (
    id                    uuid primary key,
    tenant_id             uuid not null,
    name                  text not null check (length(name) between 1 and 100),
    address               text not null,
    active                boolean not null default true,
    imap_host             text not null default '',
    imap_port             integer not null default 993 check (imap_port between 1 and 65535),
    imap_username         text not null default '',
    -- AES-256-GCM under PSA_EMAIL_SECRET_KEY: nonce (12 bytes) || ciphertext; never returned.
    imap_password_enc     bytea,
    imap_folder           text not null default 'INBOX',
    -- Extra trust anchors (PEM) for a server with a private CA or a self-signed certificate.
    imap_tls_ca_pem       text not null default '',
    unknown_sender_policy text not null default 'default_company' check (unknown_sender_policy in ('default_company', 'reject')),
    default_company_id    uuid,
    default_priority      text not null default 'medium' check (default_priority in ('low', 'medium', 'high', 'critical')),
    -- SHA-256 of the inbound token (the token is shown once).
    inbound_token_sha256  bytea not null,
    -- IMAP state: UIDVALIDITY of the folder and the highest UID imported under it.
    uid_validity          bigint,
    last_uid              bigint not null default 0,
    last_poll_at          timestamptz,
    last_poll_error       text not null default '',
    archived              boolean not null default false,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    unique (tenant_id, id)
);
create unique index email_mailboxes_address on email_mailboxes (tenant_id, lower(address)) where not archived;

-- Which mailboxes are due a poll, read across tenants by the poll job (like sla_timers and
-- the outbox: scheduling infrastructure, no RLS; every row carries its tenant). The lease
-- keeps two replicas from polling one mailbox at once.
create table email_poll_schedule (
    mailbox_id   uuid primary key,
    tenant_id    uuid not null,
    next_poll_at timestamptz not null,
    leased_until timestamptz
);
create index email_poll_schedule_due on email_poll_schedule (next_poll_at);

create table email_parse_rules (
    id          uuid primary key,
    tenant_id   uuid not null,
    mailbox_id  uuid not null,
    name        text not null check (length(name) between 1 and 100),
    position    integer not null,
    active      boolean not null default true,
    conditions  jsonb not null,
    actions     jsonb not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    foreign key (tenant_id, mailbox_id) references email_mailboxes (tenant_id, id)
);
create index email_parse_rules_mailbox on email_parse_rules (tenant_id, mailbox_id, position, id);

-- Every message seen, in and out. The unique key stops a message being imported twice, by
-- a second poll, a second replica, or the same mail through IMAP and the endpoint.
create table email_messages (
    id           uuid primary key,
    tenant_id    uuid not null,
    mailbox_id   uuid not null,
    direction    text not null check (direction in ('inbound', 'outbound')),
    message_id   text not null,
    outcome      text not null check (outcome in ('created_ticket', 'added_note', 'ignored', 'rejected', 'sent', 'queued', 'failed')),
    reason       text not null default '',
    from_address text not null default '',
    subject      text not null default '',
    ticket_id    uuid,
    note_id      uuid,
    created_at   timestamptz not null default now(),
    unique (tenant_id, mailbox_id, direction, message_id)
);
create index email_messages_thread on email_messages (tenant_id, message_id) where ticket_id is not null;
create index email_messages_list on email_messages (tenant_id, mailbox_id, created_at, id);

create table ticket_attachments (
    id           uuid primary key,
    tenant_id    uuid not null,
    ticket_id    uuid not null,
    note_id      uuid,
    file_name    text not null,
    content_type text not null,
    size_bytes   bigint not null check (size_bytes >= 0),
    content_id   text not null default '',
    inline       boolean not null default false,
    -- Key in the object store (PSA_ATTACHMENTS_DIR): tenant/ticket/attachment id.
    storage_key  text not null,
    created_at   timestamptz not null default now(),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id)
);
create index ticket_attachments_ticket on ticket_attachments (tenant_id, ticket_id, created_at, id);

select enable_tenant_rls('contacts');
select enable_tenant_rls('email_mailboxes');
select enable_tenant_rls('email_parse_rules');
select enable_tenant_rls('email_messages');
select enable_tenant_rls('ticket_attachments');
