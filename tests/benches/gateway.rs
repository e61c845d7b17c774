//! Throughput and latency of the hot paths through the gateway: ticket create and ticket list
//! (50 per page), at concurrency 1, 16 and 64, against real PostgreSQL, NATS and Redis with
//! every service in-process (psa-testkit). Run with `cargo bench -p psa-e2e --bench gateway`
//! (release profile); prints a Markdown table for the README's performance section.
//!
//! `PSA_BENCH_REQUESTS` sets the requests per scenario (default 2000).

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use psa_testkit::{Api, Stack};
use serde_json::json;
use tokio::sync::Mutex;

struct Outcome {
    requests: u64,
    elapsed: Duration,
    latency_us: Histogram<u64>,
    errors: u64,
}

async fn run<F, Fut>(concurrency: usize, requests: usize, call: F) -> Outcome
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let hist = Arc::new(Mutex::new(Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram")));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (call, next, hist, errors) = (call.clone(), next.clone(), hist.clone(), errors.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let t = Instant::now();
                    let ok = call(i).await;
                    let us = t.elapsed().as_micros() as u64;
                    hist.lock().await.saturating_record(us.max(1));
                    if !ok {
                        errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
    let elapsed = start.elapsed();
    let latency_us = Arc::try_unwrap(hist).expect("no workers left").into_inner();
    Outcome {
        requests: requests as u64,
        elapsed,
        latency_us,
        errors: errors.load(std::sync::atomic::Ordering::Relaxed),
    }
}

fn row(name: &str, c: usize, o: &Outcome) -> String {
    let ms = |q: f64| o.latency_us.value_at_quantile(q) as f64 / 1000.0;
    format!(
        "| {name} | {c} | {:.0} | {:.1} | {:.1} | {:.1} | {} |",
        o.requests as f64 / o.elapsed.as_secs_f64(),
        ms(0.50),
        ms(0.95),
        ms(0.99),
        o.errors
    )
}

fn main() {
    let requests: usize = std::env::var("PSA_BENCH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let stack = Stack::start().await;
        let admin = stack.create_tenant("bench").await;
        let (api, _) = stack.login(&admin).await;
        let (_, company) = api.post("/api/v1/companies", &json!({"name": "Bench Co"})).await;
        let company = company["id"].as_str().expect("company id").to_owned();
        let mut lines = vec![
            "| scenario | concurrency | requests/s | p50 ms | p95 ms | p99 ms | errors |".to_owned(),
            "| --- | --- | --- | --- | --- | --- | --- |".to_owned(),
        ];
        for c in [1, 16, 64] {
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
