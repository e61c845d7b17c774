//! Proposals (PRD §3.8, seed 000 "Proposal management", seed 001 Proposal): technical or
//! financial offers to a company, versioned (every revision of the content is a new version,
//! the history kept), with the status lifecycle as a pure state machine and the expiry rule.

use chrono::{DateTime, NaiveDate, Utc};
use psa_core::validate::Validator;
use psa_core::{DomainError, text_enum};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::lifecycle::{self, Lifecycle, Status};

text_enum!(
    /// What a proposal offers: the technical solution or the commercial terms.
    ProposalType { Technical => "technical", Financial => "financial" }
);
text_enum!(
    /// Lifecycle status; the moves are its [`Status::LIFECYCLE`].
    ProposalStatus {
        Draft => "draft",
        Submitted => "submitted",
        Accepted => "accepted",
        Rejected => "rejected",
        Expired => "expired",
    }
);

impl Status for ProposalStatus {
    /// The proposal lifecycle: draft → submitted → accepted | rejected | expired. Accepted,
    /// rejected and expired are final. Errors name the allowed targets: "a proposal cannot
    /// move from draft to accepted (allowed: submitted)".
    const LIFECYCLE: Lifecycle<Self> = {
        use ProposalStatus::*;
        Lifecycle {
            noun: "a proposal",
            moves: &[(Draft, Submitted), (Submitted, Accepted), (Submitted, Rejected), (Submitted, Expired)],
            name: ProposalStatus::as_str,
            name_targets: true,
        }
    };
}

impl ProposalStatus {
    /// Whether the content may still be revised (draft or submitted).
    pub fn is_open(self) -> bool {
        matches!(self, ProposalStatus::Draft | ProposalStatus::Submitted)
    }
}

/// Whether a proposal in `status`, valid until `valid_until`, has expired on `today` (UTC
/// calendar date): submitted proposals expire the day after their last valid day.
pub fn is_due_to_expire(status: ProposalStatus, valid_until: Option<NaiveDate>, today: NaiveDate) -> bool {
    status == ProposalStatus::Submitted && valid_until.is_some_and(|d| d < today)
}

/// The writable fields of a proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalFields {
    /// 1–200 characters.
    pub title: String,
    /// At most 65 536 characters.
    pub description: String,
    pub proposal_type: ProposalType,
    /// The prospect or client; fixed after create.
    pub company_id: Uuid,
    /// Optional contract of the same company the proposal is for.
    pub contract_id: Option<Uuid>,
    /// Optional service scope (of `contract_id`) that accepting may activate.
    pub service_scope_id: Option<Uuid>,
    /// Proposed value in `currency`, ≥ 0.
    pub value: Decimal,
    /// ISO 4217.
    pub currency: String,
    /// Last day the offer stands (UTC calendar date); `None`: open-ended.
    pub valid_until: Option<NaiveDate>,
    /// Identity user id of the staff member responsible.
    pub assignee_id: Option<Uuid>,
    /// Values of the tenant's proposal custom fields (a JSON object).
    pub custom_fields: serde_json::Value,
}

