//! Identity rules free of transport and storage: password hashing, token formats.

pub mod password;
pub mod tokens;
