//! Token formats. Access tokens: EdDSA (Ed25519) JWTs with [`psa_kit::auth::Claims`].
//! Refresh tokens: opaque `<tenant uuid>.<43 base64url chars of 32 random bytes>`; only their
//! SHA-256 is stored. The tenant prefix lets identity open the right tenant's transaction.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use psa_kit::auth::Claims;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

/// A new refresh token for `tenant_id`: `(token, sha256(token))`.
pub fn new_refresh_token(tenant_id: Uuid) -> (String, Vec<u8>) {
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let token = format!("{tenant_id}.{}", URL_SAFE_NO_PAD.encode(secret));
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// A new API key for `tenant_id`: `(key, sha256(key))`. Format
/// `psa_<tenant uuid, 32 hex>_<43 base64url chars of 32 random bytes>` (prefix
/// [`psa_kit::auth::API_KEY_PREFIX`]); the tenant part lets identity open the right tenant.
pub fn new_api_key(tenant_id: Uuid) -> (String, Vec<u8>) {
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let key = format!("{}{}_{}", psa_kit::auth::API_KEY_PREFIX, tenant_id.simple(), URL_SAFE_NO_PAD.encode(secret));
    let hash = hash_refresh_token(&key);
    (key, hash)
}

/// The tenant an API key belongs to, if it is well-formed.
pub fn api_key_tenant(key: &str) -> Option<Uuid> {
    let rest = key.strip_prefix(psa_kit::auth::API_KEY_PREFIX)?;
    let (tenant, secret) = (rest.get(..32)?, rest.get(32..)?);
    let secret = secret.strip_prefix('_')?;
    (secret.len() == 43).then_some(())?;
    Uuid::try_parse(tenant).ok()
}

/// SHA-256 of a refresh token or API key as stored.
pub fn hash_refresh_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The tenant a refresh token belongs to, if it is well-formed.
pub fn refresh_token_tenant(token: &str) -> Option<Uuid> {
    let (tenant, secret) = token.split_once('.')?;
    (secret.len() == 43).then_some(())?;
    tenant.parse().ok()
}

/// A freshly generated Ed25519 key: `(kid, PKCS#8 DER private key, raw 32-byte public key)`.
pub fn generate_signing_key() -> anyhow::Result<(String, Vec<u8>, Vec<u8>)> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let der = key.to_pkcs8_der().map_err(|e| anyhow::anyhow!("encoding key: {e}"))?;
    Ok((Uuid::now_v7().to_string(), der.as_bytes().to_vec(), key.verifying_key().to_bytes().to_vec()))
}

/// The JWK (RFC 8037 OKP/Ed25519) of a raw public key.
pub fn jwk(kid: &str, public_raw: &[u8]) -> psa_proto::identity::Jwk {
    psa_proto::identity::Jwk {
        kty: "OKP".into(),
        crv: "Ed25519".into(),
        x: URL_SAFE_NO_PAD.encode(public_raw),
        kid: kid.into(),
        alg: "EdDSA".into(),
        r#use: "sig".into(),
    }
}

/// Signs `claims` with the PKCS#8 DER key `private_der` under `kid`.
///
/// # Errors
/// A malformed key.
pub fn sign(kid: &str, private_der: &[u8], claims: &Claims) -> anyhow::Result<String> {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_owned());
    Ok(jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(private_der))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};
    use psa_core::PrincipalKind;

    #[test]
    fn refresh_tokens_carry_their_tenant() {
        let t = Uuid::now_v7();
        let (token, hash) = new_refresh_token(t);
        assert_eq!(refresh_token_tenant(&token), Some(t));
        assert_eq!(hash, hash_refresh_token(&token));
        assert_eq!(refresh_token_tenant("nope"), None);
        assert_eq!(refresh_token_tenant(&format!("{t}.short")), None);
    }

    #[test]
    fn api_keys_carry_their_tenant() {
        let t = Uuid::now_v7();
        let (key, hash) = new_api_key(t);
        assert!(key.starts_with("psa_"));
        assert_eq!(api_key_tenant(&key), Some(t));
        assert_eq!(hash, hash_refresh_token(&key));
        assert_eq!(api_key_tenant("psa_nope"), None);
        assert_eq!(api_key_tenant(&key[..key.len() - 1]), None);
        assert_ne!(new_api_key(t).0, key);
    }

    #[test]
    fn signed_tokens_verify_with_the_jwk() {
        let (kid, der, public) = generate_signing_key().unwrap();
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: Uuid::now_v7(),
            tid: Uuid::now_v7(),
            kind: PrincipalKind::Staff,
            perms: vec!["tickets.read".into()],
            sid: Uuid::now_v7(),
            cid: None,
            iat: now,
            exp: now + 900,
            iss: psa_kit::auth::ISSUER.into(),
            aud: psa_kit::auth::AUDIENCE.into(),
        };
        let token = sign(&kid, &der, &claims).unwrap();
        let jwk = jwk(&kid, &public);
        let key = DecodingKey::from_ed_components(&jwk.x).unwrap();
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_audience(&["psa"]);
        let got = jsonwebtoken::decode::<Claims>(&token, &key, &v).unwrap();
        assert_eq!(got.claims.sub, claims.sub);
        assert_eq!(jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(), Some(kid.as_str()));
    }
}
