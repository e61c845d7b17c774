//! Identity rules: password hashing and policy, lockout, roles, token formats. No tonic, no
//! sqlx; time is passed in.

pub mod links;
pub mod lockout;
pub mod mfa;
pub mod password;
pub mod roles;
pub mod sso;
pub mod tokens;
