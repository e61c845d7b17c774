//! Email domain ⇄ proto: mailboxes (the IMAP password is write-only), parse rules, the
//! message log, ticket attachments.

use psa_core::DomainError;
use psa_core::validate::Validator;
use psa_kit::convert::{opt_id, timestamp};
use psa_proto::tickets as pb;

use super::priority_pb;
use crate::domain::email::mailbox::{ImapSettings, Mailbox, MailboxFields, UnknownSenderPolicy};
use crate::domain::email::rules::{ParseRule, RuleActions, RuleConditions, RuleFields};
use crate::domain::email::{EmailDirection, EmailOutcome};
use crate::domain::ticket::{TicketPriority, format_number};
use crate::repo::attachments::Attachment;
use crate::repo::email::MessageRecord;

/// A mailbox as its proto message; `token` only right after creation or rotation.
pub fn mailbox(m: &Mailbox, token: Option<&str>) -> pb::EmailMailbox {
    let f = &m.fields;
    pb::EmailMailbox {
        id: m.id.to_string(),
        name: f.name.clone(),
        address: f.address.clone(),
        active: Some(f.active),
        imap_host: f.imap.host.clone(),
        imap_port: i32::from(f.imap.port),
        imap_username: f.imap.username.clone(),
        imap_password: String::new(),
        imap_folder: f.imap.folder.clone(),
        imap_tls_ca_pem: f.imap.tls_ca_pem.clone(),
        unknown_sender_policy: match f.unknown_sender_policy {
            UnknownSenderPolicy::DefaultCompany => pb::UnknownSenderPolicy::DefaultCompany,
            UnknownSenderPolicy::Reject => pb::UnknownSenderPolicy::Reject,
        } as i32,
        default_company_id: opt_id(f.default_company_id),
        default_priority: priority_pb(f.default_priority) as i32,
        has_imap_password: m.has_password,
        inbound_token: token.unwrap_or_default().to_owned(),
        last_poll_time: m.last_poll_at.map(timestamp),
        last_poll_error: m.last_poll_error.clone(),
        uid_validity: m.uid_validity.unwrap_or_default(),
        last_uid: m.last_uid,
        create_time: Some(timestamp(m.created_at)),
        update_time: Some(timestamp(m.updated_at)),
    }
}

fn priority(v: &mut Validator, field: &str, p: i32) -> Option<TicketPriority> {
    match pb::TicketPriority::try_from(p) {
        Ok(pb::TicketPriority::Unspecified) => None,
        Ok(pb::TicketPriority::Low) => Some(TicketPriority::Low),
        Ok(pb::TicketPriority::Medium) => Some(TicketPriority::Medium),
        Ok(pb::TicketPriority::High) => Some(TicketPriority::High),
        Ok(pb::TicketPriority::Critical) => Some(TicketPriority::Critical),
        Err(_) => {
            v.push(field, "unknown value");
            None
        }
    }
}

/// The fields and the password of a proto mailbox (not yet normalised).
///
/// # Errors
/// INVALID_ARGUMENT naming `mailbox.<field>` for unknown enum numbers, malformed ids and
/// ports outside 0–65535.
pub fn mailbox_fields(m: pb::EmailMailbox) -> Result<(MailboxFields, String), DomainError> {
    let mut v = Validator::new();
    let policy = match pb::UnknownSenderPolicy::try_from(m.unknown_sender_policy) {
        Ok(pb::UnknownSenderPolicy::Unspecified | pb::UnknownSenderPolicy::DefaultCompany) => {
            UnknownSenderPolicy::DefaultCompany
        }
        Ok(pb::UnknownSenderPolicy::Reject) => UnknownSenderPolicy::Reject,
        Err(_) => {
            v.push("mailbox.unknown_sender_policy", "unknown value");
            UnknownSenderPolicy::DefaultCompany
        }
    };
    let port = u16::try_from(m.imap_port).unwrap_or_else(|_| {
        v.push("mailbox.imap_port", "must be between 1 and 65535");
        0
    });
    let default_company_id = v.optional_uuid("mailbox.default_company_id", &m.default_company_id);
    let default_priority =
        priority(&mut v, "mailbox.default_priority", m.default_priority).unwrap_or(TicketPriority::Medium);
    v.finish()?;
    Ok((
        MailboxFields {
            name: m.name,
            address: m.address,
            active: m.active.unwrap_or(true),
            imap: ImapSettings {
                host: m.imap_host,
                port,
                username: m.imap_username,
                folder: m.imap_folder,
                tls_ca_pem: m.imap_tls_ca_pem,
            },
            unknown_sender_policy: policy,
            default_company_id,
            default_priority,
        },
        m.imap_password,
    ))
}

