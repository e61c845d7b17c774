//! Company notes: staff-only, append-only remarks with author and time (PRD §3.3.1 "Notes").

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_core::validate::Validator;
use uuid::Uuid;

/// A stored note.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanyNote {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub company_id: Uuid,
    /// Plain text, 1–65 536 characters.
    pub body: String,
    /// Identity user id of the author.
    pub author_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Trims and checks a note body.
///
/// # Errors
/// [`DomainError::Invalid`] on `field` when empty or longer than 65 536 characters.
pub fn normalize_body(body: &str, field: &str) -> Result<String, DomainError> {
    let body = body.trim();
    let mut v = Validator::new();
    v.required(field, body).max_chars(field, body, 65_536);
    v.finish()?;
    Ok(body.to_owned())
}
