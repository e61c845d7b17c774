//! Email to ticket over REST against real PostgreSQL and NATS: every fixture of
//! `../shared/fixtures/email/` through the inbound endpoint (ticket, note, attachments or
//! ignored, as a person would expect), threading by headers and by subject tag, quote
//! trimming, reopening, unknown-sender policies, parse rules, mailbox management, and
//! isolation (another tenant, another tenant's token, portal users).

use psa_testkit::{Api, Stack, TenantAdmin, eventually};
use serde_json::{Value, json};

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../../shared/fixtures/email/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

pub struct Desk {
    pub admin: TenantAdmin,
    pub api: Api,
    pub company: String,
    pub fallback: String,
    pub mailbox: String,
    pub token: String,
}

/// A tenant with a client company (domain `client.example`), a contact
/// (`jane@client.example`), a fallback company for unknown senders, and a mailbox.
pub async fn desk(stack: &Stack, slug: &str) -> Desk {
    let admin = stack.create_tenant(slug).await;
    let (api, _) = stack.login(&admin).await;
    let company =
        ok(&api, "/api/v1/companies", json!({"name": "Client Co", "website": "https://www.client.example"})).await;
    let company = company["id"].as_str().unwrap().to_owned();
    let fallback =
        ok(&api, "/api/v1/companies", json!({"name": "Unsorted mail"})).await["id"].as_str().unwrap().to_owned();
    ok(&api, "/api/v1/contacts", json!({"companyId": company, "firstName": "Jane", "email": "Jane@Client.example"}))
        .await;
    let mailbox = ok(
        &api,
        "/api/v1/email-mailboxes",
        json!({"name": "Support", "address": format!("support@{slug}.example"), "defaultCompanyId": fallback}),
    )
    .await;
    Desk {
        token: mailbox["inboundToken"].as_str().unwrap().to_owned(),
        mailbox: mailbox["id"].as_str().unwrap().to_owned(),
        admin,
        api,
        company,
        fallback,
    }
}

/// Posts a raw message to the inbound endpoint without a user token.
pub async fn receive(stack: &Stack, mailbox: &str, token: &str, raw: Vec<u8>) -> (u16, Value) {
    Api::new(&stack.gateway_url(), None)
        .post_raw(&format!("/api/v1/email-mailboxes/{mailbox}/messages:receive?token={token}"), "message/rfc822", raw)
        .await
}

