//! Email to ticket: mailbox and parse-rule management, ingesting one raw message (from the
//! inbound endpoint or an IMAP poll), polling, and the poll job.
//!
//! What a message does, in order:
//! 1. A Message-ID the mailbox already recorded is a duplicate: the first outcome is answered
//!    and nothing changes (re-delivery, a second replica, IMAP and the endpoint both).
//! 2. Written by a machine (auto-reply, bounce, report, bulk; see
//!    [`crate::domain::email::message::automatic_reason`]): recorded as ignored.
//! 3. The first matching parse rule with `ignore`: recorded as ignored.
//! 4. Threading: a reply to a message recorded with a ticket (`In-Reply-To`, then
//!    `References` newest first; inbound and outbound, any mailbox of the tenant), else the
//!    `[T-000042]` subject tag when the sender belongs to that ticket's company (a tag alone
//!    from a stranger is not trusted, so nobody can write into another client's ticket by
//!    guessing numbers). The reply becomes a public note (quoted history trimmed) with its
//!    attachments; a resolved or waiting ticket goes back to open. A reply to a closed ticket
//!    opens a new ticket that names the old one.
//! 5. Otherwise a new ticket: company from the rule, else the sender (contact by address,
//!    else the one company with the address's domain), else the mailbox's unknown-sender
//!    policy (default company without contact, or rejected); priority from the rule, else
//!    the mailbox default; assignee from the rule.
//!
//! Ignored and rejected messages never get a reply (nothing is sent for them at all).

pub mod imap;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db::{self, TenantTx};
use psa_kit::list::ListParams;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Tickets, sla};
use crate::domain::desk::ItemKind;
use crate::domain::email::mailbox::{self, Mailbox, MailboxFields, UnknownSenderPolicy};
use crate::domain::email::message::InboundMessage;
use crate::domain::email::rules::{self, ParseRule, RuleFields};
use crate::domain::email::{EmailDirection, EmailOutcome, quote, thread};
use crate::domain::ticket::{
    MAX_BODY, NoteVisibility, Ticket, TicketFields, TicketPriority, TicketSource, TicketStatus, format_number,
};
use crate::repo::attachments::Attachment;
use crate::repo::email::{MessageRecord, NewMessage, Sender};
use crate::{events, repo};

/// Email settings and plumbing of the tickets service.
pub struct EmailRuntime {
    /// Seals IMAP passwords at rest.
    pub secrets: psa_kit::secrets::SecretBox,
    /// Where attachment bytes go (`PSA_ATTACHMENTS_DIR`, a local directory by default).
    pub store: psa_kit::attachments::AttachmentStore,
    /// Time between two polls of one mailbox.
    pub poll_interval: StdDuration,
    /// Outbound SMTP (`PSA_SMTP_URL`); unconfigured: queued mail is recorded as failed.
    pub mailer: psa_kit::mail::Mailer,
}

/// Attempts at sending one mail before it is recorded as failed.
pub const MAX_SEND_ATTEMPTS: i32 = 5;

/// A new mailbox or rotated token: the mailbox and its inbound token, shown this once.
pub struct WithToken {
    pub mailbox: Mailbox,
    pub token: String,
}

/// Counts of one poll.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollReport {
    pub fetched: u32,
    pub created_tickets: u32,
    pub added_notes: u32,
    pub ignored: u32,
    pub rejected: u32,
    pub duplicates: u32,
}

/// What an ingest did: the log entry, and whether it was already there.
pub struct Received {
    pub record: MessageRecord,
    pub duplicate: bool,
}

fn password_aad(tenant: Uuid, mailbox: Uuid) -> Vec<u8> {
    format!("imap-password:{tenant}:{mailbox}").into_bytes()
}

/// Cuts `s` to at most `max` characters, saying so.
fn bounded(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let marker = "\n[… truncated]";
    let mut out: String = s.chars().take(max - marker.chars().count()).collect();
    out.push_str(marker);
    out
}

