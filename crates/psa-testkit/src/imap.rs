//! A real IMAP server for tests: Dovecot (Debian's `dovecot-imapd`, installed by
//! `scripts/deps.sh --mail`) started as the current user in a temporary directory with a
//! generated configuration — passwd-file authentication, Maildir, implicit TLS (IMAPS) on
//! 127.0.0.1 and a free port, a self-signed certificate made with `rcgen` that the client is
//! told to trust. Messages are delivered by writing them into the user's Maildir `new/`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// A running Dovecot with one user; stopped and removed on drop.
pub struct Dovecot {
    dir: PathBuf,
    child: Child,
    /// `127.0.0.1`: the certificate names this IP.
    pub host: String,
    /// The IMAPS port.
    pub port: u16,
    pub username: String,
    pub password: String,
    /// The server certificate (PEM): what the client must trust.
    pub ca_pem: String,
}

fn id(flag: &str) -> String {
    let out = std::process::Command::new("id").arg(flag).output().expect("id");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn id_of(flag: &str, user: &str) -> String {
    let out = std::process::Command::new("id").arg(flag).arg(user).output().expect("id");
    let v = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(!v.is_empty(), "user {user} missing: install dovecot-imapd (scripts/deps.sh --mail)");
    v
}

/// Makes the mail and home directories writable by Dovecot's unprivileged users (test data only).
fn open_up(dir: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    for sub in ["", "home", "mail"] {
        let _ = std::fs::set_permissions(dir.join(sub), std::fs::Permissions::from_mode(0o777));
    }
}

impl Dovecot {
    /// Starts Dovecot and waits until it accepts connections.
    ///
    /// # Panics
    /// When `/usr/sbin/dovecot` is missing (run `scripts/deps.sh --mail`) or does not start
    /// within 20 s (its log is printed).
    pub async fn start() -> Self {
        let binary = std::env::var("PSA_TEST_DOVECOT").unwrap_or_else(|_| "/usr/sbin/dovecot".into());
        assert!(
            Path::new(&binary).exists(),
            "{binary} missing: run scripts/deps.sh --mail (Debian package dovecot-imapd)"
        );
        let dir = std::env::temp_dir().join(format!("psa-dovecot-{}", uuid::Uuid::new_v4().simple()));
        for sub in ["run", "state", "home", "mail"] {
            std::fs::create_dir_all(dir.join(sub)).expect("dovecot dirs");
        }
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("self-signed cert");
        let ca_pem = certified.cert.pem();
        std::fs::write(dir.join("cert.pem"), &ca_pem).expect("cert");
        std::fs::write(dir.join("key.pem"), certified.signing_key.serialize_pem()).expect("key");
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        // Dovecot runs its login and mail processes as the current user; as root (CI,
        // containers) it refuses that, so then they run as the package's unprivileged users
        // and the temporary mail directories are opened to them.
        let (user, group, login_user, uid, gid) = if id("-u") == "0" {
            open_up(&dir);
            (
                "dovecot".to_owned(),
                "dovecot".to_owned(),
                "dovenull".to_owned(),
                id_of("-u", "dovecot"),
                id_of("-g", "dovecot"),
            )
        } else {
            (id("-un"), id("-gn"), id("-un"), id("-u"), id("-g"))
        };
        let username = "desk".to_owned();
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        std::fs::write(dir.join("passwd"), format!("{username}:{{PLAIN}}{password}::::::\n")).expect("passwd");
        let d = dir.display();
        let conf = format!(
            r#"base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
"#
        );
        std::fs::write(dir.join("dovecot.conf"), conf).expect("conf");
        let child = Command::new(&binary)
            .arg("-F")
            .arg("-c")
            .arg(dir.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn dovecot");
        let mut server = Self { dir, child, host: "127.0.0.1".into(), port, username, password, ca_pem };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                break;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("dovecot exited ({status}): {}", server.log());
            }
            assert!(tokio::time::Instant::now() < deadline, "dovecot not listening within 20 s: {}", server.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// Dovecot's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dovecot.log")).unwrap_or_default()
    }

    fn maildir(&self) -> PathBuf {
        self.dir.join("mail").join(&self.username)
    }

    /// Delivers `raw` into the user's INBOX (Maildir `new/`, RFC-less but Dovecot's format).
    pub fn deliver(&self, raw: &[u8]) {
        use std::os::unix::fs::PermissionsExt as _;
        let md = self.maildir();
        for sub in ["", "new", "cur", "tmp"] {
            std::fs::create_dir_all(md.join(sub)).expect("maildir");
            let _ = std::fs::set_permissions(md.join(sub), std::fs::Permissions::from_mode(0o777));
        }
        let name = format!("{}.{}.psa-test", chrono::Utc::now().timestamp(), uuid::Uuid::new_v4().simple());
        std::fs::write(md.join("tmp").join(&name), raw).expect("deliver");
        std::fs::rename(md.join("tmp").join(&name), md.join("new").join(&name)).expect("deliver");
    }

    /// Names of the messages Dovecot has flagged `\Seen` (Maildir `cur/` files with `S` in
    /// their info part) and the number of all messages.
    pub fn seen_and_total(&self) -> (usize, usize) {
        let md = self.maildir();
        let list = |sub: &str| -> Vec<String> {
            std::fs::read_dir(md.join(sub))
                .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
                .unwrap_or_default()
        };
        let cur = list("cur");
        let seen = cur.iter().filter(|n| n.rsplit_once(":2,").is_some_and(|(_, flags)| flags.contains('S'))).count();
        (seen, cur.len() + list("new").len())
    }

    /// Makes the folder's UIDVALIDITY change (as when a server rebuilds its index): removes
    /// Dovecot's UID list and index, so every message gets a new UID under a new UIDVALIDITY.
    pub fn reset_uids(&self) {
        let md = self.maildir();
        for entry in std::fs::read_dir(&md).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("dovecot") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
