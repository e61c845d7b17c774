//! Mailboxes: where mail for the service desk arrives (an IMAP folder polled over implicit
//! TLS, RFC 8314, and/or the inbound endpoint), what happens to senders the desk does not
//! know, and the per-mailbox inbound token.

use chrono::{DateTime, Utc};
use psa_core::validate::Validator;
use psa_core::{DomainError, text_enum};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::ticket::TicketPriority;

text_enum!(
    /// What a message from an address that is neither a contact nor at a known company domain
    /// does: open a ticket without a contact at the mailbox's default company, or be rejected
    /// (recorded, no ticket, no reply).
    UnknownSenderPolicy { DefaultCompany => "default_company", Reject => "reject" }
);

/// IMAP settings; an empty host means the mailbox is fed by the inbound endpoint only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImapSettings {
    pub host: String,
    /// Implicit-TLS port; default 993.
    pub port: u16,
    pub username: String,
    /// Folder polled; default `INBOX`.
    pub folder: String,
    /// Extra trusted certificates (PEM), for a private CA or a self-signed server certificate;
    /// empty: the public web PKI roots (Mozilla's, via webpki-roots) only.
    pub tls_ca_pem: String,
}

/// The writable fields of a mailbox (the IMAP password is handled apart: write-only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxFields {
    pub name: String,
    /// The address clients write to; outbound mail about its tickets is sent from it.
    pub address: String,
    pub active: bool,
    pub imap: ImapSettings,
    pub unknown_sender_policy: UnknownSenderPolicy,
    /// Company of tickets from unknown senders (required with [`UnknownSenderPolicy::DefaultCompany`]).
    pub default_company_id: Option<Uuid>,
    /// Priority of new tickets unless a parse rule sets one.
    pub default_priority: TicketPriority,
}

/// A stored mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: MailboxFields,
    /// Whether an IMAP password is stored (it is never returned).
    pub has_password: bool,
    pub uid_validity: Option<i64>,
    pub last_uid: i64,
    pub last_poll_at: Option<DateTime<Utc>>,
    /// Empty when the last poll succeeded.
    pub last_poll_error: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl MailboxFields {
    /// Trims and defaults (`port` 993, `folder` INBOX), then checks every rule.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming every bad field under `mailbox.`.
    pub fn normalize(mut self, has_password: bool) -> Result<Self, DomainError> {
        self.name = self.name.trim().to_owned();
        self.address = self.address.trim().to_lowercase();
        let i = &mut self.imap;
        i.host = i.host.trim().to_owned();
        i.username = i.username.trim().to_owned();
        i.folder = i.folder.trim().to_owned();
        if i.folder.is_empty() {
            i.folder = "INBOX".into();
        }
        if i.port == 0 {
            i.port = 993;
        }
        let mut v = Validator::new();
        v.required("mailbox.name", &self.name).max_chars("mailbox.name", &self.name, 100);
        v.required("mailbox.address", &self.address).email("mailbox.address", &self.address);
        let i = &self.imap;
        v.max_chars("mailbox.imap_host", &i.host, 253).max_chars("mailbox.imap_folder", &i.folder, 200);
        if !i.host.is_empty() {
            if i.host.contains(|c: char| c.is_whitespace() || c == '/' || c == ':') {
                v.push("mailbox.imap_host", "must be a host name or IP address");
            }
            v.required("mailbox.imap_username", &i.username);
            if !has_password {
                v.push("mailbox.imap_password", "is required with an IMAP host");
            }
        }
        if !i.tls_ca_pem.trim().is_empty() && !i.tls_ca_pem.contains("-----BEGIN CERTIFICATE-----") {
            v.push("mailbox.imap_tls_ca_pem", "must be PEM certificates (-----BEGIN CERTIFICATE-----)");
        }
        if self.unknown_sender_policy == UnknownSenderPolicy::DefaultCompany && self.default_company_id.is_none() {
            v.push("mailbox.default_company_id", "is required when unknown senders open tickets");
        }
        v.finish()?;
        Ok(self)
    }
}

/// A new inbound token for a mailbox of `tenant`: `mbx_<tenant id, 32 hex>_<43 random
/// base64url characters>` (256 bits). The tenant part lets the endpoint open the tenant's
/// transaction before looking the mailbox up; only the SHA-256 is stored.
pub fn new_inbound_token(tenant: Uuid) -> String {
    use base64::Engine as _;
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    format!("mbx_{}_{}", tenant.simple(), base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret))
}

/// The tenant named by an inbound token, if it is well-formed.
pub fn token_tenant(token: &str) -> Option<Uuid> {
    let rest = token.strip_prefix("mbx_")?;
    let (tenant, secret) = rest.split_once('_')?;
    (tenant.len() == 32 && secret.len() >= 40).then(|| Uuid::try_parse(tenant).ok()).flatten()
}

/// SHA-256 of a token, as stored.
pub fn token_digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> MailboxFields {
        MailboxFields {
            name: " Support ".into(),
            address: "Support@MSP.example ".into(),
            active: true,
            imap: ImapSettings::default(),
            unknown_sender_policy: UnknownSenderPolicy::Reject,
            default_company_id: None,
            default_priority: TicketPriority::Medium,
        }
    }

    #[test]
    fn defaults_and_rules() {
        let f = fields().normalize(false).unwrap();
        assert_eq!((f.name.as_str(), f.address.as_str()), ("Support", "support@msp.example"));
        assert_eq!((f.imap.port, f.imap.folder.as_str()), (993, "INBOX"));
        let bad = MailboxFields {
            address: "nope".into(),
            imap: ImapSettings { host: "imap.example.com/x".into(), tls_ca_pem: "junk".into(), ..Default::default() },
            unknown_sender_policy: UnknownSenderPolicy::DefaultCompany,
            ..fields()
        };
        let Err(DomainError::Invalid(v)) = bad.normalize(false) else { panic!() };
        let names: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            [
                "mailbox.address",
                "mailbox.imap_host",
                "mailbox.imap_username",
                "mailbox.imap_password",
                "mailbox.imap_tls_ca_pem",
                "mailbox.default_company_id"
            ]
        );
    }

    #[test]
    fn tokens_name_their_tenant() {
        let tenant = Uuid::now_v7();
        let t = new_inbound_token(tenant);
        assert_eq!(token_tenant(&t), Some(tenant));
        assert_ne!(t, new_inbound_token(tenant));
        assert_eq!(token_tenant("mbx_nope_x"), None);
        assert_eq!(token_tenant(&format!("mbx_{}_short", tenant.simple())), None);
        assert_eq!(token_digest(&t).len(), 32);
    }
}
