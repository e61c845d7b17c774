//! Sites: a company's locations (PRD §3.3.2 Site). A company with sites has exactly one
//! primary site: the first site becomes primary, making another site primary demotes the old
//! one, and the primary cannot be un-marked or deleted while other sites exist.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_core::validate::Validator;
use uuid::Uuid;

use crate::domain::company::Address;

/// The writable fields of a site.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteFields {
    pub company_id: Uuid,
    /// 1–200 characters, unique per company (case-insensitive).
    pub name: String,
    pub address: Address,
    pub phone: String,
    pub is_primary: bool,
    /// IANA time zone name (`Europe/Berlin`), checked against the tz database (chrono-tz);
    /// defaults to `UTC`.
    pub time_zone: String,
    pub notes: String,
}

/// A stored site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: SiteFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Field names an update mask may name.
pub const UPDATABLE: &[&str] = &["name", "address", "phone", "is_primary", "time_zone", "notes"];

impl SiteFields {
    /// Trims text and checks every rule, naming fields under `prefix` (e.g. `site.`).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self, prefix: &str) -> Result<Self, DomainError> {
        for s in [&mut self.name, &mut self.phone, &mut self.time_zone] {
            *s = s.trim().to_owned();
        }
        if self.time_zone.is_empty() {
            "UTC".clone_into(&mut self.time_zone);
        }
        let f = |n: &str| format!("{prefix}{n}");
        let mut v = Validator::new();
        v.required(&f("name"), &self.name).max_chars(&f("name"), &self.name, 200);
        v.max_chars(&f("phone"), &self.phone, 50).max_chars(&f("notes"), &self.notes, 65_536);
        match chrono_tz::Tz::from_str(&self.time_zone) {
            Ok(tz) => self.time_zone = tz.name().to_owned(),
            Err(_) => {
                v.push(f("time_zone"), "must be an IANA time zone name such as \"Europe/Berlin\"");
            }
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

    /// Copies the fields named in `mask` from `patch`; returns the names that changed.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `update_mask` for a name not in [`UPDATABLE`].
    pub fn apply(&mut self, patch: SiteFields, mask: &[String]) -> Result<Vec<String>, DomainError> {
        psa_core::mask::apply(self, mask, UPDATABLE, |this, name| {
            match name {
                "name" => this.name = patch.name.clone(),
                "address" => this.address = patch.address.clone(),
                "phone" => this.phone = patch.phone.clone(),
                "is_primary" => this.is_primary = patch.is_primary,
                "time_zone" => this.time_zone = patch.time_zone.clone(),
                "notes" => this.notes = patch.notes.clone(),
                _ => {}
            }
            Ok(())
        })
    }
}

/// Decides the primary flag of a site being written. `was_primary`: the stored flag (false for
/// a new site); `others`: how many other sites the company has.
///
/// Returns the flag to store and whether the other primary must be demoted.
///
/// # Errors
/// [`DomainError::Invalid`] on `field` when the primary would be un-marked while other sites
/// exist (make another site primary instead).
pub fn primary_flag(wanted: bool, was_primary: bool, others: usize, field: &str) -> Result<(bool, bool), DomainError> {
    if others == 0 {
        return Ok((true, false));
    }
    match (wanted, was_primary) {
        (true, true) => Ok((true, false)),
        (true, false) => Ok((true, true)),
        (false, true) => Err(DomainError::invalid(
            field,
            "a company with sites has exactly one primary site; make another site primary instead",
        )),
        (false, false) => Ok((false, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(tz: &str) -> SiteFields {
        SiteFields {
            company_id: Uuid::nil(),
            name: " HQ ".into(),
            address: Address::default(),
            phone: String::new(),
            is_primary: false,
            time_zone: tz.into(),
            notes: String::new(),
        }
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(site("Europe/Berlin").normalize("").unwrap().time_zone, "Europe/Berlin");
        assert_eq!(site("").normalize("").unwrap().time_zone, "UTC");
        assert_eq!(site(" ").normalize("").unwrap().name, "HQ");
        for bad in ["Mars/Olympus", "CEST+2", "europe berlin"] {
            let Err(DomainError::Invalid(v)) = site(bad).normalize("site.") else { panic!("{bad}") };
            assert_eq!(v[0].field, "site.time_zone");
        }
    }

    #[test]
    fn exactly_one_primary() {
        // The first site is primary whatever was asked.
        assert_eq!(primary_flag(false, false, 0, "p").unwrap(), (true, false));
        // A new primary demotes the old one.
        assert_eq!(primary_flag(true, false, 2, "p").unwrap(), (true, true));
        assert_eq!(primary_flag(false, false, 2, "p").unwrap(), (false, false));
        assert_eq!(primary_flag(true, true, 2, "p").unwrap(), (true, false));
        assert!(primary_flag(false, true, 1, "p").is_err());
    }
}
