//! Mailbox polling against a real Dovecot over TLS (self-signed certificate the mailbox is
//! told to trust): the poll job imports new messages and flags them `\Seen`, the next poll
//! imports nothing twice, a changed UIDVALIDITY re-reads the folder without duplicates, two
//! tickets replicas polling at once import each message once, a wrong password is reported
//! on the mailbox without leaking it, and one message delivered ten times at once through the
//! inbound endpoint makes one ticket.

use psa_kit::config::{AuthConfig, DatabaseConfig, RedisConfig};
use psa_kit::service::ServiceConfig;
use psa_proto::tickets::{self as pb, email_service_client::EmailServiceClient};
use psa_testkit::imap::Dovecot;
use psa_testkit::{Stack, eventually};
use serde_json::{Value, json};
use tonic::metadata::MetadataValue;

use super::email::{desk, fixture, receive};

async fn ticket_count(api: &psa_testkit::Api) -> usize {
    api.get("/api/v1/tickets?pageSize=200").await.1["tickets"].as_array().map_or(0, Vec::len)
}

fn plain(n: usize) -> Vec<u8> {
    format!(
        "From: someone{n}@elsewhere.example\r\nMessage-ID: <imap-{n}@elsewhere.example>\r\nSubject: message {n}\r\n\r\nbody {n}\r\n"
    )
    .into_bytes()
}

