//! Domain / app types → proto messages.

use psa_kit::convert::{opt_timestamp, timestamp};
use psa_proto::identity as pb;

use crate::app::{PortalUserView, RoleView, UserView};
use crate::repo::api_keys::ApiKey;
use crate::repo::sessions::Session;

/// A user (never the password hash).
pub fn user(v: &UserView) -> pb::User {
    let u = &v.user;
    let now = chrono::Utc::now();
    pb::User {
        id: u.id.to_string(),
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role_ids: u.roles.clone(),
        permissions: v.permissions.clone(),
        status: match u.status.as_str() {
            "active" => pb::UserStatus::Active,
            _ => pb::UserStatus::Disabled,
        } as i32,
        failed_login_attempts: u.failed_login_attempts,
        locked: u.locked_until.is_some_and(|t| t > now),
        locked_until: opt_timestamp(u.locked_until.filter(|t| *t > now)),
        last_login_time: opt_timestamp(u.last_login_at),
        last_password_change_time: opt_timestamp(u.last_password_change_at),
        create_time: Some(timestamp(u.created_at)),
        update_time: Some(timestamp(u.updated_at)),
    }
}

/// A role.
pub fn role(r: RoleView) -> pb::Role {
    pb::Role {
        id: r.id,
        name: r.name,
        description: r.description,
        permissions: r.permissions,
        standard: r.standard,
        portal: r.portal,
    }
}

/// An API key (never its secret or hash).
pub fn api_key(k: ApiKey) -> pb::ApiKey {
    pb::ApiKey {
        id: k.id.to_string(),
        name: k.name,
        prefix: k.prefix,
        permissions: k.permissions,
        user_id: k.user_id.to_string(),
        expire_time: opt_timestamp(k.expires_at),
        last_used_time: opt_timestamp(k.last_used_at),
        revoke_time: opt_timestamp(k.revoked_at),
        create_time: Some(timestamp(k.created_at)),
    }
}

/// A session; `current` when it is the caller's.
pub fn session(s: Session, current: uuid::Uuid) -> pb::Session {
    pb::Session {
        id: s.id.to_string(),
        create_time: Some(timestamp(s.created_at)),
        last_seen_time: Some(timestamp(s.last_seen_at)),
        expire_time: Some(timestamp(s.expires_at)),
        ip_address: s.ip_address,
        user_agent: s.user_agent,
        current: s.id == current,
    }
}

/// An identity provider (never the client secret, only whether one is stored).
pub fn identity_provider(p: &crate::repo::identity_providers::Provider) -> pb::IdentityProvider {
    pb::IdentityProvider {
        id: p.id.to_string(),
        name: p.name.clone(),
        display_name: p.display_name.clone(),
        issuer_url: p.issuer_url.clone(),
        client_id: p.client_id.clone(),
        client_secret: String::new(),
        client_secret_set: p.client_secret_sealed.is_some(),
        scopes: p.scopes.clone(),
        email_domains: p.email_domains.clone(),
        jit_enabled: p.jit_enabled,
        jit_role_id: p.jit_role.clone().unwrap_or_default(),
        enabled: p.enabled,
        create_time: Some(timestamp(p.created_at)),
        update_time: Some(timestamp(p.updated_at)),
    }
}

/// An LDAP directory (never the service password, only whether one is stored).
pub fn ldap_directory(d: &crate::repo::ldap_directories::Directory) -> pb::LdapDirectory {
    pb::LdapDirectory {
        id: d.id.to_string(),
        name: d.name.clone(),
        url: d.url.clone(),
        bind_dn_template: d.bind_dn_template.clone().unwrap_or_default(),
        search_base: d.search_base.clone().unwrap_or_default(),
        service_bind_dn: d.service_bind_dn.clone().unwrap_or_default(),
        service_password: String::new(),
        service_password_set: d.service_password_sealed.is_some(),
        user_attribute: d.user_attribute.clone(),
        email_attribute: d.email_attribute.clone(),
        enabled: d.enabled,
        create_time: Some(timestamp(d.created_at)),
    }
}

/// The proto role of a stored portal role name.
pub fn portal_role(roles: &[String]) -> pb::PortalRole {
    if roles.iter().any(|r| r == "client_admin") {
        pb::PortalRole::ClientAdmin
    } else if roles.iter().any(|r| r == "client_user") {
        pb::PortalRole::ClientUser
    } else {
        pb::PortalRole::Unspecified
    }
}

/// A portal user (never the password hash).
pub fn portal_user(v: &PortalUserView) -> pb::PortalUser {
    let u = &v.user;
    pb::PortalUser {
        id: u.id.to_string(),
        company_id: u.company_id.map(|c| c.to_string()).unwrap_or_default(),
        contact_id: u.contact_id.map(|c| c.to_string()).unwrap_or_default(),
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role: portal_role(&u.roles) as i32,
        status: match u.status.as_str() {
            "invited" => pb::PortalUserStatus::Invited,
            "active" => pb::PortalUserStatus::Active,
            _ => pb::PortalUserStatus::Disabled,
        } as i32,
        invitation_expire_time: opt_timestamp(v.invitation_expires_at),
        last_login_time: opt_timestamp(u.last_login_at),
        create_time: Some(timestamp(u.created_at)),
        update_time: Some(timestamp(u.updated_at)),
    }
}
