-- Outbound mail: a staff user's public note on a ticket that came by email (or has a contact
-- with an address) is queued in the note's transaction and sent over SMTP by the send job,
-- with Message-ID / In-Reply-To / References so the client's reply threads back.

create table email_outbound (
    id              uuid primary key,
    tenant_id       uuid not null,
    mailbox_id      uuid not null,
    ticket_id       uuid not null,
    note_id         uuid not null,
    -- The email_messages row (direction outbound) that records it.
    message_row_id  uuid not null,
    from_address    text not null,
    to_address      text not null,
    subject         text not null,
    body            text not null,
    message_id      text not null,
    in_reply_to     text not null default '',
    refs            text[] not null default '{}',
    attempts        integer not null default 0,
    last_error      text not null default '',
    sent_at         timestamptz,
    created_at      timestamptz not null default now(),
    unique (tenant_id, note_id)
);

-- Which tenants have mail due, read across tenants by the send job (scheduling only, no
-- content, no RLS; like email_poll_schedule).
create table email_send_schedule (
    outbound_id     uuid primary key,
    tenant_id       uuid not null,
    next_attempt_at timestamptz not null,
    leased_until    timestamptz
);
create index email_send_schedule_due on email_send_schedule (next_attempt_at);

select enable_tenant_rls('email_outbound');
