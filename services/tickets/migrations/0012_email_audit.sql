-- Audit capture for email to ticket (psa-kit `enable_audit`): mailbox and parse-rule changes
-- and stored attachments are audited; the sealed IMAP password and the inbound token digest
-- are redacted, and a poll's bookkeeping is not a change anyone made.
select enable_audit('email_mailboxes',
    redacted => '{imap_password_enc,inbound_token_sha256}',
    ignored => '{last_poll_at,last_poll_error,uid_validity,last_uid}');
select enable_audit('email_parse_rules');
select enable_audit('ticket_attachments');
select exempt_from_audit('contacts', 'projection of contracts'' contacts, audited there');
select exempt_from_audit('email_messages', 'the message log is itself the record of every email in and out');
select exempt_from_audit('email_outbound', 'queue of the emails of public notes, which are audited');
