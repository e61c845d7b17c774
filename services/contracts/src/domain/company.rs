//! Companies: types, lifecycle status, size bands and input rules (PRD §3.3.2, seed 001).

use chrono::{DateTime, NaiveDate, Utc};
use psa_core::DomainError;
use psa_core::validate::Validator;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use psa_core::text_enum;

text_enum!(
    /// Relationship of the company to the MSP.
    CompanyType { Client => "client", Prospect => "prospect", Vendor => "vendor", Partner => "partner" }
);
text_enum!(
    /// Lifecycle status (seed 002: active, prospect, inactive, archived; plus renewal while a
    /// client's agreement is being renewed). Legal moves: [`CompanyStatus::next`].
    CompanyStatus {
        Prospect => "prospect",
        Active => "active",
        Renewal => "renewal",
        Inactive => "inactive",
        Archived => "archived"
    }
);

impl CompanyStatus {
    /// The statuses a company in `self` may move to:
    /// prospect → active | inactive | archived; active → renewal | inactive | archived;
    /// renewal → active | inactive | archived; inactive → active | archived;
    /// archived → inactive (restore). A client never goes back to prospect, and only an
    /// active client enters renewal.
    pub fn next(self) -> &'static [CompanyStatus] {
        use CompanyStatus::*;
        match self {
            Prospect => &[Active, Inactive, Archived],
            Active => &[Renewal, Inactive, Archived],
            Renewal => &[Active, Inactive, Archived],
            Inactive => &[Active, Archived],
            Archived => &[Inactive],
        }
    }

    /// Checks the move `self` → `to` (a move to the same status is not a move).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `field`, naming the allowed targets.
    pub fn check_move(self, to: CompanyStatus, field: &str) -> Result<(), DomainError> {
        if self == to || self.next().contains(&to) {
            return Ok(());
        }
        let allowed: Vec<&str> = self.next().iter().map(|s| s.as_str()).collect();
        Err(DomainError::invalid(
            field,
            format!("a {} company cannot become {}; allowed: {}", self.as_str(), to.as_str(), allowed.join(", ")),
        ))
    }
}
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
    /// Parent company in the hierarchy (PRD §3.3.2 parent_company_id); never a cycle.
    pub parent_id: Option<Uuid>,
    /// Sales lead score, 0–100 (seed 001 leadScore).
    pub lead_score: Option<i16>,
    /// Estimated deal value in `deal_currency` (seed 001 estimatedDealValue).
    pub estimated_deal_value: Option<Decimal>,
    /// ISO 4217 code of `estimated_deal_value`; empty exactly when there is no value.
    pub deal_currency: String,
    /// Date of the first interaction with the company (seed 001 firstInteractionDate).
    pub first_interaction_date: Option<NaiveDate>,
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
            parent_id: None,
            lead_score: None,
            estimated_deal_value: None,
            deal_currency: String::new(),
            first_interaction_date: None,
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
    "parent_id",
    "lead_score",
    "estimated_deal_value",
    "deal_currency",
    "first_interaction_date",
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
        if self.lead_score.is_some_and(|s| !(0..=100).contains(&s)) {
            v.push(f("lead_score"), "must be between 0 and 100");
        }
        self.deal_currency = self.deal_currency.trim().to_ascii_uppercase();
        match (self.estimated_deal_value.is_some(), self.deal_currency.is_empty()) {
            (true, true) => v.push(f("deal_currency"), "is required with estimated_deal_value"),
            (false, false) => v.push(f("estimated_deal_value"), "is required with deal_currency"),
            (true, false) => {
                crate::domain::money::parse_currency(&mut v, &f("deal_currency"), &self.deal_currency);
            }
            (false, true) => {}
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
                "parent_id" => this.parent_id = patch.parent_id,
                "lead_score" => this.lead_score = patch.lead_score,
                "estimated_deal_value" => this.estimated_deal_value = patch.estimated_deal_value,
                "deal_currency" => this.deal_currency = patch.deal_currency.clone(),
                "first_interaction_date" => this.first_interaction_date = patch.first_interaction_date,
                _ => {}
            }
            Ok(())
        })
    }
}

/// Checks that `parent` may become the parent of `company`, given `parent_ancestors`: the
/// chain of `parent`'s own ancestors (nearest first).
///
/// # Errors
/// [`DomainError::Invalid`] on `field` when the link would make a cycle (the company itself or
/// one of its descendants as parent).
pub fn check_parent(company: Uuid, parent: Uuid, parent_ancestors: &[Uuid], field: &str) -> Result<(), DomainError> {
    if parent == company {
        return Err(DomainError::invalid(field, "a company cannot be its own parent"));
    }
    if parent_ancestors.contains(&company) {
        return Err(DomainError::invalid(
            field,
            "the parent is a subsidiary of this company (the hierarchy would loop)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_moves() {
        use CompanyStatus::*;
        let legal = [
            (Prospect, Active),
            (Prospect, Inactive),
            (Prospect, Archived),
            (Active, Renewal),
            (Active, Inactive),
            (Active, Archived),
            (Renewal, Active),
            (Renewal, Inactive),
            (Renewal, Archived),
            (Inactive, Active),
            (Inactive, Archived),
            (Archived, Inactive),
        ];
        for &from in CompanyStatus::ALL {
            for &to in CompanyStatus::ALL {
                let ok = from == to || legal.contains(&(from, to));
                assert_eq!(from.check_move(to, "status").is_ok(), ok, "{from:?} -> {to:?}");
            }
        }
        let Err(DomainError::Invalid(v)) = Active.check_move(Prospect, "status") else { panic!() };
        assert_eq!(v[0].field, "status");
        assert!(v[0].description.contains("renewal, inactive, archived"), "{}", v[0].description);
    }

    #[test]
    fn hierarchy_cycles() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert!(check_parent(a, a, &[], "parent_id").is_err());
        // c's ancestors are b, a: a cannot take c as parent.
        assert!(check_parent(a, c, &[b, a], "parent_id").is_err());
        assert!(check_parent(c, a, &[], "parent_id").is_ok());
    }

    #[test]
    fn business_fields() {
        let f = CompanyFields {
            name: "Acme".into(),
            lead_score: Some(101),
            estimated_deal_value: Some(Decimal::new(125_000, 2)),
            ..Default::default()
        };
        let Err(DomainError::Invalid(v)) = f.normalize("") else { panic!() };
        assert_eq!(v.iter().map(|x| x.field.as_str()).collect::<Vec<_>>(), ["lead_score", "deal_currency"]);
        let f = CompanyFields { name: "Acme".into(), deal_currency: "eur".into(), ..Default::default() };
        assert!(f.normalize("").is_err());
        let f = CompanyFields {
            name: "Acme".into(),
            estimated_deal_value: Some(Decimal::ONE),
            deal_currency: "eur".into(),
            ..Default::default()
        };
        assert_eq!(f.normalize("").unwrap().deal_currency, "EUR");
    }

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
