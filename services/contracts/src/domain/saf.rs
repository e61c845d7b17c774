//! Service activation forms (seed 000 "Service Activation Form (SAF) details", seed 001
//! ServiceScope `saf*` fields, seed 002 SAF template): the signed authorisation to start one
//! service scope of a contract, with its lifecycle as a pure state machine.

use chrono::{DateTime, NaiveDate, Utc};
use psa_core::validate::Validator;
use psa_core::{DomainError, text_enum};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::lifecycle::{self, Lifecycle, Status};
use crate::domain::scope::ScopeStatus;

text_enum!(
    /// Lifecycle status; the moves are its [`Status::LIFECYCLE`].
    SafStatus { Draft => "draft", Sent => "sent", Signed => "signed", Active => "active", Expired => "expired" }
);

impl Status for SafStatus {
    /// The SAF lifecycle: draft → sent → signed → active → expired, one step at a time.
    /// Expired is final. Errors read "a SAF cannot move from draft to active".
    const LIFECYCLE: Lifecycle<Self> = {
        use SafStatus::*;
        Lifecycle {
            noun: "a SAF",
            moves: &[(Draft, Sent), (Sent, Signed), (Signed, Active), (Active, Expired)],
            name: SafStatus::as_str,
            name_targets: false,
        }
    };
}

impl SafStatus {
    /// The status the SAF's service scope takes when the SAF enters `self`: ACTIVE when the
    /// SAF becomes active, COMPLETED when it expires; `None`: the scope is left as it is.
    pub fn scope_status(self) -> Option<ScopeStatus> {
        match self {
            SafStatus::Active => Some(ScopeStatus::Active),
            SafStatus::Expired => Some(ScopeStatus::Completed),
            _ => None,
        }
    }
}

/// The writable fields of a SAF.
#[derive(Debug, Clone, PartialEq)]
pub struct SafFields {
    /// Unique per tenant (case-insensitive), at most 50 characters; empty → generated.
    pub number: String,
    /// 1–200 characters.
    pub title: String,
    pub description: String,
    /// Link to the signed document: an absolute http(s) URL, or empty.
    pub document_url: String,
    /// The contract; fixed after create.
    pub contract_id: Uuid,
    /// The scope (of that contract) the SAF activates; `None`: not tied to one scope.
    pub service_scope_id: Option<Uuid>,
    /// Service start and end dates of the SAF (UTC calendar dates); end ≥ start.
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// Authorised value in `currency`, ≥ 0.
    pub value: Decimal,
    /// ISO 4217.
    pub currency: String,
    pub status: SafStatus,
}

