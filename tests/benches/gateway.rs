//! Throughput and latency of the hot paths through the gateway: ticket create, ticket list
//! (50 per page) and, as the floor under both, one ticket by id, at concurrency 1, 16 and 64, against real PostgreSQL, NATS and Redis with
//! every service in-process (psa-testkit). Run with `cargo bench -p psa-e2e --bench gateway`
//! (release profile); prints a Markdown table for the README's performance section.
//!
//! `PSA_BENCH_REQUESTS` sets the requests per scenario (default 2000); `PSA_BENCH_CONCURRENCY`
//! the concurrency levels (comma-separated, default `1,16,64`); `PSA_BENCH_ONLY` one scenario
//! (`create`, `list` or `get`), to profile it alone.

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
        let levels: Vec<usize> = std::env::var("PSA_BENCH_CONCURRENCY")
            .ok()
            .map(|v| v.split(',').filter_map(|c| c.trim().parse().ok()).collect())
            .unwrap_or_else(|| vec![1, 16, 64]);
        let only = std::env::var("PSA_BENCH_ONLY").unwrap_or_default();
        let runs = |name: &str| only.is_empty() || only == name;
        let create = {
            let (api, company): (Api, String) = (api.clone(), company.clone());
            move |i: usize| {
                let (api, company) = (api.clone(), company.clone());
                async move {
                    let body = json!({"title": format!("bench {i}"), "companyId": company});
                    api.post("/api/v1/tickets", &body).await.0 == 200
                }
            }
        };
        // Warm-up, not measured: the tenant has tickets (and the planner statistics of a
        // desk in use, see `settle`) before the first scenario, as any MSP's desk does.
        run(16, 1000, create.clone()).await;
        for &c in levels.iter().filter(|_| runs("create")) {
            support::settle(&stack).await;
            let o = run(c, requests, create.clone()).await;
            lines.push(row("create ticket", c, &o));
        }
        for &c in levels.iter().filter(|_| runs("list")) {
            support::settle(&stack).await;
            let api = api.clone();
            let o = run(c, requests, move |_| {
                let api = api.clone();
                async move { api.get("/api/v1/tickets?pageSize=50").await.0 == 200 }
            })
            .await;
            lines.push(row("list tickets (50/page)", c, &o));
        }
        // The lightest authenticated call: one ticket by id, the floor under the other two.
        let (_, page) = api.get("/api/v1/tickets?pageSize=100").await;
        let ids: Vec<String> = page["tickets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["id"].as_str().map(str::to_owned))
            .collect();
        let ids = std::sync::Arc::new(ids);
        for &c in levels.iter().filter(|_| runs("get")) {
            support::settle(&stack).await;
            let (api, ids) = (api.clone(), ids.clone());
            let o = run(c, requests, move |i| {
                let path = format!("/api/v1/tickets/{}", ids[i % ids.len()]);
                let api = api.clone();
                async move { api.get(&path).await.0 == 200 }
            })
            .await;
            lines.push(row("get ticket", c, &o));
        }
        println!("\n{} requests per scenario\n", requests);
        println!("{}", lines.join("\n"));
        stack.stop().await;
    });
}
