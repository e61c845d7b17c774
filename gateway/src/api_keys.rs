//! API keys as bearer credentials. A request with `Authorization: Bearer psa_…`
//! ([`psa_kit::auth::API_KEY_PREFIX`]) has its key exchanged with identity
//! (`ApiKeyService.ExchangeApiKey`) for a short-lived access token, which is forwarded
//! instead: every service still verifies every call itself (signature, revocation of the key's
//! id in Redis, permissions = the key's scope). Tokens are cached per SHA-256 of the key until
//! [`EXPIRY_MARGIN`] before they expire; a revoked key's cached token is refused by the
//! services, so revocation takes effect within seconds regardless of the cache.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderValue, header};
use psa_proto::identity::ExchangeApiKeyRequest;
use psa_proto::identity::api_key_service_client::ApiKeyServiceClient;
use sha2::{Digest as _, Sha256};
use tokio::sync::Mutex;
use tonic::Status;
use tonic::transport::Channel;

/// A cached token is used until this long before it expires.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
/// At most this many cached tokens (the cache is cleared of expired entries, then emptied,
/// when full).
pub const MAX_CACHED: usize = 10_000;

/// Exchanges API keys for access tokens, with a cache.
pub struct ApiKeyExchanger {
    client: ApiKeyServiceClient<Channel>,
    cache: Mutex<HashMap<[u8; 32], (String, Instant)>>,
}

impl ApiKeyExchanger {
    /// An exchanger calling identity over `channel`.
    pub fn new(channel: Channel) -> Self {
        Self { client: ApiKeyServiceClient::new(channel), cache: Mutex::new(HashMap::new()) }
    }

    /// If `headers` carry an API key as bearer credential, replaces it with an access token.
    ///
    /// # Errors
    /// UNAUTHENTICATED for an unknown, revoked or expired key; identity's status otherwise.
    pub async fn resolve(&self, headers: &mut HeaderMap) -> Result<(), Status> {
        let Some(key) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|k| k.starts_with(psa_kit::auth::API_KEY_PREFIX))
        else {
            return Ok(());
        };
        let token = self.token(key).await?;
        let value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| Status::internal("identity returned an unusable token"))?;
        headers.insert(header::AUTHORIZATION, value);
        Ok(())
    }

    async fn token(&self, key: &str) -> Result<String, Status> {
        let hash: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let now = Instant::now();
        if let Some((token, until)) = self.cache.lock().await.get(&hash)
            && *until > now
        {
            return Ok(token.clone());
        }
        let mut client = self.client.clone();
        let mut req = tonic::Request::new(ExchangeApiKeyRequest { api_key: key.to_owned() });
        req.set_timeout(Duration::from_secs(10));
        let reply = client.exchange_api_key(req).await?.into_inner();
        let lifetime = Duration::from_secs(u64::try_from(reply.expires_in).unwrap_or(0));
        if let Some(valid) = lifetime.checked_sub(EXPIRY_MARGIN).filter(|d| !d.is_zero()) {
            let mut cache = self.cache.lock().await;
            if cache.len() >= MAX_CACHED {
                cache.retain(|_, (_, until)| *until > now);
                if cache.len() >= MAX_CACHED {
                    cache.clear();
                }
            }
            cache.insert(hash, (reply.access_token.clone(), now + valid));
        }
        Ok(reply.access_token)
    }
}
