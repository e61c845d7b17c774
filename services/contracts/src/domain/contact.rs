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
    /// Set once the contact was merged into another: it then only redirects there.
    pub merged_into: Option<Uuid>,
    /// Free-form labels, normalised by `Validator::tags` (lower-case, distinct, bounded).
    pub tags: Vec<String>,
    /// Values of the tenant's contact custom fields (a JSON object).
    pub custom_fields: serde_json::Value,
}

/// Field names a contact update mask may name (`company_id` is fixed).
pub const UPDATABLE: &[&str] =
    &["first_name", "last_name", "email", "phone", "title", "contact_type", "tags", "custom_fields"];

/// Normalises tags with [`Validator::tags`] (trimmed, lower-cased, distinct, bounded), naming
/// `field`.
///
/// # Errors
/// [`DomainError::Invalid`] on `field`.
pub fn normalize_tags(tags: Vec<String>, field: &str) -> Result<Vec<String>, DomainError> {
    let mut v = Validator::new();
    let out = v.tags(field, tags);
    v.finish()?;
    Ok(out)
}

impl Contact {
    /// Copies the fields named in `mask` from `patch`; returns the names that changed.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `update_mask` for an empty mask or a name not in
    /// [`UPDATABLE`].
    pub fn apply(&mut self, patch: Contact, mask: &[String]) -> Result<Vec<String>, DomainError> {
        crate::domain::lifecycle::apply_mask(self, mask, UPDATABLE, |this, name| {
            let (f, p) = (&mut this.fields, &patch.fields);
            match name {
                "first_name" => f.first_name = p.first_name.clone(),
                "last_name" => f.last_name = p.last_name.clone(),
                "email" => f.email = p.email.clone(),
                "phone" => f.phone = p.phone.clone(),
                "title" => f.title = p.title.clone(),
                "contact_type" => f.contact_type = p.contact_type,
                "tags" => this.tags = patch.tags.clone(),
                "custom_fields" => this.custom_fields = patch.custom_fields.clone(),
                _ => {}
            }
            Ok(())
        })
    }
}

/// Checks a merge of `source` into `target` (PRD §3.3.1 "Merge duplicate contacts") and
/// returns the target's fields completed with the source's where the target's are empty
/// (last name, email, phone, title).
///
/// # Errors
/// [`DomainError::Invalid`] on `target_id` when both are the same contact, belong to
/// different companies, or either was already merged.
pub fn merge(source: &Contact, target: &Contact) -> Result<ContactFields, DomainError> {
    let problem = if source.id == target.id {
        Some("cannot merge a contact into itself")
    } else if source.merged_into.is_some() {
        Some("the contact was already merged")
    } else if target.merged_into.is_some() {
        Some("the target was merged into another contact; merge into that one")
    } else if source.fields.company_id != target.fields.company_id {
        Some("both contacts must belong to the same company")
    } else {
        None
    };
    if let Some(p) = problem {
        return Err(DomainError::invalid("target_id", p));
    }
    let mut f = target.fields.clone();
    let s = &source.fields;
    for (dst, src) in
        [(&mut f.last_name, &s.last_name), (&mut f.email, &s.email), (&mut f.phone, &s.phone), (&mut f.title, &s.title)]
    {
        if dst.is_empty() {
            dst.clone_from(src);
        }
    }
    Ok(f)
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

    #[test]
    fn tags_are_trimmed_deduplicated_and_bounded() {
        let t = normalize_tags(vec![" VIP ".into(), "vip".into(), String::new(), "billing".into()], "contact.tags");
        assert_eq!(t.unwrap(), ["vip", "billing"]);
        assert!(normalize_tags(vec!["x".repeat(psa_core::validate::MAX_TAG_CHARS + 1)], "contact.tags").is_err());
        assert!(
            normalize_tags((0..=psa_core::validate::MAX_TAGS).map(|i| i.to_string()).collect(), "contact.tags")
                .is_err()
        );
    }

    #[test]
    fn merges_fill_blanks_and_refuse_nonsense() {
        let company = Uuid::now_v7();
        let contact = |first: &str, email: &str, phone: &str| Contact {
            id: Uuid::now_v7(),
            tenant_id: Uuid::nil(),
            fields: ContactFields {
                company_id: company,
                first_name: first.into(),
                last_name: "Smith".into(),
                email: email.into(),
                phone: phone.into(),
                title: String::new(),
                contact_type: ContactType::Other,
            },
            created_at: Utc::now(),
            updated_at: Utc::now(),
            merged_into: None,
            tags: Vec::new(),
            custom_fields: serde_json::json!({}),
        };
        let source = contact("Jon", "jon@acme.example", "+1 555");
        let target = contact("John", "john@acme.example", "");
        let f = merge(&source, &target).unwrap();
        assert_eq!(
            (f.first_name.as_str(), f.email.as_str(), f.phone.as_str()),
            ("John", "john@acme.example", "+1 555")
        );
        assert!(merge(&source, &source).is_err());
        let mut other = contact("X", "", "");
        other.fields.company_id = Uuid::now_v7();
        assert!(merge(&source, &other).is_err());
        let mut gone = contact("Y", "", "");
        gone.merged_into = Some(target.id);
        assert!(merge(&gone, &target).is_err());
        assert!(merge(&source, &gone).is_err());
    }
}
