//! TOTP second factor (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, ±1 step of clock
//! drift; RFC 4226 truncation via the `totp-rs` crate), recovery codes and MFA challenge
//! tokens. Time is passed in as Unix seconds (UTC).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use qrcode::QrCode;
use qrcode::render::svg;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use totp_rs::{Builder, Totp};
use uuid::Uuid;

/// Length of a generated TOTP secret in bytes (160 bits, RFC 4226 §4 recommendation).
pub const SECRET_BYTES: usize = 20;
/// Seconds per TOTP step (RFC 6238 §5.2 default).
pub const STEP_SECS: u64 = 30;
/// How many recovery codes enrolment hands out.
pub const RECOVERY_CODES: usize = 10;
/// Lifetime of an MFA challenge token, in seconds (5 minutes).
pub const CHALLENGE_TTL_SECS: i64 = 300;

/// A new random TOTP secret.
pub fn new_secret() -> Vec<u8> {
    let mut s = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut s);
    s
}

/// The TOTP generator for `secret` (SHA-1, 6 digits, 30 s, skew 1), labelled
/// `issuer:account` for authenticator apps.
///
/// # Errors
/// When the secret is shorter than 128 bits or the labels contain `:`.
pub fn totp(secret: &[u8], issuer: &str, account: &str) -> Result<Totp, totp_rs::TotpError> {
    Builder::new()
        .with_secret(secret.to_vec())
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
}

/// Checks `code` against `secret` at `now` (Unix seconds): accepted when it matches the
/// current step or one step either side, and that step is later than `last_used_step` (a
/// step is accepted once, RFC 6238 §5.2). Returns the matched step.
pub fn check(secret: &[u8], code: &str, now: u64, last_used_step: Option<i64>) -> Option<i64> {
    let t = totp(secret, "psa", "user").ok()?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = i64::try_from(t.check(&code, now)?).ok()?;
    match last_used_step {
        Some(last) if step <= last => None,
        _ => Some(step),
    }
}

/// The 6-digit code for `secret` at `time` (Unix seconds).
pub fn code_at(secret: &[u8], time: u64) -> Option<String> {
    Some(totp(secret, "psa", "user").ok()?.generate(time).to_string())
}

/// An SVG QR code of `uri` (dark modules on white, quiet zone, at least 200×200 px).
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = QrCode::new(uri.as_bytes()).ok()?;
    Some(code.render::<svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build())
}

/// `n` new recovery codes, `xxxxx-xxxxx` of lower-case base32 (50 bits each), with their
/// stored form ([`hash_recovery_code`]).
pub fn new_recovery_codes(n: usize) -> Vec<(String, Vec<u8>)> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    (0..n)
        .map(|_| {
            let mut raw = [0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut raw);
            let chars: String = raw.iter().map(|b| ALPHABET[usize::from(b % 32)] as char).collect();
            let code = format!("{}-{}", &chars[..5], &chars[5..]);
            let hash = hash_recovery_code(&code);
            (code, hash)
        })
        .collect()
}

/// SHA-256 of a recovery code after normalisation (lower case, no spaces or dashes), so
/// `ABCDE-FGHIJ`, `abcde fghij` and `abcdefghij` match the same stored code.
pub fn hash_recovery_code(code: &str) -> Vec<u8> {
    let norm: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    Sha256::digest(norm.as_bytes()).to_vec()
}

/// A new MFA challenge token for `tenant`: `(token, sha256(token))`. Format
/// `mfa_<tenant uuid, 32 hex>_<43 base64url chars of 32 random bytes>`.
pub fn new_challenge(tenant: Uuid) -> (String, Vec<u8>) {
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let token = format!("mfa_{}_{}", tenant.simple(), URL_SAFE_NO_PAD.encode(secret));
    let hash = Sha256::digest(token.as_bytes()).to_vec();
    (token, hash)
}

