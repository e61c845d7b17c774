//! IMAP passwords at rest: AES-256-GCM from `ring` (NIST SP 800-38D), a random 96-bit nonce
//! per value, and associated data naming the mailbox, so a sealed value copied onto another
//! row or tenant does not open. Layout: `0x01` ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag.
//! The key is `PSA_SECRETS_KEY` (base64 of 32 bytes), the variable every service's secrets
//! at rest use.

use base64::Engine as _;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

const VERSION: u8 = 1;

/// The key used when `PSA_SECRETS_KEY` is unset. It is public: never rely on it for real data.
pub const DEVELOPMENT_KEY: &[u8; 32] = b"psa-dev-secrets-key-not-for-prod";

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

    /// The box for `PSA_SECRETS_KEY` (standard base64 of 32 bytes), or the public
    /// [`DEVELOPMENT_KEY`] (with a warning) when unset, so a local install runs as is.
    ///
    /// # Errors
    /// A key that is not base64 of exactly 32 bytes.
    pub fn from_base64(key: Option<&str>) -> anyhow::Result<Self> {
        let Some(k) = key.map(str::trim).filter(|k| !k.is_empty()) else {
            tracing::warn!("PSA_SECRETS_KEY unset: using the public development key for secrets at rest");
            return Ok(Self::new(DEVELOPMENT_KEY));
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(k)
            .map_err(|_| anyhow::anyhow!("PSA_SECRETS_KEY must be standard base64 (of 32 random bytes)"))?;
        let key: [u8; 32] =
            bytes.try_into().map_err(|_| anyhow::anyhow!("PSA_SECRETS_KEY must decode to exactly 32 bytes"))?;
        Ok(Self::new(&key))
    }

    /// Encrypts `plain`, bound to `aad`.
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

    /// Decrypts a value sealed with the same key and `aad`; `None` when it does not open.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        let (&version, rest) = sealed.split_first()?;
        if version != VERSION || rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = ct.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::from(aad), &mut buf).ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_bound_to_aad() {
        let b = SecretBox::new(&[7; 32]);
        let s = b.seal(b"hunter2", b"mailbox:a");
        assert_ne!(&s[1 + NONCE_LEN..], b"hunter2");
        assert_eq!(b.open(&s, b"mailbox:a").as_deref(), Some(&b"hunter2"[..]));
        assert_eq!(b.open(&s, b"mailbox:b"), None);
        assert_eq!(SecretBox::new(&[8; 32]).open(&s, b"mailbox:a"), None);
        assert_ne!(s, b.seal(b"hunter2", b"mailbox:a"), "fresh nonce each time");
        assert!(SecretBox::from_base64(None).is_ok());
        assert!(SecretBox::from_base64(Some("short")).is_err());
    }
}
