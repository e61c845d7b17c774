//! Ticket rules free of transport and storage.

pub mod ticket;
