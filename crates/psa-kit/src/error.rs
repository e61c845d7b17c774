//! One error type for service code (domain, database, infrastructure) and its mapping to a
//! gRPC status. INVALID_ARGUMENT carries a `google.rpc.BadRequest` with every field
//! violation (via `tonic-types`), which the gateway turns into RFC 9457 `errors`.
//! Internal causes are logged with a correlation id and never sent to the caller.

use psa_core::DomainError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Error of a service operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule of the domain said no; shown to the caller as is.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The database failed (unique violations are mapped by repos to [`DomainError`]).
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// Anything else (NATS, Redis, bugs); logged, answered as INTERNAL/UNAVAILABLE.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Result of a service operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether this is a PostgreSQL unique violation of `constraint`.
    pub fn is_unique_violation(&self, constraint: &str) -> bool {
        match self {
            Self::Db(sqlx::Error::Database(e)) => e.is_unique_violation() && e.constraint() == Some(constraint),
            _ => false,
        }
    }
}

/// Maps a [`DomainError`] to its gRPC status (see the variant docs for the codes).
pub fn domain_status(e: &DomainError) -> Status {
    match e {
        DomainError::Invalid(violations) => {
            let mut details = ErrorDetails::new();
            for v in violations {
                details.add_bad_request_violation(v.field.clone(), v.description.clone());
            }
            Status::with_error_details(Code::InvalidArgument, e.to_string(), details)
        }
        DomainError::NotFound { .. } => Status::not_found(e.to_string()),
        DomainError::AlreadyExists { field, .. } => {
            let mut details = ErrorDetails::new();
            details.add_bad_request_violation(*field, "already exists");
            Status::with_error_details(Code::AlreadyExists, e.to_string(), details)
        }
        DomainError::FailedPrecondition(m) => Status::failed_precondition(m.clone()),
        DomainError::Unauthenticated(m) => Status::unauthenticated(m.clone()),
        DomainError::PermissionDenied(_) => Status::permission_denied(e.to_string()),
    }
}

impl From<Error> for Status {
    fn from(e: Error) -> Self {
        match e {
            Error::Domain(d) => domain_status(&d),
            Error::Db(sqlx::Error::PoolTimedOut) => {
                tracing::warn!("database pool timed out");
                Status::unavailable("the service is busy; try again")
            }
            Error::Db(err) => {
                let id = uuid::Uuid::now_v7();
                tracing::error!(error = %err, error_id = %id, "database error");
                Status::internal(format!("internal error (id {id})"))
            }
            Error::Other(err) => {
                let id = uuid::Uuid::now_v7();
                tracing::error!(error = ?err, error_id = %id, "internal error");
                Status::internal(format!("internal error (id {id})"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use psa_core::FieldViolation;

    #[test]
    fn invalid_carries_every_violation() {
        let s = domain_status(&DomainError::Invalid(vec![
            FieldViolation::new("company.name", "is required"),
            FieldViolation::new("company.website", "must be an http(s) URL"),
        ]));
        assert_eq!(s.code(), Code::InvalidArgument);
        let br = s.get_details_bad_request().expect("bad request details");
        let fields: Vec<_> = br.field_violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["company.name", "company.website"]);
    }

    #[test]
    fn internal_hides_cause() {
        let s: Status = Error::Other(anyhow::anyhow!("password=hunter2")).into();
        assert_eq!(s.code(), Code::Internal);
        assert!(!s.message().contains("hunter2"));
    }
}
