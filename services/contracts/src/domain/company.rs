//! Companies: types, lifecycle status, size bands and input rules (PRD §3.3.2, seed 001).

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_core::validate::Validator;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use psa_core::text_enum;

text_enum!(
    /// Relationship of the company to the MSP.
    CompanyType { Client => "client", Prospect => "prospect", Vendor => "vendor", Partner => "partner" }
);
text_enum!(
    /// Lifecycle status (seed 002: active, prospect, inactive, archived).
    CompanyStatus { Prospect => "prospect", Active => "active", Inactive => "inactive", Archived => "archived" }
);
text_enum!(
    /// Company size band (seed 001 companySize).
    CompanySize { Small => "small", Medium => "medium", Large => "large", Enterprise => "enterprise" }
);

/// A postal address; free text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub country: String,
}

/// The writable fields of a company.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanyFields {
    pub name: String,
    pub company_type: CompanyType,
    pub status: CompanyStatus,
    pub industry: String,
    pub company_size: Option<CompanySize>,
    pub source: String,
    pub website: String,
    pub phone: String,
    pub email: String,
    pub address: Address,
    pub notes: String,
    pub tags: Vec<String>,
    /// A JSON object.
    pub custom_fields: serde_json::Value,
}

impl Default for CompanyFields {
    fn default() -> Self {
        Self {
            name: String::new(),
            company_type: CompanyType::Client,
            status: CompanyStatus::Active,
            industry: String::new(),
            company_size: None,
            source: String::new(),
            website: String::new(),
            phone: String::new(),
            email: String::new(),
            address: Address::default(),
            notes: String::new(),
            tags: Vec::new(),
            custom_fields: serde_json::Value::Object(Default::default()),
        }
    }
}

/// A stored company.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: CompanyFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Field names an update mask may name.
pub const UPDATABLE: &[&str] = &[
    "name",
    "company_type",
    "status",
    "industry",
    "company_size",
    "source",
    "website",
    "phone",
    "email",
    "address",
    "notes",
    "tags",
    "custom_fields",
];

impl CompanyFields {
    /// Trims text, normalises tags (trimmed, non-empty, unique, in order) and checks every
    /// rule, naming fields under `prefix` (e.g. `company.`).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self, prefix: &str) -> Result<Self, DomainError> {
        for s in
            [&mut self.name, &mut self.industry, &mut self.source, &mut self.website, &mut self.phone, &mut self.email]
        {
            *s = s.trim().to_owned();
        }
        let mut tags: Vec<String> = Vec::new();
        for t in self.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            if !tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                tags.push(t.to_owned());
            }
        }
        self.tags = tags;
        let f = |n: &str| format!("{prefix}{n}");
        let mut v = Validator::new();
        v.required(&f("name"), &self.name).max_chars(&f("name"), &self.name, 200);
        v.max_chars(&f("industry"), &self.industry, 100).max_chars(&f("source"), &self.source, 100);
        v.max_chars(&f("website"), &self.website, 2048).http_url(&f("website"), &self.website);
        v.max_chars(&f("phone"), &self.phone, 50)
            .max_chars(&f("email"), &self.email, 320)
            .email(&f("email"), &self.email);
        v.max_chars(&f("notes"), &self.notes, 65_536);
        if self.tags.len() > 50 {
            v.push(f("tags"), "at most 50 tags");
        }
        for t in &self.tags {
            v.max_chars(&f("tags"), t, 50);
        }
        if !self.custom_fields.is_object() {
            v.push(f("custom_fields"), "must be an object");
        }
        let a = &self.address;
        for (n, s) in [
            ("line1", &a.line1),
            ("line2", &a.line2),
            ("city", &a.city),
            ("region", &a.region),
            ("postal_code", &a.postal_code),
            ("country", &a.country),
        ] {
            v.max_chars(&f(&format!("address.{n}")), s, 200);
        }
        v.finish()?;
        Ok(self)
    }

    /// Copies the fields named in `mask` from `patch` into `self`; returns the names that
    /// actually changed.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `update_mask` for a name not in [`UPDATABLE`].
    pub fn apply(&mut self, patch: CompanyFields, mask: &[String]) -> Result<Vec<String>, DomainError> {
        psa_core::mask::apply(self, mask, UPDATABLE, |this, name| {
            match name {
                "name" => this.name = patch.name.clone(),
                "company_type" => this.company_type = patch.company_type,
                "status" => this.status = patch.status,
                "industry" => this.industry = patch.industry.clone(),
                "company_size" => this.company_size = patch.company_size,
                "source" => this.source = patch.source.clone(),
                "website" => this.website = patch.website.clone(),
                "phone" => this.phone = patch.phone.clone(),
                "email" => this.email = patch.email.clone(),
                "address" => this.address = patch.address.clone(),
                "notes" => this.notes = patch.notes.clone(),
                "tags" => this.tags = patch.tags.clone(),
                "custom_fields" => this.custom_fields = patch.custom_fields.clone(),
                _ => {}
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_validates() {
        let f = CompanyFields {
            name: "  Acme ".into(),
            tags: vec![" a".into(), "A".into(), "".into(), "b".into()],
            ..Default::default()
        };
        let f = f.normalize("company.").unwrap();
        assert_eq!(f.name, "Acme");
        assert_eq!(f.tags, ["a", "b"]);
        let bad = CompanyFields {
            name: "x".repeat(201),
            email: "nope".into(),
            website: "javascript:alert(1)".into(),
            ..Default::default()
        };
        let Err(DomainError::Invalid(v)) = bad.normalize("company.") else { panic!() };
        let fields: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["company.name", "company.website", "company.email"]);
    }

    #[test]
    fn applies_masks() {
        let mut f = CompanyFields { name: "Acme".into(), ..Default::default() };
        let patch = CompanyFields {
            name: "Acme 2".into(),
            status: CompanyStatus::Inactive,
            industry: "x".into(),
            ..Default::default()
        };
        let changed = f.apply(patch.clone(), &["name".into(), "status".into(), "phone".into()]).unwrap();
        assert_eq!(changed, ["name", "status"]);
        assert_eq!(f.industry, "");
        assert!(f.apply(patch, &["id".into()]).is_err());
    }

    #[test]
    fn enums_parse_case_insensitively() {
        assert_eq!(CompanyStatus::parse("Active"), Some(CompanyStatus::Active));
        assert_eq!(CompanySize::parse("ENTERPRISE"), Some(CompanySize::Enterprise));
        assert_eq!(CompanyType::parse("reseller"), None);
    }
}
