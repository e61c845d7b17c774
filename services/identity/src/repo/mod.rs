//! Storage (sqlx). Global tables (tenants, signing keys) take the pool; tenant-owned tables
//! take a tenant transaction and the tenant id, and filter by it in SQL as well as by RLS.

pub mod api_keys;
pub mod audit;
pub mod identity_providers;
pub mod keys;
pub mod ldap_directories;
pub mod mfa;
pub mod portal_users;
pub mod roles;
pub mod sessions;
pub mod tenants;
pub mod users;