/// A rule as its proto message.
pub fn rule(r: &ParseRule) -> pb::EmailParseRule {
    let f = &r.fields;
    pb::EmailParseRule {
        id: r.id.to_string(),
        mailbox_id: f.mailbox_id.to_string(),
        name: f.name.clone(),
        position: f.position,
        active: Some(f.active),
        conditions: Some(pb::EmailRuleConditions {
            from_pattern: f.conditions.from_pattern.clone(),
            subject_pattern: f.conditions.subject_pattern.clone(),
            body_pattern: f.conditions.body_pattern.clone(),
        }),
        actions: Some(pb::EmailRuleActions {
            company_id: opt_id(f.actions.company_id),
            priority: f
                .actions
                .priority
                .as_deref()
                .and_then(TicketPriority::parse)
                .map_or(pb::TicketPriority::Unspecified, priority_pb) as i32,
            assignee_id: opt_id(f.actions.assignee_id),
            ignore: f.actions.ignore,
            queue_id: opt_id(f.actions.queue_id),
        }),
        create_time: Some(timestamp(r.created_at)),
        update_time: Some(timestamp(r.updated_at)),
    }
}

/// The fields of a proto rule on `mailbox_id` (not yet normalised).
///
/// # Errors
/// INVALID_ARGUMENT naming `rule.<field>` for malformed ids and unknown enum numbers.
pub fn rule_fields(mailbox_id: uuid::Uuid, r: pb::EmailParseRule) -> Result<RuleFields, DomainError> {
    let mut v = Validator::new();
    let c = r.conditions.unwrap_or_default();
    let a = r.actions.unwrap_or_default();
    let company_id = v.optional_uuid("rule.actions.company_id", &a.company_id);
    let assignee_id = v.optional_uuid("rule.actions.assignee_id", &a.assignee_id);
    let queue_id = v.optional_uuid("rule.actions.queue_id", &a.queue_id);
    let priority = priority(&mut v, "rule.actions.priority", a.priority);
    v.finish()?;
    Ok(RuleFields {
        mailbox_id,
        name: r.name,
        position: r.position,
        active: r.active.unwrap_or(true),
        conditions: RuleConditions {
            from_pattern: c.from_pattern,
            subject_pattern: c.subject_pattern,
            body_pattern: c.body_pattern,
        },
        actions: RuleActions {
            company_id,
            priority: priority.map(|p| p.as_str().to_owned()),
            assignee_id,
            queue_id,
            ignore: a.ignore,
        },
    })
}

/// A message log entry as its proto message.
pub fn message(m: &MessageRecord) -> pb::EmailMessage {
    pb::EmailMessage {
        id: m.id.to_string(),
        mailbox_id: m.mailbox_id.to_string(),
        direction: match EmailDirection::parse(&m.direction) {
            Some(EmailDirection::Inbound) => pb::EmailDirection::Inbound,
            Some(EmailDirection::Outbound) => pb::EmailDirection::Outbound,
            None => pb::EmailDirection::Unspecified,
        } as i32,
        message_id: m.message_id.clone(),
        outcome: match EmailOutcome::parse(&m.outcome) {
            Some(EmailOutcome::CreatedTicket) => pb::EmailOutcome::CreatedTicket,
            Some(EmailOutcome::AddedNote) => pb::EmailOutcome::AddedNote,
            Some(EmailOutcome::Ignored) => pb::EmailOutcome::Ignored,
            Some(EmailOutcome::Rejected) => pb::EmailOutcome::Rejected,
            Some(EmailOutcome::Queued) => pb::EmailOutcome::Queued,
            Some(EmailOutcome::Sent) => pb::EmailOutcome::Sent,
            Some(EmailOutcome::Failed) => pb::EmailOutcome::Failed,
            None => pb::EmailOutcome::Unspecified,
        } as i32,
        reason: m.reason.clone(),
        from_address: m.from_address.clone(),
        subject: m.subject.clone(),
        ticket_id: opt_id(m.ticket_id),
        ticket_number: m.ticket_number.map(format_number).unwrap_or_default(),
        note_id: opt_id(m.note_id),
        create_time: Some(timestamp(m.created_at)),
    }
}

/// An attachment's metadata as its proto message.
pub fn attachment(a: &Attachment) -> pb::TicketAttachment {
    pb::TicketAttachment {
        id: a.id.to_string(),
        ticket_id: a.ticket_id.to_string(),
        note_id: opt_id(a.note_id),
        file_name: a.file_name.clone(),
        content_type: a.content_type.clone(),
        size_bytes: a.size_bytes,
        content_id: a.content_id.clone(),
        inline: a.inline,
        create_time: Some(timestamp(a.created_at)),
    }
}
