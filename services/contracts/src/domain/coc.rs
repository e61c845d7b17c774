//! Certificates of compliance (issue #3, seed 002 COC template): a compliance certificate
//! (SOC 2, ISO 27001, …) for a client, linked to a SAF or a service scope, with issue, expiry
//! and audit dates and a status lifecycle as a pure state machine.

use chrono::{DateTime, NaiveDate, Utc};
use psa_core::validate::Validator;
use psa_core::{DomainError, text_enum};
use uuid::Uuid;

use crate::domain::lifecycle::{self, Lifecycle, Status};

text_enum!(
    /// Compliance framework the certificate attests.
    CocType {
        Soc2 => "soc2",
        Iso27001 => "iso27001",
        Hipaa => "hipaa",
        PciDss => "pci_dss",
        Gdpr => "gdpr",
        NistCsf => "nist_csf",
        Other => "other",
    }
);
text_enum!(
    /// Lifecycle status; the moves are its [`Status::LIFECYCLE`].
    CocStatus { Draft => "draft", Active => "active", Expired => "expired", Revoked => "revoked" }
);

impl Status for CocStatus {
    /// The COC lifecycle: draft → active | revoked; active → expired | revoked. Expired and
    /// revoked are final. Errors read "a COC cannot move from revoked to active".
    const LIFECYCLE: Lifecycle<Self> = {
        use CocStatus::*;
        Lifecycle {
            noun: "a COC",
            moves: &[(Draft, Active), (Draft, Revoked), (Active, Expired), (Active, Revoked)],
            name: CocStatus::as_str,
            name_targets: false,
        }
    };
}

/// The writable fields of a COC.
#[derive(Debug, Clone, PartialEq)]
pub struct CocFields {
    /// Unique per tenant (case-insensitive), at most 50 characters; empty → generated.
    pub number: String,
    /// 1–200 characters.
    pub title: String,
    pub description: String,
    pub coc_type: CocType,
    pub status: CocStatus,
    /// Calendar dates (UTC); expiry ≥ issue, next audit ≥ audit.
    pub issue_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
    pub audit_date: Option<NaiveDate>,
    pub next_audit_date: Option<NaiveDate>,
    /// The SAF and/or scope the certificate covers; at least one, of the same contract.
    pub saf_id: Option<Uuid>,
    pub service_scope_id: Option<Uuid>,
    /// Link to the certificate: an absolute http(s) URL, or empty.
    pub document_url: String,
}

