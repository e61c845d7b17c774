//! Identity use cases: login (with lockout), refresh-token rotation, logout, who-am-I,
//! bootstrap here; users, roles, sessions and API keys in the submodules. Free of tonic;
//! storage through `repo`, rules through `domain`.

mod api_keys;
pub mod audit;
mod ldap;
mod mfa;
mod portal;
mod roles;
mod sessions;
mod settings;
mod sso;
mod tenants;
mod users;

pub use api_keys::{ApiKeyCreated, NewKey};
pub use ldap::DirectoryInput;
pub use mfa::MfaSetup;
pub use portal::{ContactInfo, PortalUserView, check_company};
pub use roles::{RoleChanges, RoleView};
pub use settings::SettingsChanges;
pub use sso::{ProviderInput, SignInProvider};
pub use tenants::{TenantCreated, Usage};
pub use users::{UserChanges, UserView};

use chrono::{Duration, Utc};
use psa_core::permissions::Role;
use psa_core::validate::Validator;
use psa_core::{DomainError, Principal, PrincipalKind};
use psa_kit::auth::{AUDIENCE, Claims, ISSUER, revoked_session_key};
use psa_kit::{Error, Result, db};
use sqlx::PgPool;
use std::collections::HashMap;
use uuid::Uuid;

use crate::domain::roles::RoleRef;
use crate::domain::{lockout, password, tokens};
use crate::repo::sessions::Client;
use crate::repo::{self, keys::SigningKey};
use audit::{SecurityAction, SecurityEvent};

/// Records a refused sign-in of a known `user` (`reason`: `wrong_password`, `wrong_code`,
/// `locked`).
async fn login_failed(
    tx: &mut db::TenantTx,
    tenant: Uuid,
    user: &repo::users::User,
    reason: &str,
    client: &Client,
) -> Result<()> {
    let event = SecurityEvent {
        action: SecurityAction::LoginFailed,
        entity_type: "user",
        entity_id: user.id,
        actor: None,
        details: serde_json::json!({"email": user.email, "reason": reason}),
        client,
    };
    audit::record(tx, tenant, event).await
}

/// What identity needs at run time.
pub struct Identity {
    pub pool: PgPool,
    pub redis: redis::aio::ConnectionManager,
    /// The key that signs new access tokens.
    pub signing_key: SigningKey,
    /// Access token lifetime in seconds.
    pub access_ttl_secs: i64,
    /// Session (and refresh token) lifetime in seconds.
    pub refresh_ttl_secs: i64,
    /// Seals TOTP secrets and SSO client secrets at rest.
    pub secrets: psa_kit::secrets::SecretBox,
    /// HTTP client for identity providers (no redirects followed, 10 s timeout).
    pub http: openidconnect::reqwest::Client,
    /// Outbound mail (invitations, password resets).
    pub mailer: psa_kit::mail::Mailer,
    /// Where users reach the web client (`PSA_PUBLIC_URL`), for links in mails.
    pub public_url: String,
    /// Subjects of the events identity publishes (staff users' `user.created` / `user.updated`).
    pub naming: psa_kit::events::Naming,
}

/// Tokens handed to a client.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Access token lifetime in seconds.
    pub expires_in: i64,
    /// Set (and the tokens empty) when the password was right but a second factor is needed:
    /// the opaque challenge for [`Identity::login_mfa`].
    pub mfa_challenge: Option<String>,
    /// MFA is required of the user and they have none: the access token carries only
    /// `account.self`.
    pub mfa_setup_required: bool,
    /// The password has expired: the access token carries only `account.self` until
    /// ChangePassword (then Refresh for the full permissions).
    pub password_change_required: bool,
}

/// The caller as identity knows them.
#[derive(Debug, Clone)]
pub struct Me {
    pub principal: Principal,
    pub tenant_slug: String,
    pub email: String,
    pub display_name: String,
}

const BAD_LOGIN: &str = "invalid tenant, email or password";

