//! One module per page.

pub mod account;
pub mod audit;
pub mod automation;
pub mod client360;
pub mod commercial;
pub mod companies;
pub mod company_detail;
pub mod contract_detail;
pub mod contracts;
pub mod desk_settings;
pub mod email;
pub mod imports;
pub mod kb;
pub mod login;
pub mod not_found;
pub mod portal;
pub mod security;
pub mod services;
pub mod sso_settings;
pub mod tenants;
pub mod ticket_detail;
pub mod ticket_new;
pub mod tickets;
pub mod time;
pub mod users;