async fn poll(api: &psa_testkit::Api, mailbox: &str) -> (u16, Value) {
    api.post(&format!("/api/v1/email-mailboxes/{mailbox}:poll"), &json!({})).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn polls_dovecot_over_tls_once_per_message() {
    let stack = Stack::start().await;
    let d = desk(&stack, "imap-a").await;
    let api = &d.api;
    let dovecot = Dovecot::start().await;
    for f in [
        "01_plain-text_basic.eml",
        "05_mixed_alternative_related_inline-image_attachment.eml",
        "11_auto-reply_vacation_auto-submitted.eml",
    ] {
        dovecot.deliver(&fixture(f));
    }
    let before = ticket_count(api).await;
    let mailbox = {
        let (s, v) = api
            .post(
                "/api/v1/email-mailboxes",
                &json!({"name": "IMAP", "address": "imap@imap-a.example", "imapHost": dovecot.host, "imapPort": dovecot.port,
                        "imapUsername": dovecot.username, "imapPassword": dovecot.password, "imapTlsCaPem": dovecot.ca_pem,
                        "defaultCompanyId": d.fallback}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["id"].as_str().unwrap().to_owned()
    };
    let path = format!("/api/v1/email-mailboxes/{mailbox}");
    // The poll job picks the new mailbox up at once.
    let m = eventually(30, "first poll", || async {
        let (_, m) = api.get(&path).await;
        m["lastPollTime"].is_string().then_some(m)
    })
    .await;
    assert_eq!(m.get("lastPollError"), None, "{m}\n{}", dovecot.log());
    assert_eq!(m["lastUid"], "3", "{m}");
    assert!(m["uidValidity"].as_str().unwrap().parse::<i64>().unwrap() > 0);
    assert_eq!(ticket_count(api).await, before + 2, "two tickets, the auto-reply ignored");
    assert_eq!(dovecot.seen_and_total(), (3, 3), "all three flagged \\Seen");
    let (_, log) = api.get(&format!("{path}/messages")).await;
    let outcomes: Vec<&str> =
        log["messages"].as_array().unwrap().iter().map(|m| m["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "EMAIL_OUTCOME_CREATED_TICKET").count(), 2, "{log}");
    assert_eq!(outcomes.iter().filter(|o| **o == "EMAIL_OUTCOME_IGNORED").count(), 1, "{log}");

    // The next poll finds nothing new.
    let (s, r) = poll(api, &mailbox).await;
    assert_eq!((s, r.get("fetched")), (200, None), "{r}");
    // A new message: exactly that one.
    dovecot.deliver(&plain(1));
    let (s, r) = poll(api, &mailbox).await;
    assert_eq!((s, r["fetched"].as_i64(), r["createdTickets"].as_i64()), (200, Some(1), Some(1)), "{r}");
    assert_eq!(ticket_count(api).await, before + 3);

    // The folder's UIDVALIDITY changes: everything is fetched again and recognised.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    dovecot.reset_uids();
    let (s, r) = poll(api, &mailbox).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["fetched"].as_i64(), r["duplicates"].as_i64(), r.get("createdTickets")),
        (Some(4), Some(4), None),
        "{r}"
    );
    assert_eq!(ticket_count(api).await, before + 3);

    // Two replicas polling at once import each new message once.
    for n in 10..16 {
        dovecot.deliver(&plain(n));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let config = psa_tickets::Config {
        settings: psa_tickets::Settings {
            tickets_addr: addr.to_string(),
            email_poll_interval_secs: 3600,
            attachments_dir: stack.attachments_dir.display().to_string(),
            ..Default::default()
        },
        service: ServiceConfig {
            database: DatabaseConfig { database_url: stack.database_url.clone(), database_max_connections: 5 },
            nats: stack.nats.clone(),
            redis: RedisConfig {
                redis_url: std::env::var("PSA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
            },
            auth: AuthConfig { identity_url: stack.identity_url.clone() },
            mail: stack.mail.clone(),
        },
        secrets: psa_kit::config::SecretsConfig::default(),
    };
    let replica = tokio::spawn(psa_tickets::run(config, listener, shutdown.clone()));
    let token = api.token().unwrap().to_owned();
    let call = |url: String| {
        let (token, id) = (token.clone(), mailbox.clone());
        async move {
            let mut c = EmailServiceClient::connect(url).await.unwrap();
            let mut req = tonic::Request::new(pb::PollEmailMailboxRequest { id });
            req.metadata_mut().insert("authorization", MetadataValue::try_from(format!("Bearer {token}")).unwrap());
            c.poll_email_mailbox(req).await
        }
    };
    let mut created = 0;
    let mut rounds = 0;
    while ticket_count(api).await < before + 9 && rounds < 20 {
        rounds += 1;
        let (a, b) = tokio::join!(call(stack.tickets_url.clone()), call(format!("http://{addr}")));
        for r in [a, b] {
            match r {
                Ok(r) => created += r.into_inner().created_tickets,
                Err(s) => assert_eq!(s.code(), tonic::Code::FailedPrecondition, "{s:?}"),
            }
        }
    }
    assert_eq!(created, 6, "each of the six messages imported once");
    assert_eq!(ticket_count(api).await, before + 9);
    shutdown.cancel();
    replica.await.unwrap().unwrap();

    // A wrong password: polls fail (the change re-schedules the mailbox, so the job may be
    // first) with the reason on the mailbox, never the password.
    let (s, v) = api.patch(&path, &json!({"imapPassword": "wrong-password-123"})).await;
    assert_eq!((s, v["hasImapPassword"].as_bool()), (200, Some(true)), "{v}");
    let (mailbox, path) = (&mailbox, &path);
    let last_error = |what: &'static str| {
        eventually(30, what, move || async move {
            let (s, v) = poll(api, mailbox).await;
            let (_, m) = api.get(path).await;
            let error = m["lastPollError"].as_str().unwrap_or_default().to_owned();
            (s == 400 && !error.is_empty()).then_some((error, m.to_string() + &v.to_string()))
        })
    };
    let (error, seen) = last_error("a failed login").await;
    assert!(error.contains("login"), "{error}");
    assert!(!seen.contains("wrong-password-123"), "{seen}");
    // Without trusting the self-signed certificate, TLS fails.
    api.patch(path, &json!({"imapPassword": dovecot.password, "imapTlsCaPem": ""})).await;
    let (error, _) = last_error("a failed TLS handshake").await;
    assert!(error.contains("TLS"), "{error}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_message_delivered_ten_times_at_once_makes_one_ticket() {
    let stack = Stack::start().await;
    let d = desk(&stack, "dup-a").await;
    let before = ticket_count(&d.api).await;
    let raw = fixture("01_plain-text_basic.eml");
    let sends = (0..10).map(|_| receive(&stack, &d.mailbox, &d.token, raw.clone()));
    let results = futures::future::join_all(sends).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|(s, v)| {
            assert_eq!(*s, 200, "{v}");
            v["ticketId"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(ticket_count(&d.api).await, before + 1);
    stack.stop().await;
}
