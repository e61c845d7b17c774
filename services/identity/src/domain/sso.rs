//! Single sign-on rules (OpenID Connect Core 1.0): provider settings and which verified email
//! may sign in through a provider.

use psa_core::validate::Validator;

/// How long a started sign-in (state, nonce, PKCE verifier) stays usable, in seconds.
pub const STATE_TTL_SECS: u64 = 600;

/// Default scopes besides `openid` (OIDC Core §5.4).
pub const DEFAULT_SCOPES: [&str; 2] = ["email", "profile"];

/// Checks a provider `name` (2–40 lower-case letters, digits, dashes; first not a dash).
pub fn check_name(v: &mut Validator, field: &str, name: &str) {
    let ok = (2..=40).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-');
    if !ok {
        v.push(field, "must be 2–40 lower-case letters, digits or dashes, not starting with a dash");
    }
}

/// Checks an issuer URL: absolute `https`, or `http` on a loopback host (local test
/// providers); no query or fragment (OIDC Discovery §3: the issuer is a URL "using the https
/// scheme with no query or fragment components").
pub fn check_issuer(v: &mut Validator, field: &str, issuer: &str) {
    let Ok(url) = url::Url::parse(issuer) else {
        v.push(field, "must be an absolute URL");
        return;
    };
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        v.push(field, "must use https (http only for 127.0.0.1/localhost)");
    } else if url.query().is_some() || url.fragment().is_some() {
        v.push(field, "must not have a query or fragment");
    }
}

/// Normalises and checks email domains (`field[i]` violations): lower case, at least one dot,
/// letters/digits/dashes/dots; returns them deduplicated.
pub fn check_domains(v: &mut Validator, field: &str, domains: &[String]) -> Vec<String> {
    if domains.is_empty() {
        v.push(field, "at least one email domain is required");
    }
    let mut out: Vec<String> = Vec::new();
    for (i, d) in domains.iter().enumerate() {
        let d = d.trim().trim_start_matches('@').to_ascii_lowercase();
        let ok = d.contains('.')
            && !d.starts_with('.')
            && !d.ends_with('.')
            && d.len() <= 253
            && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !ok {
            v.push(format!("{field}[{i}]"), "is not a domain name");
        } else if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// Whether `email` may sign in through a provider accepting `domains`: its domain (after the
/// last `@`, case-insensitive) is one of them.
pub fn email_allowed(email: &str, domains: &[String]) -> bool {
    email
        .rsplit_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domains.iter().any(|d| d.eq_ignore_ascii_case(domain)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_settings() {
        let mut v = Validator::new();
        check_name(&mut v, "name", "entra");
        check_issuer(&mut v, "issuer_url", "https://login.example.com/abc/v2.0");
        check_issuer(&mut v, "issuer_url", "http://127.0.0.1:8080");
        let d = check_domains(&mut v, "email_domains", &["Contoso.com".into(), "@contoso.com".into()]);
        assert_eq!(d, ["contoso.com"]);
        assert!(v.finish().is_ok());

        let mut v = Validator::new();
        check_name(&mut v, "name", "-Bad");
        check_issuer(&mut v, "issuer_url", "http://idp.example.com");
        check_issuer(&mut v, "issuer_url2", "https://idp.example.com/?x=1");
        check_domains(&mut v, "email_domains", &["nodot".into()]);
        let e = v.finish().unwrap_err();
        let psa_core::DomainError::Invalid(f) = e else { panic!() };
        let fields: Vec<_> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "issuer_url", "issuer_url2", "email_domains[0]"]);
    }

    #[test]
    fn email_domains_match_exactly() {
        let d = vec!["contoso.com".to_owned()];
        assert!(email_allowed("Ann@CONTOSO.com", &d));
        assert!(!email_allowed("ann@evil-contoso.com", &d));
        assert!(!email_allowed("ann@contoso.com.evil.io", &d));
        assert!(!email_allowed("@contoso.com", &d));
        assert!(!email_allowed("contoso.com", &d));
    }
}
