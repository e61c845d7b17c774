//! Domain errors, independent of transport. psa-kit maps them to gRPC status codes
//! (with `google.rpc.BadRequest` field violations) and the gateway to RFC 9457 problems.

use std::fmt;

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field in the request message, snake_case segments joined by `.`
    /// (e.g. `company.website`), or a location such as `line 3: contactEmail` for files.
    pub field: String,
    /// What is wrong, for a person to read (e.g. `must be a valid email address`).
    pub description: String,
}

impl FieldViolation {
    /// A violation of `field` described by `description`.
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self { field: field.into(), description: description.into() }
    }
}

/// Why a domain operation failed. Each variant maps to one gRPC code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// INVALID_ARGUMENT: the request is malformed; every bad field is listed.
    #[error("invalid argument: {}", fmt_violations(.0))]
    Invalid(Vec<FieldViolation>),
    /// NOT_FOUND: no such `entity` visible to the caller (also used for other tenants' ids).
    #[error("{entity} not found")]
    NotFound {
        /// Entity name, e.g. `company`.
        entity: &'static str,
    },
    /// ALREADY_EXISTS: a uniqueness rule was broken; `field` names the unique field.
    #[error("{entity} with this {field} already exists")]
    AlreadyExists {
        /// Entity name, e.g. `company`.
        entity: &'static str,
        /// Unique field, e.g. `name`.
        field: &'static str,
    },
    /// FAILED_PRECONDITION: the state does not allow the operation (e.g. illegal transition).
    #[error("{0}")]
    FailedPrecondition(String),
    /// UNAUTHENTICATED: missing, invalid or revoked credentials. The message is safe to show.
    #[error("{0}")]
    Unauthenticated(String),
    /// PERMISSION_DENIED: authenticated, but lacking the named permission.
    #[error("missing permission {0}")]
    PermissionDenied(String),
}

fn fmt_violations(v: &[FieldViolation]) -> String {
    v.iter().map(|f| format!("{}: {}", f.field, f.description)).collect::<Vec<_>>().join("; ")
}

impl DomainError {
    /// A single-field INVALID_ARGUMENT.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldViolation::new(field, description)])
    }
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.description)
    }
}
