//! Contracts rules free of transport and storage.

pub mod company;
pub mod contact;
pub mod import;