async fn received(stack: &Stack, d: &Desk, raw: Vec<u8>) -> Value {
    let (s, v) = receive(stack, &d.mailbox, &d.token, raw).await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn ticket(api: &Api, id: &str) -> Value {
    let (s, v) = api.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn notes(api: &Api, id: &str) -> Vec<Value> {
    api.get(&format!("/api/v1/tickets/{id}/notes")).await.1["notes"].as_array().cloned().unwrap_or_default()
}

async fn attachments(api: &Api, id: &str) -> Vec<Value> {
    let (s, v) = api.get(&format!("/api/v1/tickets/{id}/attachments")).await;
    assert_eq!(s, 200, "{v}");
    v["attachments"].as_array().cloned().unwrap_or_default()
}

async fn ticket_count(api: &Api) -> usize {
    api.get("/api/v1/tickets?pageSize=200").await.1["tickets"].as_array().map_or(0, Vec::len)
}

fn mail(from: &str, message_id: &str, subject: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: support@desk.example\r\nMessage-ID: <{message_id}>\r\nSubject: {subject}\r\n\
         Date: Sat, 21 Nov 2026 09:00:00 +0000\r\n{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// Waits until the contact projection knows Jane (a message from her gets her contact id).
async fn wait_for_projection(stack: &Stack, d: &Desk) {
    let mut n = 0;
    eventually(20, "contact projection", || {
        n += 1;
        let raw = mail("jane@client.example", &format!("probe-{n}@client.example"), "probe", "", "probe");
        async move {
            let v = received(stack, d, raw).await;
            let t = ticket(&d.api, v["ticketId"].as_str()?).await;
            (t["contactId"].as_str().is_some() && t["companyId"] == d.company.as_str()).then_some(())
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fixture_is_handled_as_a_person_expects() {
    let stack = Stack::start().await;
    let d = desk(&stack, "mail-a").await;
    let api = &d.api;

    // 01 plain text from an unknown sender: a ticket at the mailbox's default company.
    let v = received(&stack, &d, fixture("01_plain-text_basic.eml")).await;
    assert_eq!(v["outcome"], "EMAIL_OUTCOME_CREATED_TICKET", "{v}");
    assert_eq!(v["messageId"], "6B7EC235-5B17-4CA8-B2B8-39290DEB43A3@test.lindsaar.net");
    let t1 = ticket(api, v["ticketId"].as_str().unwrap()).await;
    assert_eq!((t1["title"].as_str(), t1["source"].as_str()), (Some("Testing 123"), Some("TICKET_SOURCE_EMAIL")));
    assert_eq!(t1["companyId"], d.fallback.as_str());
    assert!(t1["contactId"].is_null(), "{t1}");
    assert!(t1["description"].as_str().unwrap().contains("Hope it works well!"), "{t1}");
    assert_eq!(v["ticketNumber"], t1["number"]);
    // The same message again (a re-delivery) is recognised: same outcome, no second ticket.
    let before = ticket_count(api).await;
    let again = received(&stack, &d, fixture("01_plain-text_basic.eml")).await;
    assert_eq!((again["id"].clone(), again["ticketId"].clone()), (v["id"].clone(), v["ticketId"].clone()));
    assert_eq!(ticket_count(api).await, before);

    // 03 HTML only, quoted-printable ISO-8859-1, encoded-word subject: decoded, as text.
    let v = received(&stack, &d, fixture("03_html-only_qp_iso8859-1_encoded-word-subject.eml")).await;
    let t3 = ticket(api, v["ticketId"].as_str().unwrap()).await;
    assert_eq!(t3["title"], "Die Hasen und die Frösche");
    let desc = t3["description"].as_str().unwrap();
    assert!(desc.contains("Die Hasen klagten einst über ihre mißliche Lage"), "{desc}");
    assert!(!desc.contains("<font") && !desc.contains("=FC"), "{desc}");

    // 04 multipart/alternative: the text part, a ticket of its own (no thread headers).
    let v = received(&stack, &d, fixture("04_multipart-alternative_qp_encoded-word-subject.eml")).await;
    assert_eq!(v["outcome"], "EMAIL_OUTCOME_CREATED_TICKET");
    let t4 = ticket(api, v["ticketId"].as_str().unwrap()).await;
    assert_ne!(t4["id"], t3["id"]);
    assert!(t4["description"].as_str().unwrap().starts_with("Die Hasen und die Frösche"), "{t4}");
    assert!(attachments(api, t4["id"].as_str().unwrap()).await.is_empty());

    // 05 mixed/alternative/related: the text body and both images kept, the inline one marked.
    let v = received(&stack, &d, fixture("05_mixed_alternative_related_inline-image_attachment.eml")).await;
    let t5 = ticket(api, v["ticketId"].as_str().unwrap()).await;
    assert!(t5["description"].as_str().unwrap().contains("Search for hähä"), "{t5}");
    let files = attachments(api, t5["id"].as_str().unwrap()).await;
    let summary: Vec<_> = files
        .iter()
        .map(|a| {
            (
                a["fileName"].as_str().unwrap(),
                a["contentType"].as_str().unwrap(),
                a["inline"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(summary, [("kigaaldcbanejcbi.png", "image/png", true), ("attach2.png", "image/png", false)]);
    assert_eq!(files[0]["contentId"], "part1.8C5E6A81.D0C1B91A@example.com");
    // The bytes are in the store: tenant/ticket/attachment id, decoded from base64.
    let key = stack.attachments_dir.join(d.admin.tenant_id.to_string()).join(t5["id"].as_str().unwrap());
    let stored = std::fs::read(key.join(files[1]["id"].as_str().unwrap())).unwrap();
    assert!(stored.starts_with(b"\x89PNG\r\n"), "decoded PNG");
    assert_eq!(files[1]["sizeBytes"].as_str().map(|s| s.parse::<usize>().unwrap()), Some(stored.len()));

    // 07 a reply: its References name the client's first message, which opened a ticket, so
    // the reply is a note on that ticket (its In-Reply-To is our answer, not recorded here).
    let original = mail("xxxxxxxx@xxx.org", "473FF3B8.9020707@xxx.org", "Test reply email", "", "First message");
    let first = received(&stack, &d, original).await;
    let v = received(&stack, &d, fixture("07_reply_in-reply-to_references.eml")).await;
    assert_eq!(v["outcome"], "EMAIL_OUTCOME_ADDED_NOTE", "{v}");
    assert_eq!(v["ticketId"], first["ticketId"]);
    let n = notes(api, v["ticketId"].as_str().unwrap()).await;
    assert_eq!(n.len(), 1);
    assert_eq!(
        (n[0]["body"].as_str(), n[0]["visibility"].as_str()),
        (Some("Message body"), Some("NOTE_VISIBILITY_PUBLIC"))
    );

    // 08 a Gmail inline forward: a new ticket (the forward answers nothing we know), the
    // forwarded text kept, the RFC 2231 (ISO-2022-JP) attachment name decoded.
    let v = received(&stack, &d, fixture("08_forward_inline_gmail_with_attachments.eml")).await;
    assert_eq!(v["outcome"], "EMAIL_OUTCOME_CREATED_TICKET", "{v}");
    let t8 = ticket(api, v["ticketId"].as_str().unwrap()).await;
    assert_eq!(t8["title"], "Signed email causes file attachments");
    let desc = t8["description"].as_str().unwrap();
    assert!(
        desc.contains("We should not include these files") && desc.contains("Test attachments oddly encoded"),
        "{desc}"
    );
    let files = attachments(api, t8["id"].as_str().unwrap()).await;
    assert_eq!(files.len(), 1);
    let name = files[0]["fileName"].as_str().unwrap();
    assert!(name.starts_with("01 Quien Te Dij") && name.ends_with("Pitbull.mp3"), "{name}");
    assert_eq!(files[0]["contentType"], "application/octet-stream");

    // 11 a vacation auto-reply and 12 a bounce: recorded as ignored, no ticket, no note.
    let count = ticket_count(api).await;
    for (name, why) in [
        ("11_auto-reply_vacation_auto-submitted.eml", "Auto-Submitted: auto-replied"),
        ("12_bounce_postfix_dsn_5.1.1.eml", "Auto-Submitted: auto-replied"),
    ] {
        let v = received(&stack, &d, fixture(name)).await;
        assert_eq!((v["outcome"].as_str(), v["reason"].as_str()), (Some("EMAIL_OUTCOME_IGNORED"), Some(why)), "{name}");
        assert!(v["ticketId"].is_null(), "{name}: {v}");
    }
    // A bounce without Auto-Submitted is still caught by its null Return-Path / report type.
    let bounce = String::from_utf8(fixture("12_bounce_postfix_dsn_5.1.1.eml"))
        .unwrap()
        .replace("Auto-Submitted: auto-replied\n", "");
    let bounce = bounce.replace("Message-Id: <2013", "Message-Id: <b2013");
    let v = received(&stack, &d, bounce.into_bytes()).await;
    assert_eq!(
        (v["outcome"].as_str(), v["reason"].as_str()),
        (Some("EMAIL_OUTCOME_IGNORED"), Some("null return path (Return-Path: <>)"))
    );
    assert_eq!(ticket_count(api).await, count);

    // The log lists all of it, newest first, and filters by outcome.
    let (s, log) = d
        .api
        .get(&format!("/api/v1/email-mailboxes/{}/messages?filter=outcome%3DEMAIL_OUTCOME_IGNORED", d.mailbox))
        .await;
    assert_eq!(s, 200, "{log}");
    assert_eq!(log["messages"].as_array().unwrap().len(), 3, "{log}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replies_thread_by_subject_tag_trim_quotes_and_reopen() {
    let stack = Stack::start().await;
    let d = desk(&stack, "mail-b").await;
    let api = &d.api;
    wait_for_projection(&stack, &d).await;

    // A known contact opens a ticket with her contact and company.
    let v = received(
        &stack,
        &d,
        mail("Jane <jane@client.example>", "a1@client.example", "Printer offline", "", "It is offline."),
    )
    .await;
    let id = v["ticketId"].as_str().unwrap().to_owned();
    let t = ticket(api, &id).await;
    assert_eq!(t["companyId"], d.company.as_str());
    assert!(t["contactId"].as_str().is_some(), "{t}");
    let number = t["number"].as_str().unwrap().to_owned();
    // A colleague at the same domain (not a contact) is matched to the company by domain.
    let v = received(&stack, &d, mail("bob@client.example", "b1@client.example", "Scanner", "", "Also broken")).await;
    let bob = ticket(api, v["ticketId"].as_str().unwrap()).await;
    assert_eq!((bob["companyId"].as_str(), bob["contactId"].as_str()), (Some(d.company.as_str()), None));

    // Resolve it; Jane answers from a client that dropped the headers, quoting our mail.
    let (s, _) = api.patch(&format!("/api/v1/tickets/{id}"), &json!({"status": "TICKET_STATUS_RESOLVED"})).await;
    assert_eq!(s, 200);
    let body = "Still offline, sorry.\r\n\r\nOn Sat, Nov 21, 2026 at 10:00 AM Support <support@mail-b.example> wrote:\r\n> Please restart it.\r\n> \r\n";
    let v = received(
        &stack,
        &d,
        mail("jane@client.example", "a2@client.example", &format!("RE: [{number}] Printer offline"), "", body),
    )
    .await;
    assert_eq!(
        (v["outcome"].as_str(), v["ticketId"].as_str()),
        (Some("EMAIL_OUTCOME_ADDED_NOTE"), Some(id.as_str())),
        "{v}"
    );
    let n = notes(api, &id).await;
    assert_eq!(n.last().unwrap()["body"], "Still offline, sorry.");
    assert_eq!(ticket(api, &id).await["status"], "TICKET_STATUS_OPEN", "a reply reopens a resolved ticket");

    // The tag alone from a stranger is not trusted: a new ticket, not a note on Jane's.
    let v = received(
        &stack,
        &d,
        mail("mallory@evil.example", "m1@evil.example", &format!("[{number}] hi"), "", "injected"),
    )
    .await;
    assert_eq!(v["outcome"], "EMAIL_OUTCOME_CREATED_TICKET");
    assert_ne!(v["ticketId"].as_str(), Some(id.as_str()));
    assert_eq!(notes(api, &id).await.len(), 1);

    // A reply by headers to the first message threads whoever sends it (e.g. a CC'd colleague).
    let v = received(
        &stack,
        &d,
        mail(
            "carol@partner.example",
            "c1@partner.example",
            "Re: Printer offline",
            "In-Reply-To: <a1@client.example>\r\n",
            "Same here.",
        ),
    )
    .await;
    assert_eq!(v["ticketId"].as_str(), Some(id.as_str()), "{v}");

    // A reply to a closed ticket opens a follow-up ticket naming it.
    let (s, _) = api.patch(&format!("/api/v1/tickets/{id}"), &json!({"status": "TICKET_STATUS_CLOSED"})).await;
    assert_eq!(s, 200);
    let v = received(
        &stack,
        &d,
        mail("jane@client.example", "a3@client.example", &format!("Re: [{number}] Printer offline"), "", "Again!"),
    )
    .await;
    assert_eq!(v["outcome"], "EMAIL_OUTCOME_CREATED_TICKET");
    let follow = ticket(api, v["ticketId"].as_str().unwrap()).await;
    assert!(
        follow["description"].as_str().unwrap().starts_with(&format!("Follow-up to {number} (closed).")),
        "{follow}"
    );
    assert_eq!(follow["title"], "Printer offline");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parse_rules_and_unknown_sender_policy() {
    let stack = Stack::start().await;
    let d = desk(&stack, "mail-c").await;
    let api = &d.api;
    let rules = format!("/api/v1/email-mailboxes/{}/parse-rules", d.mailbox);
    // Bad input: every field named.
    let (s, v) = api.post(&rules, &json!({"name": " ", "conditions": {"subjectPattern": "("}, "actions": {}})).await;
    assert_eq!(s, 400, "{v}");
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["rule.name", "rule.conditions.subjectPattern", "rule.actions"], "{v}");
    ok(api, &rules, json!({"name": "Newsletters", "position": 1, "conditions": {"fromPattern": "^news@"}, "actions": {"ignore": true}})).await;
    let urgent = ok(
        api,
        &rules,
        json!({"name": "Monitoring", "position": 2, "conditions": {"fromPattern": "@monitor\\.example$", "subjectPattern": "critical"},
               "actions": {"companyId": d.company, "priority": "TICKET_PRIORITY_CRITICAL"}}),
    )
    .await;
    let (_, list) = api.get(&rules).await;
    assert_eq!(list["rules"].as_array().unwrap().len(), 2);

    let v =
        received(&stack, &d, mail("alerts@monitor.example", "r1@monitor.example", "CRITICAL: disk full", "", "95%"))
            .await;
    let t = ticket(api, v["ticketId"].as_str().unwrap()).await;
    assert_eq!(
        (t["priority"].as_str(), t["companyId"].as_str()),
        (Some("TICKET_PRIORITY_CRITICAL"), Some(d.company.as_str()))
    );
    let v =
        received(&stack, &d, mail("alerts@monitor.example", "r2@monitor.example", "info: backup ok", "", "ok")).await;
    let t = ticket(api, v["ticketId"].as_str().unwrap()).await;
    assert_eq!(
        (t["priority"].as_str(), t["companyId"].as_str()),
        (Some("TICKET_PRIORITY_MEDIUM"), Some(d.fallback.as_str()))
    );
    let v = received(&stack, &d, mail("news@vendor.example", "r3@vendor.example", "Our news", "", "buy")).await;
    assert_eq!(
        (v["outcome"].as_str(), v["reason"].as_str()),
        (Some("EMAIL_OUTCOME_IGNORED"), Some("parse rule \"Newsletters\""))
    );

    // Rules can be replaced and deleted.
    let rid = urgent["id"].as_str().unwrap();
    let (s, v) = api
        .put(&format!("{rules}/{rid}"), &json!({"name": "Monitoring", "position": 0, "active": false, "conditions": {"fromPattern": "x"}, "actions": {"priority": "TICKET_PRIORITY_LOW"}}))
        .await;
    assert_eq!((s, v["active"].as_bool()), (200, Some(false)), "{v}");
    assert_eq!(api.delete(&format!("{rules}/{rid}")).await.0, 200);
    assert_eq!(api.delete(&format!("{rules}/{rid}")).await.0, 404);

    // Unknown senders rejected under the REJECT policy; known ones still get tickets.
    let (s, v) = api
        .patch(
            &format!("/api/v1/email-mailboxes/{}", d.mailbox),
            &json!({"unknownSenderPolicy": "UNKNOWN_SENDER_POLICY_REJECT"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let v = received(&stack, &d, mail("stranger@nowhere.example", "r4@nowhere.example", "hello", "", "hi")).await;
    assert_eq!(
        (v["outcome"].as_str(), v["reason"].as_str()),
        (Some("EMAIL_OUTCOME_REJECTED"), Some("unknown sender stranger@nowhere.example"))
    );
    assert!(v["ticketId"].is_null());
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mailboxes_are_managed_and_isolated() {
    let stack = Stack::start().await;
    let a = desk(&stack, "iso-a").await;
    let b = desk(&stack, "iso-b").await;
    let path = format!("/api/v1/email-mailboxes/{}", a.mailbox);

    // Validation: 400 with field paths.
    let (s, v) = a
        .api
        .post(
            "/api/v1/email-mailboxes",
            &json!({"name": "", "address": "nope", "imapHost": "imap.example.com", "imapPort": 70000}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    // The password is write-only; the inbound token is shown once.
    let made = ok(
        &a.api,
        "/api/v1/email-mailboxes",
        json!({"name": "IMAP", "address": "imap@iso-a.example", "imapHost": "imap.iso-a.example", "imapUsername": "u",
               "imapPassword": "s3cret-pw", "unknownSenderPolicy": "UNKNOWN_SENDER_POLICY_REJECT"}),
    )
    .await;
    assert!(made["inboundToken"].as_str().unwrap().starts_with("mbx_"), "{made}");
    assert_eq!((made["hasImapPassword"].as_bool(), made.get("imapPassword")), (Some(true), None), "{made}");
    let (_, got) = a.api.get(&format!("/api/v1/email-mailboxes/{}", made["id"].as_str().unwrap())).await;
    assert!(got.get("inboundToken").is_none() && got.get("imapPassword").is_none(), "{got}");
    assert!(!got.to_string().contains("s3cret-pw"));
    let (_, list) = a.api.get("/api/v1/email-mailboxes").await;
    assert_eq!(list["mailboxes"].as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains("s3cret-pw") && !list.to_string().contains("mbx_"));
    let (s, _) = a.api.post("/api/v1/email-mailboxes", &json!({"name": "dup", "address": "IMAP@iso-a.example", "unknownSenderPolicy": "UNKNOWN_SENDER_POLICY_REJECT"})).await;
    assert_eq!(s, 409);

    // Another tenant can neither read nor change A's mailbox, its rules or its log.
    assert_eq!(b.api.get(&path).await.0, 404);
    assert_eq!(b.api.patch(&path, &json!({"name": "mine"})).await.0, 404);
    assert_eq!(b.api.delete(&path).await.0, 404);
    assert_eq!(b.api.post(&format!("{path}:poll"), &json!({})).await.0, 404);
    assert_eq!(b.api.post(&format!("{path}:rotateToken"), &json!({})).await.0, 404);
    assert_eq!(b.api.get(&format!("{path}/messages")).await.0, 404);
    assert_eq!(b.api.get(&format!("{path}/parse-rules")).await.0, 404);
    assert_eq!(
        b.api
            .post(
                &format!("{path}/parse-rules"),
                &json!({"name": "x", "conditions": {"fromPattern": "x"}, "actions": {"ignore": true}})
            )
            .await
            .0,
        404
    );
    let (_, blist) = b.api.get("/api/v1/email-mailboxes").await;
    assert!(!blist.to_string().contains(&a.mailbox));

    // A message with B's token never lands in A's mailbox, nor A's token in B's; a wrong
    // token is refused without saying which part was wrong.
    let raw = mail("jane@client.example", "x1@client.example", "hello", "", "hi");
    assert_eq!(receive(&stack, &a.mailbox, &b.token, raw.clone()).await.0, 401);
    assert_eq!(receive(&stack, &b.mailbox, &a.token, raw.clone()).await.0, 401);
    assert_eq!(receive(&stack, &a.mailbox, "mbx_nope", raw.clone()).await.0, 401);
    let v = received(&stack, &a, raw.clone()).await;
    assert_eq!(v["outcome"], "EMAIL_OUTCOME_CREATED_TICKET");
    assert_eq!(ticket_count(&b.api).await, 0, "nothing landed in tenant B");
    assert_eq!(b.api.get(&format!("/api/v1/tickets/{}/attachments", v["ticketId"].as_str().unwrap())).await.0, 404);
    // Not a message: 400, nothing recorded.
    let (s, e) = receive(&stack, &a.mailbox, &a.token, b"\r\n".to_vec()).await;
    assert_eq!(s, 400, "{e}");

    // Portal users get nothing from mailbox endpoints; a portal user of another company
    // cannot list a ticket's attachments.
    let portal = stack.portal_api(a.admin.tenant_id, a.company.parse().unwrap()).await;
    for p in
        ["/api/v1/email-mailboxes".to_owned(), path.clone(), format!("{path}/messages"), format!("{path}/parse-rules")]
    {
        assert_eq!(portal.get(&p).await.0, 403, "{p}");
    }
    assert_eq!(portal.post(&format!("{path}:poll"), &json!({})).await.0, 403);
    let other = stack.portal_api(a.admin.tenant_id, a.fallback.parse().unwrap()).await;
    let t = v["ticketId"].as_str().unwrap();
    assert_eq!(other.get(&format!("/api/v1/tickets/{t}/attachments")).await.0, 404);
    assert_eq!(portal.get(&format!("/api/v1/tickets/{t}/attachments")).await.0, 200);

    // Rotating the token retires the old one; archiving retires the mailbox.
    let rotated = ok(&a.api, &format!("{path}:rotateToken"), json!({})).await;
    let new_token = rotated["inboundToken"].as_str().unwrap().to_owned();
    assert_eq!(receive(&stack, &a.mailbox, &a.token, mail("j@x.example", "x2@x", "s", "", "b")).await.0, 401);
    assert_eq!(receive(&stack, &a.mailbox, &new_token, mail("j@x.example", "x3@x", "s", "", "b")).await.0, 200);
    assert_eq!(a.api.delete(&path).await.0, 200);
    assert_eq!(a.api.get(&path).await.0, 404);
    assert_eq!(receive(&stack, &a.mailbox, &new_token, mail("j@x.example", "x4@x", "s", "", "b")).await.0, 401);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn public_notes_are_emailed_and_the_answer_threads_back() {
    let sink = psa_testkit::smtp::SmtpSink::start().await;
    let stack = Stack::start_with(psa_testkit::StackOptions { smtp_url: Some(sink.url()), ..Default::default() }).await;
    let d = desk(&stack, "out-a").await;
    let api = &d.api;
    wait_for_projection(&stack, &d).await;
    let probes = sink.messages().len();

    let v = received(
        &stack,
        &d,
        mail("Jane <jane@client.example>", "q1@client.example", "Printer jam", "", "Paper stuck."),
    )
    .await;
    let id = v["ticketId"].as_str().unwrap().to_owned();
    let number = ticket(api, &id).await["number"].as_str().unwrap().to_owned();
    // An internal note is never emailed; a public one goes to the contact, threaded.
    ok(
        api,
        &format!("/api/v1/tickets/{id}/notes"),
        json!({"body": "Checked the logs.", "visibility": "NOTE_VISIBILITY_INTERNAL"}),
    )
    .await;
    ok(
        api,
        &format!("/api/v1/tickets/{id}/notes"),
        json!({"body": "Please open tray 2.", "visibility": "NOTE_VISIBILITY_PUBLIC"}),
    )
    .await;
    let sent = sink.wait_for(|m| m.text().contains("Please open tray 2.")).await.expect("the public note by mail");
    assert_eq!(sent.envelope_to, ["jane@client.example"]);
    assert_eq!(sent.subject(), format!("Re: [{number}] Printer jam"));
    assert!(sent.header("From").unwrap().contains("support@out-a.example"), "{:?}", sent.header("From"));
    assert_eq!(sent.header("In-Reply-To").as_deref().map(str::trim), Some("<q1@client.example>"));
    assert!(sent.header("References").unwrap().contains("<q1@client.example>"));
    let our_id = sent.header("Message-ID").unwrap().trim().to_owned();
    assert!(!sink.messages().iter().any(|m| m.text().contains("Checked the logs.")), "internal notes stay internal");
    assert_eq!(sink.messages().len(), probes + 1);

    // Jane answers it; her client keeps only In-Reply-To and a subject without our tag.
    let reply = mail(
        "jane@client.example",
        "q2@client.example",
        "Re: Printer jam",
        &format!("In-Reply-To: {our_id}\r\n"),
        "Done, it works.\r\n\r\n> Please open tray 2.",
    );
    let v = received(&stack, &d, reply).await;
    assert_eq!(
        (v["outcome"].as_str(), v["ticketId"].as_str()),
        (Some("EMAIL_OUTCOME_ADDED_NOTE"), Some(id.as_str())),
        "{v}"
    );
    assert_eq!(notes(api, &id).await.last().unwrap()["body"], "Done, it works.");
    // The log shows the mail as sent.
    let (_, log) = api
        .get(&format!("/api/v1/email-mailboxes/{}/messages?filter=direction%3DEMAIL_DIRECTION_OUTBOUND", d.mailbox))
        .await;
    let out = log["messages"].as_array().unwrap();
    assert_eq!(out.len(), 1, "{log}");
    assert_eq!(
        (out[0]["outcome"].as_str(), out[0]["ticketId"].as_str()),
        (Some("EMAIL_OUTCOME_SENT"), Some(id.as_str()))
    );

    // A ticket from an unknown sender (no contact): the answer goes to whoever wrote in.
    let v =
        received(&stack, &d, mail("walkin@nowhere.example", "w1@nowhere.example", "Hello", "", "Can you help?")).await;
    let walkin = v["ticketId"].as_str().unwrap().to_owned();
    ok(
        api,
        &format!("/api/v1/tickets/{walkin}/notes"),
        json!({"body": "Sure.", "visibility": "NOTE_VISIBILITY_PUBLIC"}),
    )
    .await;
    assert_eq!(sink.next_to("walkin@nowhere.example").await.text().trim(), "Sure.");
    // Auto-replies and bounces get nothing back.
    let before = sink.messages().len();
    received(&stack, &d, fixture("11_auto-reply_vacation_auto-submitted.eml")).await;
    received(&stack, &d, fixture("12_bounce_postfix_dsn_5.1.1.eml")).await;
    assert_eq!(sink.count_after(std::time::Duration::from_millis(1500)).await, before);
    stack.stop().await;
}

/// A reply to the thread of a ticket that was merged lands on the ticket it was merged into.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replies_to_a_merged_ticket_follow_the_merge() {
    let stack = Stack::start().await;
    let d = desk(&stack, "merge-desk").await;
    wait_for_projection(&stack, &d).await;
    let first =
        received(&stack, &d, mail("jane@client.example", "m1@client.example", "Printer down", "", "It is down.")).await;
    let source = first["ticketId"].as_str().unwrap().to_owned();
    let target = ok(&d.api, "/api/v1/tickets", json!({"title": "Printers", "companyId": d.company})).await;
    let target = target["id"].as_str().unwrap().to_owned();
    ok(&d.api, &format!("/api/v1/tickets/{source}/merge"), json!({"targetTicketId": target})).await;
    let reply = mail(
        "jane@client.example",
        "m2@client.example",
        "Re: Printer down",
        "In-Reply-To: <m1@client.example>\r\nReferences: <m1@client.example>\r\n",
        "Still down.",
    );
    let v = received(&stack, &d, reply).await;
    assert_eq!(v["ticketId"].as_str(), Some(target.as_str()), "{v}");
    assert!(notes(&d.api, &target).await.iter().any(|n| n["body"].as_str().unwrap_or("").contains("Still down.")));
    assert!(notes(&d.api, &source).await.is_empty());
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parse_rules_route_new_tickets_to_a_queue_and_its_team() {
    let stack = Stack::start().await;
    let d = desk(&stack, "mail-q").await;
    let other = desk(&stack, "mail-q2").await;
    let api = &d.api;
    let rules = format!("/api/v1/email-mailboxes/{}/parse-rules", d.mailbox);
    let team = ok(api, "/api/v1/teams", json!({"name": "Network"})).await;
    let queue = ok(api, "/api/v1/ticket-queues", json!({"name": "Network", "defaultTeamId": team["id"]})).await;
    let foreign = ok(&other.api, "/api/v1/ticket-queues", json!({"name": "Theirs"})).await;

    // Another tenant's queue and a malformed id are refused, naming the field.
    for bad in [foreign["id"].clone(), json!("not-a-uuid")] {
        let (s, v) = api
            .post(&rules, &json!({"name": "Net", "conditions": {"subjectPattern": "vpn"}, "actions": {"queueId": bad}}))
            .await;
        assert_eq!(s, 400, "{v}");
        assert_eq!(v["errors"][0]["field"], "rule.actions.queueId", "{v}");
    }
    let rule = ok(
        api,
        &rules,
        json!({"name": "Net", "conditions": {"subjectPattern": "vpn"}, "actions": {"queueId": queue["id"]}}),
    )
    .await;
    assert_eq!(rule["actions"]["queueId"], queue["id"], "{rule}");

    let v = received(&stack, &d, mail("jane@client.example", "q1@client.example", "VPN down", "", "help")).await;
    let t = ticket(api, v["ticketId"].as_str().unwrap()).await;
    assert_eq!((&t["queueId"], &t["teamId"]), (&queue["id"], &team["id"]), "{t}");
    let v = received(&stack, &d, mail("jane@client.example", "q2@client.example", "Printer", "", "help")).await;
    let t = ticket(api, v["ticketId"].as_str().unwrap()).await;
    assert!(t["queueId"].is_null() || t["queueId"] == "", "{t}");
    stack.stop().await;
}

/// A message that opens a ticket keeps its transaction open until everything is written
/// (attachments included); the tenant's ticket numbering is not locked for that long, so the
/// staff's own creates meanwhile do not wait for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_message_opening_a_ticket_does_not_hold_up_other_creates() {
    use sqlx::Connection;
    let stack = Stack::start().await;
    let d = desk(&stack, "mail-numbering").await;
    wait_for_projection(&stack, &d).await;

    // Hold the message at its attachment rows, after it has taken its ticket number.
    let mut db = stack.db().await;
    let mut hold = db.begin().await.unwrap();
    sqlx::query("lock table tickets.ticket_attachments in exclusive mode").execute(&mut *hold).await.unwrap();
    let (mailbox, token, url) = (d.mailbox.clone(), d.token.clone(), stack.gateway_url());
    let message = tokio::spawn(async move {
        Api::new(&url, None)
            .post_raw(
                &format!("/api/v1/email-mailboxes/{mailbox}/messages:receive?token={token}"),
                "message/rfc822",
                fixture("05_mixed_alternative_related_inline-image_attachment.eml"),
            )
            .await
    });
    eventually(20, "the message waiting for its attachment rows", || async {
        let mut probe = stack.db().await;
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity where wait_event_type = 'Lock' \
             and query like 'insert into ticket_attachments%'",
        )
        .fetch_one(&mut probe)
        .await
        .unwrap();
        (waiting == 1).then_some(())
    })
    .await;

    let body = json!({"title": "Printer on fire", "companyId": d.company});
    let create = d.api.post("/api/v1/tickets", &body);
    let (s, staff) = tokio::time::timeout(std::time::Duration::from_secs(10), create)
        .await
        .expect("a staff create waited for the message's transaction");
    assert_eq!(s, 200, "{staff}");

    hold.rollback().await.unwrap();
    let (s, v) = message.await.unwrap();
    assert_eq!((s, v["outcome"].as_str()), (200, Some("EMAIL_OUTCOME_CREATED_TICKET")), "{v}");
    let from_mail = ticket(&d.api, v["ticketId"].as_str().unwrap()).await;
    assert_eq!(attachments(&d.api, v["ticketId"].as_str().unwrap()).await.len(), 2);
    // The message took its number first, and nobody else got it.
    let digits = |t: &Value| -> u64 {
        t["number"].as_str().unwrap().trim_start_matches(|c: char| !c.is_ascii_digit()).parse().unwrap()
    };
    let (mail_no, staff_no) = (digits(&from_mail), digits(&staff));
    assert!(mail_no < staff_no, "message {mail_no}, staff create {staff_no}");
}
