//! Rate limits (issue 5, "Audit and abuse"), in Redis so that every gateway replica shares
//! them: fixed 60-second windows, one `INCR` per key with `EXPIRE … NX` on the same round trip
//! (the Redis documentation's basic rate-limiter pattern; Redis ≥ 7). A window starts at its
//! first request; requests beyond a limit get 429 (RESOURCE_EXHAUSTED) with `Retry-After` =
//! seconds until the window ends. Fixed windows allow up to twice a limit across a window
//! boundary, which is acceptable for abuse protection and costs one round trip per request;
//! no maintained crate implements shared (Redis) windows for this Redis client.
//!
//! - Every API call (REST, gRPC, gRPC-web): per client IP (`<prefix>rl:api:ip:<ip>`) and per
//!   tenant of a verified bearer token (`<prefix>rl:api:tenant:<uuid>`; unverifiable tokens
//!   count per IP only, so nobody can spend another tenant's budget).
//! - Logins and forgotten passwords, stricter: `POST /api/v1/auth/login…`,
//!   `POST /api/v1/portal/auth/login`, `POST /api/v1/{,portal/}auth/forgot-password` (REST),
//!   `psa.identity.v1.AuthService/Login…` and `psa.identity.v1.PortalAuthService/{Login,Forgot…}`
//!   (gRPC, gRPC-web) per client IP; REST `POST /api/v1/{,portal/}auth/login` also per tenant +
//!   email (case-insensitive) from its JSON body.
//!   Keys: `<prefix>rl:login:ip:<ip>` and `<prefix>rl:login:acct:<sha256(tenant \n email)>`
//!   (hex; no email in Redis).
//!
//! When Redis is unreachable the request passes (fail open, logged): an outage must not lock
//! everyone out.
//!
//! The client IP is the TCP peer, unless the peer is a trusted proxy
//! (`PSA_TRUSTED_PROXIES`): then the right-most `X-Forwarded-For` entry that is not a trusted
//! proxy ([`client_ip`]).

use std::net::IpAddr;

use ipnet::IpNet;
use sha2::{Digest as _, Sha256};
use tokio::sync::OnceCell;
use uuid::Uuid;

/// Window length in seconds.
pub const WINDOW_SECS: i64 = 60;

/// Whether `method path` is a login call the limits apply to.
pub fn is_login(method: &http::Method, path: &str) -> bool {
    (method == http::Method::POST
        && (path.starts_with("/api/v1/auth/login")
            || path == "/api/v1/portal/auth/login"
            || path == "/api/v1/auth/forgot-password"
            || path == "/api/v1/portal/auth/forgot-password"))
        || path.starts_with("/psa.identity.v1.AuthService/Login")
        || path.starts_with("/psa.identity.v1.PortalAuthService/Login")
        || path.starts_with("/psa.identity.v1.PortalAuthService/Forgot")
}

/// The client address of a request from `peer`: `peer` itself unless it is one of `trusted`;
/// then the right-most `X-Forwarded-For` address that is not trusted (a client can prepend
/// anything, so only what trusted proxies appended counts), or the left-most one when every
/// hop is trusted. Malformed entries end the walk (the last good address is used).
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded_for.unwrap_or_default().rsplit(',') {
        let Ok(ip) = entry.trim().parse::<IpAddr>() else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// Parses `PSA_TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges.
///
/// # Errors
/// The first entry that is neither.
pub fn parse_trusted(list: &str) -> anyhow::Result<Vec<IpNet>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| anyhow::anyhow!("PSA_TRUSTED_PROXIES: {s:?} is not an IP address or CIDR range"))
        })
        .collect()
}

/// The limits per window; 0 disables one.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// Login requests per client IP.
    pub login_per_ip: u32,
    /// Login requests per tenant + email.
    pub login_per_account: u32,
    /// API calls per client IP.
    pub api_per_ip: u32,
    /// API calls per tenant.
    pub api_per_tenant: u32,
}

/// The rate limiter: limits and the Redis connection (opened on first use).
pub struct RateLimiter {
    client: redis::Client,
    conn: OnceCell<redis::aio::ConnectionManager>,
    prefix: String,
    pub limits: Limits,
}

/// Outcome of a check: pass, or refuse with the seconds until the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Refused; retry after this many seconds (1–60).
    Limited {
        retry_after_secs: i64,
    },
}

impl RateLimiter {
    /// A limiter on Redis `redis_url` with key prefix `prefix`.
    ///
    /// # Errors
    /// An unparseable Redis URL.
    pub fn new(redis_url: &str, prefix: &str, limits: Limits) -> anyhow::Result<Self> {
        Ok(Self { client: redis::Client::open(redis_url)?, conn: OnceCell::new(), prefix: prefix.to_owned(), limits })
    }

    /// Counts a login request from `ip` (and for `account` = (tenant, email) when known)
    /// and says whether it may pass.
    pub async fn check_login(&self, ip: Option<IpAddr>, account: Option<(&str, &str)>) -> Verdict {
        let mut keys: Vec<(String, u32)> = Vec::new();
        if let Some(ip) = ip {
            keys.push((format!("{}rl:login:ip:{ip}", self.prefix), self.limits.login_per_ip));
        }
        if let Some((tenant, email)) = account {
            let digest = Sha256::digest(format!("{}\n{}", tenant.trim().to_lowercase(), email.trim().to_lowercase()));
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            keys.push((format!("{}rl:login:acct:{hex}", self.prefix), self.limits.login_per_account));
        }
        self.check(keys).await
    }