fn unauthenticated(msg: &str) -> Error {
    DomainError::Unauthenticated(msg.to_owned()).into()
}

/// Users, roles and API keys are staff (or integration) business: portal tokens never reach
/// them, whatever permissions they carry.
fn require_not_portal(p: &Principal) -> Result<()> {
    if p.kind == PrincipalKind::Portal {
        return Err(DomainError::PermissionDenied("staff access".into()).into());
    }
    Ok(())
}

/// The permissions that role keys (standard names or custom role ids) grant in `tenant`, as a
/// sorted union; unknown keys grant nothing.
/// Platform permissions (`tenants.*`) only count in the platform tenant.
async fn permissions_of(tx: &mut db::TenantTx, tenant: Uuid, roles: &[String]) -> Result<Vec<String>> {
    let custom = custom_roles(tx, tenant, roles).await?;
    let mut perms = union_of(roles, &custom);
    if perms.iter().any(|p| psa_core::permissions::is_platform(p)) {
        let platform: bool = sqlx::query_scalar("select platform from tenants where id = $1")
            .bind(tenant)
            .fetch_optional(&mut **tx)
            .await?
            .unwrap_or(false);
        if !platform {
            perms.retain(|p| !psa_core::permissions::is_platform(p));
        }
    }
    Ok(perms)
}

async fn custom_roles(tx: &mut db::TenantTx, tenant: Uuid, roles: &[String]) -> Result<HashMap<Uuid, Vec<String>>> {
    let ids: Vec<Uuid> = roles
        .iter()
        .filter_map(|r| match RoleRef::parse(r) {
            Some(RoleRef::Custom(id)) => Some(id),
            _ => None,
        })
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(repo::roles::by_ids(tx, tenant, &ids).await?.into_iter().map(|r| (r.id, r.permissions)).collect())
}

/// What a signed-in user must do before their tokens carry their roles' permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pending {
    /// MFA is required (tenant-wide or for one of their roles) and they have none active.
    pub mfa_setup: bool,
    /// Their password is older than the tenant's maximum age.
    pub password_change: bool,
}

/// The permissions `user`'s next access token carries and what is pending: while MFA setup
/// or a password change is pending, only `account.self` (enough to enrol and to change the
/// password), else the union of their roles' permissions.
async fn effective_permissions(
    tx: &mut db::TenantTx,
    tenant: Uuid,
    user: &repo::users::User,
    settings: &repo::tenants::SecuritySettings,
) -> Result<(Vec<String>, Pending)> {
    // The tenant's MFA and password-age rules are for staff: portal users cannot enrol here
    // and renew their password through the reset link.
    let staff = user.kind == "staff";
    let pending = Pending {
        mfa_setup: staff
            && crate::domain::mfa::is_required(settings.mfa_required, &settings.mfa_required_roles, &user.roles)
            && !repo::mfa::is_active(tx, tenant, user.id).await?,
        password_change: staff
            && password::is_expired(user.last_password_change_at, settings.password_max_age_days, Utc::now()),
    };
    if pending != Pending::default() {
        return Ok((vec![psa_core::permissions::ACCOUNT_SELF.to_owned()], pending));
    }
    Ok((permissions_of(tx, tenant, &user.roles).await?, pending))
}

fn union_of(roles: &[String], custom: &HashMap<Uuid, Vec<String>>) -> Vec<String> {
    let sets: Vec<Vec<String>> = roles
        .iter()
        .filter_map(|r| match RoleRef::parse(r)? {
            RoleRef::Standard(role) => Some(role.permissions()),
            RoleRef::Custom(id) => custom.get(&id).cloned(),
        })
        .collect();
    crate::domain::roles::union(sets.iter().map(Vec::as_slice))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Other(e.into()))
}

impl Identity {
    /// Signs in a staff user from `client`; see [`Identity::login_as`].
    pub async fn login(&self, tenant_slug: &str, email: &str, pass: &str, client: &Client) -> Result<Tokens> {
        self.login_as(PrincipalKind::Staff, tenant_slug, email, pass, client).await
    }

