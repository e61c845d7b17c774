//! Outbound mail over SMTP (RFC 5321 submission of RFC 5322 messages), with `lettre`.
//!
//! Configuration ([`MailConfig`], flattened into a service's config):
//! - `PSA_SMTP_URL`: the submission server, `smtp://host:port` (plain, e.g. a local relay),
//!   `smtp://host:port?tls=required` (STARTTLS, default port 587) or `smtps://host:port`
//!   (implicit TLS, default port 465), with optional credentials
//!   `smtps://user:password@host` (percent-encoded). TLS is rustls (ring) with the Mozilla
//!   root set. Unset: mail is not configured and [`Mailer::send`] answers
//!   [`MailError::NotConfigured`].
//! - `PSA_SMTP_FROM`: the default `From` (`PSA <no-reply@example.com>` or a bare address),
//!   default `psa@localhost`.
//!
//! The URL may carry a password: it is never logged ([`MailConfig`]'s `Debug` redacts it).

use std::fmt;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;

/// SMTP settings: `PSA_SMTP_URL` (optional) and `PSA_SMTP_FROM`; see the module docs.
#[derive(Clone, Deserialize)]
pub struct MailConfig {
    /// `smtp://…`, `smtp://…?tls=required` or `smtps://…`, optionally with `user:password@`.
    #[serde(default)]
    pub smtp_url: Option<String>,
    /// Default `From` mailbox (`Name <addr>` or `addr`), default `psa@localhost`.
    #[serde(default = "default_smtp_from")]
    pub smtp_from: String,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self { smtp_url: None, smtp_from: default_smtp_from() }
    }
}

impl fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.smtp_url.as_deref().map(redact_url);
        f.debug_struct("MailConfig").field("smtp_url", &url).field("smtp_from", &self.smtp_from).finish()
    }
}

fn default_smtp_from() -> String {
    "psa@localhost".into()
}

/// `scheme://host:port…` without the user info (for logs).
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => "<unparsable url>".into(),
    }
}

/// One message to send.
///
/// Addresses are mailboxes as in RFC 5322 (`Name <local@domain>` or `local@domain`).
/// `message_id`, `in_reply_to` and `references` are message ids *with* angle brackets
/// (`<id@host>`), as they appear in headers (RFC 5322 §3.6.4); `references` is the list in
/// order, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingMail {
    /// `From`; `None` uses `PSA_SMTP_FROM`.
    pub from: Option<String>,
    /// `To` recipients (at least one).
    pub to: Vec<String>,
    /// `Subject` (UTF-8; encoded as RFC 2047 when needed).
    pub subject: String,
    /// The `text/plain` body (UTF-8).
    pub text: String,
    /// An optional `text/html` alternative; with it the message is `multipart/alternative`.
    pub html: Option<String>,
    /// `Message-ID`; `None`: one is generated (`<uuid@domain of From>`).
    pub message_id: Option<String>,
    /// `In-Reply-To` (a reply's parent message id).
    pub in_reply_to: Option<String>,
    /// `References` (the thread's message ids).
    pub references: Vec<String>,
}

/// Why a mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// `PSA_SMTP_URL` is unset.
    #[error("outbound mail is not configured (PSA_SMTP_URL is unset)")]
    NotConfigured,
    /// An address (`field` is `from`, `to[i]` or `PSA_SMTP_FROM`) is not a valid mailbox.
    #[error("{field}: not a valid email address: {value:?}")]
    InvalidAddress { field: String, value: String },
    /// The message could not be built (e.g. no recipient, bad message id).
    #[error("mail not built: {0}")]
    Build(String),
    /// The SMTP server refused the message or could not be reached (transient or permanent).
    #[error("SMTP: {0}")]
    Transport(String),
}

/// Sends mail through the configured SMTP server. Cheap to clone (a shared connection pool).
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer").field("configured", &self.transport.is_some()).field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A mailer for `config`. Nothing connects until the first [`Mailer::send`]. Call it
    /// inside a Tokio runtime (the connection pool starts a task).
    ///
    /// # Errors
    /// `PSA_SMTP_URL` is not a valid SMTP URL, or `PSA_SMTP_FROM` is not a mailbox.
    pub fn new(config: &MailConfig) -> anyhow::Result<Self> {
        let from = parse_mailbox("PSA_SMTP_FROM", &config.smtp_from)?;
        let transport = match config.smtp_url.as_deref().filter(|u| !u.is_empty()) {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("PSA_SMTP_URL ({}): {e}", redact_url(url)))?
                    .build(),
            ),
        };
        Ok(Self { transport, from })
    }

    /// Whether `PSA_SMTP_URL` is set.
    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// The default `From` (`PSA_SMTP_FROM`).
    pub fn default_from(&self) -> String {
        self.from.to_string()
    }

    /// Builds the RFC 5322 message for `mail` and its `Message-ID` (without sending).
    ///
    /// # Errors
    /// [`MailError::InvalidAddress`] or [`MailError::Build`].
    pub fn build(&self, mail: &OutgoingMail) -> Result<(Message, String), MailError> {
        let from = match &mail.from {
            Some(f) => parse_mailbox("from", f)?,
            None => self.from.clone(),
        };
        if mail.to.is_empty() {
            return Err(MailError::Build("no recipient".into()));
        }
        let message_id = match &mail.message_id {
            Some(id) => check_message_id("message_id", id)?.to_owned(),
            None => format!("<{}@{}>", uuid::Uuid::now_v7().simple(), from.email.domain()),
        };
        let mut builder =
            Message::builder().from(from).subject(mail.subject.clone()).message_id(Some(message_id.clone()));
        for (i, to) in mail.to.iter().enumerate() {
            builder = builder.to(parse_mailbox(&format!("to[{i}]"), to)?);
        }
        if let Some(parent) = &mail.in_reply_to {
            builder = builder.in_reply_to(check_message_id("in_reply_to", parent)?.to_owned());
        }
        if !mail.references.is_empty() {
            for (i, r) in mail.references.iter().enumerate() {
                check_message_id(&format!("references[{i}]"), r)?;
            }
            builder = builder
                .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("References"), mail.references.join(" ")));
        }
        let text = SinglePart::plain(mail.text.clone());
        let message = match &mail.html {
            None => builder.singlepart(text),
            Some(html) => {
                builder.multipart(MultiPart::alternative().singlepart(text).singlepart(SinglePart::html(html.clone())))
            }
        }
        .map_err(|e| MailError::Build(e.to_string()))?;
        Ok((message, message_id))
    }

    /// Sends `mail` and returns the `Message-ID` it carries (`<…>`).
    ///
    /// # Errors
    /// [`MailError::NotConfigured`] without `PSA_SMTP_URL`; [`MailError::InvalidAddress`] /
    /// [`MailError::Build`] for a bad message; [`MailError::Transport`] when the server cannot
    /// be reached or refuses it (the caller decides whether to retry).
    pub async fn send(&self, mail: OutgoingMail) -> Result<String, MailError> {
        let transport = self.transport.as_ref().ok_or(MailError::NotConfigured)?;
        let (message, message_id) = self.build(&mail)?;
        transport.send(message).await.map_err(|e| MailError::Transport(e.to_string()))?;
        tracing::info!(message_id = %message_id, recipients = mail.to.len(), "mail sent");
        Ok(message_id)
    }
}

