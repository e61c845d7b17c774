//! The IMAP side of a poll (RFC 9051/3501 over implicit TLS, RFC 8314): log in, select the
//! folder, fetch messages above the last imported UID without setting `\Seen` (`BODY.PEEK[]`),
//! and flag the imported ones `\Seen` afterwards. UIDs are only comparable under one
//! UIDVALIDITY (RFC 3501 §2.3.1.1): when it changes the folder is read from the start again
//! and the Message-ID log drops what was already imported.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt as _;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::domain::email::mailbox::ImapSettings;

/// Longest wait for connecting, the TLS handshake and each command batch.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Most messages fetched in one poll; the rest come with the next.
pub const BATCH: u32 = 200;

/// A logged-in IMAP session with the folder selected.
pub struct Folder {
    session: async_imap::Session<TlsStream<TcpStream>>,
    /// UIDVALIDITY of the selected folder.
    pub uid_validity: u32,
}

/// One fetched message.
pub struct Fetched {
    pub uid: u32,
    pub raw: Vec<u8>,
}

fn tls_config(extra_pem: &str) -> anyhow::Result<ClientConfig> {
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if !extra_pem.trim().is_empty() {
        for cert in CertificateDer::pem_slice_iter(extra_pem.as_bytes()) {
            roots.add(cert.map_err(|e| anyhow::anyhow!("trusted certificate PEM: {e}"))?)?;
        }
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

async fn timed<T, E: std::fmt::Display>(what: &str, f: impl Future<Output = Result<T, E>>) -> anyhow::Result<T> {
    match tokio::time::timeout(TIMEOUT, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(anyhow::anyhow!("{what}: {e}")),
        Err(_) => Err(anyhow::anyhow!("{what}: no answer within {} s", TIMEOUT.as_secs())),
    }
}

impl Folder {
    /// Connects over TLS, logs in and selects the folder.
    ///
    /// # Errors
    /// A message fit for the mailbox's `last_poll_error` (never containing the password).
    pub async fn open(s: &ImapSettings, password: &str) -> anyhow::Result<Self> {
        let config = tls_config(&s.tls_ca_pem)?;
        let name = ServerName::try_from(s.host.clone()).map_err(|e| anyhow::anyhow!("IMAP host: {e}"))?;
        let tcp = timed("connecting to the IMAP server", TcpStream::connect((s.host.as_str(), s.port))).await?;
        let _ = tcp.set_nodelay(true);
        let tls = timed("TLS handshake", TlsConnector::from(Arc::new(config)).connect(name, tcp)).await?;
        let mut client = async_imap::Client::new(tls);
        timed("IMAP greeting", client.read_response())
            .await?
            .ok_or_else(|| anyhow::anyhow!("IMAP greeting: the server closed the connection"))?;
        let mut session =
            timed("IMAP login", async { client.login(&s.username, password).await.map_err(|(e, _)| e) }).await?;
        let selected = timed("IMAP SELECT", session.select(&s.folder)).await?;
        let uid_validity = selected.uid_validity.ok_or_else(|| anyhow::anyhow!("the server reports no UIDVALIDITY"))?;
        Ok(Self { session, uid_validity })
    }

    /// Messages with UID above `after`, lowest first, at most [`BATCH`], without marking them
    /// read. (`n:*` always includes the highest message even below `n`; it is filtered out.)
    ///
    /// # Errors
    /// Protocol or network failures.
    pub async fn fetch_after(&mut self, after: u32) -> anyhow::Result<Vec<Fetched>> {
        let set = format!("{}:*", after.saturating_add(1));
        let fetches: Vec<_> = timed("IMAP UID FETCH", async {
            let stream = self.session.uid_fetch(&set, "(UID BODY.PEEK[])").await?;
            stream.try_collect::<Vec<_>>().await
        })
        .await?;
        let mut out: Vec<Fetched> = fetches
            .iter()
            .filter_map(|f| Some(Fetched { uid: f.uid?, raw: f.body()?.to_vec() }))
            .filter(|f| f.uid > after)
            .collect();
        out.sort_by_key(|f| f.uid);
        out.truncate(BATCH as usize);
        Ok(out)
    }

    /// Flags `uids` `\Seen`.
    ///
    /// # Errors
    /// Protocol or network failures.
    pub async fn mark_seen(&mut self, uids: &[u32]) -> anyhow::Result<()> {
        if uids.is_empty() {
            return Ok(());
        }
        let set = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        timed("IMAP UID STORE", async {
            let stream = self.session.uid_store(&set, "+FLAGS.SILENT (\\Seen)").await?;
            stream.try_collect::<Vec<_>>().await
        })
        .await?;
        Ok(())
    }

    /// Logs out (errors ignored: the work is done).
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.session.logout()).await;
    }
}
