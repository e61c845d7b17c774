//! An inbound email as the service desk sees it: parsed from raw RFC 5322 bytes with
//! `mail-parser` (MIME, encoded words, charsets, RFC 2231 parameters), with the thread
//! identifiers, the sender, a plain-text body and the attachments, and the verdict on whether
//! it was written by a machine (auto-reply, bounce) and so must never open a ticket or be
//! answered.

use chrono::{DateTime, Utc};
use mail_parser::{MessageParser, MimeHeaders};
use psa_core::DomainError;
use sha2::{Digest, Sha256};

/// Largest raw message accepted, in bytes (25 MiB, the common provider limit).
pub const MAX_RAW_BYTES: usize = 25 * 1024 * 1024;

/// One attachment (or inline part such as an embedded image) of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundAttachment {
    /// File name from `Content-Disposition`/`Content-Type` (decoded); `attachment-N` when absent.
    pub file_name: String,
    /// `type/subtype`, lower case; `application/octet-stream` when absent.
    pub content_type: String,
    /// `Content-ID` without angle brackets (how HTML bodies refer to inline images); empty if none.
    pub content_id: String,
    /// Shown inline by mail clients (`Content-Disposition: inline`), e.g. an embedded image.
    pub inline: bool,
    /// Decoded bytes.
    pub data: Vec<u8>,
}

/// The parts of an inbound message the service desk uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// `Message-ID` without angle brackets; when the message has none, `sha256:<hex of the
    /// raw bytes>` so a re-delivery of the same bytes is still recognised.
    pub message_id: String,
    /// `In-Reply-To` ids (without brackets), in header order.
    pub in_reply_to: Vec<String>,
    /// `References` ids (without brackets), oldest first as sent (RFC 5322 §3.6.4).
    pub references: Vec<String>,
    /// Sender address (`From`, else `Sender`), lower case; empty when absent.
    pub from_address: String,
    /// Sender display name, decoded; empty when absent.
    pub from_name: String,
    /// Decoded subject, trimmed; empty when absent.
    pub subject: String,
    /// `Date` in UTC, when present and valid.
    pub date: Option<DateTime<Utc>>,
    /// The first text body: the text/plain part, or the HTML part converted to text.
    pub text: String,
    pub attachments: Vec<InboundAttachment>,
    /// Why the message was written by a machine (see [`automatic_reason`]); `None` for a person.
    pub automatic: Option<String>,
}

fn strip_id(s: &str) -> String {
    s.trim().trim_start_matches('<').trim_end_matches('>').trim().to_owned()
}

fn ids(v: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match v {
        mail_parser::HeaderValue::Text(t) => vec![strip_id(t)],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| strip_id(t)).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

impl InboundMessage {
    /// Parses raw RFC 5322 bytes.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `raw` when the bytes are empty, larger than
    /// [`MAX_RAW_BYTES`], or not a message (no header section).
    pub fn parse(raw: &[u8]) -> Result<Self, DomainError> {
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Err(DomainError::invalid("raw", "is empty"));
        }
        if raw.len() > MAX_RAW_BYTES {
            return Err(DomainError::invalid("raw", format!("is larger than {MAX_RAW_BYTES} bytes")));
        }
        let msg = MessageParser::default()
            .parse(raw)
            .filter(|m| !m.headers().is_empty())
            .ok_or_else(|| DomainError::invalid("raw", "is not an RFC 5322 message (no header fields)"))?;
        let message_id = match msg.message_id().map(strip_id).filter(|s| !s.is_empty()) {
            Some(id) => id,
            None => format!("sha256:{:x}", Sha256::digest(raw)),
        };
        let sender = msg.from().or(msg.sender()).and_then(|a| a.first());
        let from_address = sender.and_then(|a| a.address()).unwrap_or_default().trim().to_lowercase();
        let from_name = sender.and_then(|a| a.name()).unwrap_or_default().trim().to_owned();
        let date = msg.date().and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0));
        let text = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
        let attachments = msg
            .attachments()
            .enumerate()
            .map(|(i, part)| {
                let content_type = part
                    .content_type()
                    .map(|ct| match ct.subtype() {
                        Some(sub) => format!("{}/{}", ct.ctype(), sub),
                        None => ct.ctype().to_owned(),
                    })
                    .unwrap_or_else(|| "application/octet-stream".into())
                    .to_ascii_lowercase();
                let file_name = part
                    .attachment_name()
                    .map(sanitize_file_name)
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("attachment-{}", i + 1));
                let inline = part.content_disposition().is_some_and(|d| d.is_inline());
                InboundAttachment {
                    file_name,
                    content_type,
                    content_id: part.content_id().map(strip_id).unwrap_or_default(),
                    inline,
                    data: part.contents().to_vec(),
                }
            })
            .collect();
        let headers = Headers {
            auto_submitted: msg.header_raw("Auto-Submitted"),
            return_path: msg.header_raw("Return-Path"),
            precedence: msg.header_raw("Precedence"),
            x_autoreply: msg.header_raw("X-Autoreply").or(msg.header_raw("X-Autorespond")),
            content_type: msg.content_type().map(|ct| (ct.ctype(), ct.subtype().unwrap_or_default())),
            from: &from_address,
        };
        Ok(Self {
            automatic: automatic_reason(&headers),
            message_id,
            in_reply_to: ids(msg.in_reply_to()),
            references: ids(msg.references()),
            from_address,
            from_name,
            subject: msg.subject().unwrap_or_default().trim().to_owned(),
            date,
            text,
            attachments,
        })
    }

    /// Ids this message answers, most specific first: `In-Reply-To`, then `References`
    /// newest first (RFC 5322 §3.6.4: the last reference is the parent).
    pub fn thread_ids(&self) -> Vec<String> {
        let mut out: Vec<String> = self.in_reply_to.clone();
        for r in self.references.iter().rev() {
            if !out.contains(r) {
                out.push(r.clone());
            }
        }
        out
    }
}

