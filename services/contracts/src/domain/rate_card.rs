//! Rate cards (PRD §3.8): per work type, the hourly, after-hours and emergency rates billed for
//! time. The tenant has one default card; a company or a contract may have its own, which
//! wins over the default (contract over company over tenant default).

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_core::validate::Validator;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::money::{format_amount, from_sql};

/// Most lines per card.
pub const MAX_LINES: usize = 200;

/// The rates of one work type, in the card's currency per hour.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLine {
    /// The tickets service's work type id (time entries name it).
    pub work_type_id: Uuid,
    /// Display name of the work type as the user entered it (at most 200 characters).
    pub work_type_name: String,
    /// Rate per hour in business hours, ≥ 0.
    pub hourly_rate: Decimal,
    /// Rate per hour outside business hours, ≥ 0.
    pub after_hours_rate: Decimal,
    /// Rate per hour of emergency work, ≥ 0.
    pub emergency_rate: Decimal,
}

/// What a card applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateCardScope {
    /// The tenant's default card.
    Default,
    Company(Uuid),
    Contract(Uuid),
}

/// The writable fields of a rate card.
#[derive(Debug, Clone, PartialEq)]
pub struct RateCardFields {
    /// 1–200 characters.
    pub name: String,
    /// Company the card is for (`None` with no contract: the tenant default).
    pub company_id: Option<Uuid>,
    /// Contract the card is for (its company is recorded in `company_id`).
    pub contract_id: Option<Uuid>,
    /// ISO 4217 code of every rate.
    pub currency: String,
    /// At most [`MAX_LINES`], one per work type.
    pub lines: Vec<RateLine>,
}

/// A stored rate card.
#[derive(Debug, Clone, PartialEq)]
pub struct RateCard {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: RateCardFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Field names an update mask may name (what the card applies to is fixed after create).
pub const UPDATABLE: &[&str] = &["name", "currency", "lines"];

impl RateCardFields {
    /// What the card applies to.
    pub fn scope(&self) -> RateCardScope {
        match (self.contract_id, self.company_id) {
            (Some(c), _) => RateCardScope::Contract(c),
            (None, Some(c)) => RateCardScope::Company(c),
            (None, None) => RateCardScope::Default,
        }
    }

    /// Trims text and checks every rule, naming fields `rate_card.…` (lines as
    /// `rate_card.lines[i].…`).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        self.name = self.name.trim().to_owned();
        let mut v = Validator::new();
        v.required("rate_card.name", &self.name).max_chars("rate_card.name", &self.name, 200);
        if self.lines.len() > MAX_LINES {
            v.push("rate_card.lines", format!("at most {MAX_LINES} lines"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, l) in self.lines.iter_mut().enumerate() {
            l.work_type_name = l.work_type_name.trim().to_owned();
            v.max_chars(&format!("rate_card.lines[{i}].work_type_name"), &l.work_type_name, 200);
            if !seen.insert(l.work_type_id) {
                v.push(format!("rate_card.lines[{i}].work_type_id"), "the work type already has a line on this card");
            }
        }
        v.finish()?;
        Ok(self)
    }

    /// Copies the fields named in `mask` from `patch`; returns the names that changed.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `update_mask` for an empty mask or a name not in
    /// [`UPDATABLE`].
    pub fn apply(&mut self, patch: RateCardFields, mask: &[String]) -> Result<Vec<String>, DomainError> {
        crate::domain::lifecycle::apply_mask(self, mask, UPDATABLE, |this, name| {
            match name {
                "name" => this.name = patch.name.clone(),
                "currency" => this.currency = patch.currency.clone(),
                "lines" => this.lines = patch.lines.clone(),
                _ => {}
            }
            Ok(())
        })
    }
}

/// The lines as stored (a jsonb array; amounts as decimal strings).
pub fn lines_to_json(lines: &[RateLine]) -> Value {
    Value::Array(
        lines
            .iter()
            .map(|l| {
                json!({
                    "work_type_id": l.work_type_id,
                    "work_type_name": l.work_type_name,
                    "hourly_rate": format_amount(l.hourly_rate),
                    "after_hours_rate": format_amount(l.after_hours_rate),
                    "emergency_rate": format_amount(l.emergency_rate),
                })
            })
            .collect(),
    )
}

/// The lines read back from storage (written by [`lines_to_json`]; malformed entries are
/// skipped).
pub fn lines_from_json(v: &Value) -> Vec<RateLine> {
    let s = |l: &Value, k: &str| l.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|l| {
                    Some(RateLine {
                        work_type_id: s(l, "work_type_id").parse().ok()?,
                        work_type_name: s(l, "work_type_name"),
                        hourly_rate: from_sql(&s(l, "hourly_rate")),
                        after_hours_rate: from_sql(&s(l, "after_hours_rate")),
                        emergency_rate: from_sql(&s(l, "emergency_rate")),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: Uuid) -> RateLine {
        RateLine {
            work_type_id: id,
            work_type_name: " Remote support ".into(),
            hourly_rate: Decimal::new(15000, 2),
            after_hours_rate: Decimal::new(225, 0),
            emergency_rate: Decimal::new(300, 0),
        }
    }

    fn card() -> RateCardFields {
        RateCardFields {
            name: " Standard ".into(),
            company_id: None,
            contract_id: None,
            currency: "USD".into(),
            lines: vec![line(Uuid::now_v7())],
        }
    }

    #[test]
    fn validates_names_and_unique_work_types() {
        let ok = card().normalize().unwrap();
        assert_eq!((ok.name.as_str(), ok.lines[0].work_type_name.as_str()), ("Standard", "Remote support"));
        let id = Uuid::now_v7();
        let bad = RateCardFields { name: String::new(), lines: vec![line(id), line(id)], ..card() };
        let Err(DomainError::Invalid(v)) = bad.normalize() else { panic!() };
        let names: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["rate_card.name", "rate_card.lines[1].work_type_id"]);
    }

    #[test]
    fn lines_round_trip_through_json() {
        let lines = vec![line(Uuid::now_v7()), line(Uuid::now_v7())];
        let v = lines_to_json(&lines);
        assert_eq!(v[0]["hourly_rate"], "150.00");
        let back = lines_from_json(&v);
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].work_type_id, lines[0].work_type_id);
        assert_eq!(back[0].hourly_rate, Decimal::new(150, 0));
    }

    #[test]
    fn scope_and_masks() {
        let c = Uuid::now_v7();
        assert_eq!(card().scope(), RateCardScope::Default);
        assert_eq!(RateCardFields { company_id: Some(c), ..card() }.scope(), RateCardScope::Company(c));
        assert_eq!(
            RateCardFields { company_id: Some(Uuid::now_v7()), contract_id: Some(c), ..card() }.scope(),
            RateCardScope::Contract(c)
        );
        let mut f = card();
        assert_eq!(f.apply(RateCardFields { name: "X".into(), ..card() }, &["name".into()]).unwrap(), ["name"]);
        assert!(f.apply(card(), &["company_id".into()]).is_err());
    }
}
