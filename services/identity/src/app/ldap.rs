//! LDAP / Active Directory bind login (RFC 4511 simple bind, RFC 4513 §5.1.3) with `ldap3`, and
//! the tenant's directory settings.
//!
//! The user's DN is the directory's `bind_dn_template` with the username DN-escaped (RFC 4514),
//! or is found by a subtree search under `search_base` for `user_attribute` = the username
//! (filter-escaped, RFC 4515), bound as the service account or anonymously. A successful bind
//! with the user's password proves it; the entry's `email_attribute` names the local user.
//! Empty passwords are refused before any bind (an empty simple bind is an anonymous bind).

use std::time::Duration;

use ldap3::{LdapConnAsync, LdapConnSettings, Scope, SearchEntry, dn_escape, ldap_escape};
use psa_core::validate::Validator;
use psa_core::{DomainError, Principal};
use psa_kit::{Error, Result, db};
use uuid::Uuid;

use super::{Identity, Tokens, require_not_portal, unauthenticated};
use crate::domain::{lockout, sso};
use crate::repo::ldap_directories::Directory;
use crate::repo::{self, sessions::Client};

/// Directory settings as given by an administrator.
#[derive(Debug, Clone, Default)]
pub struct DirectoryInput {
    pub name: String,
    pub url: String,
    pub bind_dn_template: String,
    pub search_base: String,
    pub service_bind_dn: String,
    pub service_password: String,
    pub user_attribute: String,
    pub email_attribute: String,
    pub enabled: bool,
}

const BAD_LDAP: &str = "invalid username or password";
const TIMEOUT: Duration = Duration::from_secs(5);

fn aad(tenant: Uuid, id: Uuid) -> Vec<u8> {
    format!("ldap:{tenant}:{id}").into_bytes()
}

/// Why a directory bind did not produce an email.
enum BindError {
    /// Wrong password or no such user (indistinguishable to the caller).
    Credentials,
    /// The entry has no email attribute.
    NoEmail,
    /// The server cannot be reached or misbehaves.
    Unreachable(String),
}

/// Binds as the user and returns their email (see the module docs).
async fn directory_bind(
    d: &Directory,
    service_password: Option<String>,
    username: &str,
    password: &str,
) -> Result<String, BindError> {
    let unreachable = |e: ldap3::LdapError| BindError::Unreachable(e.to_string());
    let settings = LdapConnSettings::new().set_conn_timeout(TIMEOUT);
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &d.url).await.map_err(unreachable)?;
    ldap3::drive!(conn);
    ldap.with_timeout(TIMEOUT);
    let attrs = vec![d.email_attribute.as_str()];
    let dn = match &d.bind_dn_template {
        Some(t) => t.replace("{username}", &dn_escape(username)),
        None => {
            if let Some(service) = &d.service_bind_dn {
                ldap.with_timeout(TIMEOUT);
                ldap.simple_bind(service, service_password.as_deref().unwrap_or_default())
                    .await
                    .map_err(unreachable)?
                    .success()
                    .map_err(|e| BindError::Unreachable(format!("service account bind failed: {e}")))?;
            }
            let filter = format!("({}={})", d.user_attribute, ldap_escape(username));
            ldap.with_timeout(TIMEOUT);
            let (entries, _) = ldap
                .search(d.search_base.as_deref().unwrap_or_default(), Scope::Subtree, &filter, attrs.clone())
                .await
                .map_err(unreachable)?
                .success()
                .map_err(unreachable)?;
            match entries.as_slice() {
                [one] => SearchEntry::construct(one.clone()).dn,
                _ => return Err(BindError::Credentials),
            }
        }
    };
    ldap.with_timeout(TIMEOUT);
    let bound = ldap.simple_bind(&dn, password).await.map_err(unreachable)?;
    if bound.rc != 0 {
        let _ = ldap.unbind().await;
        return Err(BindError::Credentials);
    }
    ldap.with_timeout(TIMEOUT);
    let (entries, _) = ldap
        .search(&dn, Scope::Base, "(objectClass=*)", attrs)
        .await
        .map_err(unreachable)?
        .success()
        .map_err(unreachable)?;
    let _ = ldap.unbind().await;
    entries
        .into_iter()
        .next()
        .map(SearchEntry::construct)
        .and_then(|e| e.attrs.get(&d.email_attribute).and_then(|v| v.first().cloned()))
        .ok_or(BindError::NoEmail)
}

