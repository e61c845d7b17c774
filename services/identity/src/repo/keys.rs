//! Token signing keys (global). The private key is stored as PKCS#8 DER; protecting it with
//! an external KMS is left to the identity-and-security work.

use sqlx::PgPool;

/// A signing key row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigningKey {
    pub kid: String,
    pub private_der: Vec<u8>,
    pub public_raw: Vec<u8>,
}

/// The newest key, creating one when there is none (safe with several replicas: an advisory
/// transaction lock serialises creation).
pub async fn ensure_active(pool: &PgPool) -> anyhow::Result<SigningKey> {
    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock(7270450002)").execute(&mut *tx).await?;
    let existing: Option<SigningKey> =
        sqlx::query_as("select kid, private_der, public_raw from signing_keys order by created_at desc limit 1")
            .fetch_optional(&mut *tx)
            .await?;
    let key = match existing {
        Some(k) => k,
        None => {
            let (kid, private_der, public_raw) = crate::domain::tokens::generate_signing_key()?;
            sqlx::query("insert into signing_keys (kid, private_der, public_raw) values ($1, $2, $3)")
                .bind(&kid)
                .bind(&private_der)
                .bind(&public_raw)
                .execute(&mut *tx)
                .await?;
            SigningKey { kid, private_der, public_raw }
        }
    };
    tx.commit().await?;
    Ok(key)
}

/// Every key (all are published in the JWKS so tokens signed before a rotation still verify).
pub async fn all(pool: &PgPool) -> Result<Vec<SigningKey>, sqlx::Error> {
    sqlx::query_as("select kid, private_der, public_raw from signing_keys order by created_at desc")
        .fetch_all(pool)
        .await
}
