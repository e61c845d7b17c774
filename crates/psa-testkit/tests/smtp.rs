//! psa-kit's `Mailer` against the local SMTP server: what arrives is what was sent.

use psa_kit::mail::{MailConfig, MailError, Mailer, OutgoingMail};
use psa_testkit::smtp::SmtpSink;

fn mailer(url: String) -> Mailer {
    Mailer::new(&MailConfig { smtp_url: Some(url), smtp_from: "PSA Desk <desk@msp.example>".into() }).unwrap()
}

#[tokio::test]
async fn sends_text_and_html_with_threading_headers() {
    let sink = SmtpSink::start().await;
    let mailer = mailer(sink.url());
    let id = mailer
        .send(OutgoingMail {
            from: None,
            to: vec!["Zoë Client <zoe@client.example>".into(), "ops@client.example".into()],
            subject: "Re: Printer ✓ fixed".into(),
            text: "Line one\r\n.leading dot survives\r\nÜmlaut".into(),
            html: Some("<p>Line one</p>".into()),
            message_id: Some("<reply-1@msp.example>".into()),
            in_reply_to: Some("<orig@client.example>".into()),
            references: vec!["<root@client.example>".into(), "<orig@client.example>".into()],
        })
        .await
        .unwrap();
    assert_eq!(id, "<reply-1@msp.example>");

    let got = sink.next_message().await;
    assert_eq!(got.envelope_from, "desk@msp.example");
    assert_eq!(got.envelope_to, vec!["zoe@client.example".to_owned(), "ops@client.example".to_owned()]);
    assert_eq!(got.auth_user, None);
    assert_eq!(got.subject(), "Re: Printer ✓ fixed");
    assert_eq!(got.text().replace("\r\n", "\n").trim_end(), "Line one\n.leading dot survives\nÜmlaut");
    assert_eq!(got.html().as_deref().map(str::trim_end), Some("<p>Line one</p>"));
    assert_eq!(got.header("Message-ID").as_deref(), Some("<reply-1@msp.example>"));
    assert_eq!(got.header("In-Reply-To").as_deref(), Some("<orig@client.example>"));
    assert_eq!(got.header("References").as_deref(), Some("<root@client.example> <orig@client.example>"));
    let parsed = got.parsed();
    let from = parsed.from().and_then(|a| a.first()).unwrap();
    assert_eq!((from.name(), from.address()), (Some("PSA Desk"), Some("desk@msp.example")));
}

#[tokio::test]
async fn generated_message_id_is_returned_and_credentials_are_used() {
    let sink = SmtpSink::start_requiring_auth().await;
    let url = sink.url().replace("smtp://", "smtp://relay%40msp.example:p%40ss@");
    let mailer = mailer(url);
    let mail = OutgoingMail {
        from: Some("billing@msp.example".into()),
        to: vec!["ann@client.example".into()],
        subject: "Invoice".into(),
        text: "Hello".into(),
        ..Default::default()
    };
    let first = mailer.send(mail.clone()).await.unwrap();
    let second = mailer.send(mail).await.unwrap();
    assert_ne!(first, second, "each mail gets its own Message-ID");
    assert!(first.ends_with("@msp.example>"), "{first}");
    let a = sink.next_message().await;
    let b = sink.next_message().await;
    assert_eq!(a.header("Message-ID").as_deref(), Some(first.as_str()));
    assert_eq!(b.header("Message-ID").as_deref(), Some(second.as_str()));
    assert_eq!(a.envelope_from, "billing@msp.example");
    assert_eq!(a.auth_user.as_deref(), Some("relay@msp.example"));
    assert_eq!(a.html(), None);
}

#[tokio::test]
async fn unreachable_server_is_a_transport_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mailer = mailer(format!("smtp://127.0.0.1:{port}"));
    let err = mailer
        .send(OutgoingMail { to: vec!["a@client.example".into()], subject: "s".into(), ..Default::default() })
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Transport(_)), "{err:?}");
}
