//! Email to ticket (proto `psa/tickets/v1/email.proto`): mailboxes, their message log and
//! parse rules. Times are RFC 3339 (UTC); enums by proto value name.

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResult, Body, call, encode, get, send_json, with_query};

/// A mailbox (as read, or the fields of a new one). The IMAP password is write-only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Mailbox {
    /// Id (output only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// 1–100 characters.
    pub name: String,
    /// The address clients write to; replies are sent from it.
    pub address: String,
    /// Inactive mailboxes are not polled and refuse inbound messages.
    pub active: Option<bool>,
    /// IMAP server (implicit TLS); empty: fed by the inbound endpoint only.
    pub imap_host: String,
    /// 0 means the default, 993.
    #[serde(skip_serializing_if = "is_zero")]
    pub imap_port: i32,
    /// IMAP user name.
    pub imap_username: String,
    /// Write-only; never returned (see `has_imap_password`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub imap_password: String,
    /// Folder, default `INBOX`.
    pub imap_folder: String,
    /// `UNKNOWN_SENDER_POLICY_…`.
    pub unknown_sender_policy: String,
    /// Company of tickets from unknown senders (DEFAULT_COMPANY policy).
    pub default_company_id: String,
    /// `TICKET_PRIORITY_…` of new tickets unless a parse rule sets one.
    pub default_priority: String,
    /// Whether an IMAP password is stored (output only).
    #[serde(skip_serializing)]
    pub has_imap_password: bool,
    /// Only in the answers of create and rotate-token.
    #[serde(skip_serializing)]
    pub inbound_token: String,
    /// When the mailbox was last polled (output only).
    #[serde(skip_serializing)]
    pub last_poll_time: String,
    /// Why the last poll failed; empty after a successful one (output only).
    #[serde(skip_serializing)]
    pub last_poll_error: String,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct MailboxList {
    mailboxes: Vec<Mailbox>,
}

/// The tenant's mailboxes by name.
pub async fn list_mailboxes() -> ApiResult<Vec<Mailbox>> {
    get::<MailboxList>("/api/v1/email-mailboxes".into()).await.map(|l| l.mailboxes)
}

/// One mailbox.
pub async fn get_mailbox(id: &str) -> ApiResult<Mailbox> {
    get(format!("/api/v1/email-mailboxes/{}", encode(id))).await
}

/// Creates a mailbox; the answer carries the inbound token, shown once.
pub async fn create_mailbox(mailbox: &Mailbox) -> ApiResult<Mailbox> {
    send_json(Method::POST, "/api/v1/email-mailboxes".into(), mailbox).await
}

/// Changes the fields named in `mask` (comma-separated proto field names).
pub async fn update_mailbox(id: &str, mailbox: &Mailbox, mask: &str) -> ApiResult<Mailbox> {
    send_json(
        Method::PATCH,
        with_query(&format!("/api/v1/email-mailboxes/{}", encode(id)), &[("updateMask", mask)]),
        mailbox,
    )
    .await
}

/// Deletes (archives) a mailbox.
pub async fn delete_mailbox(id: &str) -> ApiResult<()> {
    call(Method::DELETE, format!("/api/v1/email-mailboxes/{}", encode(id)), Body::Empty).await.map(|_| ())
}

/// Issues a new inbound token (the old one stops working); the answer carries it once.
pub async fn rotate_token(id: &str) -> ApiResult<Mailbox> {
    send_json(Method::POST, format!("/api/v1/email-mailboxes/{}:rotateToken", encode(id)), &serde_json::json!({})).await
}

/// What one poll did.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PollReport {
    /// Messages fetched from the server.
    pub fetched: i32,
    /// New tickets.
    pub created_tickets: i32,
    /// Replies threaded into tickets.
    pub added_notes: i32,
    /// Auto-replies, bounces, messages dropped by a rule.
    pub ignored: i32,
    /// Unknown senders under the REJECT policy.
    pub rejected: i32,
    /// Messages already imported.
    pub duplicates: i32,
}

/// Polls the mailbox's IMAP folder now.
pub async fn poll(id: &str) -> ApiResult<PollReport> {
    send_json(Method::POST, format!("/api/v1/email-mailboxes/{}:poll", encode(id)), &serde_json::json!({})).await
}

/// One message a mailbox received or sent.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Message {
    /// Id.
    pub id: String,
    /// `EMAIL_DIRECTION_…`.
    pub direction: String,
    /// `EMAIL_OUTCOME_…`.
    pub outcome: String,
    /// Why it was ignored or rejected, or why sending failed.
    pub reason: String,
    /// Sender address.
    pub from_address: String,
    /// Subject.
    pub subject: String,
    /// The ticket it opened or was threaded into.
    pub ticket_id: String,
    /// `T-000042` of `ticket_id`.
    pub ticket_number: String,
    /// When it was recorded.
    pub create_time: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct MessageList {
    messages: Vec<Message>,
}

/// The mailbox's latest 100 messages, newest first.
pub async fn list_messages(mailbox_id: &str) -> ApiResult<Vec<Message>> {
    get::<MessageList>(with_query(
        &format!("/api/v1/email-mailboxes/{}/messages", encode(mailbox_id)),
        &[("pageSize", "100")],
    ))
    .await
    .map(|l| l.messages)
}

/// What a message must match (case-insensitive regular expressions; empty matches anything).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleConditions {
    /// Against the sender address.
    pub from_pattern: String,
    /// Against the subject.
    pub subject_pattern: String,
    /// Against the plain-text body.
    pub body_pattern: String,
}

/// What a matching rule does to the new ticket.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleActions {
    /// Company id.
    pub company_id: String,
    /// `TICKET_PRIORITY_…`, empty for unchanged.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub priority: String,
    /// Staff user id.
    pub assignee_id: String,
    /// Drop the message.
    pub ignore: bool,
    /// Queue id of the new ticket.
    pub queue_id: String,
}

/// A parse rule; the first active one (lowest position) that matches decides.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParseRule {
    /// Id (output only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// 1–100 characters.
    pub name: String,
    /// Evaluation order, lowest first.
    pub position: i32,
    /// Conditions (all must match).
    pub conditions: RuleConditions,
    /// Actions.
    pub actions: RuleActions,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RuleList {
    rules: Vec<ParseRule>,
}

/// The mailbox's parse rules in evaluation order.
pub async fn list_rules(mailbox_id: &str) -> ApiResult<Vec<ParseRule>> {
    get::<RuleList>(format!("/api/v1/email-mailboxes/{}/parse-rules", encode(mailbox_id))).await.map(|l| l.rules)
}

/// Adds a parse rule.
pub async fn create_rule(mailbox_id: &str, rule: &ParseRule) -> ApiResult<ParseRule> {
    send_json(Method::POST, format!("/api/v1/email-mailboxes/{}/parse-rules", encode(mailbox_id)), rule).await
}

/// Deletes a parse rule.
pub async fn delete_rule(mailbox_id: &str, id: &str) -> ApiResult<()> {
    call(
        Method::DELETE,
        format!("/api/v1/email-mailboxes/{}/parse-rules/{}", encode(mailbox_id), encode(id)),
        Body::Empty,
    )
    .await
    .map(|_| ())
}
