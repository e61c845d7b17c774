//! The bulk import benchmark of issue #3: a generated clients CSV in seed 002's layout (every
//! row a company with its primary contact) imported through the gateway (`POST
//! /api/v1/imports/clients`), streamed over HTTP/1.1 chunked encoding as it is generated, so
//! neither side holds the file. Every service runs in this process (psa-testkit), so the
//! process's peak RSS (`VmHWM` in /proc/self/status) bounds the import's memory: it is read
//! after a 10,000-row and after a 100,000-row import; a flat peak means memory does not grow
//! with the file.
//!
//! Run with `cargo bench -p psa-e2e --bench imports` (release profile). `PSA_BENCH_ROWS` sets
//! the rows of the large run (default 100000). Prints a Markdown table.

#[allow(dead_code)]
mod support;

use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HEADER: &str = "name,industry,companySize,status,source,address,website,notes,contactName,contactEmail,contactPhone,contactTitle\n";

fn row(run: &str, i: usize) -> String {
    format!(
        "\"{run} Client {i:07}\",Technology,Large,active,referral,\"{i} Main St, New York, NY 10001\",https://c{i}.example,\
         Imported client,Jane Doe{i},jane{i}@c{i}.example,+1-555-{:04},CTO\n",
        i % 10_000
    )
}

/// KiB from a `/proc/self/status` line such as `VmHWM:   123456 kB`.
fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Uploads `rows` generated rows; returns (seconds, response head + body).
async fn upload(addr: &str, token: &str, run: &str, rows: usize) -> (f64, String) {
    let started = Instant::now();
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("gateway");
    let head = format!(
        "POST /api/v1/imports/clients?mode=valid_rows HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.expect("write");
    let mut chunk = String::from(HEADER);
    for i in 0..rows {
        chunk.push_str(&row(run, i));
        if chunk.len() >= 64 * 1024 || i + 1 == rows {
            tcp.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.expect("write");
            tcp.write_all(chunk.as_bytes()).await.expect("write");
            tcp.write_all(b"\r\n").await.expect("write");
            chunk.clear();
        }
    }
    tcp.write_all(b"0\r\n\r\n").await.expect("write");
    let mut out = Vec::new();
    tcp.read_to_end(&mut out).await.expect("read");
    (started.elapsed().as_secs_f64(), String::from_utf8_lossy(&out).into_owned())
}

fn main() {
    let big: usize = std::env::var("PSA_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let stack = support::stack().await;
        let admin = stack.create_tenant("bench-imports").await;
        let (api, _) = stack.login(&admin).await;
        let token = api.token().expect("token").to_owned();
        let url = stack.gateway_url();
        let addr = url.trim_start_matches("http://").to_owned();
        let mut lines = vec![
            "| rows | seconds | rows/s | peak RSS after (MiB) | RSS after (MiB) | events relayed + audited after (s) | result |".to_owned(),
            "| --- | --- | --- | --- | --- | --- | --- |".to_owned(),
        ];
        support::settle(&stack).await;
        for (run, rows) in [("small", 10_000), ("large", big)] {
            let (secs, response) = upload(&addr, &token, run, rows).await;
            let ok = response.starts_with("HTTP/1.1 200") && response.contains(&format!("\"created\":{rows}"));
            let result = if ok { "ok".to_owned() } else { response.chars().take(300).collect() };
            let (peak, rss) = (status_kib("VmHWM:") as f64 / 1024.0, status_kib("VmRSS:") as f64 / 1024.0);
            // The run's events and audit records drain before the next run starts.
            let drained = support::settle(&stack).await.as_secs_f64();
            lines.push(format!("| {rows} | {secs:.2} | {:.0} | {peak:.0} | {rss:.0} | {drained:.1} | {result} |", rows as f64 / secs));
        }
        println!("\nclients import through the gateway (seed 002 layout, company + contact per row)\n");
        println!("{}", lines.join("\n"));
        stack.stop().await;
    });
}