/// A stored SAF.
#[derive(Debug, Clone, PartialEq)]
pub struct Saf {
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// The contract's company.
    pub company_id: Uuid,
    pub fields: SafFields,
    /// Values of the tenant's custom fields for this entity type (a JSON object), validated
    /// against the definitions on write.
    pub custom_fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Field names an update mask may name (`contract_id` is fixed after create).
pub const UPDATABLE: &[&str] = &[
    "number",
    "title",
    "description",
    "document_url",
    "service_scope_id",
    "start_date",
    "end_date",
    "value",
    "currency",
    "status",
];

/// The generated number for counter value `n`: `SAF-000001`.
pub fn generated_number(n: i64) -> String {
    lifecycle::generated_number("SAF", n)
}

impl SafFields {
    /// Trims text and checks every rule, naming fields `saf.…`.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        for s in [&mut self.number, &mut self.title, &mut self.document_url] {
            *s = s.trim().to_owned();
        }
        let mut v = Validator::new();
        lifecycle::check_number(&mut v, "saf.number", &self.number);
        lifecycle::check_title(&mut v, "saf.title", &self.title);
        lifecycle::check_description(&mut v, "saf.description", &self.description);
        lifecycle::check_document_url(&mut v, "saf.document_url", &self.document_url);
        lifecycle::check_range(&mut v, "saf.end_date", self.start_date, self.end_date, "start_date");
        v.finish()?;
        Ok(self)
    }

    /// Copies the fields named in `mask` from `patch`; returns the names that changed. A
    /// status change is checked against the lifecycle.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `update_mask` for an empty mask or a name not in
    /// [`UPDATABLE`]; [`DomainError::FailedPrecondition`] for an illegal status move.
    pub fn apply(&mut self, patch: SafFields, mask: &[String]) -> Result<Vec<String>, DomainError> {
        lifecycle::apply_mask(self, mask, UPDATABLE, |this, name| {
            match name {
                "number" => this.number = patch.number.clone(),
                "title" => this.title = patch.title.clone(),
                "description" => this.description = patch.description.clone(),
                "document_url" => this.document_url = patch.document_url.clone(),
                "service_scope_id" => this.service_scope_id = patch.service_scope_id,
                "start_date" => this.start_date = patch.start_date,
                "end_date" => this.end_date = patch.end_date,
                "value" => this.value = patch.value,
                "currency" => this.currency = patch.currency.clone(),
                "status" => this.status.move_to(patch.status)?,
                _ => {}
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SafStatus::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn fields() -> SafFields {
        SafFields {
            number: String::new(),
            title: "SOC monitoring authorisation".into(),
            description: String::new(),
            document_url: "https://docs.example.com/saf/1.pdf".into(),
            contract_id: Uuid::now_v7(),
            service_scope_id: None,
            start_date: Some(date("2026-01-01")),
            end_date: Some(date("2026-12-31")),
            value: Decimal::new(6_000_000, 2),
            currency: "USD".into(),
            status: Draft,
        }
    }

    #[test]
    fn every_pair_of_the_state_machine() {
        let allowed = [(Draft, Sent), (Sent, Signed), (Signed, Active), (Active, Expired)];
        for &from in SafStatus::ALL {
            for &to in SafStatus::ALL {
                let legal = allowed.contains(&(from, to));
                assert_eq!(from.can_move_to(to), legal, "{from:?} → {to:?}");
                match from.check_move(to) {
                    Ok(()) => assert!(legal),
                    Err(DomainError::FailedPrecondition(m)) => {
                        assert!(!legal);
                        assert_eq!(m, format!("a SAF cannot move from {} to {}", from.as_str(), to.as_str()));
                    }
                    Err(e) => panic!("{e:?}"),
                }
            }
        }
    }

    #[test]
    fn the_scope_follows_the_saf() {
        assert_eq!(Active.scope_status(), Some(ScopeStatus::Active));
        assert_eq!(Expired.scope_status(), Some(ScopeStatus::Completed));
        for s in [Draft, Sent, Signed] {
            assert_eq!(s.scope_status(), None);
        }
    }

    #[test]
    fn status_changes_through_masks_follow_the_lifecycle() {
        let mut f = fields();
        let to = |s| SafFields { status: s, ..fields() };
        assert!(matches!(f.apply(to(Active), &["status".into()]), Err(DomainError::FailedPrecondition(_))));
        assert_eq!(f.apply(to(Sent), &["status".into()]).unwrap(), ["status"]);
        assert_eq!(f.apply(to(Sent), &["status".into()]).unwrap(), Vec::<String>::new());
        assert!(f.apply(to(Signed), &["contract_id".into()]).is_err());
        assert!(f.apply(to(Signed), &[]).is_err());
    }

    #[test]
    fn validates_fields() {
        let bad = SafFields {
            title: "  ".into(),
            document_url: "ftp://x".into(),
            end_date: Some(date("2025-01-01")),
            ..fields()
        };
        let Err(DomainError::Invalid(v)) = bad.normalize() else { panic!() };
        let names: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["saf.title", "saf.document_url", "saf.end_date"]);
        let ok = SafFields { title: " T ".into(), document_url: String::new(), end_date: None, ..fields() };
        assert_eq!(ok.normalize().unwrap().title, "T");
    }

    #[test]
    fn numbers() {
        assert_eq!(generated_number(1), "SAF-000001");
        assert_eq!(generated_number(1234567), "SAF-1234567");
    }
}