    /// Signs in a user of `kind` (staff or portal) from `client`. Unknown tenant, unknown email, wrong password,
    /// disabled user, locked account and suspended tenant all answer the same UNAUTHENTICATED
    /// message, after the same argon2 work. A wrong password counts towards the tenant's
    /// lockout threshold; reaching it locks the account for the tenant's lockout period.
    /// A user of the other kind (staff on the portal login, portal on the staff login) is
    /// refused like an unknown email.
    pub async fn login_as(
        &self,
        kind: PrincipalKind,
        tenant_slug: &str,
        email: &str,
        pass: &str,
        client: &Client,
    ) -> Result<Tokens> {
        let mut v = Validator::new();
        v.required("tenant", tenant_slug).required("email", email).required("password", pass);
        v.finish()?;
        let tenant = repo::tenants::by_slug(&self.pool, tenant_slug.trim()).await?;
        let user = match &tenant {
            Some(t) if t.status == "active" => {
                let mut tx = db::begin(&self.pool, t.id).await?;
                let u = repo::users::by_email_of_kind(&mut tx, t.id, email.trim(), kind.as_str()).await?;
                tx.commit().await?;
                u.filter(|u| u.status == "active")
            }
            _ => None,
        };
        let hash = user.as_ref().map_or_else(|| password::dummy_hash().to_owned(), |u| u.password_hash.clone());
        let plain = pass.to_owned();
        let ok = blocking(move || password::verify(&hash, &plain)).await?;
        let (Some(tenant), Some(user)) = (tenant, user) else {
            return Err(unauthenticated(BAD_LOGIN));
        };
        let settings = repo::tenants::security(&self.pool, tenant.id).await?;
        let policy = lockout::Policy { threshold: settings.lockout_threshold, minutes: settings.lockout_minutes };
        let now = Utc::now();
        let mut tx = db::begin(&self.pool, tenant.id).await?;
        let Some(user) = repo::users::lock(&mut tx, tenant.id, user.id).await? else {
            return Err(unauthenticated(BAD_LOGIN));
        };
        let state = lockout::State { failed_attempts: user.failed_login_attempts, locked_until: user.locked_until };
        if state.is_locked(now) {
            tracing::warn!(tenant = %tenant.id, user = %user.id, "login refused: account locked");
            login_failed(&mut tx, tenant.id, &user, "locked", client).await?;
            tx.commit().await?;
            return Err(unauthenticated(BAD_LOGIN));
        }
        if !ok {
            let next = state.after_failure(policy, now);
            repo::users::set_lockout(&mut tx, tenant.id, user.id, next.failed_attempts, next.locked_until).await?;
            login_failed(&mut tx, tenant.id, &user, "wrong_password", client).await?;
            tx.commit().await?;
            if next.is_locked(now) {
                tracing::warn!(tenant = %tenant.id, user = %user.id, "account locked after failed logins");
            }
            return Err(unauthenticated(BAD_LOGIN));
        }
        if let Some(second) = self.second_factor(&mut tx, tenant.id, user.id).await? {
            tx.commit().await?;
            if password::needs_rehash(&user.password_hash) {
                self.upgrade_hash(tenant.id, user.id, &user.password_hash, pass).await;
            }
            return Ok(second);
        }
        let tokens = self.open_session(tx, tenant.id, &user, &settings, client).await?;
        if password::needs_rehash(&user.password_hash) {
            self.upgrade_hash(tenant.id, user.id, &user.password_hash, pass).await;
        }
        Ok(tokens)
    }

