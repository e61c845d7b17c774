//! Email ingest throughput end to end: raw RFC 5322 messages POSTed to the inbound endpoint
//! (`/api/v1/email-mailboxes/{id}/messages:receive`) through the gateway, each parsed,
//! classified, threaded and committed (ticket with SLA state and outbox event, or note on its
//! ticket) before the reply, at concurrency 1, 16 and 64, against real PostgreSQL, NATS and
//! Redis with every service in-process. The mix per 10 messages: 6 new tickets from a known
//! contact, 3 replies threaded by `In-Reply-To`, 1 message with two image attachments
//! (fixture 05). Run with `cargo bench -p psa-e2e --bench email` (release profile); prints a
//! Markdown table for the README. `PSA_BENCH_REQUESTS` sets messages per scenario (default 1000).

mod support;

use psa_testkit::Api;
use serde_json::json;
use support::{row, run};

fn message(scenario: usize, i: usize, attachment: &[u8]) -> Vec<u8> {
    match i % 10 {
        9 => String::from_utf8_lossy(attachment)
            .replace("Message-ID: <1e58c8f2", &format!("Message-ID: <s{scenario}-{i}-1e58c8f2"))
            .into_bytes(),
        3 | 6 | 8 => format!(
            "From: Jane <jane@client.example>\r\nMessage-ID: <s{scenario}-{i}@client.example>\r\n\
             In-Reply-To: <s{scenario}-{}@client.example>\r\nSubject: Re: Printer {}\r\n\r\nStill broken.\r\n\r\n\
             On Sat, Nov 21, 2026 at 10:00 AM Support <support@bench.example> wrote:\r\n> Please restart it.\r\n",
            i - 1,
            i - 1
        )
        .into_bytes(),
        _ => format!(
            "From: Jane <jane@client.example>\r\nMessage-ID: <s{scenario}-{i}@client.example>\r\nSubject: Printer {i}\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nThe printer on floor {i} shows error E{i}.\r\n"
        )
        .into_bytes(),
    }
}

fn main() {
    let requests: usize = std::env::var("PSA_BENCH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let attachment = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/email/05_mixed_alternative_related_inline-image_attachment.eml"
    ))
    .expect("fixture 05");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let stack = support::stack().await;
        let admin = stack.create_tenant("bench").await;
        let (api, _) = stack.login(&admin).await;
        let (_, company) =
            api.post("/api/v1/companies", &json!({"name": "Client Co", "website": "https://client.example"})).await;
        let company = company["id"].as_str().expect("company id").to_owned();
        api.post(
            "/api/v1/contacts",
            &json!({"companyId": company, "firstName": "Jane", "email": "jane@client.example"}),
        )
        .await;
        let (_, mailbox) = api
            .post(
                "/api/v1/email-mailboxes",
                &json!({"name": "Support", "address": "support@bench.example", "defaultCompanyId": company}),
            )
            .await;
        let path = format!(
            "/api/v1/email-mailboxes/{}/messages:receive?token={}",
            mailbox["id"].as_str().expect("mailbox id"),
            mailbox["inboundToken"].as_str().expect("token")
        );
        let inbound = Api::new(&stack.gateway_url(), None);
        let mut lines = vec![
            "| scenario | concurrency | messages/s | p50 ms | p95 ms | p99 ms | errors |".to_owned(),
            "| --- | --- | --- | --- | --- | --- | --- |".to_owned(),
        ];
        for (scenario, c) in [1, 16, 64].into_iter().enumerate() {
            support::settle(&stack).await;
            let (inbound, path, attachment) = (inbound.clone(), path.clone(), attachment.clone());
            let o = run(c, requests, move |i| {
                let (inbound, path, raw) = (inbound.clone(), path.clone(), message(scenario, i, &attachment));
                async move {
                    let (s, v) = inbound.post_raw(&path, "message/rfc822", raw).await;
                    s == 200 && v["ticketId"].is_string()
                }
            })
            .await;
            lines.push(row("ingest raw message", c, &o));
        }
        println!("\n{requests} messages per scenario (6 new tickets, 3 threaded replies, 1 with attachments per 10)\n");
        println!("{}", lines.join("\n"));
        stack.stop().await;
    });
}