/// A stored COC.
#[derive(Debug, Clone, PartialEq)]
pub struct Coc {
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// Company and contract of the linked SAF or scope.
    pub company_id: Uuid,
    pub contract_id: Uuid,
    pub fields: CocFields,
    /// Values of the tenant's custom fields for this entity type (a JSON object), validated
    /// against the definitions on write.
    pub custom_fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Field names an update mask may name.
pub const UPDATABLE: &[&str] = &[
    "number",
    "title",
    "description",
    "coc_type",
    "status",
    "issue_date",
    "expiry_date",
    "audit_date",
    "next_audit_date",
    "saf_id",
    "service_scope_id",
    "document_url",
];

/// The generated number for counter value `n`: `COC-000001`.
pub fn generated_number(n: i64) -> String {
    lifecycle::generated_number("COC", n)
}

impl CocFields {
    /// Trims text and checks every rule, naming fields `coc.…`.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        for s in [&mut self.number, &mut self.title, &mut self.document_url] {
            *s = s.trim().to_owned();
        }
        let mut v = Validator::new();
        lifecycle::check_number(&mut v, "coc.number", &self.number);
        lifecycle::check_title(&mut v, "coc.title", &self.title);
        lifecycle::check_description(&mut v, "coc.description", &self.description);
        lifecycle::check_document_url(&mut v, "coc.document_url", &self.document_url);
        lifecycle::check_range(&mut v, "coc.expiry_date", self.issue_date, self.expiry_date, "issue_date");
        lifecycle::check_range(&mut v, "coc.next_audit_date", self.audit_date, self.next_audit_date, "audit_date");
        if self.saf_id.is_none() && self.service_scope_id.is_none() {
            v.push("coc.saf_id", "link the certificate to a SAF or a service scope");
        }
        v.finish()?;
        Ok(self)
    }

    /// Copies the fields named in `mask` from `patch`; returns the names that changed. A
    /// status change is checked against the lifecycle.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `update_mask` for an empty mask or a name not in
    /// [`UPDATABLE`]; [`DomainError::FailedPrecondition`] for an illegal status move.
    pub fn apply(&mut self, patch: CocFields, mask: &[String]) -> Result<Vec<String>, DomainError> {
        lifecycle::apply_mask(self, mask, UPDATABLE, |this, name| {
            match name {
                "number" => this.number = patch.number.clone(),
                "title" => this.title = patch.title.clone(),
                "description" => this.description = patch.description.clone(),
                "coc_type" => this.coc_type = patch.coc_type,
                "status" => this.status.move_to(patch.status)?,
                "issue_date" => this.issue_date = patch.issue_date,
                "expiry_date" => this.expiry_date = patch.expiry_date,
                "audit_date" => this.audit_date = patch.audit_date,
                "next_audit_date" => this.next_audit_date = patch.next_audit_date,
                "saf_id" => this.saf_id = patch.saf_id,
                "service_scope_id" => this.service_scope_id = patch.service_scope_id,
                "document_url" => this.document_url = patch.document_url.clone(),
                _ => {}
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CocStatus::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn fields() -> CocFields {
        CocFields {
            number: String::new(),
            title: "SOC 2 Type II".into(),
            description: String::new(),
            coc_type: CocType::Soc2,
            status: Draft,
            issue_date: Some(date("2026-01-15")),
            expiry_date: Some(date("2027-01-14")),
            audit_date: Some(date("2025-12-01")),
            next_audit_date: Some(date("2026-12-01")),
            saf_id: Some(Uuid::now_v7()),
            service_scope_id: None,
            document_url: String::new(),
        }
    }

    #[test]
    fn every_pair_of_the_state_machine() {
        let allowed = [(Draft, Active), (Draft, Revoked), (Active, Expired), (Active, Revoked)];
        for &from in CocStatus::ALL {
            for &to in CocStatus::ALL {
                let legal = allowed.contains(&(from, to));
                assert_eq!(from.can_move_to(to), legal, "{from:?} → {to:?}");
                match from.check_move(to) {
                    Ok(()) => assert!(legal),
                    Err(DomainError::FailedPrecondition(m)) => {
                        assert!(!legal);
                        assert_eq!(m, format!("a COC cannot move from {} to {}", from.as_str(), to.as_str()));
                    }
                    Err(e) => panic!("{e:?}"),
                }
            }
        }
    }

    #[test]
    fn status_changes_through_masks_follow_the_lifecycle() {
        let mut f = fields();
        let to = |s| CocFields { status: s, ..fields() };
        assert!(matches!(f.apply(to(Expired), &["status".into()]), Err(DomainError::FailedPrecondition(_))));
        assert_eq!(f.apply(to(Active), &["status".into()]).unwrap(), ["status"]);
        assert_eq!(f.apply(to(Revoked), &["status".into()]).unwrap(), ["status"]);
        assert!(f.apply(to(Active), &["status".into()]).is_err(), "revoked is final");
        assert!(f.apply(to(Active), &["company_id".into()]).is_err());
    }

    #[test]
    fn validates_fields() {
        let bad = CocFields {
            title: String::new(),
            expiry_date: Some(date("2025-01-01")),
            next_audit_date: Some(date("2025-01-01")),
            saf_id: None,
            document_url: "nope".into(),
            ..fields()
        };
        let Err(DomainError::Invalid(v)) = bad.normalize() else { panic!() };
        let names: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["coc.title", "coc.document_url", "coc.expiry_date", "coc.next_audit_date", "coc.saf_id"]);
        let scope_only = CocFields { saf_id: None, service_scope_id: Some(Uuid::now_v7()), ..fields() };
        assert!(scope_only.normalize().is_ok());
        assert_eq!(generated_number(12), "COC-000012");
    }
}
