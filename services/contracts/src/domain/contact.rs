//! Contacts: people at client companies (PRD §3.3.2).

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_core::validate::Validator;
use uuid::Uuid;

use psa_core::text_enum;

text_enum!(
    /// Role of a contact at the company.
    ContactType { Primary => "primary", Technical => "technical", Billing => "billing", Other => "other" }
);

/// The writable fields of a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFields {
    pub company_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    pub contact_type: ContactType,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: ContactFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ContactFields {
    /// Trims text and checks every rule, naming fields under `prefix` (e.g. `contact.`).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self, prefix: &str) -> Result<Self, DomainError> {
        for s in [&mut self.first_name, &mut self.last_name, &mut self.email, &mut self.phone, &mut self.title] {
            *s = s.trim().to_owned();
        }
        let f = |n: &str| format!("{prefix}{n}");
        let mut v = Validator::new();
        v.required(&f("first_name"), &self.first_name).max_chars(&f("first_name"), &self.first_name, 100);
        v.max_chars(&f("last_name"), &self.last_name, 100).max_chars(&f("title"), &self.title, 100);
        v.max_chars(&f("email"), &self.email, 320).email(&f("email"), &self.email).max_chars(
            &f("phone"),
            &self.phone,
            50,
        );
        v.finish()?;
        Ok(self)
    }
}

/// Splits a full name into (first, last): the last word is the last name.
pub fn split_name(full: &str) -> (String, String) {
    let full = full.trim();
    match full.rsplit_once(char::is_whitespace) {
        Some((first, last)) => (first.trim().to_owned(), last.to_owned()),
        None => (full.to_owned(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates() {
        let c = ContactFields {
            company_id: Uuid::nil(),
            first_name: " ".into(),
            last_name: String::new(),
            email: "john@acme".into(),
            phone: String::new(),
            title: String::new(),
            contact_type: ContactType::Other,
        };
        let Err(DomainError::Invalid(v)) = c.normalize("contact.") else { panic!() };
        assert_eq!(v.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["contact.first_name", "contact.email"]);
        assert_eq!(split_name("John Q Smith"), ("John Q".into(), "Smith".into()));
        assert_eq!(split_name("Cher"), ("Cher".into(), String::new()));
    }
}