/// A stored proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: ProposalFields,
    pub status: ProposalStatus,
    /// Current version, 1, 2, …
    pub version: i32,
    /// Why it was accepted or rejected (free text, may be empty).
    pub decision_reason: String,
    /// When it was accepted, rejected or expired.
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One version of a proposal's content as it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalVersion {
    /// The proposal.
    pub proposal_id: Uuid,
    /// 1, 2, …
    pub version: i32,
    /// The content as written in this version.
    pub title: String,
    pub description: String,
    /// Proposed value in `currency` (ISO 4217).
    pub value: Decimal,
    pub currency: String,
    /// Last valid day (UTC calendar date).
    pub valid_until: Option<NaiveDate>,
    /// Identity user id of who wrote it.
    pub author_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Field names an update mask may name (`company_id` is fixed; status moves have their own
/// calls).
pub const UPDATABLE: &[&str] = &[
    "title",
    "description",
    "proposal_type",
    "contract_id",
    "service_scope_id",
    "value",
    "currency",
    "valid_until",
    "assignee_id",
    "custom_fields",
];

/// Fields whose change makes a new version (the content of the offer).
pub const VERSIONED: &[&str] = &["title", "description", "value", "currency", "valid_until"];

impl ProposalFields {
    /// Trims text and checks every rule, naming fields `proposal.…`.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        self.title = self.title.trim().to_owned();
        let mut v = Validator::new();
        lifecycle::check_title(&mut v, "proposal.title", &self.title);
        lifecycle::check_description(&mut v, "proposal.description", &self.description);
        if self.service_scope_id.is_some() && self.contract_id.is_none() {
            v.push("proposal.service_scope_id", "needs the scope's contract in contract_id");
        }
        v.finish()?;
        Ok(self)
    }

    /// Copies the fields named in `mask` from `patch`; returns the names that changed.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `update_mask` for an empty mask or a name not in
    /// [`UPDATABLE`].
    pub fn apply(&mut self, patch: ProposalFields, mask: &[String]) -> Result<Vec<String>, DomainError> {
        lifecycle::apply_mask(self, mask, UPDATABLE, |this, name| {
            match name {
                "title" => this.title = patch.title.clone(),
                "description" => this.description = patch.description.clone(),
                "proposal_type" => this.proposal_type = patch.proposal_type,
                "contract_id" => this.contract_id = patch.contract_id,
                "service_scope_id" => this.service_scope_id = patch.service_scope_id,
                "value" => this.value = patch.value,
                "currency" => this.currency = patch.currency.clone(),
                "valid_until" => this.valid_until = patch.valid_until,
                "assignee_id" => this.assignee_id = patch.assignee_id,
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
    use ProposalStatus::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn fields() -> ProposalFields {
        ProposalFields {
            title: "MDR for 500 endpoints".into(),
            description: String::new(),
            proposal_type: ProposalType::Financial,
            company_id: Uuid::now_v7(),
            contract_id: None,
            service_scope_id: None,
            value: Decimal::new(1_200_000, 2),
            currency: "USD".into(),
            valid_until: Some(date("2026-06-30")),
            assignee_id: None,
            custom_fields: serde_json::json!({}),
        }
    }

    #[test]
    fn every_pair_of_the_state_machine() {
        let allowed = [(Draft, Submitted), (Submitted, Accepted), (Submitted, Rejected), (Submitted, Expired)];
        for &from in ProposalStatus::ALL {
            for &to in ProposalStatus::ALL {
                let legal = allowed.contains(&(from, to));
                assert_eq!(from.can_move_to(to), legal, "{from:?} → {to:?}");
                match from.check_move(to) {
                    Ok(()) => assert!(legal),
                    Err(DomainError::FailedPrecondition(m)) => {
                        assert!(!legal);
                        assert!(m.starts_with(&format!(
                            "a proposal cannot move from {} to {}",
                            from.as_str(),
                            to.as_str()
                        )));
                    }
                    Err(e) => panic!("{e:?}"),
                }
            }
        }
        let Err(DomainError::FailedPrecondition(m)) = Draft.check_move(Accepted) else { panic!() };
        assert_eq!(m, "a proposal cannot move from draft to accepted (allowed: submitted)");
        let Err(DomainError::FailedPrecondition(m)) = Accepted.check_move(Rejected) else { panic!() };
        assert!(m.ends_with("(allowed: none, it is final)"), "{m}");
    }

    #[test]
    fn expiry_is_for_submitted_proposals_past_their_last_day() {
        let last = Some(date("2026-06-30"));
        assert!(!is_due_to_expire(Submitted, last, date("2026-06-30")));
        assert!(is_due_to_expire(Submitted, last, date("2026-07-01")));
        assert!(!is_due_to_expire(Draft, last, date("2026-07-01")));
        assert!(!is_due_to_expire(Accepted, last, date("2026-07-01")));
        assert!(!is_due_to_expire(Submitted, None, date("2099-01-01")));
    }

    #[test]
    fn validates_and_applies_masks() {
        let bad = ProposalFields { title: " ".into(), service_scope_id: Some(Uuid::now_v7()), ..fields() };
        let Err(DomainError::Invalid(v)) = bad.normalize() else { panic!() };
        let names: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["proposal.title", "proposal.service_scope_id"]);
        let mut f = fields();
        let patch = ProposalFields { value: Decimal::new(9, 0), title: "ignored".into(), ..fields() };
        assert_eq!(f.apply(patch.clone(), &["value".into()]).unwrap(), ["value"]);
        assert_eq!(f.title, "MDR for 500 endpoints");
        assert!(f.apply(patch.clone(), &["company_id".into()]).is_err());
        assert!(f.apply(patch, &[]).is_err());
    }
}