/// A file name safe to show and store: the last path segment, without control characters,
/// at most 255 characters.
pub fn sanitize_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    clean.chars().take(255).collect()
}

/// The raw header values [`automatic_reason`] looks at.
#[derive(Debug, Default, Clone, Copy)]
pub struct Headers<'a> {
    pub auto_submitted: Option<&'a str>,
    pub return_path: Option<&'a str>,
    pub precedence: Option<&'a str>,
    pub x_autoreply: Option<&'a str>,
    /// Top-level `Content-Type` as (type, subtype).
    pub content_type: Option<(&'a str, &'a str)>,
    /// Sender address, lower case.
    pub from: &'a str,
}

/// Why a message was sent by a machine rather than a person, or `None`:
/// - `Auto-Submitted` other than `no` (RFC 3834 §5: auto-replied, auto-generated, …);
/// - a null reverse path, `Return-Path: <>` (RFC 5321 §4.5.5: bounces and other notifications);
/// - a top-level `multipart/report` (RFC 6522: delivery status and disposition reports);
/// - `X-Autoreply` / `X-Autorespond` (vacation programs that predate RFC 3834);
/// - `Precedence: bulk | junk | list | auto_reply` (the de-facto header RFC 3834 §3.1.8 asks
///   responders to honour);
/// - a sender whose local part is `mailer-daemon` or `postmaster` (RFC 5321 §4.5.1 bounces).
///
/// Such messages never open a ticket and are never answered, which also stops mail loops
/// between two auto-responders.
pub fn automatic_reason(h: &Headers<'_>) -> Option<String> {
    if let Some(v) = h.auto_submitted {
        let kw = v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if !kw.is_empty() && kw != "no" {
            return Some(format!("Auto-Submitted: {kw}"));
        }
    }
    if h.return_path.is_some_and(|v| v.trim().trim_start_matches('<').trim_end_matches('>').trim().is_empty()) {
        return Some("null return path (Return-Path: <>)".into());
    }
    if let Some((t, s)) = h.content_type
        && t.eq_ignore_ascii_case("multipart")
        && s.eq_ignore_ascii_case("report")
    {
        return Some("multipart/report (delivery or disposition report)".into());
    }
    if h.x_autoreply.is_some_and(|v| !v.trim().eq_ignore_ascii_case("no")) {
        return Some("X-Autoreply".into());
    }
    if let Some(p) = h.precedence {
        let p = p.trim().to_ascii_lowercase();
        if ["bulk", "junk", "list", "auto_reply"].contains(&p.as_str()) {
            return Some(format!("Precedence: {p}"));
        }
    }
    let local = h.from.split('@').next().unwrap_or_default();
    if local == "mailer-daemon" || local == "postmaster" {
        return Some(format!("sender {local}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_headers() {
        let none = Headers::default();
        assert_eq!(automatic_reason(&none), None);
        let h = |auto: &'static str| Headers { auto_submitted: Some(auto), ..Headers::default() };
        assert_eq!(automatic_reason(&h("no")), None);
        assert_eq!(automatic_reason(&h(" No ")), None);
        assert!(automatic_reason(&h("auto-replied")).is_some());
        assert!(automatic_reason(&h("auto-generated; owner-email=\"x@y\"")).is_some());
        let rp = |v: &'static str| Headers { return_path: Some(v), ..Headers::default() };
        assert!(automatic_reason(&rp("<>")).is_some());
        assert!(automatic_reason(&rp(" < > ")).is_some());
        assert_eq!(automatic_reason(&rp("<a@b.example>")), None);
        let ct = |t: &'static str, s: &'static str| Headers { content_type: Some((t, s)), ..Headers::default() };
        assert!(automatic_reason(&ct("multipart", "report")).is_some());
        assert_eq!(automatic_reason(&ct("multipart", "mixed")), None);
        let pr = |v: &'static str| Headers { precedence: Some(v), ..Headers::default() };
        for v in ["bulk", "junk", "list", "auto_reply", " Bulk "] {
            assert!(automatic_reason(&pr(v)).is_some(), "{v}");
        }
        assert_eq!(automatic_reason(&pr("first-class")), None);
        assert!(automatic_reason(&Headers { x_autoreply: Some("yes"), ..Headers::default() }).is_some());
        assert!(automatic_reason(&Headers { from: "mailer-daemon@mx.example", ..Headers::default() }).is_some());
        assert_eq!(automatic_reason(&Headers { from: "daemon@mx.example", ..Headers::default() }), None);
    }

    #[test]
    fn rejects_non_messages() {
        assert!(InboundMessage::parse(b"").is_err());
        assert!(InboundMessage::parse(b"   \r\n").is_err());
        assert!(InboundMessage::parse(&vec![b'a'; MAX_RAW_BYTES + 1]).is_err());
    }

    #[test]
    fn message_id_falls_back_to_a_digest() {
        let raw = b"From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n";
        let m = InboundMessage::parse(raw).unwrap();
        assert!(m.message_id.starts_with("sha256:"), "{}", m.message_id);
        assert_eq!(m.message_id, InboundMessage::parse(raw).unwrap().message_id);
        assert_eq!(m.from_address, "a@b.example");
        assert_eq!(m.automatic, None);
    }

    #[test]
    fn thread_ids_put_the_parent_first() {
        let raw = b"From: a@b.example\r\nMessage-ID: <m3@x>\r\nIn-Reply-To: <m2@x>\r\nReferences: <m1@x> <m2@x>\r\n\r\nhi\r\n";
        let m = InboundMessage::parse(raw).unwrap();
        assert_eq!(m.thread_ids(), ["m2@x", "m1@x"]);
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("C:\\x\\report.pdf"), "report.pdf");
        assert_eq!(sanitize_file_name("a\u{0}b\n.txt"), "ab.txt");
        assert_eq!(sanitize_file_name(".htaccess"), "htaccess");
    }

    fn fixture(name: &str) -> InboundMessage {
        let path = format!("{}/../../../shared/fixtures/email/{name}", env!("CARGO_MANIFEST_DIR"));
        InboundMessage::parse(&std::fs::read(&path).expect(&path)).expect(name)
    }

    #[test]
    fn fixtures_parse_as_a_person_reads_them() {
        let m = fixture("01_plain-text_basic.eml");
        assert_eq!((m.from_address.as_str(), m.from_name.as_str()), ("test@lindsaar.net", "Mikel Lindsaar"));
        assert_eq!(m.message_id, "6B7EC235-5B17-4CA8-B2B8-39290DEB43A3@test.lindsaar.net");
        assert!(m.text.contains("Hope it works well!"), "{}", m.text);
        assert_eq!(m.automatic, None);

        let m = fixture("03_html-only_qp_iso8859-1_encoded-word-subject.eml");
        assert_eq!(m.subject, "Die Hasen und die Frösche");
        assert!(m.text.contains("Die Hasen klagten einst über"), "{}", m.text);
        assert!(!m.text.contains("<font"), "{}", m.text);
        assert!(m.attachments.is_empty());

        let m = fixture("04_multipart-alternative_qp_encoded-word-subject.eml");
        assert!(m.text.starts_with("Die Hasen und die Frösche"), "{}", m.text);
        assert!(m.attachments.is_empty());

        let m = fixture("05_mixed_alternative_related_inline-image_attachment.eml");
        assert!(m.text.contains("Search for hähä"), "{}", m.text);
        let names: Vec<_> =
            m.attachments.iter().map(|a| (a.file_name.as_str(), a.inline, a.content_type.as_str())).collect();
        assert_eq!(names, [("kigaaldcbanejcbi.png", true, "image/png"), ("attach2.png", false, "image/png")]);
        assert_eq!(m.attachments[0].content_id, "part1.8C5E6A81.D0C1B91A@example.com");
        assert!(m.attachments.iter().all(|a| a.data.starts_with(b"\x89PNG")));

        let m = fixture("07_reply_in-reply-to_references.eml");
        assert_eq!(m.thread_ids(), ["348F04F142D69C21-291E56D292BC@xxxx.net", "473FF3B8.9020707@xxx.org"]);

        let m = fixture("08_forward_inline_gmail_with_attachments.eml");
        assert!(m.text.contains("Forwarded message") && m.text.contains("oddly encoded"), "{}", m.text);
        assert_eq!(m.attachments.len(), 1);
        assert!(m.attachments[0].file_name.ends_with("Pitbull.mp3"), "{}", m.attachments[0].file_name);

        let m = fixture("11_auto-reply_vacation_auto-submitted.eml");
        assert_eq!(m.automatic.as_deref(), Some("Auto-Submitted: auto-replied"));
        let m = fixture("12_bounce_postfix_dsn_5.1.1.eml");
        assert!(m.automatic.is_some());
    }
}