    /// Counts an API call from `ip` for `tenant` (when its token verified) and says whether it
    /// may pass.
    pub async fn check_api(&self, ip: Option<IpAddr>, tenant: Option<Uuid>) -> Verdict {
        let mut keys: Vec<(String, u32)> = Vec::new();
        if let Some(ip) = ip {
            keys.push((format!("{}rl:api:ip:{ip}", self.prefix), self.limits.api_per_ip));
        }
        if let Some(t) = tenant {
            keys.push((format!("{}rl:api:tenant:{t}", self.prefix), self.limits.api_per_tenant));
        }
        self.check(keys).await
    }

    async fn check(&self, mut keys: Vec<(String, u32)>) -> Verdict {
        keys.retain(|(_, limit)| *limit > 0);
        if keys.is_empty() {
            return Verdict::Allow;
        }
        match self.count(&keys).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "rate limit unavailable (Redis); request allowed");
                Verdict::Allow
            }
        }
    }

    /// One round trip: `INCR`, `EXPIRE NX` and `TTL` per key.
    async fn count(&self, keys: &[(String, u32)]) -> anyhow::Result<Verdict> {
        let conn = self.conn.get_or_try_init(|| redis::aio::ConnectionManager::new(self.client.clone())).await?;
        let mut conn = conn.clone();
        let mut pipe = redis::pipe();
        for (key, _) in keys {
            pipe.cmd("INCR").arg(key).cmd("EXPIRE").arg(key).arg(WINDOW_SECS).arg("NX").ignore().cmd("TTL").arg(key);
        }
        let counts: Vec<i64> = pipe.query_async(&mut conn).await?;
        let mut worst = Verdict::Allow;
        for ((_, limit), pair) in keys.iter().zip(counts.chunks(2)) {
            let [n, ttl] = pair else { anyhow::bail!("unexpected Redis reply") };
            if *n > i64::from(*limit) {
                let retry = (*ttl).clamp(1, WINDOW_SECS);
                worst = match worst {
                    Verdict::Limited { retry_after_secs } if retry_after_secs >= retry => worst,
                    _ => Verdict::Limited { retry_after_secs: retry },
                };
            }
        }
        Ok(worst)
    }
}

/// `(tenant, email)` from a REST login body (`{"tenant": …, "email": …}`), if present.
pub fn account_of(body: &[u8]) -> Option<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = |k: &str| v.get(k).and_then(serde_json::Value::as_str).map(str::to_owned);
    Some((text("tenant")?, text("email")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_paths_and_bodies() {
        assert!(is_login(&http::Method::POST, "/api/v1/auth/login"));
        assert!(is_login(&http::Method::POST, "/api/v1/auth/login/mfa"));
        assert!(is_login(&http::Method::POST, "/api/v1/portal/auth/login"));
        assert!(is_login(&http::Method::POST, "/api/v1/portal/auth/forgot-password"));
        assert!(!is_login(&http::Method::POST, "/api/v1/portal/auth/reset-password"));
        assert!(!is_login(&http::Method::GET, "/api/v1/auth/login"));
        assert!(!is_login(&http::Method::POST, "/api/v1/auth/refresh"));
        assert!(is_login(&http::Method::POST, "/psa.identity.v1.AuthService/LoginMfa"));
        assert_eq!(
            account_of(br#"{"tenant":"demo","email":"a@b.example","password":"x"}"#),
            Some(("demo".into(), "a@b.example".into()))
        );
        assert_eq!(account_of(b"not json"), None);
    }

    #[test]
    fn client_ip_trusts_forwarded_for_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let trusted = parse_trusted("10.0.0.0/8, 192.0.2.7").unwrap();
        // an untrusted peer: its X-Forwarded-For is ignored
        assert_eq!(client_ip(ip("203.0.113.5"), Some("198.51.100.1"), &trusted), ip("203.0.113.5"));
        // a trusted proxy: the right-most untrusted entry (spoofed left entries are ignored)
        assert_eq!(client_ip(ip("10.1.2.3"), Some("6.6.6.6, 198.51.100.1"), &trusted), ip("198.51.100.1"));
        assert_eq!(client_ip(ip("10.1.2.3"), Some("198.51.100.1, 192.0.2.7"), &trusted), ip("198.51.100.1"));
        // every hop trusted: the left-most; none given or garbage: the peer / last good entry
        assert_eq!(client_ip(ip("10.1.2.3"), Some("10.9.9.9"), &trusted), ip("10.9.9.9"));
        assert_eq!(client_ip(ip("10.1.2.3"), None, &trusted), ip("10.1.2.3"));
        assert_eq!(client_ip(ip("10.1.2.3"), Some("evil, 10.2.2.2"), &trusted), ip("10.2.2.2"));
        assert_eq!(client_ip(ip("::1"), Some("198.51.100.1"), &[]), ip("::1"));
        assert!(parse_trusted("10.0.0.0/8,not-an-ip").is_err());
        assert!(parse_trusted("").unwrap().is_empty());
        assert_eq!(parse_trusted("::1, 2001:db8::/32").unwrap().len(), 2);
    }
}
