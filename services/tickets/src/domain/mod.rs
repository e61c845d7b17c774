//! Ticket rules free of transport and storage.

pub mod kb;
pub mod email;
pub mod sla;
pub mod ticket;
pub mod time;
pub mod time_report;
pub mod timesheet;
