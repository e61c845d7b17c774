//! A local SMTP server for tests: listens on `127.0.0.1:0`, accepts every message, and records
//! each one (envelope and raw RFC 5322 bytes) for assertions.
//!
//! The protocol (RFC 5321 commands, replies, dot-unstuffing) is the `mailin` crate's state
//! machine; this module only drives it over tokio sockets. (`mailin-embedded`, the same
//! author's ready-made server, blocks a thread pool forever with no way to stop it and pulls in
//! rustls with aws-lc; the tests need neither.) Plain SMTP only, no TLS. [`SmtpSink::start`]
//! takes mail without authentication; [`SmtpSink::start_requiring_auth`] requires
//! `AUTH PLAIN`/`LOGIN` first (mailin's rule once AUTH is offered), accepts any credentials and
//! records the user name.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin::{Action, AuthMechanism, Handler, Response, SessionBuilder, response};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// One message as it arrived.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// `MAIL FROM` (reverse path, without angle brackets).
    pub envelope_from: String,
    /// `RCPT TO` addresses, in order.
    pub envelope_to: Vec<String>,
    /// The user name of a successful `AUTH`, if the client authenticated.
    pub auth_user: Option<String>,
    /// The message as transmitted after `DATA` (RFC 5322, dot-unstuffed, CRLF line ends).
    pub raw: Vec<u8>,
}

impl ReceivedMail {
    /// The parsed message.
    ///
    /// # Panics
    /// When the bytes are not a parsable message.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.raw).expect("a parsable RFC 5322 message")
    }

    /// `Subject`, decoded.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The first `text/plain` body, decoded.
    pub fn text(&self) -> String {
        self.parsed().body_text(0).map(|t| t.into_owned()).unwrap_or_default()
    }

    /// The `text/html` part, decoded, if the message has one.
    pub fn html(&self) -> Option<String> {
        let parsed = self.parsed();
        parsed.parts.iter().find(|p| p.is_text_html()).and_then(|p| p.text_contents()).map(str::to_owned)
    }

    /// The first whitespace-delimited word of the text body that starts with `prefix` (e.g. a
    /// link `http://…/portal/accept-invitation#token=`), and the part after the prefix.
    pub fn link_with(&self, prefix: &str) -> Option<(String, String)> {
        let text = self.text();
        let word = text.split_whitespace().find(|w| w.starts_with(prefix))?;
        Some((word.to_owned(), word[prefix.len()..].to_owned()))
    }

    /// The raw value of header `name` (case-insensitive), trimmed, if present.
    pub fn header(&self, name: &str) -> Option<String> {
        let parsed = self.parsed();
        parsed.headers_raw().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned())
    }
}

#[derive(Default)]
struct Shared {
    mails: Mutex<Vec<ReceivedMail>>,
}

/// The running server. Stops when dropped.
pub struct SmtpSink {
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
    count: watch::Receiver<usize>,
    taken: Mutex<std::collections::HashSet<usize>>,
    shutdown: CancellationToken,
}

