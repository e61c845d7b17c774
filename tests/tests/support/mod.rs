//! Helpers shared by several end-to-end test binaries.

pub mod browser;
pub mod contracts;
