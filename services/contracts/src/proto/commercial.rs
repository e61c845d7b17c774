//! Proposal, rate card and hour balance conversions (domain ⇄ proto).

use chrono::NaiveDate;
use psa_core::DomainError;
use psa_core::validate::Validator;
use psa_kit::convert::{json_to_struct, opt_id, struct_to_json, timestamp};
use psa_proto::contracts as pb;
use rust_decimal::Decimal;

use crate::app::rates::HourBalance;
use crate::domain::contract::parse_date;
use crate::domain::hours::{HourPeriod, HourPolicy};
use crate::domain::money::{format_amount, parse_amount, parse_currency};
use crate::domain::proposal::{Proposal, ProposalFields, ProposalStatus, ProposalType, ProposalVersion};
use crate::domain::rate_card::{RateCard, RateCardFields, RateLine};

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

fn status_pb(s: ProposalStatus) -> pb::ProposalStatus {
    use pb::ProposalStatus as P;
    match s {
        ProposalStatus::Draft => P::Draft,
        ProposalStatus::Submitted => P::Submitted,
        ProposalStatus::Accepted => P::Accepted,
        ProposalStatus::Rejected => P::Rejected,
        ProposalStatus::Expired => P::Expired,
    }
}

/// A proposal as its proto message.
pub fn proposal(p: &Proposal) -> pb::Proposal {
    let f = &p.fields;
    pb::Proposal {
        id: p.id.to_string(),
        title: f.title.clone(),
        description: f.description.clone(),
        proposal_type: match f.proposal_type {
            ProposalType::Technical => pb::ProposalType::Technical,
            ProposalType::Financial => pb::ProposalType::Financial,
        } as i32,
        status: status_pb(p.status) as i32,
        company_id: f.company_id.to_string(),
        contract_id: opt_id(f.contract_id),
        service_scope_id: opt_id(f.service_scope_id),
        value: format_amount(f.value),
        currency: f.currency.clone(),
        valid_until: date(f.valid_until),
        assignee_id: opt_id(f.assignee_id),
        version: p.version,
        decision_reason: p.decision_reason.clone(),
        decide_time: p.decided_at.map(timestamp),
        create_time: Some(timestamp(p.created_at)),
        update_time: Some(timestamp(p.updated_at)),
        custom_fields: Some(json_to_struct(&f.custom_fields)),
    }
}

/// A version of a proposal as its proto message.
pub fn proposal_version(v: &ProposalVersion) -> pb::ProposalVersion {
    pb::ProposalVersion {
        proposal_id: v.proposal_id.to_string(),
        version: v.version,
        title: v.title.clone(),
        description: v.description.clone(),
        value: format_amount(v.value),
        currency: v.currency.clone(),
        valid_until: date(v.valid_until),
        author_id: v.author_id.to_string(),
        create_time: Some(timestamp(v.created_at)),
    }
}

/// The writable fields of a proto proposal: on create (`mask` = `None`) `company_id`,
/// `proposal_type` and `currency` are required; on update only the masked ones.
///
/// # Errors
/// [`DomainError::Invalid`] listing every malformed field.
pub fn proposal_fields(p: pb::Proposal, mask: Option<&[String]>) -> Result<ProposalFields, DomainError> {
    let needed = |name: &str| mask.is_none_or(|m| m.iter().any(|x| x == name));
    let mut v = Validator::new();
    let company_id = if mask.is_none() { v.uuid("proposal.company_id", &p.company_id) } else { None };
    let proposal_type = match pb::ProposalType::try_from(p.proposal_type) {
        Ok(pb::ProposalType::Technical) => ProposalType::Technical,
        Ok(pb::ProposalType::Financial) => ProposalType::Financial,
        Ok(pb::ProposalType::Unspecified) => {
            if needed("proposal_type") {
                v.push("proposal.proposal_type", "is required");
            }
            ProposalType::Technical
        }
        Err(_) => {
            v.push("proposal.proposal_type", "unknown value");
            ProposalType::Technical
        }
    };
    let contract_id = v.optional_uuid("proposal.contract_id", &p.contract_id);
    let service_scope_id = v.optional_uuid("proposal.service_scope_id", &p.service_scope_id);
    let assignee_id = v.optional_uuid("proposal.assignee_id", &p.assignee_id);
    let value = parse_amount(&mut v, "proposal.value", &p.value, Decimal::ZERO);
    let currency = if needed("currency") || !p.currency.is_empty() {
        parse_currency(&mut v, "proposal.currency", &p.currency)
    } else {
        String::new()
    };
    let valid_until = parse_date(&mut v, "proposal.valid_until", &p.valid_until);
    v.finish()?;
    Ok(ProposalFields {
        title: p.title,
        description: p.description,
        proposal_type,
        company_id: company_id.unwrap_or_default(),
        contract_id,
        service_scope_id,
        value,
        currency,
        valid_until,
        assignee_id,
        custom_fields: p.custom_fields.as_ref().map_or_else(|| serde_json::json!({}), struct_to_json),
    })
}

/// A rate card as its proto message.
pub fn rate_card(c: &RateCard) -> pb::RateCard {
    let f = &c.fields;
    pb::RateCard {
        id: c.id.to_string(),
        name: f.name.clone(),
        company_id: opt_id(f.company_id),
        contract_id: opt_id(f.contract_id),
        currency: f.currency.clone(),
        lines: f
            .lines
            .iter()
            .map(|l| pb::RateLine {
                work_type_id: l.work_type_id.to_string(),
                work_type_name: l.work_type_name.clone(),
                hourly_rate: format_amount(l.hourly_rate),
                after_hours_rate: format_amount(l.after_hours_rate),
                emergency_rate: format_amount(l.emergency_rate),
            })
            .collect(),
        create_time: Some(timestamp(c.created_at)),
        update_time: Some(timestamp(c.updated_at)),
    }
}