impl Tickets {
    async fn email_tx(&self, p: &Principal) -> Result<TenantTx> {
        if p.portal_company().is_some() {
            // Mailboxes are the MSP's configuration; portal tokens never carry email.* anyway.
            return Err(DomainError::PermissionDenied("email.read".into()).into());
        }
        Ok(db::begin(&self.pool, p.tenant_id).await?)
    }

    /// Mailboxes by name.
    pub async fn list_mailboxes(&self, p: &Principal) -> Result<Vec<Mailbox>> {
        let mut tx = self.email_tx(p).await?;
        repo::email::list_mailboxes(&mut tx, p.tenant_id).await
    }

    /// The mailbox `id`.
    pub async fn get_mailbox(&self, p: &Principal, id: Uuid) -> Result<Mailbox> {
        let mut tx = self.email_tx(p).await?;
        repo::email::get_mailbox(&mut tx, p.tenant_id, id, false).await
    }

    /// Creates a mailbox; the password (if any) is sealed, the inbound token returned once.
    pub async fn create_mailbox(&self, p: &Principal, f: MailboxFields, password: &str) -> Result<WithToken> {
        let f = f.normalize(!password.is_empty())?;
        let mut tx = self.email_tx(p).await?;
        let token = mailbox::new_inbound_token(p.tenant_id);
        let m = repo::email::insert_mailbox(&mut tx, p.tenant_id, &f, None, &mailbox::token_digest(&token)).await?;
        let m = if password.is_empty() {
            m
        } else {
            let sealed = self.email.secrets.seal(password.as_bytes(), &password_aad(p.tenant_id, m.id));
            repo::email::update_mailbox(&mut tx, &m, Some(Some(&sealed)), false).await?
        };
        tx.commit().await?;
        Ok(WithToken { mailbox: m, token })
    }

