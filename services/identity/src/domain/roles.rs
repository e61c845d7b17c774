//! Roles: standard (psa_core::permissions::Role) and tenant-defined custom roles; the
//! permissions a set of roles grants; anti-escalation checks.

use std::collections::BTreeSet;

use psa_core::DomainError;
use psa_core::permissions::{self, Role};
use psa_core::validate::Validator;
use uuid::Uuid;

/// What a role id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleRef {
    Standard(Role),
    Custom(Uuid),
}

impl RoleRef {
    /// Parses a role id: a standard role name or a custom role UUID.
    pub fn parse(id: &str) -> Option<RoleRef> {
        Role::parse(id).map(RoleRef::Standard).or_else(|| Uuid::parse_str(id).ok().map(RoleRef::Custom))
    }

    /// The stored form (`admin` or the UUID).
    pub fn key(self) -> String {
        match self {
            Self::Standard(r) => r.as_str().to_owned(),
            Self::Custom(id) => id.to_string(),
        }
    }
}

/// Validates a custom role's name, description and permissions (known, non-empty), and
/// returns the permissions sorted and deduplicated.
///
/// # Errors
/// INVALID_ARGUMENT with field violations.
pub fn validate_custom(name: &str, description: &str, perms: &[String]) -> Result<Vec<String>, DomainError> {
    let mut v = Validator::new();
    v.required("name", name).max_chars("name", name, 100).max_chars("description", description, 500);
    if Role::parse(name.trim()).is_some()
        || Role::ALL.iter().any(|r| r.display_name().eq_ignore_ascii_case(name.trim()))
    {
        v.push("name", "is the name of a standard role");
    }
    if perms.is_empty() {
        v.push("permissions", "at least one permission is required");
    }
    for (i, p) in perms.iter().enumerate() {
        if !permissions::is_known(p) {
            v.push(format!("permissions[{i}]"), format!("unknown permission {p:?}"));
        }
    }
    v.finish()?;
    Ok(perms.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect())
}

/// The sorted union of permission sets.
pub fn union<'a>(sets: impl IntoIterator<Item = &'a [String]>) -> Vec<String> {
    sets.into_iter().flatten().cloned().collect::<BTreeSet<_>>().into_iter().collect()
}

/// Refuses granting `wanted` permissions that the caller (`held`, `*` = all) does not hold:
/// nobody can hand out more than they have.
///
/// # Errors
/// PERMISSION_DENIED naming the first permission missing.
pub fn check_no_escalation(held: &[String], wanted: &[String]) -> Result<(), DomainError> {
    if held.iter().any(|p| p == "*") {
        return Ok(());
    }
    match wanted.iter().find(|w| !held.contains(w)) {
        Some(missing) => Err(DomainError::PermissionDenied(missing.clone())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn custom_roles_are_validated() {
        assert_eq!(
            validate_custom("Helpdesk", "", &s(&["tickets.write", "tickets.read", "tickets.read"])).unwrap(),
            s(&["tickets.read", "tickets.write"])
        );
        let DomainError::Invalid(v) = validate_custom("", "", &s(&["tickets.fly"])).unwrap_err() else { panic!() };
        let fields: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "permissions[0]"]);
        assert!(validate_custom("Technician", "", &s(&["tickets.read"])).is_err());
        assert!(validate_custom("ok", "", &[]).is_err());
    }

    #[test]
    fn escalation_and_refs() {
        assert!(check_no_escalation(&s(&["tickets.read"]), &s(&["tickets.read"])).is_ok());
        assert_eq!(
            check_no_escalation(&s(&["tickets.read"]), &s(&["users.write"])),
            Err(DomainError::PermissionDenied("users.write".into()))
        );
        assert!(check_no_escalation(&s(&["*"]), &s(&["users.write"])).is_ok());
        assert_eq!(RoleRef::parse("admin"), Some(RoleRef::Standard(Role::Admin)));
        assert!(matches!(RoleRef::parse(&Uuid::nil().to_string()), Some(RoleRef::Custom(_))));
        assert_eq!(RoleRef::parse("root"), None);
        assert_eq!(union([s(&["b", "a"]).as_slice(), s(&["a"]).as_slice()]), s(&["a", "b"]));
    }
}
