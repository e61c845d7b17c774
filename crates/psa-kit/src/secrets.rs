//! Secrets at rest (TOTP secrets, SSO client secrets, LDAP service-account passwords):
//! AES-256-GCM from `ring` (NIST SP 800-38D) with a random 96-bit nonce per value and
//! associated data naming what the value belongs to (so a sealed value copied onto another
//! row or tenant does not open).
//!
//! Sealed layout: `0x01` (version) ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag.

use base64::Engine;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::config::SecretsConfig;

const VERSION: u8 = 1;

/// The development key used when `PSA_SECRETS_KEY` is unset outside production. It is public
/// (documented in the README): never rely on it for real data.
pub const DEVELOPMENT_KEY: &[u8; 32] = b"psa-dev-secrets-key-not-for-prod";

/// A sealed value did not open: wrong key, wrong associated data, or corrupted.
#[derive(Debug, thiserror::Error)]
#[error("sealed secret does not open (wrong PSA_SECRETS_KEY or corrupted value)")]
pub struct OpenError;

/// Seals and opens secrets with one AES-256-GCM key.
pub struct SecretBox {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// A box with the 32-byte `key`.
    pub fn new(key: &[u8; 32]) -> Self {
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("32-byte AES-256 key"));
        Self { key, rng: SystemRandom::new() }
    }

    /// The box for `config`: `PSA_SECRETS_KEY` (base64 of 32 bytes), or the
    /// [`DEVELOPMENT_KEY`] when unset and `PSA_ENVIRONMENT` is not `production`.
    ///
    /// # Errors
    /// A key that is not base64 of exactly 32 bytes; no key in production.
    pub fn from_config(config: &SecretsConfig) -> anyhow::Result<Self> {
        let production = config.environment.as_deref().is_some_and(|e| e.trim().eq_ignore_ascii_case("production"));
        match config.secrets_key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(k)
                    .map_err(|_| anyhow::anyhow!("PSA_SECRETS_KEY must be standard base64 (of 32 random bytes)"))?;
                let key: [u8; 32] =
                    bytes.try_into().map_err(|_| anyhow::anyhow!("PSA_SECRETS_KEY must decode to exactly 32 bytes"))?;
                Ok(Self::new(&key))
            }
            None if production => Err(anyhow::anyhow!(
                "PSA_SECRETS_KEY is required when PSA_ENVIRONMENT=production \
                 (32 random bytes, base64: `openssl rand -base64 32`)"
            )),
            None => {
                tracing::warn!("PSA_SECRETS_KEY unset: using the public development key for secrets at rest");
                Ok(Self::new(DEVELOPMENT_KEY))
            }
        }
    }

    /// Encrypts `plain`, bound to `aad` (e.g. `totp:<tenant>:<user>`).
    pub fn seal(&self, plain: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).expect("system random");
        let mut buf = plain.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut buf)
            .expect("AES-GCM seal");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + buf.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        out
    }

    /// Decrypts a value from [`SecretBox::seal`] with the same `aad`.
    ///
    /// # Errors
    /// [`OpenError`] for a wrong key or `aad`, or a damaged value.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, OpenError> {
        let (&version, rest) = sealed.split_first().ok_or(OpenError)?;
        if version != VERSION || rest.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(OpenError);
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| OpenError)?;
        let mut buf = ct.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::from(aad), &mut buf).map_err(|_| OpenError)?;
        Ok(plain.to_vec())
    }

    /// Whether `value` looks sealed by this module (version byte and minimum length).
    pub fn is_sealed(value: &[u8]) -> bool {
        value.first() == Some(&VERSION) && value.len() >= 1 + NONCE_LEN + AES_256_GCM.tag_len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let b = SecretBox::new(&[7u8; 32]);
        let sealed = b.seal(b"secret", b"totp:a");
        assert_ne!(&sealed[13..19], b"secret");
        assert_eq!(b.open(&sealed, b"totp:a").unwrap(), b"secret");
        assert!(b.open(&sealed, b"totp:b").is_err(), "other associated data");
        assert!(SecretBox::new(&[8u8; 32]).open(&sealed, b"totp:a").is_err(), "other key");
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(b.open(&bad, b"totp:a").is_err(), "tampered");
        assert_ne!(b.seal(b"secret", b"x"), b.seal(b"secret", b"x"), "fresh nonce per value");
    }

    #[test]
    fn config_rules() {
        let prod = SecretsConfig { secrets_key: None, environment: Some("production".into()) };
        let e = SecretBox::from_config(&prod).unwrap_err().to_string();
        assert!(e.contains("PSA_SECRETS_KEY is required"), "{e}");
        let short = SecretsConfig { secrets_key: Some("AAAA".into()), environment: None };
        assert!(SecretBox::from_config(&short).unwrap_err().to_string().contains("32 bytes"));
        let dev = SecretBox::from_config(&SecretsConfig::default()).unwrap();
        let sealed = dev.seal(b"x", b"");
        assert_eq!(SecretBox::new(DEVELOPMENT_KEY).open(&sealed, b"").unwrap(), b"x");
        let key = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        let ok = SecretsConfig { secrets_key: Some(key), environment: Some("production".into()) };
        let sealed = SecretBox::from_config(&ok).unwrap().seal(b"y", b"");
        assert_eq!(SecretBox::new(&[1u8; 32]).open(&sealed, b"").unwrap(), b"y");
    }
}