    /// Updates the masked fields (`imap_password` replaces the stored password).
    pub async fn update_mailbox(
        &self,
        p: &Principal,
        id: Uuid,
        patch: MailboxFields,
        password: &str,
        mask: &[String],
    ) -> Result<Mailbox> {
        let mut tx = self.email_tx(p).await?;
        let mut m = repo::email::get_mailbox(&mut tx, p.tenant_id, id, true).await?;
        let before = m.fields.clone();
        let new_password = mask.iter().any(|n| n == "imap_password");
        let fields: Vec<String> = mask.iter().filter(|n| *n != "imap_password").cloned().collect();
        psa_core::mask::apply(&mut m.fields, &fields, MAILBOX_UPDATABLE, |f, name| {
            match name {
                "name" => f.name = patch.name.clone(),
                "address" => f.address = patch.address.clone(),
                "active" => f.active = patch.active,
                "imap_host" => f.imap.host = patch.imap.host.clone(),
                "imap_port" => f.imap.port = patch.imap.port,
                "imap_username" => f.imap.username = patch.imap.username.clone(),
                "imap_folder" => f.imap.folder = patch.imap.folder.clone(),
                "imap_tls_ca_pem" => f.imap.tls_ca_pem = patch.imap.tls_ca_pem.clone(),
                "unknown_sender_policy" => f.unknown_sender_policy = patch.unknown_sender_policy,
                "default_company_id" => f.default_company_id = patch.default_company_id,
                "default_priority" => f.default_priority = patch.default_priority,
                _ => {}
            }
            Ok(())
        })?;
        let has_password = if new_password { !password.is_empty() } else { m.has_password };
        m.fields = m.fields.normalize(has_password)?;
        let moved = before.imap.host != m.fields.imap.host
            || before.imap.username != m.fields.imap.username
            || before.imap.folder != m.fields.imap.folder;
        let sealed = (new_password && !password.is_empty())
            .then(|| self.email.secrets.seal(password.as_bytes(), &password_aad(p.tenant_id, id)));
        let pw = new_password.then_some(sealed.as_deref());
        let m = repo::email::update_mailbox(&mut tx, &m, pw, moved).await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Archives a mailbox.
    pub async fn delete_mailbox(&self, p: &Principal, id: Uuid) -> Result<Mailbox> {
        let mut tx = self.email_tx(p).await?;
        let m = repo::email::archive_mailbox(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Replaces the inbound token.
    pub async fn rotate_mailbox_token(&self, p: &Principal, id: Uuid) -> Result<WithToken> {
        let mut tx = self.email_tx(p).await?;
        let m = repo::email::get_mailbox(&mut tx, p.tenant_id, id, true).await?;
        let token = mailbox::new_inbound_token(p.tenant_id);
        repo::email::set_token(&mut tx, p.tenant_id, id, &mailbox::token_digest(&token)).await?;
        tx.commit().await?;
        Ok(WithToken { mailbox: m, token })
    }

    /// A mailbox's rules in evaluation order.
    pub async fn list_rules(&self, p: &Principal, mailbox: Uuid) -> Result<Vec<ParseRule>> {
        let mut tx = self.email_tx(p).await?;
        repo::email::get_mailbox(&mut tx, p.tenant_id, mailbox, false).await?;
        repo::email::list_rules(&mut tx, p.tenant_id, mailbox).await
    }

    /// Creates a rule on a mailbox.
    pub async fn create_rule(&self, p: &Principal, f: RuleFields) -> Result<ParseRule> {
        let f = f.normalize()?;
        let mut tx = self.email_tx(p).await?;
        repo::email::get_mailbox(&mut tx, p.tenant_id, f.mailbox_id, false).await?;
        check_rule_queue(&mut tx, p.tenant_id, &f).await?;
        let r = repo::email::insert_rule(&mut tx, p.tenant_id, &f).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Replaces a rule.
    pub async fn update_rule(&self, p: &Principal, id: Uuid, f: RuleFields) -> Result<ParseRule> {
        let f = f.normalize()?;
        let mut tx = self.email_tx(p).await?;
        repo::email::get_mailbox(&mut tx, p.tenant_id, f.mailbox_id, false).await?;
        check_rule_queue(&mut tx, p.tenant_id, &f).await?;
        let r = repo::email::update_rule(&mut tx, p.tenant_id, id, &f).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Deletes a rule.
    pub async fn delete_rule(&self, p: &Principal, mailbox: Uuid, id: Uuid) -> Result<ParseRule> {
        let mut tx = self.email_tx(p).await?;
        let r = repo::email::delete_rule(&mut tx, p.tenant_id, mailbox, id).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// One page of a mailbox's message log.
    pub async fn list_messages(
        &self,
        p: &Principal,
        mailbox: Uuid,
        params: &ListParams,
    ) -> Result<(Vec<MessageRecord>, String)> {
        let plan = repo::email::MESSAGES.plan(params)?;
        let mut tx = self.email_tx(p).await?;
        repo::email::get_mailbox(&mut tx, p.tenant_id, mailbox, false).await?;
        repo::email::list_messages(&mut tx, p.tenant_id, mailbox, &plan).await
    }

    /// The inbound endpoint: checks the mailbox's token, then ingests `raw`.
    ///
    /// # Errors
    /// UNAUTHENTICATED for a wrong token, an unknown or archived mailbox, or another tenant's
    /// (the same answer for all, so the endpoint reveals nothing); FAILED_PRECONDITION for an
    /// inactive mailbox; INVALID_ARGUMENT for bytes that are not a message.
    pub async fn receive_message(&self, mailbox_id: Uuid, token: &str, raw: &[u8]) -> Result<Received> {
        let denied = || DomainError::Unauthenticated("invalid mailbox or inbound token".into());
        let tenant = mailbox::token_tenant(token).ok_or_else(denied)?;
        let m = {
            let mut tx = db::begin(&self.pool, tenant).await?;
            repo::email::mailbox_by_token(&mut tx, tenant, mailbox_id, &mailbox::token_digest(token))
                .await?
                .ok_or_else(denied)?
        };
        if !m.fields.active {
            return Err(DomainError::FailedPrecondition("the mailbox is inactive".into()).into());
        }
        self.ingest(&m, raw).await
    }

    /// Ingests one raw message into mailbox `m` (see the module docs for what happens).
    ///
    /// # Errors
    /// INVALID_ARGUMENT (`raw`) for bytes that are not a message; database and storage errors.
    pub async fn ingest(&self, m: &Mailbox, raw: &[u8]) -> Result<Received> {
        let msg = InboundMessage::parse(raw)?;
        let tenant = m.tenant_id;
        let mut tx = db::begin(&self.pool, tenant).await?;
        let claim = NewMessage {
            mailbox_id: m.id,
            direction: EmailDirection::Inbound,
            message_id: &msg.message_id,
            outcome: EmailOutcome::Ignored,
            reason: "",
            from_address: &msg.from_address,
            subject: &bounded(&msg.subject, 998),
        };
        let Some(record_id) = repo::email::claim_message(&mut tx, tenant, &claim).await? else {
            tx.rollback().await?;
            let mut tx = db::begin(&self.pool, tenant).await?;
            let record =
                repo::email::find_message(&mut tx, tenant, m.id, EmailDirection::Inbound, &msg.message_id).await?;
            let record = record.ok_or_else(|| DomainError::FailedPrecondition("message is being imported".into()))?;
            return Ok(Received { record, duplicate: true });
        };
        let (outcome, reason, ticket, note) = self.decide(&mut tx, m, &msg).await?;
        repo::email::set_message_outcome(&mut tx, tenant, record_id, outcome, &reason, ticket, note).await?;
        let record = repo::email::get_message(&mut tx, tenant, record_id).await?;
        tx.commit().await?;
        Ok(Received { record, duplicate: false })
    }

    async fn decide(
        &self,
        tx: &mut TenantTx,
        m: &Mailbox,
        msg: &InboundMessage,
    ) -> Result<(EmailOutcome, String, Option<Uuid>, Option<Uuid>)> {
        let tenant = m.tenant_id;
        if let Some(why) = &msg.automatic {
            return Ok((EmailOutcome::Ignored, why.clone(), None, None));
        }
        let rules = repo::email::list_rules(tx, tenant, m.id).await?;
        let rule = rules::first_match(&rules, msg);
        if let Some(r) = rule
            && r.fields.actions.ignore
        {
            return Ok((EmailOutcome::Ignored, format!("parse rule \"{}\"", r.fields.name), None, None));
        }
        let sender = if msg.from_address.is_empty() {
            None
        } else {
            repo::email::find_sender(tx, tenant, &msg.from_address).await?
        };
        let mut follow_up = None;
        if let Some(t) = self.thread(tx, tenant, msg, sender).await? {
            if t.fields.status != TicketStatus::Closed {
                let note = self.add_email_note(tx, &t, msg, sender).await?;
                return Ok((EmailOutcome::AddedNote, String::new(), Some(t.id), Some(note)));
            }
            follow_up = Some(t);
        }
        let actions = rule.map(|r| r.fields.actions.clone()).unwrap_or_default();
        let (company_id, contact_id) = match (actions.company_id, sender) {
            (Some(c), Some(s)) if s.company_id == c => (c, s.contact_id),
            (Some(c), _) => (c, None),
            (None, Some(s)) => (s.company_id, s.contact_id),
            (None, None) => match (m.fields.unknown_sender_policy, m.fields.default_company_id) {
                (UnknownSenderPolicy::DefaultCompany, Some(c)) => (c, None),
                _ => {
                    let why = format!(
                        "unknown sender {}",
                        if msg.from_address.is_empty() { "(none)" } else { &msg.from_address }
                    );
                    return Ok((EmailOutcome::Rejected, why, None, None));
                }
            },
        };
        let mut description = String::new();
        if let Some(old) = &follow_up {
            description.push_str(&format!("Follow-up to {} (closed).\n\n", format_number(old.number)));
        }
        description.push_str(msg.text.trim_end());
        let mut fields = TicketFields {
            title: thread::ticket_title(&msg.subject),
            description: bounded(&description, MAX_BODY),
            status: TicketStatus::New,
            priority: actions.priority.as_deref().and_then(TicketPriority::parse).unwrap_or(m.fields.default_priority),
            source: TicketSource::Email,
            company_id,
            contact_id,
            assignee_id: actions.assignee_id,
            links: Default::default(),
        }
        .normalize("ticket.")?;
        if let Some(queue) = actions.queue_id {
            // A queue deactivated or deleted since the rule was saved is left out.
            if let Ok(q) = repo::desk::get_item(tx, tenant, ItemKind::Queue, queue).await
                && q.fields.active
            {
                fields.links.queue_id = Some(q.id);
                fields.links.team_id = q.fields.link;
            }
        }
        // The system (nil actor) opens it, with the same numbering, SLA, activity and event as
        // any other ticket; the message's attachments follow in the same transaction.
        let t = self.insert_ticket(tx, tenant, Uuid::nil(), &fields).await?;
        self.store_attachments(tx, &t, None, msg).await?;
        Ok((EmailOutcome::CreatedTicket, String::new(), Some(t.id), None))
    }

    /// The ticket a message answers, if any (see the module docs).
    async fn thread(
        &self,
        tx: &mut TenantTx,
        tenant: Uuid,
        msg: &InboundMessage,
        sender: Option<Sender>,
    ) -> Result<Option<Ticket>> {
        if let Some(id) = repo::email::ticket_of_thread(tx, tenant, &msg.thread_ids()).await? {
            return Ok(Some(surviving(tx, tenant, id).await?));
        }
        let Some(number) = thread::ticket_number(&msg.subject) else { return Ok(None) };
        let Some(t) = repo::tickets::get_by_number(tx, tenant, number).await? else { return Ok(None) };
        if sender.is_some_and(|s| s.company_id == t.fields.company_id) {
            return Ok(Some(surviving(tx, tenant, t.id).await?));
        }
        Ok(None)
    }

    /// Adds the reply as a public note, reopens a resolved or waiting ticket.
    async fn add_email_note(
        &self,
        tx: &mut TenantTx,
        t: &Ticket,
        msg: &InboundMessage,
        sender: Option<Sender>,
    ) -> Result<Uuid> {
        let tenant = t.tenant_id;
        let mut body = quote::trim_reply(&msg.text);
        if body.trim().is_empty() {
            body = if msg.attachments.is_empty() { "(empty message)".into() } else { "(attachments only)".into() };
        }
        let author = sender.and_then(|s| s.contact_id).unwrap_or(Uuid::nil());
        let n =
            repo::notes::insert(tx, tenant, t.id, &bounded(&body, MAX_BODY), NoteVisibility::Public, author).await?;
        repo::automation::set_note_author_kind(tx, tenant, n.id, "client").await?;
        self.store_attachments(tx, t, Some(n.id), msg).await?;
        repo::tickets::touch(tx, tenant, t.id).await?;
        if matches!(t.fields.status, TicketStatus::Resolved | TicketStatus::WaitingOnClient) {
            let mut reopened = t.clone();
            reopened.fields.status = TicketStatus::Open;
            let now = Utc::now();
            (reopened.resolved_at, reopened.closed_at) =
                crate::domain::ticket::lifecycle_stamps(TicketStatus::Open, t.resolved_at, t.closed_at, now);
            let reopened = repo::tickets::update(tx, &reopened).await?;
            repo::sla_state::record_status(tx, tenant, t.id, TicketStatus::Open, now).await?;
            sla::refresh(tx, &self.naming, &reopened, now, false, false).await?;
            let previous = [("status".to_owned(), t.fields.value_text("status"))].into();
            events::ticket_updated_from(tx, &self.naming, Uuid::nil(), &reopened, vec!["status".into()], previous)
                .await?;
        }
        events::note_added(tx, &self.naming, &n).await?;
        Ok(n.id)
    }

    /// Writes a message's attachments to the object store, then their rows.
    async fn store_attachments(
        &self,
        tx: &mut TenantTx,
        t: &Ticket,
        note: Option<Uuid>,
        msg: &InboundMessage,
    ) -> Result<()> {
        for a in &msg.attachments {
            let id = Uuid::now_v7();
            let key = format!("{}/{}/{}", t.tenant_id, t.id, id);
            self.email.store.put(&key, a.data.clone()).await?;
            let row = Attachment {
                id,
                tenant_id: t.tenant_id,
                ticket_id: t.id,
                note_id: note,
                file_name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                size_bytes: i64::try_from(a.data.len()).unwrap_or(i64::MAX),
                content_id: a.content_id.clone(),
                inline: a.inline,
                storage_key: key,
                created_at: Utc::now(),
            };
            repo::attachments::insert(tx, &row).await?;
        }
        Ok(())
    }

    /// A ticket's attachments (portal users: not those of internal notes).
    pub async fn list_attachments(&self, p: &Principal, ticket: Uuid) -> Result<Vec<Attachment>> {
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        self.visible(&mut tx, p, ticket, false).await?;
        repo::attachments::list(&mut tx, p.tenant_id, ticket, p.portal_company().is_some()).await
    }

    /// Polls mailbox `id` now on behalf of `p`.
    ///
    /// # Errors
    /// NOT_FOUND for another tenant's mailbox; FAILED_PRECONDITION without IMAP settings, while
    /// another poll runs, or when the server fails (the message says why).
    pub async fn poll_mailbox(&self, p: &Principal, id: Uuid) -> Result<PollReport> {
        let m = self.get_mailbox(p, id).await?;
        if m.fields.imap.host.is_empty() || !m.fields.active {
            return Err(
                DomainError::FailedPrecondition("the mailbox has no IMAP settings or is inactive".into()).into()
            );
        }
        self.poll(p.tenant_id, id).await?.ok_or_else(|| {
            DomainError::FailedPrecondition("another poll of this mailbox is running; try again shortly".into()).into()
        })
    }

    /// Polls one mailbox under its lease; `Ok(None)` when another poller holds the lease.
    async fn poll(&self, tenant: Uuid, id: Uuid) -> Result<Option<PollReport>> {
        let lease = chrono::Duration::seconds(300);
        if !repo::email::take_poll_lease(&self.pool, id, Utc::now(), lease).await? {
            return Ok(None);
        }
        let result = self.poll_leased(tenant, id).await;
        let next =
            Utc::now() + chrono::Duration::from_std(self.email.poll_interval).unwrap_or(chrono::Duration::minutes(1));
        repo::email::release_poll_lease(&self.pool, id, next).await?;
        let error = match &result {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        };
        let mut tx = db::begin(&self.pool, tenant).await?;
        let position = result.as_ref().ok().and_then(|r| r.1);
        repo::email::finish_poll(&mut tx, tenant, id, position, &error).await?;
        tx.commit().await?;
        match result {
            Ok((report, _)) => Ok(Some(report)),
            Err(e) => Err(DomainError::FailedPrecondition(format!("polling the mailbox failed: {e}")).into()),
        }
    }

    /// The IMAP work of a poll: returns the counts and the (UIDVALIDITY, last UID) reached.
    async fn poll_leased(&self, tenant: Uuid, id: Uuid) -> anyhow::Result<(PollReport, Option<(i64, i64)>)> {
        let (m, sealed) = {
            let mut tx = db::begin(&self.pool, tenant).await?;
            let m = repo::email::get_mailbox(&mut tx, tenant, id, false).await?;
            let sealed = repo::email::mailbox_password(&mut tx, tenant, id).await?;
            (m, sealed)
        };
        let password = sealed
            .and_then(|s| self.email.secrets.open(&s, &password_aad(tenant, id)).ok())
            .and_then(|p| String::from_utf8(p).ok())
            .ok_or_else(|| anyhow::anyhow!("the stored IMAP password cannot be read (PSA_SECRETS_KEY changed?)"))?;
        let mut folder = imap::Folder::open(&m.fields.imap, &password).await?;
        let validity = i64::from(folder.uid_validity);
        let mut last = if m.uid_validity == Some(validity) { m.last_uid } else { 0 };
        let mut report = PollReport::default();
        let fetched = folder.fetch_after(u32::try_from(last).unwrap_or(0)).await?;
        let mut seen = Vec::new();
        for f in fetched {
            report.fetched += 1;
            match self.ingest(&m, &f.raw).await {
                Ok(r) if r.duplicate => report.duplicates += 1,
                Ok(r) => match EmailOutcome::parse(&r.record.outcome) {
                    Some(EmailOutcome::CreatedTicket) => report.created_tickets += 1,
                    Some(EmailOutcome::AddedNote) => report.added_notes += 1,
                    Some(EmailOutcome::Rejected) => report.rejected += 1,
                    _ => report.ignored += 1,
                },
                Err(psa_kit::Error::Domain(DomainError::Invalid(v))) => {
                    tracing::warn!(mailbox = %id, uid = f.uid, problems = ?v, "skipping a message that does not parse");
                    report.ignored += 1;
                }
                Err(e) => {
                    // Keep what was imported; the rest is fetched again next time.
                    folder.mark_seen(&seen).await?;
                    folder.close().await;
                    return Err(anyhow::anyhow!("importing UID {}: {e}", f.uid));
                }
            }
            seen.push(f.uid);
            last = i64::from(f.uid);
        }
        folder.mark_seen(&seen).await?;
        folder.close().await;
        Ok((report, Some((validity, last))))
    }

    /// One round of the poll job: polls mailboxes that are due (at most 20), each under its lease.
    ///
    /// # Errors
    /// Database errors listing the due mailboxes (failures of one mailbox are recorded on it).
    pub async fn poll_due(&self, now: DateTime<Utc>) -> Result<usize> {
        let due = repo::email::due_polls(&self.pool, now, 20).await?;
        let mut done = 0;
        for (tenant, id) in due {
            match self.poll(tenant, id).await {
                Ok(Some(_)) => done += 1,
                Ok(None) => {}
                Err(e) => tracing::warn!(mailbox = %id, error = %e, "mailbox poll failed"),
            }
        }
        Ok(done)
    }
}

impl Tickets {
    /// Queues the email of a staff user's public note, in the note's transaction, when the
    /// ticket has somewhere to send it (an active mailbox and the client's address: its
    /// contact's, else whoever last wrote in). The Message-ID is new; `In-Reply-To` is the
    /// client's last message and `References` the ticket's thread, so the answer threads back
    /// (RFC 5322 §3.6.4); the subject carries the `[T-000042]` tag as a second thread key.
    ///
    /// # Errors
    /// Database errors.
    pub(crate) async fn queue_note_mail(
        &self,
        tx: &mut TenantTx,
        t: &Ticket,
        note: &crate::domain::ticket::Note,
    ) -> Result<()> {
        let tenant = t.tenant_id;
        let Some(th) = repo::email::ticket_thread(tx, tenant, t.id, t.fields.contact_id).await? else { return Ok(()) };
        let Some(to) = th.to_address else { return Ok(()) };
        let domain = th.from_address.rsplit_once('@').map_or("localhost", |(_, d)| d).to_owned();
        let subject = thread::outbound_subject(t.number, &t.fields.title);
        let subject = if th.last_inbound.is_some() { format!("Re: {subject}") } else { subject };
        let from = if th.from_name.is_empty() {
            th.from_address.clone()
        } else {
            format!("{} <{}>", th.from_name, th.from_address)
        };
        let mut refs = th.ids.clone();
        if refs.len() > 20 {
            // Keep the first and the newest (RFC 5322 §3.6.4 allows trimming the middle).
            refs.drain(1..refs.len() - 19);
        }
        let o = repo::email::Outbound {
            id: Uuid::now_v7(),
            tenant_id: tenant,
            mailbox_id: th.mailbox_id,
            ticket_id: t.id,
            note_id: note.id,
            message_row_id: Uuid::now_v7(),
            from_address: from,
            to_address: to,
            subject,
            body: note.body.clone(),
            message_id: format!("{}.{}@{domain}", note.id.simple(), format_number(t.number).to_ascii_lowercase()),
            in_reply_to: th.last_inbound.unwrap_or_default(),
            refs,
            attempts: 0,
        };
        repo::email::queue_outbound(tx, &o).await
    }

    /// One round of the send job: sends due mail (at most 20), each under a lease, retrying
    /// transport failures with backoff (1, 2, 4, 8 minutes) up to [`MAX_SEND_ATTEMPTS`].
    ///
    /// # Errors
    /// Database errors.
    pub async fn send_due(&self, now: DateTime<Utc>) -> Result<usize> {
        let due = repo::email::lease_due_sends(&self.pool, now, chrono::Duration::seconds(120), 20).await?;
        let mut sent = 0;
        for (tenant, id) in due {
            let mut tx = db::begin(&self.pool, tenant).await?;
            let Some(o) = repo::email::get_outbound(&mut tx, tenant, id).await? else {
                repo::email::unschedule_send(&mut tx, tenant, id).await?;
                tx.commit().await?;
                continue;
            };
            let bracket = |id: &str| format!("<{id}>");
            let mail = psa_kit::mail::OutgoingMail {
                from: Some(o.from_address.clone()),
                to: vec![o.to_address.clone()],
                subject: o.subject.clone(),
                text: o.body.clone(),
                html: None,
                message_id: Some(bracket(&o.message_id)),
                in_reply_to: (!o.in_reply_to.is_empty()).then(|| bracket(&o.in_reply_to)),
                references: o.refs.iter().map(|r| bracket(r)).collect(),
            };
            match self.email.mailer.send(mail).await {
                Ok(_) => {
                    repo::email::finish_send(&mut tx, &o, None, None).await?;
                    sent += 1;
                }
                Err(e) => {
                    let retry =
                        matches!(e, psa_kit::mail::MailError::Transport(_)) && o.attempts + 1 < MAX_SEND_ATTEMPTS;
                    let at = retry.then(|| Utc::now() + chrono::Duration::minutes(1 << o.attempts.clamp(0, 3)));
                    tracing::warn!(ticket = %o.ticket_id, error = %e, retry, "sending a ticket mail failed");
                    repo::email::finish_send(&mut tx, &o, Some(&e.to_string()), at).await?;
                }
            }
            tx.commit().await?;
        }
        Ok(sent)
    }
}

/// Mailbox fields an update mask may name (besides `imap_password`).
pub const MAILBOX_UPDATABLE: &[&str] = &[
    "name",
    "address",
    "active",
    "imap_host",
    "imap_port",
    "imap_username",
    "imap_folder",
    "imap_tls_ca_pem",
    "unknown_sender_policy",
    "default_company_id",
    "default_priority",
];

/// Polls due mailboxes and sends due mail every `interval` until `shutdown`.
pub async fn run_poll_job(app: Arc<Tickets>, interval: StdDuration, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = app.poll_due(Utc::now()).await {
                    tracing::warn!(error = %e, "email poll round failed; will retry");
                }
                if let Err(e) = app.send_due(Utc::now()).await {
                    tracing::warn!(error = %e, "email send round failed; will retry");
                }
            }
        }
    }
}

/// The ticket `id`, locked, or — when it was merged — the ticket it was merged into (followed
/// through successive merges), so that replies to a merged ticket's thread land where its notes went.
async fn surviving(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Ticket> {
    let mut t = repo::tickets::get(tx, tenant, id, true).await?;
    // merges cannot form cycles (a merged ticket is never a merge target); the bound is a guard
    for _ in 0..16 {
        let Some(into) = t.relations.merged_into_id else { break };
        t = repo::tickets::get(tx, tenant, into, true).await?;
    }
    Ok(t)
}

/// A rule's queue must be an active queue of the tenant.
///
/// # Errors
/// INVALID_ARGUMENT on `rule.actions.queue_id`.
async fn check_rule_queue(tx: &mut TenantTx, tenant: Uuid, f: &RuleFields) -> Result<()> {
    let Some(queue) = f.actions.queue_id else { return Ok(()) };
    match repo::desk::get_item(tx, tenant, ItemKind::Queue, queue).await {
        Ok(q) if q.fields.active => Ok(()),
        Ok(_) => Err(DomainError::invalid("rule.actions.queue_id", "the queue is inactive").into()),
        Err(_) => Err(DomainError::invalid("rule.actions.queue_id", "no such queue").into()),
    }
}