fn parse_mailbox(field: &str, value: &str) -> Result<Mailbox, MailError> {
    value.trim().parse::<Mailbox>().map_err(|_| MailError::InvalidAddress { field: field.into(), value: value.into() })
}

/// A message id must look like `<left@right>` (RFC 5322 §3.6.4), without spaces.
fn check_message_id<'a>(field: &str, id: &'a str) -> Result<&'a str, MailError> {
    let ok = id.len() > 4
        && id.starts_with('<')
        && id.ends_with('>')
        && id[1..id.len() - 1].contains('@')
        && !id.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control());
    if ok { Ok(id) } else { Err(MailError::Build(format!("{field}: not a message id (<left@right>): {id:?}"))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer() -> Mailer {
        Mailer::new(&MailConfig { smtp_url: None, smtp_from: "PSA <no-reply@msp.example>".into() }).unwrap()
    }

    fn formatted(m: &Message) -> String {
        String::from_utf8(m.formatted()).unwrap()
    }

    #[test]
    fn builds_headers_and_generates_message_id_on_from_domain() {
        let mail = OutgoingMail {
            to: vec!["Ann <ann@client.example>".into()],
            subject: "Hello".into(),
            text: "Body".into(),
            in_reply_to: Some("<a@x.example>".into()),
            references: vec!["<root@x.example>".into(), "<a@x.example>".into()],
            ..Default::default()
        };
        let (m, id) = mailer().build(&mail).unwrap();
        assert!(id.starts_with('<') && id.ends_with("@msp.example>"), "{id}");
        let raw = formatted(&m);
        assert!(raw.contains(&format!("Message-ID: {id}")), "{raw}");
        assert!(raw.contains("In-Reply-To: <a@x.example>"), "{raw}");
        assert!(raw.contains("References: <root@x.example> <a@x.example>"), "{raw}");
        assert!(raw.contains("From: PSA <no-reply@msp.example>"), "{raw}");
    }

    #[test]
    fn html_makes_multipart_alternative() {
        let mail = OutgoingMail {
            to: vec!["ann@client.example".into()],
            subject: "s".into(),
            text: "plain".into(),
            html: Some("<p>rich</p>".into()),
            ..Default::default()
        };
        let raw = formatted(&mailer().build(&mail).unwrap().0);
        assert!(raw.contains("multipart/alternative"), "{raw}");
    }

    #[test]
    fn bad_input_names_the_field() {
        let m = mailer();
        let bad_to = OutgoingMail { to: vec!["ok@x.example".into(), "not an address".into()], ..Default::default() };
        assert!(matches!(m.build(&bad_to), Err(MailError::InvalidAddress { field, .. }) if field == "to[1]"));
        let none = OutgoingMail::default();
        assert!(matches!(m.build(&none), Err(MailError::Build(_))));
        let bad_id = OutgoingMail {
            to: vec!["a@x.example".into()],
            in_reply_to: Some("no-brackets".into()),
            ..Default::default()
        };
        assert!(matches!(m.build(&bad_id), Err(MailError::Build(msg)) if msg.contains("in_reply_to")));
    }

    #[tokio::test]
    async fn unconfigured_mailer_refuses() {
        let mail = OutgoingMail { to: vec!["a@x.example".into()], ..Default::default() };
        assert!(matches!(mailer().send(mail).await, Err(MailError::NotConfigured)));
    }

    #[tokio::test]
    async fn debug_redacts_credentials() {
        let c = MailConfig {
            smtp_url: Some("smtps://user:s3cret@smtp.example:465".into()),
            smtp_from: "a@b.example".into(),
        };
        let d = format!("{c:?}");
        assert!(!d.contains("s3cret") && !d.contains("user"), "{d}");
        assert!(Mailer::new(&c).unwrap().is_configured());
        assert!(Mailer::new(&MailConfig { smtp_url: Some("http://x".into()), ..c }).is_err());
    }
}
