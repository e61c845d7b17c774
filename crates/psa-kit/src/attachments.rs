//! Files users attach to records (ticket attachments, company attachments): the upload rules
//! (size limit, a safe file name, the type detected from the magic bytes with `infer`;
//! executables and script files are refused) and the object store the bytes live in
//! (`object_store`, a local directory by default: `PSA_ATTACHMENTS_DIR`).
//!
//! Services keep the metadata (file name, detected type, size, storage key) in their own
//! tenant tables; the bytes are stored under a key that starts with the tenant id.

use std::sync::Arc;

use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt as _};
use psa_core::DomainError;
use psa_core::validate::Validator;

/// Default largest upload, in bytes (8 MiB; the gateway accepts bodies up to 10 MiB).
pub const DEFAULT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// Default directory of the local object store, relative to the working directory.
pub const DEFAULT_DIR: &str = ".psa/attachments";

/// File-name extensions refused whatever the bytes say (scripts and installers run on click).
const BLOCKED_EXTENSIONS: &[&str] = &[
    "exe", "dll", "com", "bat", "cmd", "msi", "scr", "pif", "cpl", "js", "jse", "vbs", "vbe", "wsf", "wsh", "ps1",
    "psm1", "hta", "jar", "sh", "app", "apk", "lnk", "reg",
];

/// An accepted upload: the cleaned file name and the detected content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The file name, trimmed; 1–255 characters, no path separators.
    pub file_name: String,
    /// `type/subtype` detected from the bytes (`text/plain` for UTF-8 text, else
    /// `application/octet-stream` when unknown).
    pub content_type: String,
}

/// Checks an upload of `bytes` named `file_name` against `max_bytes`.
///
/// # Errors
/// INVALID_ARGUMENT on `content` (empty, larger than `max_bytes`, an executable) or `file_name`
/// (blank, longer than 255 characters, a path, a blocked extension).
pub fn check(file_name: &str, bytes: &[u8], max_bytes: usize) -> Result<Checked, DomainError> {
    let mut v = Validator::new();
    let name = file_name.trim().to_owned();
    v.required("file_name", &name).max_chars("file_name", &name, 255);
    if name.contains(['/', '\\']) || name.chars().any(char::is_control) || name == "." || name == ".." {
        v.push("file_name", "must be a plain file name");
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if BLOCKED_EXTENSIONS.contains(&ext.as_str()) {
        v.push("file_name", format!("`.{ext}` files are not accepted"));
    }
    if bytes.is_empty() {
        v.push("content", "is empty");
    } else if bytes.len() > max_bytes {
        v.push("content", format!("is larger than {max_bytes} bytes"));
    }
    if infer::is_app(bytes) {
        v.push("content", "executables are not accepted");
    }
    v.finish()?;
    let content_type = match infer::get(bytes) {
        Some(t) => t.mime_type().to_owned(),
        None if std::str::from_utf8(bytes).is_ok() => "text/plain".to_owned(),
        None => "application/octet-stream".to_owned(),
    };
    Ok(Checked { file_name: name, content_type })
}

/// Where attachment bytes are kept and how large an upload may be.
#[derive(Clone)]
pub struct AttachmentStore {
    store: Arc<dyn ObjectStore>,
    max_bytes: usize,
}

impl std::fmt::Debug for AttachmentStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachmentStore")
            .field("store", &self.store.to_string())
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

impl AttachmentStore {
    /// A store over any `object_store` backend; uploads of at most `max_bytes` bytes.
    pub fn new(store: Arc<dyn ObjectStore>, max_bytes: usize) -> Self {
        Self { store, max_bytes }
    }

    /// A store in the local directory `dir` (created when missing).
    ///
    /// # Errors
    /// The directory cannot be created or opened.
    pub fn local(dir: &str, max_bytes: usize) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
        Ok(Self::new(Arc::new(store), max_bytes))
    }

    /// Largest upload, in bytes.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Checks an upload against this store's limit (see [`check`]).
    ///
    /// # Errors
    /// INVALID_ARGUMENT on `content` or `file_name`.
    pub fn check(&self, file_name: &str, bytes: &[u8]) -> Result<Checked, DomainError> {
        check(file_name, bytes, self.max_bytes)
    }

    /// Writes `bytes` under `key` (`/`-separated, e.g. `<tenant>/<record>/<attachment id>`),
    /// replacing what was there.
    ///
    /// # Errors
    /// The backend failed.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.store
            .put(&StorePath::from(key), bytes.into())
            .await
            .map_err(|e| anyhow::anyhow!("storing attachment: {e}"))?;
        Ok(())
    }

    /// The bytes stored under `key`.
    ///
    /// # Errors
    /// The object is missing or the backend failed.
    pub async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        let got =
            self.store.get(&StorePath::from(key)).await.map_err(|e| anyhow::anyhow!("reading attachment: {e}"))?;
        let bytes = got.bytes().await.map_err(|e| anyhow::anyhow!("reading attachment: {e}"))?;
        Ok(bytes.to_vec())
    }

    /// Removes the object under `key`; a missing object is not an error.
    ///
    /// # Errors
    /// The backend failed.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(anyhow::anyhow!("deleting attachment: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: DomainError) -> Vec<String> {
        match e {
            DomainError::Invalid(v) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn detects_types_and_refuses_executables_and_bad_names() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(check("shot.png", png, 100).unwrap().content_type, "image/png");
        assert_eq!(
            check(" notes.txt ", b"hello", 100).unwrap(),
            Checked { file_name: "notes.txt".into(), content_type: "text/plain".into() }
        );
        assert_eq!(check("blob.bin", &[0xff, 0xfe, 0x00, 0x81], 100).unwrap().content_type, "application/octet-stream");
        assert_eq!(fields(check("setup.txt", b"MZ\x90\0\x03\0\0\0\x04\0\0\0", 100).unwrap_err()), ["content"]);
        assert_eq!(fields(check("run.PS1", b"Write-Host hi", 100).unwrap_err()), ["file_name"]);
        assert_eq!(fields(check("../etc/passwd", b"x", 100).unwrap_err()), ["file_name"]);
        assert_eq!(fields(check("big.txt", &[b'a'; 101], 100).unwrap_err()), ["content"]);
        assert_eq!(fields(check("", b"", 100).unwrap_err()), ["file_name", "content"]);
    }

    #[tokio::test]
    async fn put_get_delete_in_a_local_directory() {
        let dir = std::env::temp_dir().join(format!("psa-kit-attachments-{}", uuid::Uuid::new_v4()));
        let s = AttachmentStore::local(dir.to_str().unwrap(), 10).unwrap();
        assert_eq!(s.max_bytes(), 10);
        assert!(s.check("a.txt", &[b'a'; 11]).is_err());
        s.put("t/r/a", b"hello".to_vec()).await.unwrap();
        assert_eq!(s.get("t/r/a").await.unwrap(), b"hello");
        s.delete("t/r/a").await.unwrap();
        assert!(s.get("t/r/a").await.is_err());
        s.delete("t/r/a").await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
