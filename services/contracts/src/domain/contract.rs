//! Contracts (PRD §3.8, seed 001 Contract): types, the status lifecycle as a pure state
//! machine, input rules and renewal.

use chrono::{DateTime, Months, NaiveDate, Utc};
use psa_core::validate::Validator;
use psa_core::{DomainError, text_enum};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::lifecycle::{self, Lifecycle, Status};

text_enum!(
    /// Kind of agreement (PRD §3.8).
    ContractType {
        Msa => "msa",
        Sow => "sow",
        ManagedServices => "managed_services",
        BlockHours => "block_hours",
        TimeAndMaterials => "time_and_materials",
        FixedPrice => "fixed_price",
        Warranty => "warranty",
    }
);
text_enum!(
    /// Lifecycle status; the moves are its [`Status::LIFECYCLE`].
    ContractStatus {
        Draft => "draft",
        Active => "active",
        Expired => "expired",
        Cancelled => "cancelled",
        Renewed => "renewed",
    }
);
text_enum!(
    /// How often `billing_amount` is billed.
    BillingCycle {
        Monthly => "monthly",
        Quarterly => "quarterly",
        SemiAnnually => "semi_annually",
        Annually => "annually",
        OneTime => "one_time",
    }
);

impl Status for ContractStatus {
    /// The contract lifecycle: draft → active | cancelled; active → expired | cancelled |
    /// renewed; expired → renewed. Cancelled and renewed are final. Errors read "a contract
    /// cannot move from expired to active".
    const LIFECYCLE: Lifecycle<Self> = {
        use ContractStatus::*;
        Lifecycle {
            noun: "a contract",
            moves: &[
                (Draft, Active),
                (Draft, Cancelled),
                (Active, Expired),
                (Active, Cancelled),
                (Active, Renewed),
                (Expired, Renewed),
            ],
            name: ContractStatus::as_str,
            name_targets: false,
        }
    };
}

/// The writable fields of a contract.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractFields {
    /// Unique per tenant (case-insensitive), at most 50 characters; empty → generated.
    pub number: String,
    pub name: String,
    pub company_id: Uuid,
    pub contract_type: ContractType,
    pub status: ContractStatus,
    pub start_date: NaiveDate,
    /// `None`: open-ended.
    pub end_date: Option<NaiveDate>,
    pub renewal_date: Option<NaiveDate>,
    pub auto_renew: bool,
    /// 1–120.
    pub renewal_term_months: i32,
    pub renewal_terms: String,
    pub billing_cycle: BillingCycle,
    /// Per billing cycle, in `currency`.
    pub billing_amount: Decimal,
    /// Total value, in `currency`.
    pub value: Decimal,
    /// ISO 4217.
    pub currency: String,
    pub signed_date: Option<NaiveDate>,
    pub signer_contact_id: Option<Uuid>,
    pub description: String,
}

/// A stored contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: ContractFields,
    /// The contract this one renews.
    pub previous_contract_id: Option<Uuid>,
    /// Values of the tenant's contract custom fields (a JSON object).
    pub custom_fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Field names an update mask may name (`company_id` is fixed after create).
pub const UPDATABLE: &[&str] = &[
    "number",
    "name",
    "contract_type",
    "status",
    "start_date",
    "end_date",
    "renewal_date",
    "auto_renew",
    "renewal_term_months",
    "renewal_terms",
    "billing_cycle",
    "billing_amount",
    "value",
    "currency",
    "signed_date",
    "signer_contact_id",
    "description",
];

/// The generated number for counter value `n`: `C-000001`.
pub fn generated_number(n: i64) -> String {
    lifecycle::generated_number("C", n)
}

/// Parses an ISO 8601 calendar date (`2026-01-31`); empty → `None`.
pub fn parse_date(v: &mut Validator, field: &str, s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            v.push(field, "must be a date YYYY-MM-DD");
            None
        }
    }
}

