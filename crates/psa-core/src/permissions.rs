//! Permission names `<area>.<action>` and the standard roles' permission sets
//! (PRD §3.1.2, DESIGN.md §4). RPCs declare the permission they need in the proto
//! (`psa.api.v1.access`); psa-kit checks it on every call. A token's `perms` are the union of
//! its user's roles (standard and tenant-defined custom roles, the latter stored by identity).

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
/// Read proposals and their version history (staff only).
pub const PROPOSALS_READ: &str = "proposals.read";
/// Create and revise proposals; submit, accept and reject them.
pub const PROPOSALS_WRITE: &str = "proposals.write";
/// Define, change and delete custom fields of companies, contacts, contracts, scopes,
/// proposals, SAFs and COCs (reading the definitions needs `companies.read`).
pub const CUSTOM_FIELDS_WRITE: &str = "custom_fields.write";
pub const TICKETS_READ: &str = "tickets.read";
pub const TICKETS_WRITE: &str = "tickets.write";
/// Read the service-desk configuration: ticket statuses, priorities, queues, types,
/// categories, teams and ticket custom-field definitions (staff).
pub const TICKET_SETTINGS_READ: &str = "ticket_settings.read";
/// Manage the service-desk configuration.
pub const TICKET_SETTINGS_WRITE: &str = "ticket_settings.write";
/// Read SLA policies, business hours, holiday calendars and SLA reports (PRD §3.9).
pub const SLA_READ: &str = "sla.read";
/// Manage SLA policies, business hours, holiday calendars and company assignments.
pub const SLA_WRITE: &str = "sla.write";
/// Read time entries, work types and the rounding rule (PRD §3.5).
pub const TIME_READ: &str = "time.read";
/// Record time (own entries and timer), manage work types and the rounding rule.
pub const TIME_WRITE: &str = "time.write";
/// Approve or reject other users' weekly timesheets.
pub const TIME_APPROVE: &str = "time.approve";
/// Read knowledge-base categories and articles, search, and rate articles (PRD §3.12). Portal
/// users hold it too and see only published articles visible to their company.
pub const KB_READ: &str = "kb.read";
/// Write knowledge-base categories and articles: create, edit, publish, archive, delete.
pub const KB_WRITE: &str = "kb.write";
/// Read email mailboxes (never their IMAP passwords or inbound tokens), their parse rules and
/// the log of messages received and sent.
pub const EMAIL_READ: &str = "email.read";
/// Create, change and archive mailboxes and parse rules; poll a mailbox now.
pub const EMAIL_WRITE: &str = "email.write";
/// Read ticket automation rules, their runs, and dry-run them against tickets.
pub const AUTOMATION_READ: &str = "automation.read";
/// Create, change and archive ticket automation rules.
pub const AUTOMATION_WRITE: &str = "automation.write";
/// List and read staff users.
pub const USERS_READ: &str = "users.read";
/// Create, update, disable, unlock users and assign their roles.
pub const USERS_WRITE: &str = "users.write";
/// List roles (standard and custom).
pub const ROLES_READ: &str = "roles.read";
/// Create, update and delete custom roles.
pub const ROLES_WRITE: &str = "roles.write";
/// List the tenant's API keys (never their secrets).
pub const API_KEYS_READ: &str = "api_keys.read";
/// Create and revoke API keys.
pub const API_KEYS_WRITE: &str = "api_keys.write";
/// Tenant security settings: lockout threshold and period, password policy (read).
pub const SECURITY_READ: &str = "security.read";
/// Change the tenant security settings.
pub const SECURITY_WRITE: &str = "security.write";
/// List and read the portal users of a company (Client Admin: their own company only).
pub const PORTAL_USERS_READ: &str = "portal_users.read";
/// Invite portal users, change their role (Client Admin / Client User), disable and enable
/// them (Client Admin: their own company only).
pub const PORTAL_USERS_WRITE: &str = "portal_users.write";
/// One's own account: list and revoke one's sign-in sessions, change one's password.
pub const ACCOUNT_SELF: &str = "account.self";
/// Search and export the tenant's audit log (PRD §3.18).
pub const AUDIT_READ: &str = "audit.read";
/// Run CSV imports (issue #3); the imported records also need their own write permission.
pub const IMPORTS_WRITE: &str = "imports.write";
/// Read import jobs (progress and report) and download import templates.
pub const IMPORTS_READ: &str = "imports.read";
/// Platform (SaaS operator): list tenants, read their usage (platform tenant only).
pub const TENANTS_READ: &str = "tenants.read";
/// Platform (SaaS operator): provision, suspend, reactivate and export tenants (platform
/// tenant only).
pub const TENANTS_WRITE: &str = "tenants.write";

