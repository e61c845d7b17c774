//! Throughput and latency of the hot paths through the gateway: ticket create and ticket list
//! (50 per page), at concurrency 1, 16 and 64, against real PostgreSQL, NATS and Redis with
//! every service in-process (psa-testkit). Run with `cargo bench -p psa-e2e --bench gateway`
//! (release profile); prints a Markdown table for the README's performance section.
//!
//! `PSA_BENCH_REQUESTS` sets the requests per scenario (default 2000).

mod support;

use psa_testkit::Api;
use serde_json::json;
use support::{row, run};

fn main() {
    let requests: usize = std::env::var("PSA_BENCH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let stack = support::stack().await;
        let admin = stack.create_tenant("bench").await;
        let (api, _) = stack.login(&admin).await;
        let (_, company) = api.post("/api/v1/companies", &json!({"name": "Bench Co"})).await;
        let company = company["id"].as_str().expect("company id").to_owned();
        let mut lines = vec![
            "| scenario | concurrency | requests/s | p50 ms | p95 ms | p99 ms | errors |".to_owned(),
            "| --- | --- | --- | --- | --- | --- | --- |".to_owned(),
        ];
        for c in [1, 16, 64] {
            support::settle(&stack).await;
            let (api, company): (Api, String) = (api.clone(), company.clone());
            let o = run(c, requests, move |i| {
                let (api, company) = (api.clone(), company.clone());
                async move {
                    let body = json!({"title": format!("bench {i}"), "companyId": company});
                    api.post("/api/v1/tickets", &body).await.0 == 200
                }
            })
            .await;
            lines.push(row("create ticket", c, &o));
        }
        for c in [1, 16, 64] {
            support::settle(&stack).await;
            let api = api.clone();
            let o = run(c, requests, move |_| {
                let api = api.clone();
                async move { api.get("/api/v1/tickets?pageSize=50").await.0 == 200 }
            })
            .await;
            lines.push(row("list tickets (50/page)", c, &o));
        }
        println!("\n{} requests per scenario\n", requests);
        println!("{}", lines.join("\n"));
        stack.stop().await;
    });
}
