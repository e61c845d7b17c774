//! Contracts rules free of transport and storage.

pub mod activity;
pub mod attachment;
pub mod coc;
pub mod company;
pub mod contact;
pub mod contract;
pub mod expiry;
pub mod hours;
pub mod import;
pub mod imports;
pub mod lifecycle;
pub mod money;
pub mod note;
pub mod proposal;
pub mod rate_card;
pub mod saf;
pub mod scope;
pub mod scope_template;
pub mod service;
pub mod site;
pub mod team;
