//! A private OpenLDAP server (Debian's `slapd`) for LDAP login tests: started as the current
//! user in a temporary directory with a generated `slapd.conf` (mdb database, suffix
//! `dc=example,dc=org`, root `cn=admin,dc=example,dc=org`) on `127.0.0.1` and a free port,
//! seeded with `ldapadd`. `scripts/deps.sh` installs `slapd` and `ldap-utils` when missing.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// Base DN of the directory.
pub const SUFFIX: &str = "dc=example,dc=org";
/// Root DN (full access).
pub const ROOT_DN: &str = "cn=admin,dc=example,dc=org";
/// Root password.
pub const ROOT_PASSWORD: &str = "root-secret";
/// Where people live: `uid=<uid>,ou=people,dc=example,dc=org`.
pub const PEOPLE: &str = "ou=people,dc=example,dc=org";

/// A running slapd; killed when dropped.
pub struct Slapd {
    /// `ldap://127.0.0.1:<port>`.
    pub url: String,
    dir: PathBuf,
    child: Option<Child>,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Slapd {
    /// Starts slapd and creates the base entries.
    ///
    /// # Panics
    /// When `slapd` is not installed (run `scripts/deps.sh`) or does not come up.
    pub async fn start() -> Self {
        let slapd = ["/usr/sbin/slapd", "/usr/local/sbin/slapd"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("slapd not installed: run scripts/deps.sh (apt-get install slapd ldap-utils)");
        let dir = std::env::temp_dir().join(format!("psa-slapd-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(dir.join("data")).expect("slapd dir");
        let conf = format!(
            "include /etc/ldap/schema/core.schema\n\
             include /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\n\
             pidfile {d}/slapd.pid\n\
             modulepath /usr/lib/ldap\n\
             moduleload back_mdb\n\
             database mdb\n\
             maxsize 10485760\n\
             suffix \"{SUFFIX}\"\n\
             rootdn \"{ROOT_DN}\"\n\
             rootpw {ROOT_PASSWORD}\n\
             directory {d}/data\n",
            d = dir.display()
        );
        std::fs::write(dir.join("slapd.conf"), conf).expect("slapd.conf");
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        let url = format!("ldap://127.0.0.1:{port}");
        let child = Command::new(slapd)
            .arg("-f")
            .arg(dir.join("slapd.conf"))
            .arg("-h")
            .arg(format!("{url}/"))
            .arg("-d")
            .arg("0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start slapd");
        let mut s = Self { url, dir, child: Some(child) };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        s.add(&format!(
            "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n\
             dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n"
        ))
        .await;
        s
    }

    /// Adds `ldif` as the root DN with `ldapadd`.
    ///
    /// # Panics
    /// When ldapadd fails.
    pub async fn add(&mut self, ldif: &str) {
        let file = self.dir.join(format!("{}.ldif", uuid::Uuid::now_v7().simple()));
        std::fs::write(&file, ldif).expect("write ldif");
        let out = Command::new("ldapadd")
            .args(["-x", "-H", &self.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD, "-f"])
            .arg(&file)
            .output()
            .await
            .expect("ldapadd (ldap-utils) installed");
        assert!(out.status.success(), "ldapadd failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Adds a person `uid` with `mail` and the plain-text `password`.
    pub async fn add_person(&mut self, uid: &str, mail: &str, password: &str) {
        self.add(&format!(
            "dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n\
             mail: {mail}\nuserPassword: {password}\n"
        ))
        .await;
    }

    /// Stops the server (the port refuses connections afterwards).
    pub async fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill().await;
        }
    }
}
