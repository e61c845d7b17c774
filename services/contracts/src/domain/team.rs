//! Team assignments: staff users assigned to a client with an engagement role (seed 001
//! ClientTeamAssignment; unique per user + client + role). Users belong to identity: an
//! assignment stores the identity user id and clients resolve display names through
//! identity's `ListUsers`.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use psa_core::text_enum;

text_enum!(
    /// Engagement role of a staff user at a client.
    TeamRole {
        AccountManager => "account_manager",
        LeadEngineer => "lead_engineer",
        ProjectManager => "project_manager",
        ServiceDeliveryManager => "service_delivery_manager",
        BackupEngineer => "backup_engineer",
        SecurityAnalyst => "security_analyst"
    }
);

/// A stored team assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamAssignment {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub company_id: Uuid,
    /// Identity user id of the staff member.
    pub user_id: Uuid,
    pub role: TeamRole,
    /// Who made the assignment.
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}
