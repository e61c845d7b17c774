//! wasm-safe types shared by the services, the gateway and the web client (DESIGN.md §2):
//! principals and permissions, domain errors with field violations, input validation and the
//! AIP-160 filter subset used by list endpoints.

pub mod custom_fields;
pub mod error;
pub mod filter;
pub mod mask;
pub mod money;
pub mod permissions;
pub mod principal;
pub mod text_enum;
pub mod validate;

pub use error::{DomainError, FieldViolation};
pub use principal::{Principal, PrincipalKind};
