//! SAF and COC conversions (domain ⇄ proto).

use chrono::NaiveDate;
use psa_core::DomainError;
use psa_core::validate::Validator;
use psa_kit::convert::{opt_id, timestamp};
use psa_proto::contracts as pb;
use rust_decimal::Decimal;

use crate::domain::coc::{Coc, CocFields, CocStatus, CocType};
use crate::domain::contract::parse_date;
use crate::domain::money::{format_amount, parse_amount, parse_currency};
use crate::domain::saf::{Saf, SafFields, SafStatus};

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

fn status_pb(s: SafStatus) -> pb::SafStatus {
    use pb::SafStatus as P;
    match s {
        SafStatus::Draft => P::Draft,
        SafStatus::Sent => P::Sent,
        SafStatus::Signed => P::Signed,
        SafStatus::Active => P::Active,
        SafStatus::Expired => P::Expired,
    }
}

fn status(v: &mut Validator, n: i32, required: bool) -> SafStatus {
    use pb::SafStatus as P;
    match P::try_from(n) {
        Ok(P::Unspecified) => {
            if required {
                v.push("saf.status", "is required");
            }
            SafStatus::Draft
        }
        Ok(P::Draft) => SafStatus::Draft,
        Ok(P::Sent) => SafStatus::Sent,
        Ok(P::Signed) => SafStatus::Signed,
        Ok(P::Active) => SafStatus::Active,
        Ok(P::Expired) => SafStatus::Expired,
        Err(_) => {
            v.push("saf.status", "unknown value");
            SafStatus::Draft
        }
    }
}

/// A SAF as its proto message.
pub fn saf(s: &Saf) -> pb::Saf {
    let f = &s.fields;
    pb::Saf {
        id: s.id.to_string(),
        number: f.number.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
        document_url: f.document_url.clone(),
        contract_id: f.contract_id.to_string(),
        company_id: s.company_id.to_string(),
        service_scope_id: opt_id(f.service_scope_id),
        start_date: date(f.start_date),
        end_date: date(f.end_date),
        value: format_amount(f.value),
        currency: f.currency.clone(),
        status: status_pb(f.status) as i32,
        create_time: Some(timestamp(s.created_at)),
        update_time: Some(timestamp(s.updated_at)),
        custom_fields: Some(psa_kit::convert::json_to_struct(&s.custom_fields)),
    }
}

/// The writable fields of a proto SAF: on create (`mask` = `None`) `contract_id` and
/// `currency` are required and the status is ignored (new SAFs are drafts); on update only
/// masked `status` and `currency` must be given.
///
/// # Errors
/// [`DomainError::Invalid`] listing every malformed field.
pub fn saf_fields(s: pb::Saf, mask: Option<&[String]>) -> Result<SafFields, DomainError> {
    let needed = |name: &str| mask.is_none_or(|m| m.iter().any(|x| x == name));
    let mut v = Validator::new();
    let contract_id = if mask.is_none() { v.uuid("saf.contract_id", &s.contract_id) } else { None };
    let service_scope_id = v.optional_uuid("saf.service_scope_id", &s.service_scope_id);
    let status = status(&mut v, s.status, mask.is_some() && needed("status"));
    let start_date = parse_date(&mut v, "saf.start_date", &s.start_date);
    let end_date = parse_date(&mut v, "saf.end_date", &s.end_date);
    let value = parse_amount(&mut v, "saf.value", &s.value, Decimal::ZERO);
    let currency = if needed("currency") || !s.currency.is_empty() {
        parse_currency(&mut v, "saf.currency", &s.currency)
    } else {
        String::new()
    };
    v.finish()?;
    Ok(SafFields {
        number: s.number,
        title: s.title,
        description: s.description,
        document_url: s.document_url,
        contract_id: contract_id.unwrap_or_default(),
        service_scope_id,
        start_date,
        end_date,
        value,
        currency,
        status,
    })
}

fn coc_type_pb(t: CocType) -> pb::CocType {
    use pb::CocType as P;
    match t {
        CocType::Soc2 => P::Soc2,
        CocType::Iso27001 => P::Iso27001,
        CocType::Hipaa => P::Hipaa,
        CocType::PciDss => P::PciDss,
        CocType::Gdpr => P::Gdpr,
        CocType::NistCsf => P::NistCsf,
        CocType::Other => P::Other,
    }
}

