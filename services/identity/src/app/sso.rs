//! Single sign-on with OpenID Connect (authorization code flow with PKCE, OIDC Core 1.0 §3.1,
//! RFC 7636) through the `openidconnect` crate, and the tenant's provider settings.
//!
//! A started sign-in keeps its state, nonce and PKCE verifier in Redis under the SHA-256 of
//! the state for [`sso::STATE_TTL_SECS`]; the callback takes it with `GETDEL`, so each state
//! completes at most once. The ID token is verified by `openidconnect` (signature against the
//! provider's JWKS, issuer, audience, expiry, nonce); only asymmetric algorithms are accepted.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse as _,
};
use psa_core::validate::Validator;
use psa_core::{DomainError, Principal};
use psa_kit::{Error, Result, db};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Identity, Tokens, blocking, require_not_portal, unauthenticated};
use crate::domain::roles::RoleRef;
use crate::domain::{password, sso};
use crate::repo::identity_providers::Provider;
use crate::repo::{self, sessions::Client};

/// Provider settings as given by an administrator.
#[derive(Debug, Clone, Default)]
pub struct ProviderInput {
    pub name: String,
    pub display_name: String,
    pub issuer_url: String,
    pub client_id: String,
    /// Empty: keep (update) or none (create).
    pub client_secret: String,
    pub scopes: Vec<String>,
    pub email_domains: Vec<String>,
    pub jit_enabled: bool,
    pub jit_role_id: String,
    pub enabled: bool,
}

/// A provider on the sign-in page.
#[derive(Debug, Clone)]
pub struct SignInProvider {
    pub name: String,
    pub display_name: String,
}

/// What the callback needs of a started sign-in (kept in Redis).
#[derive(Debug, Serialize, Deserialize)]
struct Started {
    tenant: Uuid,
    provider: Uuid,
    nonce: String,
    pkce_verifier: String,
    redirect_uri: String,
}

const NOT_FOUND: DomainError = DomainError::NotFound { entity: "identity provider" };

