//! The authenticated caller, as carried in access-token claims (DESIGN.md §4).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What kind of account a token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    /// MSP staff (admins, technicians, …).
    Staff,
    /// A client user of the portal; always bound to one company.
    Portal,
    /// Another service or an API integration.
    Service,
}

impl PrincipalKind {
    /// The claim value: `staff`, `portal` or `service`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Portal => "portal",
            Self::Service => "service",
        }
    }
}

/// The verified caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// User (or service account) id.
    pub user_id: Uuid,
    /// Tenant every query of the request is scoped to.
    pub tenant_id: Uuid,
    pub kind: PrincipalKind,
    /// Permission names `<area>.<action>` granted by the user's roles.
    pub permissions: Vec<String>,
    /// Session the token was issued for (revocable).
    pub session_id: Uuid,
    /// For portal users: the company whose data they may see.
    pub company_id: Option<Uuid>,
}

impl Principal {
    /// Whether the principal holds `permission` (or the wildcard `*`).
    pub fn has(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission || p == "*")
    }

    /// For portal principals, the only company whose data they may see (nil when the token
    /// names none, which matches nothing); `None` for staff and services.
    pub fn portal_company(&self) -> Option<Uuid> {
        (self.kind == PrincipalKind::Portal).then(|| self.company_id.unwrap_or_default())
    }
}