fn coc_type(v: &mut Validator, n: i32, required: bool) -> CocType {
    use pb::CocType as P;
    match P::try_from(n) {
        Ok(P::Unspecified) => {
            if required {
                v.push("coc.coc_type", "is required");
            }
            CocType::Other
        }
        Ok(P::Soc2) => CocType::Soc2,
        Ok(P::Iso27001) => CocType::Iso27001,
        Ok(P::Hipaa) => CocType::Hipaa,
        Ok(P::PciDss) => CocType::PciDss,
        Ok(P::Gdpr) => CocType::Gdpr,
        Ok(P::NistCsf) => CocType::NistCsf,
        Ok(P::Other) => CocType::Other,
        Err(_) => {
            v.push("coc.coc_type", "unknown value");
            CocType::Other
        }
    }
}

fn coc_status_pb(s: CocStatus) -> pb::CocStatus {
    use pb::CocStatus as P;
    match s {
        CocStatus::Draft => P::Draft,
        CocStatus::Active => P::Active,
        CocStatus::Expired => P::Expired,
        CocStatus::Revoked => P::Revoked,
    }
}

fn coc_status(v: &mut Validator, n: i32, required: bool) -> CocStatus {
    use pb::CocStatus as P;
    match P::try_from(n) {
        Ok(P::Unspecified) => {
            if required {
                v.push("coc.status", "is required");
            }
            CocStatus::Draft
        }
        Ok(P::Draft) => CocStatus::Draft,
        Ok(P::Active) => CocStatus::Active,
        Ok(P::Expired) => CocStatus::Expired,
        Ok(P::Revoked) => CocStatus::Revoked,
        Err(_) => {
            v.push("coc.status", "unknown value");
            CocStatus::Draft
        }
    }
}

/// A COC as its proto message.
pub fn coc(c: &Coc) -> pb::Coc {
    let f = &c.fields;
    pb::Coc {
        id: c.id.to_string(),
        number: f.number.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
        coc_type: coc_type_pb(f.coc_type) as i32,
        status: coc_status_pb(f.status) as i32,
        issue_date: date(f.issue_date),
        expiry_date: date(f.expiry_date),
        audit_date: date(f.audit_date),
        next_audit_date: date(f.next_audit_date),
        saf_id: opt_id(f.saf_id),
        service_scope_id: opt_id(f.service_scope_id),
        company_id: c.company_id.to_string(),
        contract_id: c.contract_id.to_string(),
        document_url: f.document_url.clone(),
        create_time: Some(timestamp(c.created_at)),
        update_time: Some(timestamp(c.updated_at)),
        custom_fields: Some(psa_kit::convert::json_to_struct(&c.custom_fields)),
    }
}

/// The writable fields of a proto COC: on create (`mask` = `None`) `coc_type` is required and
/// the status is ignored (new COCs are drafts); on update masked `coc_type` and `status` must
/// be given.
///
/// # Errors
/// [`DomainError::Invalid`] listing every malformed field.
pub fn coc_fields(c: pb::Coc, mask: Option<&[String]>) -> Result<CocFields, DomainError> {
    let needed = |name: &str| mask.is_none_or(|m| m.iter().any(|x| x == name));
    let mut v = Validator::new();
    let coc_type = coc_type(&mut v, c.coc_type, needed("coc_type"));
    let status = coc_status(&mut v, c.status, mask.is_some() && needed("status"));
    let issue_date = parse_date(&mut v, "coc.issue_date", &c.issue_date);
    let expiry_date = parse_date(&mut v, "coc.expiry_date", &c.expiry_date);
    let audit_date = parse_date(&mut v, "coc.audit_date", &c.audit_date);
    let next_audit_date = parse_date(&mut v, "coc.next_audit_date", &c.next_audit_date);
    let saf_id = v.optional_uuid("coc.saf_id", &c.saf_id);
    let service_scope_id = v.optional_uuid("coc.service_scope_id", &c.service_scope_id);
    v.finish()?;
    Ok(CocFields {
        number: c.number,
        title: c.title,
        description: c.description,
        coc_type,
        status,
        issue_date,
        expiry_date,
        audit_date,
        next_audit_date,
        saf_id,
        service_scope_id,
        document_url: c.document_url,
    })
}
