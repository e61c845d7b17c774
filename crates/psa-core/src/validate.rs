//! Input validation that collects every violation of a request before failing, so a client
//! learns about all bad fields at once (DESIGN.md §5, "field-level detail").

use uuid::Uuid;

use crate::error::{DomainError, FieldViolation};

/// Most tags one record (ticket, article, …) may carry.
pub const MAX_TAGS: usize = 20;

/// Most characters in one tag.
pub const MAX_TAG_CHARS: usize = 50;

/// Accumulates [`FieldViolation`]s; [`Validator::finish`] turns them into one error.
#[derive(Debug, Default)]
pub struct Validator {
    violations: Vec<FieldViolation>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation.
    pub fn push(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.violations.push(FieldViolation::new(field, description));
    }

    /// `value` must contain a non-whitespace character.
    pub fn required(&mut self, field: &str, value: &str) -> &mut Self {
        if value.trim().is_empty() {
            self.push(field, "is required");
        }
        self
    }

    /// `value` must be at most `max` characters (Unicode scalar values).
    pub fn max_chars(&mut self, field: &str, value: &str, max: usize) -> &mut Self {
        let n = value.chars().count();
        if n > max {
            self.push(field, format!("must be at most {max} characters (got {n})"));
        }
        self
    }

    /// When non-empty, `value` must be an email address (RFC 5322 addr-spec, via the
    /// `email_address` crate) with a dot in its domain.
    pub fn email(&mut self, field: &str, value: &str) -> &mut Self {
        if !value.is_empty() && !is_email(value) {
            self.push(field, "must be a valid email address");
        }
        self
    }

    /// When non-empty, `value` must be an absolute `http` or `https` URL.
    pub fn http_url(&mut self, field: &str, value: &str) -> &mut Self {
        if !value.is_empty() {
            match url::Url::parse(value) {
                Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => {}
                _ => self.push(field, "must be an http(s) URL"),
            }
        }
        self
    }

    /// When non-empty, `value` must be a UUID; returns it.
    pub fn optional_uuid(&mut self, field: &str, value: &str) -> Option<Uuid> {
        if value.is_empty() {
            return None;
        }
        match Uuid::parse_str(value) {
            Ok(id) => Some(id),
            Err(_) => {
                self.push(field, "must be a UUID");
                None
            }
        }
    }

    /// `value` must be a UUID; returns it.
    pub fn uuid(&mut self, field: &str, value: &str) -> Option<Uuid> {
        if value.is_empty() {
            self.push(field, "is required");
            return None;
        }
        self.optional_uuid(field, value)
    }

    /// Normalises a list of tags: trimmed, lower-cased, empty ones dropped, duplicates removed
    /// (first-seen order). Records a violation on `field` for a tag over [`MAX_TAG_CHARS`]
    /// characters (left out) or more than [`MAX_TAGS`] tags.
    pub fn tags(&mut self, field: &str, tags: Vec<String>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in tags {
            let t = t.trim().to_lowercase();
            if t.is_empty() || out.contains(&t) {
                continue;
            }
            if t.chars().count() > MAX_TAG_CHARS {
                self.push(field, format!("each tag has at most {MAX_TAG_CHARS} characters"));
                continue;
            }
            out.push(t);
        }
        if out.len() > MAX_TAGS {
            self.push(field, format!("at most {MAX_TAGS} tags"));
        }
        out
    }

    /// Whether nothing was recorded so far.
    pub fn is_ok(&self) -> bool {
        self.violations.is_empty()
    }

    /// The recorded violations, consuming the validator.
    pub fn into_violations(self) -> Vec<FieldViolation> {
        self.violations
    }

    /// `Ok(())` when nothing was recorded, else [`DomainError::Invalid`] with every violation.
    pub fn finish(self) -> Result<(), DomainError> {
        if self.violations.is_empty() { Ok(()) } else { Err(DomainError::Invalid(self.violations)) }
    }
}

/// Whether `s` is a plausible mailbox address: RFC 5322 addr-spec with a dotted domain.
pub fn is_email(s: &str) -> bool {
    email_address::EmailAddress::parse_with_options(s, email_address::Options::default().without_display_text())
        .map(|e| e.domain().contains('.') && !e.domain().starts_with('['))
        .unwrap_or(false)
}

/// Parses a resource id from a request field; NOT_FOUND-safe callers should map a malformed
/// id to INVALID_ARGUMENT naming `field`.
///
/// # Errors
/// [`DomainError::Invalid`] naming `field` when `value` is empty or not a UUID.
pub fn parse_id(field: &str, value: &str) -> Result<Uuid, DomainError> {
    let mut v = Validator::new();
    let id = v.uuid(field, value);
    v.finish()?;
    Ok(id.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_violation() {
        let mut v = Validator::new();
        v.required("name", " ")
            .email("email", "not-an-email")
            .http_url("website", "ftp://x")
            .max_chars("title", "abcd", 3);
        let Err(DomainError::Invalid(list)) = v.finish() else { panic!("expected Invalid") };
        let fields: Vec<_> = list.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "email", "website", "title"]);
    }

    #[test]
    fn emails() {
        assert!(is_email("john.smith@acme.com"));
        assert!(is_email("hatter@teaparty.wonderland"));
        assert!(!is_email("john.smith@acme"));
        assert!(!is_email("john smith@acme.com"));
        assert!(!is_email("@acme.com"));
        assert!(!is_email("John <john@acme.com>"));
    }

    #[test]
    fn ids() {
        assert!(parse_id("id", "nope").is_err());
        assert!(parse_id("id", "").is_err());
        assert!(parse_id("id", "0190b6b4-6e4f-7c3a-8d9e-000000000001").is_ok());
    }
}