impl Identity {
    /// The tenant's directories by name.
    pub async fn list_ldap_directories(&self, p: &Principal) -> Result<Vec<Directory>> {
        require_not_portal(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let list = repo::ldap_directories::list(&mut tx, p.tenant_id).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// Creates a directory (ALREADY_EXISTS for a taken name). Violations name
    /// `ldap_directory.<field>`.
    pub async fn create_ldap_directory(&self, p: &Principal, input: DirectoryInput) -> Result<Directory> {
        require_not_portal(p)?;
        let f = |n: &str| format!("ldap_directory.{n}");
        let mut v = Validator::new();
        let name = input.name.trim().to_owned();
        sso::check_name(&mut v, &f("name"), &name);
        let url = input.url.trim().to_owned();
        if !(url.starts_with("ldap://") || url.starts_with("ldaps://")) || url::Url::parse(&url).is_err() {
            v.push(f("url"), "must be an ldap:// or ldaps:// URL");
        }
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let template = opt(&input.bind_dn_template);
        let search_base = opt(&input.search_base);
        if template.as_ref().is_some_and(|t| !t.contains("{username}")) {
            v.push(f("bind_dn_template"), "must contain {username}");
        }
        if template.is_none() && search_base.is_none() {
            v.push(f("bind_dn_template"), "give a bind DN template or a search base");
        }
        let attr = |value: &str, default: &str| -> String {
            let value = value.trim();
            if value.is_empty() { default.to_owned() } else { value.chars().take(64).collect() }
        };
        let user_attribute = attr(&input.user_attribute, "uid");
        let email_attribute = attr(&input.email_attribute, "mail");
        for (field, a) in [("user_attribute", &user_attribute), ("email_attribute", &email_attribute)] {
            let ok = a.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                v.push(f(field), "must be an attribute name (letters, digits, dashes)");
            }
        }
        v.finish()?;
        let id = Uuid::now_v7();
        let d = Directory {
            id,
            tenant_id: p.tenant_id,
            name,
            url,
            bind_dn_template: template,
            search_base,
            service_bind_dn: opt(&input.service_bind_dn),
            service_password_sealed: (!input.service_password.is_empty())
                .then(|| self.secrets.seal(input.service_password.as_bytes(), &aad(p.tenant_id, id))),
            user_attribute,
            email_attribute,
            enabled: input.enabled,
            created_at: chrono::Utc::now(),
        };
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        if !repo::ldap_directories::insert(&mut tx, p.tenant_id, &d).await? {
            return Err(DomainError::AlreadyExists { entity: "LDAP directory", field: "name" }.into());
        }
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, directory = %id, by = %p.user_id, "LDAP directory created");
        Ok(d)
    }

    /// Deletes directory `id` (NOT_FOUND outside the caller's tenant).
    pub async fn delete_ldap_directory(&self, p: &Principal, id: Uuid) -> Result<()> {
        require_not_portal(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        if !repo::ldap_directories::delete(&mut tx, p.tenant_id, id).await? {
            return Err(DomainError::NotFound { entity: "LDAP directory" }.into());
        }
        tx.commit().await?;
        Ok(())
    }

    /// Signs in through a directory (see the module docs and the `LoginLdap` RPC).
    pub async fn login_ldap(
        &self,
        slug: &str,
        directory: &str,
        username: &str,
        password: &str,
        client: &Client,
    ) -> Result<Tokens> {
        let mut v = Validator::new();
        v.required("tenant", slug).required("username", username).required("password", password);
        v.finish()?;
        let bad = || unauthenticated(BAD_LDAP);
        let tenant =
            repo::tenants::by_slug(&self.pool, slug.trim()).await?.filter(|t| t.status == "active").ok_or_else(bad)?;
        let mut tx = db::begin(&self.pool, tenant.id).await?;
        let list = repo::ldap_directories::list(&mut tx, tenant.id).await?;
        tx.commit().await?;
        let d = list
            .into_iter()
            .filter(|d| d.enabled)
            .find(|d| directory.trim().is_empty() || d.name == directory.trim())
            .ok_or_else(|| unauthenticated("no LDAP directory is configured for this organisation"))?;
        let service_password = match &d.service_password_sealed {
            None => None,
            Some(s) => Some(
                String::from_utf8(self.secrets.open(s, &aad(tenant.id, d.id)).map_err(|e| Error::Other(e.into()))?)
                    .map_err(|e| Error::Other(e.into()))?,
            ),
        };
        let email = match directory_bind(&d, service_password, username.trim(), password).await {
            Ok(email) => email,
            Err(BindError::Credentials) => {
                tracing::info!(tenant = %tenant.id, directory = %d.id, "LDAP bind refused");
                return Err(bad());
            }
            Err(BindError::NoEmail) => {
                return Err(unauthenticated(&format!(
                    "the directory entry has no {} attribute to match a user",
                    d.email_attribute
                )));
            }
            Err(BindError::Unreachable(e)) => {
                tracing::warn!(tenant = %tenant.id, directory = %d.id, error = %e, "LDAP directory unreachable");
                return Err(DomainError::FailedPrecondition(format!(
                    "the directory server {} cannot be reached; try again later or sign in with your password",
                    d.url
                ))
                .into());
            }
        };
        let settings = repo::tenants::security(&self.pool, tenant.id).await?;
        let mut tx = db::begin(&self.pool, tenant.id).await?;
        let found = repo::users::by_email(&mut tx, tenant.id, email.trim()).await?;
        let user = match found {
            None => {
                return Err(unauthenticated(&format!(
                    "no user with email {email} in this organisation; ask an administrator to create one"
                )));
            }
            Some(u) if u.status != "active" => return Err(unauthenticated("this account is disabled")),
            Some(u) => repo::users::lock(&mut tx, tenant.id, u.id).await?.ok_or_else(bad)?,
        };
        let state = lockout::State { failed_attempts: user.failed_login_attempts, locked_until: user.locked_until };
        if state.is_locked(chrono::Utc::now()) {
            return Err(unauthenticated("this account is locked; try again later or ask an administrator"));
        }
        let mut settings = settings;
        // The directory checked the password: our local password's age does not matter.
        settings.password_max_age_days = None;
        // The directory is the first factor only: a user with TOTP still answers the challenge.
        if let Some(second) = self.second_factor(&mut tx, tenant.id, user.id).await? {
            tx.commit().await?;
            tracing::info!(tenant = %tenant.id, directory = %d.id, user = %user.id, "LDAP bind ok; second factor required");
            return Ok(second);
        }
        tracing::info!(tenant = %tenant.id, directory = %d.id, user = %user.id, "LDAP sign-in");
        self.open_session(tx, tenant.id, &user, &settings, client).await
    }
}