/// The writable fields of a proto rate card (lines named `rate_card.lines[i].…`); after-hours
/// and emergency rates default to the hourly rate.
///
/// # Errors
/// [`DomainError::Invalid`] listing every malformed field.
pub fn rate_card_fields(c: pb::RateCard, mask: Option<&[String]>) -> Result<RateCardFields, DomainError> {
    let needed = |name: &str| mask.is_none_or(|m| m.iter().any(|x| x == name));
    let mut v = Validator::new();
    let (company_id, contract_id) = if mask.is_none() {
        (
            v.optional_uuid("rate_card.company_id", &c.company_id),
            v.optional_uuid("rate_card.contract_id", &c.contract_id),
        )
    } else {
        (None, None)
    };
    let currency = if needed("currency") || !c.currency.is_empty() {
        parse_currency(&mut v, "rate_card.currency", &c.currency)
    } else {
        String::new()
    };
    let mut lines = Vec::with_capacity(c.lines.len());
    for (i, l) in c.lines.into_iter().enumerate() {
        let field = |n: &str| format!("rate_card.lines[{i}].{n}");
        let work_type_id = v.uuid(&field("work_type_id"), &l.work_type_id);
        if l.hourly_rate.trim().is_empty() {
            v.push(field("hourly_rate"), "is required");
        }
        let hourly_rate = parse_amount(&mut v, &field("hourly_rate"), &l.hourly_rate, Decimal::ZERO);
        let after_hours_rate = parse_amount(&mut v, &field("after_hours_rate"), &l.after_hours_rate, hourly_rate);
        let emergency_rate = parse_amount(&mut v, &field("emergency_rate"), &l.emergency_rate, hourly_rate);
        lines.push(RateLine {
            work_type_id: work_type_id.unwrap_or_default(),
            work_type_name: l.work_type_name,
            hourly_rate,
            after_hours_rate,
            emergency_rate,
        });
    }
    v.finish()?;
    Ok(RateCardFields { name: c.name, company_id, contract_id, currency, lines })
}

fn period_pb(p: HourPeriod) -> pb::HourPeriod {
    match p {
        HourPeriod::Monthly => pb::HourPeriod::Monthly,
        HourPeriod::Quarterly => pb::HourPeriod::Quarterly,
        HourPeriod::Annually => pb::HourPeriod::Annually,
    }
}

/// Hours in the API form: plain notation with two decimal places (`"12.50"`, `"-2.00"`).
pub fn format_hours(h: Decimal) -> String {
    let mut h = h.round_dp(2);
    h.rescale(2);
    h.to_string()
}

/// A policy as its proto message.
pub fn hour_policy(p: &HourPolicy) -> pb::HourBalancePolicy {
    pb::HourBalancePolicy {
        included_hours: format_hours(p.included_hours),
        period: period_pb(p.period) as i32,
        rollover_allowed: p.rollover_allowed,
        rollover_cap_hours: p.rollover_cap_hours.map(format_hours).unwrap_or_default(),
    }
}

/// A balance as its proto message.
pub fn hour_balance(b: &HourBalance) -> pb::HourBalance {
    pb::HourBalance {
        contract_id: b.contract_id.to_string(),
        policy: Some(hour_policy(&b.policy)),
        periods: b
            .periods
            .iter()
            .map(|p| pb::HourPeriodBalance {
                start_date: p.start_date.to_string(),
                end_date: p.end_date.to_string(),
                included_hours: format_hours(p.included_hours),
                rollover_hours: format_hours(p.rollover_hours),
                used_hours: format_hours(p.used_hours),
                remaining_hours: format_hours(p.remaining_hours),
            })
            .collect(),
    }
}

/// A proto policy (not yet checked against the rules of [`HourPolicy::validate`]).
///
/// # Errors
/// [`DomainError::Invalid`] listing every malformed field (`policy.…`).
pub fn hour_policy_fields(p: pb::HourBalancePolicy) -> Result<HourPolicy, DomainError> {
    let mut v = Validator::new();
    if p.included_hours.trim().is_empty() {
        v.push("policy.included_hours", "is required");
    }
    let included_hours = parse_amount(&mut v, "policy.included_hours", &p.included_hours, Decimal::ZERO);
    let rollover_cap_hours = (!p.rollover_cap_hours.trim().is_empty())
        .then(|| parse_amount(&mut v, "policy.rollover_cap_hours", &p.rollover_cap_hours, Decimal::ZERO));
    let period = match pb::HourPeriod::try_from(p.period) {
        Ok(pb::HourPeriod::Unspecified | pb::HourPeriod::Monthly) => HourPeriod::Monthly,
        Ok(pb::HourPeriod::Quarterly) => HourPeriod::Quarterly,
        Ok(pb::HourPeriod::Annually) => HourPeriod::Annually,
        Err(_) => {
            v.push("policy.period", "unknown value");
            HourPeriod::Monthly
        }
    };
    v.finish()?;
    Ok(HourPolicy { included_hours, period, rollover_allowed: p.rollover_allowed, rollover_cap_hours })
}