impl SmtpSink {
    /// Starts a server on `127.0.0.1:0` that takes mail without authentication.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn start() -> Self {
        Self::start_inner(false).await
    }

    /// Starts a server on `127.0.0.1:0` that requires `AUTH` (any credentials) before `MAIL`.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn start_requiring_auth() -> Self {
        Self::start_inner(true).await
    }

    async fn start_inner(auth: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP sink");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared::default());
        let (tx, count) = watch::channel(0usize);
        let tx = Arc::new(tx);
        let shutdown = CancellationToken::new();
        let mut builder = SessionBuilder::new("psa-test-smtp");
        if auth {
            builder
                .enable_auth(AuthMechanism::Plain)
                .enable_auth(AuthMechanism::Login)
                .insecure_enable_plaintext_auth();
        }
        let stop = shutdown.clone();
        let accept_shared = shared.clone();
        tokio::spawn(async move {
            loop {
                let (stream, peer) = tokio::select! {
                    () = stop.cancelled() => return,
                    accepted = listener.accept() => match accepted {
                        Ok(a) => a,
                        Err(_) => continue,
                    },
                };
                let handler = Recorder::new(accept_shared.clone(), tx.clone());
                let session = builder.build(peer.ip(), handler);
                let stop = stop.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        () = stop.cancelled() => {}
                        _ = serve(stream, session) => {}
                    }
                });
            }
        });
        Self { addr, shared, count, taken: Mutex::default(), shutdown }
    }

    /// `smtp://127.0.0.1:PORT` (plain SMTP), for `PSA_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.mails.lock().expect("lock").clone()
    }

    /// The first message not yet taken by `next_message` or `next_to` (arrival order),
    /// waiting up to 10 s; it is then taken.
    ///
    /// # Panics
    /// When none arrives in time.
    pub async fn next_message(&self) -> ReceivedMail {
        self.take(|_| true).await.expect("a mail within 10 s")
    }

    /// The first message (received so far or within 10 s) for which `pred` holds; `None` on
    /// timeout. Does not take it.
    pub async fn wait_for(&self, pred: impl Fn(&ReceivedMail) -> bool) -> Option<ReceivedMail> {
        self.wait_until(|mails| mails.iter().find(|m| pred(m)).cloned()).await
    }

    /// The first message to `address` (an envelope recipient) not yet taken, waiting up to
    /// 10 s; it is then taken.
    ///
    /// # Panics
    /// When none arrives in time.
    pub async fn next_to(&self, address: &str) -> ReceivedMail {
        self.take(|m| m.envelope_to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .await
            .unwrap_or_else(|| panic!("no new mail to {address} within 10 s"))
    }

    async fn take(&self, pred: impl Fn(&ReceivedMail) -> bool) -> Option<ReceivedMail> {
        let taken = self.taken.lock().expect("lock").clone();
        let (index, mail) = self
            .wait_until(|mails| {
                mails.iter().enumerate().find(|(i, m)| !taken.contains(i) && pred(m)).map(|(i, m)| (i, m.clone()))
            })
            .await?;
        self.taken.lock().expect("lock").insert(index);
        Some(mail)
    }

    /// Waits at most `within` and returns how many messages arrived in total (to assert that
    /// nothing was sent).
    pub async fn count_after(&self, within: Duration) -> usize {
        tokio::time::sleep(within).await;
        self.shared.mails.lock().expect("lock").len()
    }

    async fn wait_until<T>(&self, check: impl Fn(&[ReceivedMail]) -> Option<T>) -> Option<T> {
        let mut rx = self.count.clone();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            rx.borrow_and_update();
            if let Some(found) = check(&self.shared.mails.lock().expect("lock")) {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, rx.changed()).await.is_err() {
                return None;
            }
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn serve(stream: TcpStream, mut session: mailin::Session<Recorder>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(&session.greeting().buffer()?).await?;
    let mut line = Vec::with_capacity(128);
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let res = session.process(&line);
        match res.action {
            Action::Reply => write.write_all(&res.buffer()?).await?,
            Action::Close | Action::UpgradeTls => {
                write.write_all(&res.buffer()?).await?;
                return Ok(());
            }
            Action::NoReply => {}
        }
    }
}

/// The per-connection `mailin` handler: collects one message at a time.
struct Recorder {
    shared: Arc<Shared>,
    notify: Arc<watch::Sender<usize>>,
    auth_user: Option<String>,
    current: Option<ReceivedMail>,
}

impl Recorder {
    fn new(shared: Arc<Shared>, notify: Arc<watch::Sender<usize>>) -> Self {
        Self { shared, notify, auth_user: None, current: None }
    }
}

impl Handler for Recorder {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(ReceivedMail {
            envelope_from: from.to_owned(),
            envelope_to: to.to_vec(),
            auth_user: self.auth_user.clone(),
            raw: Vec::new(),
        });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(m) = &mut self.current {
            m.raw.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(m) = self.current.take() {
            let mut mails = self.shared.mails.lock().expect("lock");
            mails.push(m);
            self.notify.send_replace(mails.len());
        }
        response::OK
    }

    fn auth_plain(&mut self, _authorization_id: &str, authentication_id: &str, _password: &str) -> Response {
        self.auth_user = Some(authentication_id.to_owned());
        response::AUTH_OK
    }

    fn auth_login(&mut self, username: &str, _password: &str) -> Response {
        self.auth_user = Some(username.to_owned());
        response::AUTH_OK
    }
}
