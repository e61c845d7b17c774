//! Storage (sqlx). Every function takes the tenant transaction and the tenant id and filters
//! by it in SQL as well as by RLS.

pub mod activity;
pub mod attachments;
pub mod cocs;
pub mod companies;
pub mod contacts;
pub mod contracts;
pub mod custom_fields;
pub mod expiry;
pub mod hours;
pub mod import_jobs;
pub mod imports;
pub mod notes;
pub mod numbers;
pub mod proposals;
pub mod rate_cards;
pub mod safs;
pub mod scopes;
pub mod services;
pub mod sites;
pub mod table;
pub mod team;
