//! Rules for files users attach to tickets: size limit, a safe file name, and the type check
//! (detected from the magic bytes with `infer`; executables and script files are refused).

use psa_core::DomainError;
use psa_core::validate::Validator;

/// Default largest upload, in bytes (8 MiB; the gateway accepts bodies up to 10 MiB).
pub const DEFAULT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// File-name extensions refused whatever the bytes say (scripts and installers run on click).
const BLOCKED_EXTENSIONS: &[&str] = &[
    "exe", "dll", "com", "bat", "cmd", "msi", "scr", "pif", "cpl", "js", "jse", "vbs", "vbe", "wsf", "wsh", "ps1",
    "psm1", "hta", "jar", "sh", "app", "apk", "lnk", "reg",
];

/// An accepted upload: the cleaned file name and the detected content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub file_name: String,
    /// `type/subtype`.
    pub content_type: String,
}

/// Checks an upload of `bytes` named `file_name` against `max_bytes`.
///
/// # Errors
/// INVALID_ARGUMENT on `content` (empty, too large, an executable) or `file_name` (blank, too
/// long, a path, a blocked extension).
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
        v.push("content", format!("is larger than {} bytes", max_bytes));
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
}