/// Declares [`ALL`] and the Super Admin's list (`ALL` followed by [`PLATFORM`]) from one list of
/// names, so that a new permission cannot be granted to one and forgotten in the other.
macro_rules! tenant_permissions {
    ($($name:ident),* $(,)?) => {
        /// Every permission defined so far (custom roles and API-key scopes must be subsets).
        pub const ALL: &[&str] = &[$($name),*];

        /// What the Super Admin role grants: [`ALL`] and [`PLATFORM`].
        const SUPER_ADMIN: &[&str] = &[$($name,)* TENANTS_READ, TENANTS_WRITE];
    };
}

tenant_permissions![
    COMPANIES_READ,
    COMPANIES_WRITE,
    CONTACTS_READ,
    CONTACTS_WRITE,
    SERVICES_READ,
    SERVICES_WRITE,
    CONTRACTS_READ,
    CONTRACTS_WRITE,
    PROPOSALS_READ,
    PROPOSALS_WRITE,
    CUSTOM_FIELDS_WRITE,
    TICKETS_READ,
    TICKETS_WRITE,
    TICKET_SETTINGS_READ,
    TICKET_SETTINGS_WRITE,
    SLA_READ,
    SLA_WRITE,
    TIME_READ,
    TIME_WRITE,
    TIME_APPROVE,
    KB_READ,
    KB_WRITE,
    EMAIL_READ,
    EMAIL_WRITE,
    AUTOMATION_READ,
    AUTOMATION_WRITE,
    USERS_READ,
    USERS_WRITE,
    ROLES_READ,
    ROLES_WRITE,
    API_KEYS_READ,
    API_KEYS_WRITE,
    SECURITY_READ,
    SECURITY_WRITE,
    PORTAL_USERS_READ,
    PORTAL_USERS_WRITE,
    ACCOUNT_SELF,
    AUDIT_READ,
    IMPORTS_READ,
    IMPORTS_WRITE,
];

/// Platform permissions: only the standard Super Admin role carries them, and identity honours
/// them only for users of the platform (operator) tenant. Not grantable through custom roles or
/// API keys (not in [`ALL`]).
pub const PLATFORM: &[&str] = &[TENANTS_READ, TENANTS_WRITE];

/// Whether `name` is a platform permission.
pub fn is_platform(name: &str) -> bool {
    PLATFORM.contains(&name)
}

/// Whether `name` is a known permission.
pub fn is_known(name: &str) -> bool {
    ALL.contains(&name)
}

/// A standard role (PRD §3.1.2). Tenant-defined custom roles live in identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Platform-level administrator (SaaS): every permission, plus tenant administration
    /// ([`PLATFORM`]) when the user belongs to the platform tenant.
    SuperAdmin,
    /// MSP organisation administrator: everything in the tenant, user management.
    Admin,
    /// Team/department manager: oversight of clients and tickets, read access to users.
    Manager,
    /// Service delivery staff: tickets, read access to clients.
    Technician,
    /// Resource scheduling: tickets and assignments, read access to clients.
    Dispatcher,
    /// Account management: companies and contacts, read access to tickets.
    Sales,
    /// Billing and invoicing: read access to clients (billing permissions arrive with billing).
    Finance,
    /// Client organisation admin in the portal (portal token, own company only).
    ClientAdmin,
    /// End user at a client in the portal (portal token, own company only).
    ClientUser,
}

impl Role {
    /// Every standard role, in the PRD's order.
    pub const ALL: [Role; 9] = [
        Self::SuperAdmin,
        Self::Admin,
        Self::Manager,
        Self::Technician,
        Self::Dispatcher,
        Self::Sales,
        Self::Finance,
        Self::ClientAdmin,
        Self::ClientUser,
    ];