    /// When `user` has TOTP active: a single-use MFA challenge (stored in `tx`, not committed)
    /// and the answer carrying it instead of tokens. Every first factor (password, LDAP bind)
    /// goes through here, so none of them skips the second.
    pub(crate) async fn second_factor(
        &self,
        tx: &mut db::TenantTx,
        tenant: Uuid,
        user: Uuid,
    ) -> Result<Option<Tokens>> {
        if !repo::mfa::is_active(tx, tenant, user).await? {
            return Ok(None);
        }
        // The failed-login counter is only reset once the second factor is passed too.
        let (challenge, hash) = crate::domain::mfa::new_challenge(tenant);
        let expires = Utc::now() + Duration::seconds(crate::domain::mfa::CHALLENGE_TTL_SECS);
        repo::mfa::insert_challenge(tx, tenant, user, &hash, expires).await?;
        tracing::info!(tenant = %tenant, user = %user, "login: second factor required");
        Ok(Some(Tokens {
            access_token: String::new(),
            refresh_token: String::new(),
            expires_in: 0,
            mfa_challenge: Some(challenge),
            mfa_setup_required: false,
            password_change_required: false,
        }))
    }

    /// Creates a session for `user` (password, and second factor when enrolled, passed),
    /// resets the failed-login counter, commits `tx` and issues the tokens. While MFA setup or
    /// a password change is pending (see [`effective_permissions`]), the token carries only
    /// `account.self`.
    async fn open_session(
        &self,
        mut tx: db::TenantTx,
        tenant: Uuid,
        user: &repo::users::User,
        settings: &repo::tenants::SecuritySettings,
        client: &Client,
    ) -> Result<Tokens> {
        let now = Utc::now();
        let session =
            repo::sessions::create(&mut tx, tenant, user.id, now + Duration::seconds(self.refresh_ttl_secs), client)
                .await?;
        let (refresh, hash) = tokens::new_refresh_token(tenant);
        repo::sessions::insert_refresh(&mut tx, tenant, session, &hash, now + Duration::seconds(self.refresh_ttl_secs))
            .await?;
        repo::users::touch_login(&mut tx, tenant, user.id).await?;
        let details = serde_json::json!({"email": user.email});
        let event = SecurityEvent {
            action: SecurityAction::Login,
            entity_type: "session",
            entity_id: session,
            actor: Some(user.id),
            details,
            client,
        };
        audit::record(&mut tx, tenant, event).await?;
        let (perms, pending) = effective_permissions(&mut tx, tenant, user, settings).await?;
        tx.commit().await?;
        tracing::info!(tenant = %tenant, user = %user.id, session = %session, ?pending, "login");
        let mut t = self.tokens(user, perms, session, refresh)?;
        t.mfa_setup_required = pending.mfa_setup;
        t.password_change_required = pending.password_change;
        Ok(t)
    }

