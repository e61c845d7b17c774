//! Headless-Chromium test of the web client's Security page (issue #5): an admin signs in,
//! sees their sessions (this browser marked, another one revocable), creates an API key with a
//! scope picked from their permissions (secret shown once, and it works against the API), and
//! revokes it.
//!
//! Needs `web/dist` (run `scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`
//! (`apt-get install -y chromium chromium-driver`). The element ids used here are the web
//! client's stable test hooks; keep them in step with `web/src`.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use psa_testkit::Api;
use serde_json::json;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const KEY_NAME: &str = "Browser BI export";

/// How long to wait for any one thing to appear on the page.
const STEP: Duration = Duration::from_secs(15);

type Flow<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// chromedriver and the browser profile directory, removed when the test ends (or fails).
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Driver {
    fn start() -> Self {
        let port = free_port();
        let profile = std::env::temp_dir().join(format!("psa-browser-test-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&profile).expect("create the browser profile directory");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let driver = Self { child, port, profile };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port} within 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("find a free port")
}

fn preflight() {
    let index = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist/index.html");
    assert!(index.is_file(), "{} is missing: run scripts/build-web.sh to build the web client first", index.display());
    for bin in [CHROMEDRIVER, CHROMIUM] {
        assert!(Path::new(bin).exists(), "{bin} is missing: apt-get install -y chromium chromium-driver");
    }
}

async fn connect(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1280,900",
                format!("--user-data-dir={}", driver.profile.display()),
            ],
        }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url())
        .await
        .expect("start a Chromium session through chromedriver")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_manages_sessions_and_api_keys_in_the_browser() {
    preflight();
    let stack = psa_testkit::Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let base = stack.gateway_url().to_string();
    // another session of the same user, to be revoked from the page
    let (other, _) = stack.login(&admin).await;

    let driver = Driver::start();
    let client = connect(&driver).await;
    let outcome = flow(&client, &base, &admin.slug, &admin.email, &admin.password, &other).await;
    if outcome.is_err() {
        save_evidence(&client).await;
    }
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = outcome {
        panic!("browser flow failed: {err}");
    }
}

async fn flow(c: &Client, base: &str, tenant: &str, email: &str, password: &str, other: &Api) -> Flow<()> {
    c.goto(base).await?;
    let tenant_input = wait_for(c, "#login-tenant").await?;
    tenant_input.clear().await?;
    tenant_input.send_keys(tenant).await?;
    wait_for(c, "#login-email").await?.send_keys(email).await?;
    wait_for(c, "#login-password").await?.send_keys(password).await?;
    wait_for(c, "#login-submit").await?.click().await?;
    wait_for(c, "#nav-user-email").await?;
    wait_for(c, "#nav-security").await?.click().await?;

    // Sessions: two, this browser marked; revoke the other one and its token dies.
    poll("two sessions listed", move || async move {
        Ok(c.find_all(Locator::Css("#sessions-table tbody tr")).await?.len() == 2)
    })
    .await?;
    wait_for(c, "#sessions-table .session-current").await?;
    wait_for(c, "#sessions-table .session-revoke").await?.click().await?;
    poll("one session left", move || async move {
        Ok(c.find_all(Locator::Css("#sessions-table tbody tr")).await?.len() == 1)
    })
    .await?;
    if other.get("/api/v1/companies").await.0 != 401 {
        return Err("the revoked session still works".into());
    }

    // API key with a tickets.read scope: the secret is shown once and works.
    wait_for(c, "#api-key-name").await?.send_keys(KEY_NAME).await?;
    wait_for(c, "input[data-permission='tickets.read']").await?.click().await?;
    wait_for(c, "#api-key-create").await?.click().await?;
    let secret = wait_for(c, "#api-key-secret").await?.text().await?;
    if !secret.starts_with("psa_") {
        return Err(format!("unexpected secret {secret:?}").into());
    }
    let key = Api::new(base, Some(secret));
    if key.get("/api/v1/tickets").await.0 != 200 || key.get("/api/v1/companies").await.0 != 403 {
        return Err("the key's scope is not tickets.read".into());
    }
    poll("the key in the list", move || async move { Ok(row_with(c, ".api-key-row", KEY_NAME).await?.is_some()) })
        .await?;
    wait_for(c, ".api-key-row .api-key-revoke").await?.click().await?;
    poll("the key shown revoked", move || async move {
        Ok(match row_with(c, ".api-key-row", KEY_NAME).await? {
            Some(row) => row.find(Locator::Css(".api-key-status")).await?.text().await? == "Revoked",
            None => false,
        })
    })
    .await?;
    Ok(())
}

/// Waits up to [`STEP`] for an element matching `css`.
async fn wait_for(c: &Client, css: &str) -> Flow<Element> {
    c.wait()
        .at_most(STEP)
        .every(Duration::from_millis(100))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("waiting for `{css}`: {e}").into())
}

/// The first element matching `css` whose text contains `text`.
async fn row_with(c: &Client, css: &str, text: &str) -> Result<Option<Element>, CmdError> {
    for row in c.find_all(Locator::Css(css)).await? {
        // A row can be replaced while we read it (the list re-renders): skip it then.
        if let Ok(t) = row.text().await
            && t.contains(text)
        {
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// Repeats `check` every 500 ms until it is true, for up to [`STEP`].
async fn poll<F, Fut>(what: &str, mut check: F) -> Flow<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, CmdError>>,
{
    let deadline = Instant::now() + STEP;
    loop {
        match check().await {
            Ok(true) => return Ok(()),
            // Stale elements during a re-render are expected; try again.
            Ok(false) | Err(CmdError::Standard(_)) => {}
            Err(e) => return Err(format!("waiting for {what}: {e}").into()),
        }
        if Instant::now() >= deadline {
            return Err(format!("timed out after {STEP:?} waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Saves a screenshot and the DOM of the failing page next to the build output.
async fn save_evidence(c: &Client) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser-test");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(dir.join("failure.png"), png);
    }
    if let Ok(html) = c.source().await {
        let _ = std::fs::write(dir.join("failure.html"), html);
    }
    eprintln!("browser test: screenshot and DOM saved in {}", dir.display());
}
