//! The client side of companies (proto `psa/contracts/v1/clients.proto` and the company
//! lifecycle RPCs): the Client 360 overview, sites, notes, team assignments, activity and
//! status changes; plus staff user names from identity for the team card.

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};

use super::catalog::{Contract, ServiceScope};
use super::commercial::{Coc, Saf};
use super::{Address, ApiResult, Body, Company, Contact, call, encode, get, send_json};

/// A company site (location).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Site {
    /// Id (empty on create).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The company.
    pub company_id: String,
    /// Unique per company.
    pub name: String,
    /// Postal address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Phone.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// The company's one primary site.
    pub is_primary: bool,
    /// IANA time zone name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub time_zone: String,
}

/// A staff user's engagement role at a client.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TeamAssignment {
    /// Id.
    pub id: String,
    /// Identity user id.
    pub user_id: String,
    /// `TEAM_ROLE_…`.
    pub role: String,
}

/// One timeline entry.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Activity {
    /// Id.
    pub id: String,
    /// `note_added`, `status_changed`, …
    pub kind: String,
    /// One line.
    pub summary: String,
    /// RFC 3339.
    pub occur_time: String,
}

/// A staff note on a company.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CompanyNote {
    /// Id.
    pub id: String,
    /// Text.
    pub body: String,
    /// Identity user id of the author.
    pub author_id: String,
    /// RFC 3339.
    pub create_time: String,
}

/// One lifecycle move of a company (`CompanyStatusChange`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatusChange {
    /// Id.
    pub id: String,
    /// `COMPANY_STATUS_…`; `COMPANY_STATUS_UNSPECIFIED` (or absent) for the creation.
    pub from_status: String,
    /// `COMPANY_STATUS_…`.
    pub to_status: String,
    /// Why, as entered.
    pub reason: String,
    /// Identity user id of who made the change.
    pub actor_id: String,
    /// RFC 3339.
    pub change_time: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct StatusChanges {
    status_changes: Vec<StatusChange>,
}

/// Client 360: what the contracts service knows about one company.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Overview {
    /// The company.
    pub company: Company,
    /// Its parent, if any.
    pub parent: Option<Company>,
    /// Direct subsidiaries.
    pub children: Vec<Company>,
    /// Contacts.
    pub contacts: Vec<Contact>,
    /// Sites, primary first.
    pub sites: Vec<Site>,
    /// Contracts, newest first.
    pub contracts: Vec<Contract>,
    /// Service scopes of those contracts.
    pub service_scopes: Vec<ServiceScope>,
    /// SAFs.
    pub safs: Vec<Saf>,
    /// COCs.
    pub cocs: Vec<Coc>,
    /// Team.
    pub team: Vec<TeamAssignment>,
    /// Latest activity, newest first.
    pub recent_activity: Vec<Activity>,
}

/// A staff user (identity), for names.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    /// Id.
    pub id: String,
    /// Email.
    pub email: String,
    /// Name to show.
    pub display_name: String,
}

impl User {
    /// The display name, else the email.
    pub fn label(&self) -> String {
        if self.display_name.is_empty() { self.email.clone() } else { self.display_name.clone() }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Users {
    users: Vec<User>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Notes {
    notes: Vec<CompanyNote>,
}

/// The Client 360 overview of company `id`.
pub async fn get_overview(id: &str) -> ApiResult<Overview> {
    get(format!("/api/v1/companies/{}/overview", encode(id))).await
}

/// Moves a company through its lifecycle with a reason.
pub async fn change_status(id: &str, status: &str, reason: &str) -> ApiResult<Company> {
    let body = serde_json::json!({ "status": status, "reason": reason });
    send_json(Method::POST, format!("/api/v1/companies/{}:changeStatus", encode(id)), &body).await
}

/// The lifecycle history of a company, oldest first (first 200 moves).
pub async fn status_history(company_id: &str) -> ApiResult<Vec<StatusChange>> {
    get::<StatusChanges>(format!("/api/v1/companies/{}/status-history?pageSize=200", encode(company_id)))
        .await
        .map(|h| h.status_changes)
}

/// Adds a site to a company.
pub async fn create_site(site: &Site) -> ApiResult<Site> {
    send_json(Method::POST, format!("/api/v1/companies/{}/sites", encode(&site.company_id)), site).await
}

/// Makes a site the company's primary one.
pub async fn make_primary(site_id: &str) -> ApiResult<Site> {
    let body = serde_json::json!({ "isPrimary": true });
    send_json(Method::PATCH, format!("/api/v1/sites/{}", encode(site_id)), &body).await
}

/// The notes of a company, newest first (first 50).
pub async fn list_notes(company_id: &str) -> ApiResult<Vec<CompanyNote>> {
    get::<Notes>(format!("/api/v1/companies/{}/notes", encode(company_id))).await.map(|n| n.notes)
}

/// Adds a note to a company.
pub async fn create_note(company_id: &str, body: &str) -> ApiResult<CompanyNote> {
    let body = serde_json::json!({ "body": body });
    send_json(Method::POST, format!("/api/v1/companies/{}/notes", encode(company_id)), &body).await
}

/// Assigns a staff user to a company as `role` (`TEAM_ROLE_…`).
pub async fn assign(company_id: &str, user_id: &str, role: &str) -> ApiResult<TeamAssignment> {
    let body = serde_json::json!({ "userId": user_id, "role": role });
    send_json(Method::POST, format!("/api/v1/companies/{}/team", encode(company_id)), &body).await
}

/// Removes a team assignment.
pub async fn unassign(company_id: &str, id: &str) -> ApiResult<()> {
    let url = format!("/api/v1/companies/{}/team/{}", encode(company_id), encode(id));
    call(Method::DELETE, url, Body::Empty).await.map(|_| ())
}

/// Staff users (first 200), to show names; needs `users.read`.
pub async fn list_users() -> ApiResult<Vec<User>> {
    get::<Users>("/api/v1/users?pageSize=200".into()).await.map(|u| u.users)
}