    /// Re-hashes a correct password whose stored hash uses old parameters (best effort: a
    /// failure is logged and the old hash kept).
    async fn upgrade_hash(&self, tenant: Uuid, user: Uuid, old: &str, pass: &str) {
        let plain = pass.to_owned();
        let result: Result<()> = async {
            let new = blocking(move || password::hash_any(&plain)).await??;
            let mut tx = db::begin(&self.pool, tenant).await?;
            repo::users::upgrade_hash(&mut tx, tenant, user, old, &new).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        match result {
            Ok(()) => tracing::info!(tenant = %tenant, user = %user, "password hash upgraded"),
            Err(e) => tracing::warn!(tenant = %tenant, user = %user, error = %e, "password hash upgrade failed"),
        }
    }

    /// Rotates `refresh_token`: marks it used and issues a new pair. A token that was already
    /// used revokes its whole session (it was stolen or replayed) and is refused.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens> {
        let invalid = || unauthenticated("invalid refresh token");
        let tenant = tokens::refresh_token_tenant(refresh_token).ok_or_else(invalid)?;
        let hash = tokens::hash_refresh_token(refresh_token);
        let now = Utc::now();
        if repo::tenants::by_id(&self.pool, tenant).await?.is_none_or(|t| t.status != "active") {
            return Err(unauthenticated("tenant suspended"));
        }
        let mut tx = db::begin(&self.pool, tenant).await?;
        let row = repo::sessions::find_refresh(&mut tx, tenant, &hash).await?.ok_or_else(invalid)?;
        if row.used_at.is_some() {
            repo::sessions::revoke(&mut tx, tenant, row.session_id, "refresh_token_reuse").await?;
            tx.commit().await?;
            self.mark_revoked(row.session_id).await?;
            tracing::warn!(tenant = %tenant, session = %row.session_id, "refresh token reuse: session revoked");
            return Err(unauthenticated("refresh token already used; session revoked"));
        }
        if row.session_revoked_at.is_some() || row.expires_at <= now || row.session_expires_at <= now {
            return Err(unauthenticated("session ended"));
        }
        let user = repo::users::by_id(&mut tx, tenant, row.user_id)
            .await?
            .filter(|u| u.status == "active")
            .ok_or_else(invalid)?;
        repo::sessions::mark_used(&mut tx, tenant, &hash, row.session_id).await?;
        let (refresh, new_hash) = tokens::new_refresh_token(tenant);
        repo::sessions::insert_refresh(&mut tx, tenant, row.session_id, &new_hash, row.session_expires_at).await?;
        let settings = repo::tenants::security(&self.pool, tenant).await?;
        let (perms, pending) = effective_permissions(&mut tx, tenant, &user, &settings).await?;
        tx.commit().await?;
        let mut t = self.tokens(&user, perms, row.session_id, refresh)?;
        t.mfa_setup_required = pending.mfa_setup;
        t.password_change_required = pending.password_change;
        Ok(t)
    }

    /// Ends the session of `refresh_token` (idempotent; unknown tokens are ignored).
    pub async fn logout(&self, refresh_token: &str, client: &Client) -> Result<()> {
        let Some(tenant) = tokens::refresh_token_tenant(refresh_token) else { return Ok(()) };
        let hash = tokens::hash_refresh_token(refresh_token);
        let mut tx = db::begin(&self.pool, tenant).await?;
        if let Some(row) = repo::sessions::find_refresh(&mut tx, tenant, &hash).await? {
            repo::sessions::revoke(&mut tx, tenant, row.session_id, "logout").await?;
            let event = SecurityEvent {
                action: SecurityAction::Logout,
                entity_type: "session",
                entity_id: row.session_id,
                actor: Some(row.user_id),
                details: serde_json::json!({}),
                client,
            };
            audit::record(&mut tx, tenant, event).await?;
            tx.commit().await?;
            self.mark_revoked(row.session_id).await?;
        }
        Ok(())
    }

    /// Details of the signed-in caller.
    pub async fn me(&self, principal: Principal) -> Result<Me> {
        let tenant = repo::tenants::by_id(&self.pool, principal.tenant_id)
            .await?
            .ok_or(DomainError::NotFound { entity: "tenant" })?;
        let mut tx = db::begin(&self.pool, principal.tenant_id).await?;
        let user = repo::users::by_id(&mut tx, principal.tenant_id, principal.user_id)
            .await?
            .ok_or(DomainError::NotFound { entity: "user" })?;
        tx.commit().await?;
        Ok(Me { principal, tenant_slug: tenant.slug, email: user.email, display_name: user.display_name })
    }

    /// Marks a session (or API key) id revoked in Redis, so every service refuses its tokens.
    async fn mark_revoked(&self, session: Uuid) -> Result<()> {
        let mut redis = self.redis.clone();
        let _: () = redis::cmd("SET")
            .arg(revoked_session_key(session))
            .arg(1)
            .arg("EX")
            .arg(self.access_ttl_secs + 120)
            .query_async(&mut redis)
            .await
            .map_err(|e| Error::Other(e.into()))?;
        Ok(())
    }