    /// The stored name and role id (`super_admin`, `admin`, …, `client_user`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SuperAdmin => "super_admin",
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::Technician => "technician",
            Self::Dispatcher => "dispatcher",
            Self::Sales => "sales",
            Self::Finance => "finance",
            Self::ClientAdmin => "client_admin",
            Self::ClientUser => "client_user",
        }
    }

    /// The display name of the PRD (`Super Admin`, …).
    pub fn display_name(self) -> &'static str {
        match self {
            Self::SuperAdmin => "Super Admin",
            Self::Admin => "Admin",
            Self::Manager => "Manager",
            Self::Technician => "Technician",
            Self::Dispatcher => "Dispatcher",
            Self::Sales => "Sales",
            Self::Finance => "Finance",
            Self::ClientAdmin => "Client Admin",
            Self::ClientUser => "Client User",
        }
    }

    /// The PRD's description of the role.
    pub fn description(self) -> &'static str {
        match self {
            Self::SuperAdmin => "Platform-level administrator: all permissions, tenant management",
            Self::Admin => "MSP organisation administrator: full organisation access, user management",
            Self::Manager => "Team/department manager: team oversight, reports, approvals",
            Self::Technician => "Service delivery staff: tickets, time, projects",
            Self::Dispatcher => "Resource scheduling: calendar, assignments, scheduling",
            Self::Sales => "Account management: contacts, contracts, client data",
            Self::Finance => "Billing and invoicing: billing, payments, financial reports",
            Self::ClientAdmin => "Client organisation admin: client portal admin",
            Self::ClientUser => "End user at a client: limited portal access",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role is for portal (client) users rather than staff.
    pub fn is_portal(self) -> bool {
        matches!(self, Self::ClientAdmin | Self::ClientUser)
    }

    /// The permission names this role grants.
    pub fn permission_names(self) -> &'static [&'static str] {
        match self {
            Self::SuperAdmin => SUPER_ADMIN,
            Self::Admin => ALL,
            Self::Manager => &[
                COMPANIES_READ,
                COMPANIES_WRITE,
                CONTACTS_READ,
                CONTACTS_WRITE,
                SERVICES_READ,
                CONTRACTS_READ,
                PROPOSALS_READ,
                TICKETS_READ,
                TICKETS_WRITE,
                TICKET_SETTINGS_READ,
                TICKET_SETTINGS_WRITE,
                SLA_READ,
                TIME_READ,
                TIME_WRITE,
                TIME_APPROVE,
                KB_READ,
                KB_WRITE,
                EMAIL_READ,
                AUTOMATION_READ,
                USERS_READ,
                ROLES_READ,
                API_KEYS_READ,
                SECURITY_READ,
                PORTAL_USERS_READ,
                ACCOUNT_SELF,
            ],
            Self::Technician | Self::Dispatcher => &[
                COMPANIES_READ,
                CONTACTS_READ,
                SERVICES_READ,
                CONTRACTS_READ,
                TICKETS_READ,
                TICKETS_WRITE,
                TICKET_SETTINGS_READ,
                SLA_READ,
                TIME_READ,
                TIME_WRITE,
                KB_READ,
                KB_WRITE,
                ACCOUNT_SELF,
            ],
            Self::Sales => &[
                COMPANIES_READ,
                COMPANIES_WRITE,
                CONTACTS_READ,
                CONTACTS_WRITE,
                SERVICES_READ,
                CONTRACTS_READ,
                CONTRACTS_WRITE,
                PROPOSALS_READ,
                PROPOSALS_WRITE,
                TICKETS_READ,
                TICKET_SETTINGS_READ,
                KB_READ,
                ACCOUNT_SELF,
                IMPORTS_READ,
                IMPORTS_WRITE,
            ],
            Self::Finance => &[
                COMPANIES_READ,
                CONTACTS_READ,
                SERVICES_READ,
                CONTRACTS_READ,
                PROPOSALS_READ,
                TICKETS_READ,
                TICKET_SETTINGS_READ,
                SLA_READ,
                KB_READ,
                ACCOUNT_SELF,
            ],
            Self::ClientAdmin => &[
                COMPANIES_READ,
                CONTACTS_READ,
                CONTRACTS_READ,
                TICKETS_READ,
                TICKETS_WRITE,
                KB_READ,
                PORTAL_USERS_READ,
                PORTAL_USERS_WRITE,
            ],
            Self::ClientUser => &[COMPANIES_READ, TICKETS_READ, TICKETS_WRITE, KB_READ],
        }
    }

    /// The permissions this role grants, owned.
    pub fn permissions(self) -> Vec<String> {
        self.permission_names().iter().map(|s| (*s).to_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_grant_only_known_permissions() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert!(r.permission_names().iter().all(|p| is_known(p) || is_platform(p)), "{r:?}");
            if r != Role::SuperAdmin {
                assert!(!r.permission_names().iter().any(|p| is_platform(p)), "{r:?}");
            }
        }
        assert_eq!(Role::parse("root"), None);
        let mut expected: Vec<&str> = ALL.iter().chain(PLATFORM).copied().collect();
        let mut got = Role::SuperAdmin.permission_names().to_vec();
        expected.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, expected, "Super Admin = every tenant permission + the platform ones");
        assert!(!is_known(TENANTS_WRITE), "platform permissions cannot go into custom roles");
        assert!(!Role::Technician.permission_names().contains(&USERS_WRITE));
        assert!(Role::ClientUser.is_portal() && !Role::Admin.is_portal());
        assert!(Role::ALL.iter().filter(|r| r.is_portal()).all(|r| !r.permission_names().contains(&ACCOUNT_SELF)));
    }
}
