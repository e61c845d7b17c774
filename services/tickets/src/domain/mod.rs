//! Ticket rules free of transport and storage.

pub mod attachments;
pub mod automation;
pub mod desk;
pub mod email;
pub mod kb;
pub mod sla;
pub mod templates;
pub mod ticket;
pub mod time;
pub mod time_report;
pub mod timesheet;
