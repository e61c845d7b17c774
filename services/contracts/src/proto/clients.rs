//! Sites, notes, team assignments, activity and status history ⇄ proto.

use psa_core::DomainError;
use psa_core::validate::Validator;
use psa_kit::convert::timestamp;
use psa_proto::contracts as pb;

use crate::domain::activity::{Activity, StatusChange};
use crate::domain::company::Address;
use crate::domain::note::CompanyNote;
use crate::domain::site::{Site, SiteFields};
use crate::domain::team::{TeamAssignment, TeamRole};

fn address(a: &Address) -> pb::Address {
    pb::Address {
        line1: a.line1.clone(),
        line2: a.line2.clone(),
        city: a.city.clone(),
        region: a.region.clone(),
        postal_code: a.postal_code.clone(),
        country: a.country.clone(),
    }
}

/// A site as its proto message.
pub fn site(s: &Site) -> pb::Site {
    let f = &s.fields;
    pb::Site {
        id: s.id.to_string(),
        company_id: f.company_id.to_string(),
        name: f.name.clone(),
        address: Some(address(&f.address)),
        phone: f.phone.clone(),
        is_primary: f.is_primary,
        time_zone: f.time_zone.clone(),
        notes: f.notes.clone(),
        create_time: Some(timestamp(s.created_at)),
        update_time: Some(timestamp(s.updated_at)),
    }
}

/// The writable fields of a proto site (not yet normalised); `company_id` is required only
/// when `need_company`.
pub fn site_fields(s: pb::Site, need_company: bool) -> Result<SiteFields, DomainError> {
    let mut v = Validator::new();
    let company_id = if need_company {
        v.uuid("site.company_id", &s.company_id)
    } else {
        v.optional_uuid("site.company_id", &s.company_id)
    };
    v.finish()?;
    let a = s.address.unwrap_or_default();
    Ok(SiteFields {
        company_id: company_id.unwrap_or_default(),
        name: s.name,
        address: Address {
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        },
        phone: s.phone,
        is_primary: s.is_primary,
        time_zone: s.time_zone,
        notes: s.notes,
    })
}

/// An attachment's metadata as its proto message.
pub fn attachment(a: &crate::domain::attachment::CompanyAttachment) -> pb::CompanyAttachment {
    pb::CompanyAttachment {
        id: a.id.to_string(),
        company_id: a.company_id.to_string(),
        file_name: a.file_name.clone(),
        content_type: a.content_type.clone(),
        size_bytes: a.size_bytes,
        uploaded_by: a.uploaded_by.to_string(),
        create_time: Some(timestamp(a.created_at)),
        contract_id: a.contract_id.map(|id| id.to_string()).unwrap_or_default(),
    }
}

/// A note as its proto message.
pub fn note(n: &CompanyNote) -> pb::CompanyNote {
    pb::CompanyNote {
        id: n.id.to_string(),
        company_id: n.company_id.to_string(),
        body: n.body.clone(),
        author_id: n.author_id.to_string(),
        create_time: Some(timestamp(n.created_at)),
    }
}

/// A role as its proto enum.
pub fn team_role(r: TeamRole) -> pb::TeamRole {
    match r {
        TeamRole::AccountManager => pb::TeamRole::AccountManager,
        TeamRole::LeadEngineer => pb::TeamRole::LeadEngineer,
        TeamRole::ProjectManager => pb::TeamRole::ProjectManager,
        TeamRole::ServiceDeliveryManager => pb::TeamRole::ServiceDeliveryManager,
        TeamRole::BackupEngineer => pb::TeamRole::BackupEngineer,
        TeamRole::SecurityAnalyst => pb::TeamRole::SecurityAnalyst,
    }
}

/// A proto role; UNSPECIFIED or unknown numbers are INVALID_ARGUMENT on `field`.
pub fn parse_team_role(n: i32, field: &str) -> Result<TeamRole, DomainError> {
    match pb::TeamRole::try_from(n) {
        Ok(pb::TeamRole::AccountManager) => Ok(TeamRole::AccountManager),
        Ok(pb::TeamRole::LeadEngineer) => Ok(TeamRole::LeadEngineer),
        Ok(pb::TeamRole::ProjectManager) => Ok(TeamRole::ProjectManager),
        Ok(pb::TeamRole::ServiceDeliveryManager) => Ok(TeamRole::ServiceDeliveryManager),
        Ok(pb::TeamRole::BackupEngineer) => Ok(TeamRole::BackupEngineer),
        Ok(pb::TeamRole::SecurityAnalyst) => Ok(TeamRole::SecurityAnalyst),
        Ok(pb::TeamRole::Unspecified) => Err(DomainError::invalid(field, "is required")),
        Err(_) => Err(DomainError::invalid(field, "unknown value")),
    }
}

/// A team assignment as its proto message.
pub fn team_assignment(a: &TeamAssignment) -> pb::TeamAssignment {
    pb::TeamAssignment {
        id: a.id.to_string(),
        company_id: a.company_id.to_string(),
        user_id: a.user_id.to_string(),
        role: team_role(a.role) as i32,
        create_user_id: a.created_by.to_string(),
        create_time: Some(timestamp(a.created_at)),
    }
}

/// A timeline entry as its proto message.
pub fn activity(a: &Activity) -> pb::CompanyActivity {
    pb::CompanyActivity {
        id: a.id.to_string(),
        company_id: a.company_id.to_string(),
        kind: a.kind.as_str().to_owned(),
        summary: a.summary.clone(),
        actor_id: if a.actor_id.is_nil() { String::new() } else { a.actor_id.to_string() },
        subject_id: a.subject_id.to_string(),
        occur_time: Some(timestamp(a.occurred_at)),
    }
}

/// A status change as its proto message.
pub fn status_change(c: &StatusChange) -> pb::CompanyStatusChange {
    pb::CompanyStatusChange {
        id: c.id.to_string(),
        company_id: c.company_id.to_string(),
        from_status: c.from.map_or(pb::CompanyStatus::Unspecified, super::company_status) as i32,
        to_status: super::company_status(c.to) as i32,
        reason: c.reason.clone(),
        actor_id: c.actor_id.to_string(),
        change_time: Some(timestamp(c.changed_at)),
    }
}