fn state_key(state: &str) -> String {
    let hash = Sha256::digest(state.as_bytes());
    format!("psa:sso:state:{}", hash.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn secret_aad(tenant: Uuid, provider: Uuid) -> Vec<u8> {
    format!("idp:{tenant}:{provider}").into_bytes()
}

fn refused(why: impl std::fmt::Display) -> Error {
    unauthenticated(&format!("single sign-on refused: {why}"))
}

fn redis_err(e: redis::RedisError) -> Error {
    Error::Other(e.into())
}

impl Identity {
    /// The tenant's providers by name.
    pub async fn list_identity_providers(&self, p: &Principal) -> Result<Vec<Provider>> {
        require_not_portal(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let list = repo::identity_providers::list(&mut tx, p.tenant_id).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// Provider `id` of the caller's tenant (NOT_FOUND otherwise).
    pub async fn get_identity_provider(&self, p: &Principal, id: Uuid) -> Result<Provider> {
        require_not_portal(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let found = repo::identity_providers::by_id(&mut tx, p.tenant_id, id).await?.ok_or(NOT_FOUND)?;
        tx.commit().await?;
        Ok(found)
    }

    /// Validates `input` into `row` (fields in `fields`, all when `None`); violations name the
    /// request fields under `identity_provider.`.
    async fn apply_provider(
        &self,
        tx: &mut db::TenantTx,
        tenant: Uuid,
        row: &mut Provider,
        input: ProviderInput,
        fields: Option<&[String]>,
    ) -> Result<()> {
        let has = |f: &str| fields.is_none_or(|fs| fs.iter().any(|x| x == f));
        let mut v = Validator::new();
        let f = |n: &str| format!("identity_provider.{n}");
        if has("name") {
            sso::check_name(&mut v, &f("name"), input.name.trim());
            row.name = input.name.trim().to_owned();
        }
        if has("display_name") {
            row.display_name = input.display_name.trim().to_owned();
            v.max_chars(&f("display_name"), &row.display_name, 100);
        }
        if row.display_name.is_empty() {
            row.display_name = row.name.clone();
        }
        if has("issuer_url") {
            let issuer = input.issuer_url.trim().trim_end_matches('/').to_owned();
            sso::check_issuer(&mut v, &f("issuer_url"), &issuer);
            row.issuer_url = issuer;
        }
        if has("client_id") {
            row.client_id = input.client_id.trim().to_owned();
            v.required(&f("client_id"), &row.client_id).max_chars(&f("client_id"), &row.client_id, 500);
        }
        if has("client_secret") && !input.client_secret.is_empty() {
            v.max_chars(&f("client_secret"), &input.client_secret, 2000);
            row.client_secret_sealed =
                Some(self.secrets.seal(input.client_secret.as_bytes(), &secret_aad(tenant, row.id)));
        }
        if has("scopes") {
            let mut scopes: Vec<String> = Vec::new();
            for (i, s) in input.scopes.iter().map(|s| s.trim()).enumerate() {
                if s.is_empty() || s.len() > 100 || !s.chars().all(|c| c.is_ascii_graphic() && c != '"' && c != '\\') {
                    v.push(format!("{}[{i}]", f("scopes")), "is not a scope token (RFC 6749 §3.3)");
                } else if s != "openid" && !scopes.iter().any(|x| x == s) {
                    scopes.push(s.to_owned());
                }
            }
            row.scopes = scopes;
        }
        if has("email_domains") {
            row.email_domains = sso::check_domains(&mut v, &f("email_domains"), &input.email_domains);
        }
        if has("jit_enabled") {
            row.jit_enabled = input.jit_enabled;
        }
        if has("jit_role_id") {
            let id = input.jit_role_id.trim();
            row.jit_role = match RoleRef::parse(id) {
                _ if id.is_empty() => None,
                None => {
                    v.push(f("jit_role_id"), format!("unknown role {id:?}"));
                    None
                }
                Some(RoleRef::Standard(r)) if r.is_portal() => {
                    v.push(f("jit_role_id"), "portal roles belong to portal users, not staff");
                    None
                }
                Some(RoleRef::Custom(c)) if repo::roles::by_ids(tx, tenant, &[c]).await?.is_empty() => {
                    v.push(f("jit_role_id"), "no such role");
                    None
                }
                Some(r) => Some(r.key()),
            };
        }
        if row.jit_enabled && row.jit_role.is_none() {
            v.push(f("jit_role_id"), "is required when just-in-time provisioning is enabled");
        }
        if has("enabled") {
            row.enabled = input.enabled;
        }
        v.finish()?;
        Ok(())
    }

    /// Creates a provider (ALREADY_EXISTS for a taken name).
    pub async fn create_identity_provider(&self, p: &Principal, input: ProviderInput) -> Result<Provider> {
        require_not_portal(p)?;
        let now = chrono::Utc::now();
        let mut row = Provider {
            id: Uuid::now_v7(),
            tenant_id: p.tenant_id,
            name: String::new(),
            display_name: String::new(),
            issuer_url: String::new(),
            client_id: String::new(),
            client_secret_sealed: None,
            scopes: sso::DEFAULT_SCOPES.map(str::to_owned).to_vec(),
            email_domains: Vec::new(),
            jit_enabled: false,
            jit_role: None,
            enabled: true,
            created_at: now,
            updated_at: now,
        };
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let scopes_given = !input.scopes.is_empty();
        let mut fields: Vec<String> =
            ["name", "display_name", "issuer_url", "client_id", "client_secret", "email_domains", "jit_enabled"]
                .map(str::to_owned)
                .to_vec();
        fields.push("jit_role_id".into());
        if scopes_given {
            fields.push("scopes".into());
        }
        let enabled = input.enabled;
        self.apply_provider(&mut tx, p.tenant_id, &mut row, input, Some(&fields)).await?;
        row.enabled = enabled;
        if !repo::identity_providers::insert(&mut tx, p.tenant_id, &row).await? {
            return Err(DomainError::AlreadyExists { entity: "identity provider", field: "name" }.into());
        }
        let created = repo::identity_providers::by_id(&mut tx, p.tenant_id, row.id).await?.ok_or(NOT_FOUND)?;
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, provider = %row.id, by = %p.user_id, "identity provider created");
        Ok(created)
    }

    /// Updates provider `id` with the `fields` of `input` (all non-empty ones when `None`).
    pub async fn update_identity_provider(
        &self,
        p: &Principal,
        id: Uuid,
        input: ProviderInput,
        fields: Option<Vec<String>>,
    ) -> Result<Provider> {
        require_not_portal(p)?;
        const ALL: [&str; 10] = [
            "name",
            "display_name",
            "issuer_url",
            "client_id",
            "client_secret",
            "scopes",
            "email_domains",
            "jit_enabled",
            "jit_role_id",
            "enabled",
        ];
        let fields = fields.unwrap_or_else(|| {
            let set = [
                !input.name.is_empty(),
                !input.display_name.is_empty(),
                !input.issuer_url.is_empty(),
                !input.client_id.is_empty(),
                !input.client_secret.is_empty(),
                !input.scopes.is_empty(),
                !input.email_domains.is_empty(),
                input.jit_enabled,
                !input.jit_role_id.is_empty(),
                input.enabled,
            ];
            ALL.iter().zip(set).filter(|(_, s)| *s).map(|(n, _)| (*n).to_owned()).collect()
        });
        if let Some(bad) = fields.iter().find(|f| !ALL.contains(&f.as_str())) {
            return Err(DomainError::invalid("update_mask", format!("unknown field {bad:?}")).into());
        }
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let mut row = repo::identity_providers::by_id(&mut tx, p.tenant_id, id).await?.ok_or(NOT_FOUND)?;
        self.apply_provider(&mut tx, p.tenant_id, &mut row, input, Some(&fields)).await?;
        if !repo::identity_providers::update(&mut tx, p.tenant_id, &row).await? {
            return Err(DomainError::AlreadyExists { entity: "identity provider", field: "name" }.into());
        }
        let updated = repo::identity_providers::by_id(&mut tx, p.tenant_id, id).await?.ok_or(NOT_FOUND)?;
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, provider = %id, by = %p.user_id, ?fields, "identity provider updated");
        Ok(updated)
    }

    /// Deletes provider `id` (NOT_FOUND when there is none in the caller's tenant).
    pub async fn delete_identity_provider(&self, p: &Principal, id: Uuid) -> Result<()> {
        require_not_portal(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        if !repo::identity_providers::delete(&mut tx, p.tenant_id, id).await? {
            return Err(NOT_FOUND.into());
        }
        tx.commit().await?;
        tracing::info!(tenant = %p.tenant_id, provider = %id, by = %p.user_id, "identity provider deleted");
        Ok(())
    }

    /// The enabled providers of tenant `slug` (empty for an unknown or suspended tenant, so the
    /// answer does not reveal which tenants exist).
    pub async fn sign_in_providers(&self, slug: &str) -> Result<Vec<SignInProvider>> {
        let mut v = Validator::new();
        v.required("tenant", slug);
        v.finish()?;
        let Some(tenant) = repo::tenants::by_slug(&self.pool, slug.trim()).await?.filter(|t| t.status == "active")
        else {
            return Ok(Vec::new());
        };
        let mut tx = db::begin(&self.pool, tenant.id).await?;
        let list = repo::identity_providers::list(&mut tx, tenant.id).await?;
        tx.commit().await?;
        Ok(list
            .into_iter()
            .filter(|p| p.enabled)
            .map(|p| SignInProvider { name: p.name, display_name: p.display_name })
            .collect())
    }

    /// The `openidconnect` client for `provider` (discovery document fetched now) redirecting
    /// to `redirect_uri`.
    async fn oidc_client(
        &self,
        provider: &Provider,
        redirect_uri: &str,
    ) -> Result<
        openidconnect::core::CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
    > {
        let issuer = IssuerUrl::new(provider.issuer_url.clone())
            .map_err(|_| DomainError::FailedPrecondition("the provider's issuer URL is invalid".into()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|e| {
            tracing::warn!(provider = %provider.id, error = %e, "OIDC discovery failed");
            DomainError::FailedPrecondition(format!(
                "the identity provider's discovery document could not be read: {e}"
            ))
        })?;
        let secret = match &provider.client_secret_sealed {
            None => None,
            Some(sealed) => {
                let plain = self
                    .secrets
                    .open(sealed, &secret_aad(provider.tenant_id, provider.id))
                    .map_err(|e| Error::Other(e.into()))?;
                Some(ClientSecret::new(String::from_utf8(plain).map_err(|e| Error::Other(e.into()))?))
            }
        };
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|_| DomainError::invalid("redirect_uri", "must be an absolute URL"))?;
        Ok(CoreClient::from_provider_metadata(metadata, ClientId::new(provider.client_id.clone()), secret)
            .set_redirect_uri(redirect))
    }

    /// Starts a sign-in with provider `provider_name` of tenant `slug`; returns the provider's
    /// authorization URL. NOT_FOUND for an unknown tenant or an unknown or disabled provider.
    pub async fn start_sso(&self, slug: &str, provider_name: &str, redirect_uri: &str) -> Result<String> {
        let mut v = Validator::new();
        v.required("tenant", slug).required("provider", provider_name).required("redirect_uri", redirect_uri);
        v.finish()?;
        let tenant = repo::tenants::by_slug(&self.pool, slug.trim())
            .await?
            .filter(|t| t.status == "active")
            .ok_or(DomainError::NotFound { entity: "tenant" })?;
        let mut tx = db::begin(&self.pool, tenant.id).await?;
        let provider = repo::identity_providers::by_name(&mut tx, tenant.id, provider_name.trim())
            .await?
            .filter(|p| p.enabled)
            .ok_or(NOT_FOUND)?;
        tx.commit().await?;
        let client = self.oidc_client(&provider, redirect_uri).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request =
            client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for s in &provider.scopes {
            request = request.add_scope(Scope::new(s.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let started = Started {
            tenant: tenant.id,
            provider: provider.id,
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            redirect_uri: redirect_uri.to_owned(),
        };
        let value = serde_json::to_string(&started).map_err(|e| Error::Other(e.into()))?;
        let mut redis = self.redis.clone();
        let _: () = redis::cmd("SET")
            .arg(state_key(state.secret()))
            .arg(value)
            .arg("EX")
            .arg(sso::STATE_TTL_SECS)
            .query_async(&mut redis)
            .await
            .map_err(redis_err)?;
        tracing::info!(tenant = %tenant.id, provider = %provider.id, "SSO sign-in started");
        Ok(url.to_string())
    }

    /// Completes a sign-in (see the module docs): UNAUTHENTICATED with the reason for an
    /// unknown, expired or used state, a refused code, an ID token that fails verification,
    /// an email without a verified address in an accepted domain, an unknown user without
    /// just-in-time provisioning, or a disabled or locked user.
    pub async fn complete_sso(&self, state: &str, code: &str, client_info: &Client) -> Result<Tokens> {
        let mut v = Validator::new();
        v.required("state", state).required("code", code);
        v.finish()?;
        let mut redis = self.redis.clone();
        let value: Option<String> =
            redis::cmd("GETDEL").arg(state_key(state.trim())).query_async(&mut redis).await.map_err(redis_err)?;
        let started: Started = value
            .and_then(|v| serde_json::from_str(&v).ok())
            .ok_or_else(|| refused("unknown, expired or already used sign-in state"))?;
        let tenant = repo::tenants::by_id(&self.pool, started.tenant)
            .await?
            .filter(|t| t.status == "active")
            .ok_or_else(|| refused("tenant not active"))?;
        let mut tx = db::begin(&self.pool, tenant.id).await?;
        let provider = repo::identity_providers::by_id(&mut tx, tenant.id, started.provider)
            .await?
            .filter(|p| p.enabled)
            .ok_or_else(|| refused("the identity provider is disabled"))?;
        tx.commit().await?;
        let client = self.oidc_client(&provider, &started.redirect_uri).await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.trim().to_owned()))
            .map_err(|e| refused(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(started.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::warn!(provider = %provider.id, error = %e, "OIDC code exchange failed");
                refused("the identity provider did not accept the authorization code")
            })?;
        let id_token = response.id_token().ok_or_else(|| refused("the identity provider sent no ID token"))?;
        let verifier = client.id_token_verifier().set_allowed_algs([
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            CoreJwsSigningAlgorithm::RsaSsaPssSha256,
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            CoreJwsSigningAlgorithm::EcdsaP384Sha384,
            CoreJwsSigningAlgorithm::EdDsa,
        ]);
        let claims = id_token.claims(&verifier, &Nonce::new(started.nonce)).map_err(|e| {
            tracing::warn!(provider = %provider.id, error = %e, "ID token rejected");
            refused(format!("ID token rejected: {e}"))
        })?;
        let email =
            claims.email().map(|e| e.as_str().trim().to_owned()).ok_or_else(|| refused("the ID token has no email"))?;
        if claims.email_verified() == Some(false) {
            return Err(refused("the email address is not verified by the identity provider"));
        }
        if !sso::email_allowed(&email, &provider.email_domains) {
            return Err(refused(format!("{email} is not in a domain this provider may sign in")));
        }
        let name = claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned()).unwrap_or_default();
        let user = self.sso_user(tenant.id, &provider, &email, &name).await?;
        let mut settings = repo::tenants::security(&self.pool, tenant.id).await?;
        // The provider authenticated the user: our password's age does not matter here.
        settings.password_max_age_days = None;
        let mut tx = db::begin(&self.pool, tenant.id).await?;
        let user = repo::users::lock(&mut tx, tenant.id, user.id)
            .await?
            .filter(|u| u.status == "active")
            .ok_or_else(|| refused("the user is disabled"))?;
        let lock = crate::domain::lockout::State {
            failed_attempts: user.failed_login_attempts,
            locked_until: user.locked_until,
        };
        if lock.is_locked(chrono::Utc::now()) {
            return Err(refused("the account is locked"));
        }
        tracing::info!(tenant = %tenant.id, provider = %provider.id, user = %user.id, "SSO sign-in");
        self.open_session(tx, tenant.id, &user, &settings, client_info).await
    }

    /// The active user with `email`, or a new one when the provider provisions just in time.
    async fn sso_user(&self, tenant: Uuid, provider: &Provider, email: &str, name: &str) -> Result<repo::users::User> {
        let mut tx = db::begin(&self.pool, tenant).await?;
        if let Some(u) = repo::users::by_email(&mut tx, tenant, email).await? {
            if u.status != "active" {
                return Err(refused("the user is disabled"));
            }
            return Ok(u);
        }
        let Some(role) = provider.jit_role.clone().filter(|_| provider.jit_enabled) else {
            return Err(refused(format!(
                "no user with email {email} in this tenant; ask an administrator to create one"
            )));
        };
        if let Some(RoleRef::Custom(c)) = RoleRef::parse(&role)
            && repo::roles::by_ids(&mut tx, tenant, &[c]).await?.is_empty()
        {
            return Err(refused("the provider's provisioning role no longer exists"));
        }
        // Provisioned users sign in through the provider; their local password is random and
        // unknown until an administrator sets one.
        let hash = blocking(|| password::hash(&password::generate())).await??;
        let id = repo::users::insert(&mut tx, tenant, email, name.trim(), &hash, &[role])
            .await?
            .ok_or_else(|| refused("the user was created concurrently; try again"))?;
        let user = repo::users::by_id(&mut tx, tenant, id).await?.ok_or(DomainError::NotFound { entity: "user" })?;
        crate::events::user_changed(&mut tx, &self.naming, Uuid::nil(), &user, true).await?;
        tx.commit().await?;
        tracing::info!(tenant = %tenant, provider = %provider.id, user = %id, "user provisioned just in time");
        Ok(user)
    }
}