    /// Tokens for `user`: kind `portal` with the user's company for portal users, else `staff`.
    fn tokens(
        &self,
        user: &repo::users::User,
        perms: Vec<String>,
        session: Uuid,
        refresh_token: String,
    ) -> Result<Tokens> {
        let kind = if user.kind == "portal" { PrincipalKind::Portal } else { PrincipalKind::Staff };
        let access_token = self.sign_access_token(
            user.tenant_id,
            user.id,
            kind,
            perms,
            session,
            user.company_id,
            self.access_ttl_secs,
        )?;
        Ok(Tokens {
            access_token,
            refresh_token,
            expires_in: self.access_ttl_secs,
            mfa_challenge: None,
            mfa_setup_required: false,
            password_change_required: false,
        })
    }

    /// Signs an access token valid for `ttl_secs` seconds.
    fn access_token(
        &self,
        tenant: Uuid,
        user: Uuid,
        kind: PrincipalKind,
        perms: Vec<String>,
        session: Uuid,
        ttl_secs: i64,
    ) -> Result<String> {
        self.sign_access_token(tenant, user, kind, perms, session, None, ttl_secs)
    }

    /// Signs an access token valid for `ttl_secs` seconds; `company` is the portal user's.
    #[allow(clippy::too_many_arguments)]
    fn sign_access_token(
        &self,
        tenant: Uuid,
        user: Uuid,
        kind: PrincipalKind,
        perms: Vec<String>,
        session: Uuid,
        company: Option<Uuid>,
        ttl_secs: i64,
    ) -> Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            tid: tenant,
            kind,
            perms,
            sid: session,
            cid: company,
            iat: now,
            exp: now + ttl_secs,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        Ok(tokens::sign(&self.signing_key.kid, &self.signing_key.private_der, &claims)?)
    }
}

/// Result of [`bootstrap`].
#[derive(Debug, Clone)]
pub struct Bootstrapped {
    pub tenant_id: Uuid,
    pub tenant_created: bool,
    pub admin_created: bool,
    /// The admin user (created now or before).
    pub admin_user_id: Uuid,
    /// The admin's password when it was generated (shown once).
    pub generated_password: Option<String>,
    /// Whether the tenant is the platform (operator) tenant.
    pub platform: bool,
}

/// Creates (idempotently) tenant `slug` and its admin `email`. The password is `password`
/// when given, otherwise generated and returned. An existing admin keeps their password. A new
/// admin is announced like every staff user (`UserCreated` in identity's outbox, named with
/// `naming`), so the other services' user directories have them.
///
/// # Errors
/// INVALID_ARGUMENT for a bad slug, email or too-short password; database errors.
pub async fn bootstrap(
    pool: &PgPool,
    naming: &psa_kit::events::Naming,
    slug: &str,
    name: &str,
    email: &str,
    password: Option<&str>,
) -> Result<Bootstrapped> {
    bootstrap_with_fields(pool, naming, slug, name, email, password, ["tenant", "tenant_name", "email"]).await
}

/// Like [`bootstrap`], and makes the tenant the platform tenant (unless another one already
/// is) with its admin a Super Admin: the operator's tenant of a SaaS install.
///
/// # Errors
/// As [`bootstrap`].
pub async fn bootstrap_platform(
    pool: &PgPool,
    naming: &psa_kit::events::Naming,
    slug: &str,
    name: &str,
    email: &str,
    password: Option<&str>,
) -> Result<Bootstrapped> {
    let mut out = bootstrap(pool, naming, slug, name, email, password).await?;
    out.platform = repo::tenants::make_platform(pool, out.tenant_id).await?
        || repo::tenants::is_platform(pool, out.tenant_id).await?;
    if out.platform {
        let mut tx = db::begin(pool, out.tenant_id).await?;
        let user = repo::users::by_id(&mut tx, out.tenant_id, out.admin_user_id).await?;
        if let Some(u) = user.filter(|u| !u.roles.iter().any(|r| r == Role::SuperAdmin.as_str())) {
            let mut roles = u.roles.clone();
            roles.push(Role::SuperAdmin.as_str().to_owned());
            repo::users::set_roles(&mut tx, out.tenant_id, u.id, &roles).await?;
        }
        tx.commit().await?;
    }
    Ok(out)
}

