//! Domain ⇄ proto conversions shared by the gRPC adapter and the published events (catalog,
//! contracts and scopes in [`catalog`]).

pub mod catalog;
pub mod clients;
pub mod commercial;
pub mod custom_fields;
pub mod saf;

use psa_core::DomainError;
use psa_core::validate::Validator;
use psa_kit::convert::{json_to_struct, opt_id, struct_to_json, timestamp};
use psa_proto::contracts as pb;
use rust_decimal::Decimal;

use crate::domain::company::{Address, Company, CompanyFields, CompanySize, CompanyStatus, CompanyType};
use crate::domain::contact::{Contact, ContactFields, ContactType};
use crate::domain::contract::parse_date;
use crate::domain::money::{format_amount, parse_amount};

/// A company as its proto message.
pub fn company(c: &Company) -> pb::Company {
    let f = &c.fields;
    pb::Company {
        id: c.id.to_string(),
        name: f.name.clone(),
        company_type: match f.company_type {
            CompanyType::Client => pb::CompanyType::Client,
            CompanyType::Prospect => pb::CompanyType::Prospect,
            CompanyType::Vendor => pb::CompanyType::Vendor,
            CompanyType::Partner => pb::CompanyType::Partner,
        } as i32,
        status: match f.status {
            CompanyStatus::Prospect => pb::CompanyStatus::Prospect,
            CompanyStatus::Active => pb::CompanyStatus::Active,
            CompanyStatus::Renewal => pb::CompanyStatus::Renewal,
            CompanyStatus::Inactive => pb::CompanyStatus::Inactive,
            CompanyStatus::Archived => pb::CompanyStatus::Archived,
        } as i32,
        industry: f.industry.clone(),
        company_size: match f.company_size {
            None => pb::CompanySize::Unspecified,
            Some(CompanySize::Small) => pb::CompanySize::Small,
            Some(CompanySize::Medium) => pb::CompanySize::Medium,
            Some(CompanySize::Large) => pb::CompanySize::Large,
            Some(CompanySize::Enterprise) => pb::CompanySize::Enterprise,
        } as i32,
        source: f.source.clone(),
        website: f.website.clone(),
        phone: f.phone.clone(),
        email: f.email.clone(),
        address: Some(pb::Address {
            line1: f.address.line1.clone(),
            line2: f.address.line2.clone(),
            city: f.address.city.clone(),
            region: f.address.region.clone(),
            postal_code: f.address.postal_code.clone(),
            country: f.address.country.clone(),
        }),
        notes: f.notes.clone(),
        tags: f.tags.clone(),
        custom_fields: Some(json_to_struct(&f.custom_fields)),
        create_time: Some(timestamp(c.created_at)),
        update_time: Some(timestamp(c.updated_at)),
        parent_id: opt_id(f.parent_id),
        lead_score: f.lead_score.map(i32::from),
        estimated_deal_value: f.estimated_deal_value.map(format_amount).unwrap_or_default(),
        deal_currency: f.deal_currency.clone(),
        first_interaction_date: f.first_interaction_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
    }
}

/// A status as its proto enum.
pub fn company_status(s: CompanyStatus) -> pb::CompanyStatus {
    match s {
        CompanyStatus::Prospect => pb::CompanyStatus::Prospect,
        CompanyStatus::Active => pb::CompanyStatus::Active,
        CompanyStatus::Renewal => pb::CompanyStatus::Renewal,
        CompanyStatus::Inactive => pb::CompanyStatus::Inactive,
        CompanyStatus::Archived => pb::CompanyStatus::Archived,
    }
}

/// A proto status; `None` for UNSPECIFIED, INVALID_ARGUMENT on `field` for unknown numbers.
pub fn parse_company_status(n: i32, field: &str) -> Result<Option<CompanyStatus>, DomainError> {
    Ok(match pb::CompanyStatus::try_from(n) {
        Ok(pb::CompanyStatus::Unspecified) => None,
        Ok(pb::CompanyStatus::Prospect) => Some(CompanyStatus::Prospect),
        Ok(pb::CompanyStatus::Active) => Some(CompanyStatus::Active),
        Ok(pb::CompanyStatus::Renewal) => Some(CompanyStatus::Renewal),
        Ok(pb::CompanyStatus::Inactive) => Some(CompanyStatus::Inactive),
        Ok(pb::CompanyStatus::Archived) => Some(CompanyStatus::Archived),
        Err(_) => return Err(DomainError::invalid(field, "unknown value")),
    })
}

