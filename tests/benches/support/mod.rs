//! What the benchmarks share: a closed-loop load runner (N workers issuing requests back to
//! back) with an HdrHistogram of latencies, and the Markdown table row the README takes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::Mutex;

/// What one scenario measured.
pub struct Outcome {
    /// Requests issued.
    pub requests: u64,
    /// Wall time of the whole scenario.
    pub elapsed: Duration,
    /// Latency of each request, in microseconds.
    pub latency_us: Histogram<u64>,
    /// Requests whose check failed.
    pub errors: u64,
}

/// Runs `requests` calls of `call(i)` on `concurrency` workers; `call` returns success.
pub async fn run<F, Fut>(concurrency: usize, requests: usize, call: F) -> Outcome
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

/// `| name | concurrency | req/s | p50 | p95 | p99 | errors |` in milliseconds.
pub fn row(name: &str, c: usize, o: &Outcome) -> String {
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

/// Waits until the stack is quiet again after a scenario: every service's outbox and audit
/// outbox relayed and identity's audit log no longer growing (its consumer done) for one
/// second. Returns how long that took, so the work a scenario leaves behind is not billed to
/// the next one and can be reported on its own.
///
/// Then it refreshes the planner's statistics (`ANALYZE`), as autovacuum keeps them in a
/// running system: the bench's database is new, and without this the plans measured would be
/// the ones PostgreSQL made for empty tables (a tenant's tickets scanned to find one by id),
/// kept until autovacuum's next round a minute or more later.
pub async fn settle(stack: &psa_testkit::Stack) -> Duration {
    let mut db = stack.db().await;
    let waited = quiet(&mut db).await;
    sqlx::query("analyze").execute(&mut db).await.expect("analyze");
    waited
}

async fn quiet(db: &mut sqlx::PgConnection) -> Duration {
    let started = Instant::now();
    let mut last = -1i64;
    let mut steady_since = Instant::now();
    loop {
        let pending: i64 = sqlx::query_scalar(
            "select (select count(*) from identity.outbox where published_at is null) \
                  + (select count(*) from identity.audit_outbox where published_at is null) \
                  + (select count(*) from contracts.outbox where published_at is null) \
                  + (select count(*) from contracts.audit_outbox where published_at is null) \
                  + (select count(*) from tickets.outbox where published_at is null) \
                  + (select count(*) from tickets.audit_outbox where published_at is null)",
        )
        .fetch_one(&mut *db)
        .await
        .expect("pending events");
        let audited: i64 =
            sqlx::query_scalar("select count(*) from identity.audit_log").fetch_one(&mut *db).await.expect("audit log");
        if pending > 0 || audited != last {
            last = audited;
            steady_since = Instant::now();
        } else if steady_since.elapsed() >= Duration::from_secs(1) {
            return started.elapsed() - Duration::from_secs(1);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A stack as deployed: each service's database pool at `PSA_BENCH_DB_POOL` connections
/// (default 10, the services' own default `PSA_DATABASE_MAX_CONNECTIONS`).
pub async fn stack() -> psa_testkit::Stack {
    let pool = std::env::var("PSA_BENCH_DB_POOL").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    psa_testkit::Stack::start_with(psa_testkit::StackOptions { database_max_connections: pool, ..Default::default() })
        .await
}
