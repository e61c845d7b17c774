//! Money and quantities: the shared rules of [`psa_core::money`].

pub use psa_core::money::*;
