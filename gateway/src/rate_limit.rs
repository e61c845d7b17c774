//! Login rate limits (issue 5, "Audit and abuse"): fixed windows in Redis, `INCR` then
//! `EXPIRE` on a window's first hit (the Redis documentation's basic rate-limiter pattern).
//! A window starts at its first request and lasts 60 seconds; requests beyond the limit get
//! 429 (RESOURCE_EXHAUSTED) with `Retry-After` = seconds until the window ends.
//!
//! Limited: `POST /api/v1/auth/login…` (REST) and `psa.identity.v1.AuthService/Login…`
//! (gRPC, gRPC-web) per client IP; REST `POST /api/v1/auth/login` also per tenant + email
//! (case-insensitive) from its JSON body. Keys: `<prefix>rl:login:ip:<ip>` and
//! `<prefix>rl:login:acct:<sha256(tenant \n email)>` (hex; no email in Redis). When Redis is
//! unreachable the request passes (fail open, logged): an outage must not lock everyone out.

use std::net::IpAddr;

use sha2::{Digest as _, Sha256};
use tokio::sync::OnceCell;

/// Window length in seconds.
pub const WINDOW_SECS: i64 = 60;

/// Whether `method path` is a login call the limits apply to.
pub fn is_login(method: &http::Method, path: &str) -> bool {
    (method == http::Method::POST && path.starts_with("/api/v1/auth/login"))
        || path.starts_with("/psa.identity.v1.AuthService/Login")
}

/// The rate limiter: limits per minute and the Redis connection (opened on first use).
pub struct LoginLimiter {
    client: Option<redis::Client>,
    conn: OnceCell<redis::aio::ConnectionManager>,
    prefix: String,
    /// Login requests per client IP per window; 0 disables.
    pub per_ip: u32,
    /// Login requests per tenant + email per window; 0 disables.
    pub per_account: u32,
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

impl LoginLimiter {
    /// A limiter on Redis `redis_url` with key prefix `prefix`.
    ///
    /// # Errors
    /// An unparseable Redis URL.
    pub fn new(redis_url: &str, prefix: &str, per_ip: u32, per_account: u32) -> anyhow::Result<Self> {
        let client = (per_ip > 0 || per_account > 0).then(|| redis::Client::open(redis_url)).transpose()?;
        Ok(Self { client, conn: OnceCell::new(), prefix: prefix.to_owned(), per_ip, per_account })
    }

    /// Counts a login request from `ip` (and for `account` = (tenant, email) when known)
    /// and says whether it may pass.
    pub async fn check(&self, ip: Option<IpAddr>, account: Option<(&str, &str)>) -> Verdict {
        let mut keys: Vec<(String, u32)> = Vec::new();
        if let Some(ip) = ip
            && self.per_ip > 0
        {
            keys.push((format!("{}rl:login:ip:{ip}", self.prefix), self.per_ip));
        }
        if let Some((tenant, email)) = account
            && self.per_account > 0
        {
            let digest = Sha256::digest(format!("{}\n{}", tenant.trim().to_lowercase(), email.trim().to_lowercase()));
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            keys.push((format!("{}rl:login:acct:{hex}", self.prefix), self.per_account));
        }
        if keys.is_empty() {
            return Verdict::Allow;
        }
        match self.count(&keys).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "login rate limit unavailable (Redis); request allowed");
                Verdict::Allow
            }
        }
    }

    async fn count(&self, keys: &[(String, u32)]) -> anyhow::Result<Verdict> {
        let Some(client) = &self.client else { return Ok(Verdict::Allow) };
        let conn = self.conn.get_or_try_init(|| redis::aio::ConnectionManager::new(client.clone())).await?;
        let mut conn = conn.clone();
        let mut worst = Verdict::Allow;
        for (key, limit) in keys {
            let n: i64 = redis::cmd("INCR").arg(key).query_async(&mut conn).await?;
            if n == 1 {
                let _: () = redis::cmd("EXPIRE").arg(key).arg(WINDOW_SECS).query_async(&mut conn).await?;
            }
            let mut ttl: i64 = redis::cmd("TTL").arg(key).query_async(&mut conn).await?;
            if ttl < 0 {
                // A key left without expiry (a crash between INCR and EXPIRE): give it one.
                let _: () = redis::cmd("EXPIRE").arg(key).arg(WINDOW_SECS).query_async(&mut conn).await?;
                ttl = WINDOW_SECS;
            }
            if n > i64::from(*limit) {
                let retry = ttl.clamp(1, WINDOW_SECS);
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
        assert!(!is_login(&http::Method::GET, "/api/v1/auth/login"));
        assert!(!is_login(&http::Method::POST, "/api/v1/auth/refresh"));
        assert!(is_login(&http::Method::POST, "/psa.identity.v1.AuthService/LoginMfa"));
        assert_eq!(
            account_of(br#"{"tenant":"demo","email":"a@b.example","password":"x"}"#),
            Some(("demo".into(), "a@b.example".into()))
        );
        assert_eq!(account_of(b"not json"), None);
    }
}