/// [`bootstrap`] reporting invalid input under `fields` (slug, name, email field names).
pub(crate) async fn bootstrap_with_fields(
    pool: &PgPool,
    naming: &psa_kit::events::Naming,
    slug: &str,
    name: &str,
    email: &str,
    password: Option<&str>,
    fields: [&str; 3],
) -> Result<Bootstrapped> {
    let [slug_field, name_field, email_field] = fields;
    let mut v = Validator::new();
    if !(2..=63).contains(&slug.len())
        || !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || slug.starts_with('-')
    {
        v.push(slug_field, "must be 2–63 lower-case letters, digits or dashes");
    }
    v.required(name_field, name)
        .max_chars(name_field, name, 200)
        .required(email_field, email)
        .email(email_field, email);
    v.finish()?;
    let (tenant, tenant_created) = repo::tenants::create_if_absent(pool, slug, name).await?;
    let mut tx = db::begin(pool, tenant.id).await?;
    if let Some(existing) = repo::users::by_email(&mut tx, tenant.id, email).await? {
        return Ok(Bootstrapped {
            tenant_id: tenant.id,
            tenant_created,
            admin_created: false,
            admin_user_id: existing.id,
            generated_password: None,
            platform: tenant.platform,
        });
    }
    let generated = password.is_none().then(password::generate);
    let pass = password.map(str::to_owned).or_else(|| generated.clone()).unwrap_or_default();
    let hash = blocking(move || password::hash(&pass)).await??;
    let inserted =
        repo::users::insert(&mut tx, tenant.id, email, "Administrator", &hash, &[Role::Admin.as_str().to_owned()])
            .await?;
    let admin_created = inserted.is_some();
    let admin_user_id = match inserted {
        Some(id) => id,
        None => repo::users::by_email(&mut tx, tenant.id, email).await?.map(|u| u.id).unwrap_or_default(),
    };
    // Like any new staff user, the admin reaches the other services' user directories
    // (`psa.identity.user.created`, relayed once identity runs).
    if admin_created && let Some(u) = repo::users::by_id(&mut tx, tenant.id, admin_user_id).await? {
        crate::events::user_changed(&mut tx, naming, Uuid::nil(), &u, true).await?;
    }
    tx.commit().await?;
    Ok(Bootstrapped {
        tenant_id: tenant.id,
        tenant_created,
        admin_created,
        admin_user_id,
        generated_password: generated.filter(|_| admin_created),
        platform: tenant.platform,
    })
}

/// Announces every staff user again as `psa.identity.user.updated`, one transaction per
/// tenant: the tenant with `slug`, or every tenant when `None`. Projections built from identity's
/// user events (tickets' user directory, used by automation's notify action) thereby learn of
/// users that predate those events, e.g. after upgrading an install; they upsert by user id and
/// `update_time`, so announcing a user twice changes nothing. Returns (tenants, users) announced.
///
/// # Errors
/// NOT_FOUND for an unknown `slug`; database errors.
pub async fn publish_users(
    pool: &PgPool,
    naming: &psa_kit::events::Naming,
    slug: Option<&str>,
) -> Result<(usize, usize)> {
    let tenants = match slug {
        Some(slug) => {
            vec![repo::tenants::by_slug(pool, slug).await?.ok_or(DomainError::NotFound { entity: "tenant" })?.id]
        }
        None => repo::tenants::all_ids(pool).await?,
    };
    let mut users = 0;
    for tenant in &tenants {
        let mut tx = db::begin(pool, *tenant).await?;
        for u in repo::users::all_staff(&mut tx, *tenant).await? {
            crate::events::user_changed(&mut tx, naming, Uuid::nil(), &u, false).await?;
            users += 1;
        }
        tx.commit().await?;
    }
    Ok((tenants.len(), users))
}
