//! SLA rules free of transport and storage: calendars and clocks.

pub mod calendar;
pub mod clock;
pub mod policy;
