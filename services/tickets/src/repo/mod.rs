//! Storage (sqlx). Every function takes the tenant transaction and the tenant id and filters
//! by it in SQL as well as by RLS.

pub mod attachments;
pub mod automation;
pub mod companies;
pub mod desk;
pub mod email;
pub mod kb;
pub mod notes;
pub mod sla;
pub mod sla_state;
pub mod templates;
pub mod ticket_actions;
pub mod tickets;
pub mod time;
pub mod timesheets;
pub mod users;
