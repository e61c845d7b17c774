//! Permission names `<area>.<action>` and the standard roles' permission sets
//! (PRD §3.1.2, DESIGN.md §4). RPCs declare the permission they need in the proto
//! (`psa.api.v1.access`); psa-kit checks it on every call.

pub const COMPANIES_READ: &str = "companies.read";
pub const COMPANIES_WRITE: &str = "companies.write";
pub const CONTACTS_READ: &str = "contacts.read";
pub const CONTACTS_WRITE: &str = "contacts.write";
/// Read the service catalog and its scope templates.
pub const SERVICES_READ: &str = "services.read";
/// Create, edit and archive services; publish scope template versions.
pub const SERVICES_WRITE: &str = "services.write";
/// Read contracts and their service scopes (portal users: their own company's, read-only).
pub const CONTRACTS_READ: &str = "contracts.read";
/// Create, edit, move through the lifecycle and renew contracts; edit service scopes.
pub const CONTRACTS_WRITE: &str = "contracts.write";
pub const TICKETS_READ: &str = "tickets.read";
pub const TICKETS_WRITE: &str = "tickets.write";
/// Read SLA policies, business hours, holiday calendars and SLA reports (PRD §3.9).
pub const SLA_READ: &str = "sla.read";
/// Manage SLA policies, business hours, holiday calendars and company assignments.
pub const SLA_WRITE: &str = "sla.write";

/// Every permission defined so far.
pub const ALL: &[&str] = &[
    COMPANIES_READ,
    COMPANIES_WRITE,
    CONTACTS_READ,
    CONTACTS_WRITE,
    SERVICES_READ,
    SERVICES_WRITE,
    CONTRACTS_READ,
    CONTRACTS_WRITE,
    TICKETS_READ,
    TICKETS_WRITE,
    SLA_READ,
    SLA_WRITE,
];

/// A standard role (PRD §3.1.2). Only the staff roles needed so far are defined; custom
/// roles and the portal roles arrive with the identity issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// MSP organisation administrator: everything in the tenant.
    Admin,
    /// Service delivery staff: tickets, read access to clients.
    Technician,
}

impl Role {
    /// The stored name (`admin`, `technician`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Technician => "technician",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "technician" => Some(Self::Technician),
            _ => None,
        }
    }

    /// The permissions this role grants.
    pub fn permissions(self) -> Vec<String> {
        let list: &[&str] = match self {
            Self::Admin => ALL,
            Self::Technician => {
                &[COMPANIES_READ, CONTACTS_READ, SERVICES_READ, CONTRACTS_READ, TICKETS_READ, TICKETS_WRITE, SLA_READ]
            }
        };
        list.iter().map(|s| (*s).to_owned()).collect()
    }
}