/// SHA-256 of a challenge token as stored.
pub fn hash_challenge(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The tenant a challenge token belongs to, if it is well-formed.
pub fn challenge_tenant(token: &str) -> Option<Uuid> {
    let rest = token.strip_prefix("mfa_")?;
    let (tenant, secret) = (rest.get(..32)?, rest.get(32..)?);
    (secret.strip_prefix('_')?.len() == 43).then_some(())?;
    Uuid::try_parse(tenant).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 seed; 6-digit codes are the last 6 digits of its 8-digit ones.
    const SEED: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_sha1_vectors() {
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(SEED, t).as_deref(), Some(code), "t={t}");
            assert_eq!(check(SEED, code, t, None), Some((t / 30) as i64), "t={t}");
        }
    }

    #[test]
    fn one_step_of_drift_either_way_is_accepted_two_are_not() {
        let t = 1_234_567_890; // step 41152263
        let step = (t / 30) as i64;
        let code = code_at(SEED, t).unwrap();
        assert_eq!(check(SEED, &code, t + 30, None), Some(step));
        assert_eq!(check(SEED, &code, t - 30, None), Some(step));
        assert_eq!(check(SEED, &code, t + 60, None), None);
        assert_eq!(check(SEED, &code, t - 60, None), None);
    }

    #[test]
    fn a_step_is_accepted_once() {
        let t = 1_234_567_890;
        let step = (t / 30) as i64;
        let code = code_at(SEED, t).unwrap();
        assert_eq!(check(SEED, &code, t, Some(step - 1)), Some(step));
        assert_eq!(check(SEED, &code, t, Some(step)), None);
        // An older code (previous step) after a newer one was used: refused too.
        let older = code_at(SEED, t - 30).unwrap();
        assert_eq!(check(SEED, &older, t, Some(step)), None);
    }

    #[test]
    fn malformed_codes_are_refused() {
        let t = 1_234_567_890;
        assert_eq!(check(SEED, "05924", t, None), None);
        assert_eq!(check(SEED, "0059245", t, None), None);
        assert_eq!(check(SEED, "00592a", t, None), None);
        assert_eq!(check(SEED, "005 924", t, None), Some((t / 30) as i64));
    }

    #[test]
    fn otpauth_uri_and_qr() {
        let t = totp(SEED, "PSA demo", "a@b.example").unwrap();
        let uri = t.to_url().unwrap();
        assert!(uri.starts_with("otpauth://totp/PSA%20demo:a%40b.example?"), "{uri}");
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), "{uri}");
        assert!(qr_svg(&uri).unwrap().starts_with("<?xml"));
    }

    #[test]
    fn recovery_codes_hash_after_normalising() {
        let codes = new_recovery_codes(RECOVERY_CODES);
        assert_eq!(codes.len(), 10);
        let (code, hash) = &codes[0];
        assert_eq!(code.len(), 11);
        assert_eq!(&hash_recovery_code(&code.to_uppercase()), hash);
        assert_eq!(&hash_recovery_code(&code.replace('-', " ")), hash);
        assert_ne!(codes[0].1, codes[1].1);
    }

    #[test]
    fn challenge_tokens_carry_their_tenant() {
        let tenant = Uuid::now_v7();
        let (token, hash) = new_challenge(tenant);
        assert_eq!(challenge_tenant(&token), Some(tenant));
        assert_eq!(hash_challenge(&token), hash);
        assert_eq!(challenge_tenant("mfa_nope"), None);
    }
}

/// Whether a user holding `user_roles` must use a second factor: the tenant requires it of
/// everyone (`tenant_wide`), or of a role the user holds (`required_roles`; issue 5 MFA
/// enforcement per tenant or per role).
pub fn is_required(tenant_wide: bool, required_roles: &[String], user_roles: &[String]) -> bool {
    tenant_wide || user_roles.iter().any(|r| required_roles.contains(r))
}

#[cfg(test)]
mod required_tests {
    use super::is_required;

    #[test]
    fn tenant_wide_or_by_role() {
        let roles = vec!["technician".to_owned()];
        assert!(is_required(true, &[], &roles));
        assert!(is_required(false, &["admin".into(), "technician".into()], &roles));
        assert!(!is_required(false, &["admin".into()], &roles));
        assert!(!is_required(false, &[], &roles));
    }
}