impl ContractFields {
    /// Trims text and checks every rule, naming fields under `prefix` (e.g. `contract.`).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self, prefix: &str) -> Result<Self, DomainError> {
        for s in [&mut self.number, &mut self.name] {
            *s = s.trim().to_owned();
        }
        let f = |n: &str| format!("{prefix}{n}");
        let mut v = Validator::new();
        lifecycle::check_number(&mut v, &f("number"), &self.number);
        lifecycle::check_title(&mut v, &f("name"), &self.name);
        v.max_chars(&f("renewal_terms"), &self.renewal_terms, 10_000);
        lifecycle::check_description(&mut v, &f("description"), &self.description);
        if !(1..=120).contains(&self.renewal_term_months) {
            v.push(f("renewal_term_months"), "must be from 1 to 120");
        }
        lifecycle::check_range(&mut v, &f("end_date"), Some(self.start_date), self.end_date, "start_date");
        v.finish()?;
        Ok(self)
    }

    /// Copies the fields named in `mask` from `patch`; returns the names that changed. A
    /// status change is checked against the lifecycle (RENEWED only through renewal).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `update_mask` for an empty mask or a name not in
    /// [`UPDATABLE`]; [`DomainError::FailedPrecondition`] for an illegal status move.
    pub fn apply(&mut self, patch: ContractFields, mask: &[String]) -> Result<Vec<String>, DomainError> {
        lifecycle::apply_mask(self, mask, UPDATABLE, |this, name| {
            match name {
                "number" => this.number = patch.number.clone(),
                "name" => this.name = patch.name.clone(),
                "contract_type" => this.contract_type = patch.contract_type,
                "status" if patch.status != this.status && patch.status == ContractStatus::Renewed => {
                    return Err(DomainError::FailedPrecondition(
                        "a contract becomes renewed only by renewing it (POST /api/v1/contracts/{id}/renew)".into(),
                    ));
                }
                "status" => this.status.move_to(patch.status)?,
                "start_date" => this.start_date = patch.start_date,
                "end_date" => this.end_date = patch.end_date,
                "renewal_date" => this.renewal_date = patch.renewal_date,
                "auto_renew" => this.auto_renew = patch.auto_renew,
                "renewal_term_months" => this.renewal_term_months = patch.renewal_term_months,
                "renewal_terms" => this.renewal_terms = patch.renewal_terms.clone(),
                "billing_cycle" => this.billing_cycle = patch.billing_cycle,
                "billing_amount" => this.billing_amount = patch.billing_amount,
                "value" => this.value = patch.value,
                "currency" => this.currency = patch.currency.clone(),
                "signed_date" => this.signed_date = patch.signed_date,
                "signer_contact_id" => this.signer_contact_id = patch.signer_contact_id,
                "description" => this.description = patch.description.clone(),
                _ => {}
            }
            Ok(())
        })
    }

    /// The fields of the successor created by renewing a contract with these fields: a DRAFT
    /// with a generated number, start and renewal dates shifted by `renewal_term_months`
    /// (month arithmetic clamps to the month's end: Jan 31 + 1 month = Feb 28/29), the end date
    /// shifted so that the new period is as contiguous as the old one (the day after the end
    /// is shifted, then one day taken off), and no signature yet.
    ///
    /// # Errors
    /// [`DomainError::FailedPrecondition`] unless the status may move to RENEWED.
    pub fn successor(&self) -> Result<ContractFields, DomainError> {
        self.status.check_move(ContractStatus::Renewed)?;
        let term = Months::new(self.renewal_term_months.clamp(1, 120) as u32);
        let shift = |d: NaiveDate| d.checked_add_months(term).unwrap_or(d);
        Ok(ContractFields {
            number: String::new(),
            status: ContractStatus::Draft,
            start_date: shift(self.start_date),
            // The end moves with the day after it, so a period ending on the last day of a
            // month ends on the last day of the month again (Feb 28, 2027 → Feb 29, 2028).
            end_date: self
                .end_date
                .map(|e| e.succ_opt().map_or(shift(e), |next| shift(next).pred_opt().unwrap_or(next))),
            renewal_date: self.renewal_date.map(shift),
            signed_date: None,
            signer_contact_id: None,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContractStatus::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn fields() -> ContractFields {
        ContractFields {
            number: String::new(),
            name: "Managed SOC".into(),
            company_id: Uuid::now_v7(),
            contract_type: ContractType::ManagedServices,
            status: Draft,
            start_date: date("2026-01-31"),
            end_date: Some(date("2027-01-30")),
            renewal_date: Some(date("2026-12-01")),
            auto_renew: true,
            renewal_term_months: 12,
            renewal_terms: String::new(),
            billing_cycle: BillingCycle::Monthly,
            billing_amount: Decimal::new(100000, 2),
            value: Decimal::new(1200000, 2),
            currency: "USD".into(),
            signed_date: Some(date("2026-01-15")),
            signer_contact_id: Some(Uuid::now_v7()),
            description: String::new(),
        }
    }

    #[test]
    fn every_pair_of_the_state_machine() {
        let allowed = [
            (Draft, Active),
            (Draft, Cancelled),
            (Active, Expired),
            (Active, Cancelled),
            (Active, Renewed),
            (Expired, Renewed),
        ];
        for &from in ContractStatus::ALL {
            for &to in ContractStatus::ALL {
                let legal = allowed.contains(&(from, to));
                assert_eq!(from.can_move_to(to), legal, "{from:?} → {to:?}");
                match from.check_move(to) {
                    Ok(()) => assert!(legal),
                    Err(DomainError::FailedPrecondition(m)) => {
                        assert!(!legal);
                        assert_eq!(m, format!("a contract cannot move from {} to {}", from.as_str(), to.as_str()));
                    }
                    Err(e) => panic!("{e:?}"),
                }
            }
        }
    }

    #[test]
    fn status_changes_through_masks_follow_the_lifecycle() {
        let mut f = fields();
        let to = |s| ContractFields { status: s, ..fields() };
        assert_eq!(f.apply(to(Active), &["status".into()]).unwrap(), ["status"]);
        assert!(matches!(f.apply(to(Draft), &["status".into()]), Err(DomainError::FailedPrecondition(_))));
        assert!(matches!(f.apply(to(Renewed), &["status".into()]), Err(DomainError::FailedPrecondition(_))));
        assert_eq!(f.apply(to(Active), &["status".into()]).unwrap(), Vec::<String>::new());
        assert!(f.apply(to(Active), &["company_id".into()]).is_err());
    }

    #[test]
    fn validates_dates_and_terms() {
        let bad = ContractFields { end_date: Some(date("2025-01-01")), renewal_term_months: 0, ..fields() };
        let Err(DomainError::Invalid(v)) = bad.normalize("contract.") else { panic!() };
        let names: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["contract.renewal_term_months", "contract.end_date"]);
        let mut v = Validator::new();
        assert_eq!(parse_date(&mut v, "d", "2026-02-28"), Some(date("2026-02-28")));
        assert_eq!(parse_date(&mut v, "d", ""), None);
        assert!(v.is_ok());
        parse_date(&mut v, "d", "2026-02-30");
        parse_date(&mut v, "d", "31/01/2026");
        assert_eq!(v.into_violations().len(), 2);
    }

    #[test]
    fn renewal_shifts_dates_by_the_term() {
        let mut f = fields();
        assert!(matches!(f.successor(), Err(DomainError::FailedPrecondition(_))), "drafts cannot be renewed");
        f.status = Active;
        f.number = "C-000007".into();
        let s = f.successor().unwrap();
        assert_eq!(s.status, Draft);
        assert_eq!(s.number, "");
        assert_eq!(s.start_date, date("2027-01-31"));
        assert_eq!(s.end_date, Some(date("2028-01-30")));
        assert_eq!(s.renewal_date, Some(date("2027-12-01")));
        assert_eq!((s.signed_date, s.signer_contact_id), (None, None));
        assert_eq!((s.company_id, s.value, s.currency.as_str()), (f.company_id, f.value, "USD"));
        let leap = ContractFields { start_date: date("2026-03-01"), end_date: Some(date("2027-02-28")), ..f.clone() };
        assert_eq!(leap.successor().unwrap().end_date, Some(date("2028-02-29")), "month-end stays month-end");
        f.renewal_term_months = 1;
        assert_eq!(f.successor().unwrap().start_date, date("2026-02-28"), "clamped to the month's end");
        f.status = Expired;
        assert!(f.successor().is_ok());
        f.status = Cancelled;
        assert!(f.successor().is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(generated_number(1), "C-000001");
        assert_eq!(generated_number(1234567), "C-1234567");
    }
}
