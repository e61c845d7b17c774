//! Password hashing with argon2id at the OWASP-recommended parameters (m = 19 MiB, t = 2,
//! p = 1; the `argon2` crate's defaults). CPU-heavy: call from `spawn_blocking`.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use psa_core::DomainError;

/// Shortest accepted password, in characters (the default tenant policy).
pub const MIN_LENGTH: usize = 10;

/// The shipped list of common passwords (`data/common-passwords.txt`).
const COMMON: &str = include_str!("../../data/common-passwords.txt");

/// Whether `password` is on the shipped common-password list (case-insensitive).
pub fn is_common(password: &str) -> bool {
    static SET: std::sync::LazyLock<std::collections::HashSet<String>> = std::sync::LazyLock::new(|| {
        COMMON.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_lowercase).collect()
    });
    SET.contains(&password.trim().to_lowercase())
}

/// Checks `password` against the tenant's policy: at least `min_length` characters, not on the
/// common-password list, not the account's email.
///
/// # Errors
/// [`DomainError::Invalid`] on `field`.
pub fn check_policy(field: &str, password: &str, min_length: usize, email: &str) -> Result<(), DomainError> {
    if password.chars().count() < min_length {
        return Err(DomainError::invalid(field, format!("must be at least {min_length} characters")));
    }
    if is_common(password) || password.eq_ignore_ascii_case(email.trim()) {
        return Err(DomainError::invalid(field, "is too common or easily guessed; choose another"));
    }
    Ok(())
}

/// Hashes `password` into a PHC string (`$argon2id$v=19$...`). Policy checks beyond the
/// absolute minimum are [`check_policy`]'s job.
///
/// # Errors
/// [`DomainError::Invalid`] on field `password` when shorter than [`MIN_LENGTH`].
pub fn hash(password: &str) -> Result<String, DomainError> {
    if password.chars().count() < MIN_LENGTH {
        return Err(DomainError::invalid("password", format!("must be at least {MIN_LENGTH} characters")));
    }
    hash_any(password)
}

/// Whether `hash` was made with other than the current algorithm and parameters (argon2id,
/// v19, OWASP m/t/p) and should be replaced by a fresh hash at the next successful sign-in.
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else { return true };
    let current = argon2::Params::default();
    h.algorithm != argon2::Algorithm::Argon2id.ident()
        || h.version != Some(argon2::Version::V0x13 as u32)
        || argon2::Params::try_from(&h).map_or(true, |p| {
            (p.m_cost(), p.t_cost(), p.p_cost()) != (current.m_cost(), current.t_cost(), current.p_cost())
        })
}

/// Hashes any password with the current parameters (used to upgrade old hashes of passwords
/// set under an older policy).
///
/// # Errors
/// [`DomainError::Invalid`] when argon2 refuses the input.
pub fn hash_any(password: &str) -> Result<String, DomainError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::invalid("password", e.to_string()))
}

/// Whether `password` matches the PHC string `hash`; malformed hashes never match.
pub fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash of a random password, verified against when the user does not exist so that
/// unknown and known emails take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| hash(&generate()).unwrap_or_default());
    &DUMMY
}

/// A random 20-character password (letters and digits) for generated admin accounts.
pub fn generate() -> String {
    use rand::Rng as _;
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..20).map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse battery"));
        assert!(!verify(&h, "Correct horse battery"));
        assert!(!verify("garbage", "x"));
        assert!(hash("short").is_err());
        assert_eq!(generate().len(), 20);
    }

    #[test]
    fn old_parameters_need_a_rehash() {
        use argon2::{Algorithm, Params, Version};
        let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8192, 1, 1, None).unwrap());
        let salt = SaltString::generate(&mut OsRng);
        let old = weak.hash_password(b"correct horse battery", &salt).unwrap().to_string();
        assert!(needs_rehash(&old));
        assert!(verify(&old, "correct horse battery"), "old hashes still verify");
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::default());
        assert!(needs_rehash(&argon2i.hash_password(b"x", &salt).unwrap().to_string()));
        assert!(!needs_rehash(&hash("correct horse battery").unwrap()));
        assert!(needs_rehash("garbage"));
    }

    #[test]
    fn policy_rejects_short_common_and_email_passwords() {
        assert!(check_policy("password", "Password123", 10, "a@b.example").is_err(), "common, any case");
        assert!(check_policy("password", "short", 10, "a@b.example").is_err());
        assert!(check_policy("password", "fourteen-chars", 16, "a@b.example").is_err(), "tenant minimum");
        assert!(check_policy("password", "Alice@Corp.example", 10, "alice@corp.example").is_err());
        assert!(check_policy("password", "violet-otter-93", 10, "a@b.example").is_ok());
        assert!(is_common("qwertyuiop") && !is_common("# Common passwords"));
    }
}

/// Whether a password last changed at `changed_at` has expired under a tenant policy of
/// `max_age_days` (issue 5: optional per-tenant password expiry; `None` never expires). A
/// password with no recorded change time counts as expired when a policy is set.
pub fn is_expired(
    changed_at: Option<chrono::DateTime<chrono::Utc>>,
    max_age_days: Option<i32>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    match (max_age_days, changed_at) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(days), Some(at)) => now - at >= chrono::Duration::days(i64::from(days)),
    }
}

#[cfg(test)]
mod expiry_tests {
    use super::is_expired;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn expiry_boundaries() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        assert!(!is_expired(Some(now - Duration::days(400)), None, now), "no policy");
        assert!(!is_expired(Some(now - Duration::days(90) + Duration::seconds(1)), Some(90), now));
        assert!(is_expired(Some(now - Duration::days(90)), Some(90), now), "exactly the max age");
        assert!(is_expired(None, Some(90), now), "never changed");
    }
}