/// The writable fields of a proto company (not yet normalised). Enum numbers outside the
/// proto's range are INVALID_ARGUMENT on `<prefix>company_type` etc.
pub fn company_fields(c: pb::Company, prefix: &str) -> Result<CompanyFields, DomainError> {
    let mut v = Validator::new();
    let company_type = match pb::CompanyType::try_from(c.company_type) {
        Ok(pb::CompanyType::Unspecified | pb::CompanyType::Client) => CompanyType::Client,
        Ok(pb::CompanyType::Prospect) => CompanyType::Prospect,
        Ok(pb::CompanyType::Vendor) => CompanyType::Vendor,
        Ok(pb::CompanyType::Partner) => CompanyType::Partner,
        Err(_) => {
            v.push(format!("{prefix}company_type"), "unknown value");
            CompanyType::Client
        }
    };
    let status = match pb::CompanyStatus::try_from(c.status) {
        Ok(pb::CompanyStatus::Unspecified | pb::CompanyStatus::Active) => CompanyStatus::Active,
        Ok(pb::CompanyStatus::Prospect) => CompanyStatus::Prospect,
        Ok(pb::CompanyStatus::Renewal) => CompanyStatus::Renewal,
        Ok(pb::CompanyStatus::Inactive) => CompanyStatus::Inactive,
        Ok(pb::CompanyStatus::Archived) => CompanyStatus::Archived,
        Err(_) => {
            v.push(format!("{prefix}status"), "unknown value");
            CompanyStatus::Active
        }
    };
    let company_size = match pb::CompanySize::try_from(c.company_size) {
        Ok(pb::CompanySize::Unspecified) => None,
        Ok(pb::CompanySize::Small) => Some(CompanySize::Small),
        Ok(pb::CompanySize::Medium) => Some(CompanySize::Medium),
        Ok(pb::CompanySize::Large) => Some(CompanySize::Large),
        Ok(pb::CompanySize::Enterprise) => Some(CompanySize::Enterprise),
        Err(_) => {
            v.push(format!("{prefix}company_size"), "unknown value");
            None
        }
    };
    let parent_id = v.optional_uuid(&format!("{prefix}parent_id"), c.parent_id.trim());
    let lead_score = match c.lead_score {
        None => None,
        Some(n) => match i16::try_from(n) {
            Ok(n) if (0..=100).contains(&n) => Some(n),
            _ => {
                v.push(format!("{prefix}lead_score"), "must be between 0 and 100");
                None
            }
        },
    };
    let estimated_deal_value = (!c.estimated_deal_value.trim().is_empty()).then(|| {
        parse_amount(&mut v, &format!("{prefix}estimated_deal_value"), &c.estimated_deal_value, Decimal::ZERO)
    });
    let first_interaction_date =
        parse_date(&mut v, &format!("{prefix}first_interaction_date"), &c.first_interaction_date);
    v.finish()?;
    let a = c.address.unwrap_or_default();
    Ok(CompanyFields {
        parent_id,
        lead_score,
        estimated_deal_value,
        deal_currency: c.deal_currency,
        first_interaction_date,
        name: c.name,
        company_type,
        status,
        industry: c.industry,
        company_size,
        source: c.source,
        website: c.website,
        phone: c.phone,
        email: c.email,
        address: Address {
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        },
        notes: c.notes,
        tags: c.tags,
        custom_fields: c.custom_fields.as_ref().map_or_else(|| serde_json::json!({}), struct_to_json),
    })
}

/// A contact as its proto message.
pub fn contact(c: &Contact) -> pb::Contact {
    let f = &c.fields;
    pb::Contact {
        id: c.id.to_string(),
        company_id: f.company_id.to_string(),
        first_name: f.first_name.clone(),
        last_name: f.last_name.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        title: f.title.clone(),
        contact_type: match f.contact_type {
            ContactType::Primary => pb::ContactType::Primary,
            ContactType::Technical => pb::ContactType::Technical,
            ContactType::Billing => pb::ContactType::Billing,
            ContactType::Other => pb::ContactType::Other,
        } as i32,
        create_time: Some(timestamp(c.created_at)),
        update_time: Some(timestamp(c.updated_at)),
        tags: c.tags.clone(),
        custom_fields: Some(json_to_struct(&c.custom_fields)),
    }
}

/// The writable fields of a proto contact (not yet normalised).
pub fn contact_fields(c: pb::Contact) -> Result<ContactFields, DomainError> {
    contact_fields_for(c, true)
}

/// Like [`contact_fields`]; `company_id` is only parsed when `with_company` (create).
///
/// # Errors
/// [`DomainError::Invalid`] listing every malformed field.
pub fn contact_fields_for(c: pb::Contact, with_company: bool) -> Result<ContactFields, DomainError> {
    let mut v = Validator::new();
    let company_id = if with_company { v.uuid("contact.company_id", &c.company_id) } else { None };
    let contact_type = match pb::ContactType::try_from(c.contact_type) {
        Ok(pb::ContactType::Unspecified | pb::ContactType::Other) => ContactType::Other,
        Ok(pb::ContactType::Primary) => ContactType::Primary,
        Ok(pb::ContactType::Technical) => ContactType::Technical,
        Ok(pb::ContactType::Billing) => ContactType::Billing,
        Err(_) => {
            v.push("contact.contact_type", "unknown value");
            ContactType::Other
        }
    };
    v.finish()?;
    Ok(ContactFields {
        company_id: company_id.unwrap_or_default(),
        first_name: c.first_name,
        last_name: c.last_name,
        email: c.email,
        phone: c.phone,
        title: c.title,
        contact_type,
    })
}

/// A proto contact as a patch: the fields plus tags and custom field values (ids and times
/// are placeholders).
///
/// # Errors
/// [`DomainError::Invalid`] listing every malformed field.
pub fn contact_patch(c: pb::Contact) -> Result<Contact, DomainError> {
    let tags = c.tags.clone();
    let custom_fields = c.custom_fields.as_ref().map_or_else(|| serde_json::json!({}), struct_to_json);
    let fields = contact_fields_for(c, false)?;
    Ok(Contact {
        id: uuid::Uuid::nil(),
        tenant_id: uuid::Uuid::nil(),
        fields,
        created_at: chrono::DateTime::UNIX_EPOCH,
        updated_at: chrono::DateTime::UNIX_EPOCH,
        merged_into: None,
        tags,
        custom_fields,
    })
}
