//! Shared headless-Chromium plumbing for the browser tests: a chromedriver process per test
//! (killed with the test), a fantoccini session on Debian's Chromium, and waiting helpers.
//! Each test binary uses a different subset, hence `dead_code` is allowed here.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long to wait for any one thing to appear on the page.
pub const STEP: Duration = Duration::from_secs(15);

pub type Flow<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// chromedriver and the browser profile directory, removed when the test ends (or fails).
pub struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Driver {
    pub fn start() -> Self {
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

    pub fn url(&self) -> String {
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

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("find a free port")
}

pub fn preflight() {
    let index = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist/index.html");
    assert!(index.is_file(), "{} is missing: run scripts/build-web.sh to build the web client first", index.display());
    for bin in [CHROMEDRIVER, CHROMIUM] {
        assert!(Path::new(bin).exists(), "{bin} is missing: apt-get install -y chromium chromium-driver");
    }
}

pub async fn connect(driver: &Driver) -> Client {
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

/// Waits up to [`STEP`] for an element matching `css`.
pub async fn wait_for(c: &Client, css: &str) -> Flow<Element> {
    c.wait()
        .at_most(STEP)
        .every(Duration::from_millis(100))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("waiting for `{css}`: {e}").into())
}

/// Waits for `css`, scrolls it to the middle of the window (clear of the sticky navigation
/// bar) and clicks it.
pub async fn click(c: &Client, css: &str) -> Flow<()> {
    let e = wait_for(c, css).await?;
    c.execute("arguments[0].scrollIntoView({block: 'center'});", vec![serde_json::to_value(&e)?]).await?;
    e.click().await?;
    Ok(())
}

/// The first element matching `css` whose text contains `text`.
pub async fn row_with(c: &Client, css: &str, text: &str) -> Result<Option<Element>, CmdError> {
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
pub async fn poll<F, Fut>(what: &str, mut check: F) -> Flow<()>
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
pub async fn save_evidence(c: &Client) {
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

/// Opens the sign-in page at `base` and submits the tenant, email and password; the caller waits
/// for what should follow (the navigation, an MFA step, an error).
pub async fn submit_login(c: &Client, base: &str, tenant: &str, email: &str, password: &str) -> Flow<()> {
    c.goto(base).await?;
    fill(c, "#login-tenant", tenant).await?;
    fill(c, "#login-email", email).await?;
    fill(c, "#login-password", password).await?;
    click(c, "#login-submit").await
}

/// Runs `flow` in a fresh browser session (its own chromedriver); saves evidence (screenshot
/// and DOM) and panics when the flow fails. `flow` is an async closure, so it may borrow the
/// test's locals: `in_browser(async |c| flow(&c, &base, &admin).await)`.
pub async fn in_browser<F>(flow: F)
where
    F: AsyncFnOnce(Client) -> Flow<()>,
{
    let driver = Driver::start();
    let client = connect(&driver).await;
    let outcome = flow(client.clone()).await;
    if outcome.is_err() {
        save_evidence(&client).await;
    }
    // End the session so chromedriver takes Chromium down with it; the guard then stops
    // chromedriver.
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = outcome {
        panic!("browser flow failed: {err}");
    }
}

/// Selects `value` in the select `css` once that option has loaded. A select re-rendered
/// between finding and selecting (a stale element) is found again, up to three times.
pub async fn choose(c: &Client, css: &str, value: &str) -> Flow<()> {
    wait_for(c, &format!("{css} option[value='{value}']")).await?;
    let mut tries = 0;
    loop {
        match wait_for(c, css).await?.select_by_value(value).await {
            Ok(()) => return Ok(()),
            Err(e) if tries < 3 && e.to_string().contains("stale") => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Replaces the text of the input `css` (waiting for it) with `value`.
pub async fn fill(c: &Client, css: &str, value: &str) -> Flow<()> {
    let input = wait_for(c, css).await?;
    input.clear().await?;
    input.send_keys(value).await?;
    Ok(())
}
