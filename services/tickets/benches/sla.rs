//! SLA due-time computations per second (issue #4 target: ≥ 100,000/s): `Hours::add` on a
//! Mon–Fri 09:00–17:00 `America/New_York` calendar with holidays, and the two clocks of a
//! ticket with a pause, from starts spread over a year (crossing both DST changes). Run with
//! `cargo bench -p psa-tickets --bench sla`; prints a Markdown table for the README.
//!
//! `PSA_BENCH_ITERATIONS` sets the computations per scenario (default 200 000).

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use psa_tickets::domain::sla::calendar::{Calendar, Hours, Interval};
use psa_tickets::domain::sla::clock::{self, History, Target};
use psa_tickets::domain::ticket::TicketStatus;

fn calendar() -> Hours {
    let day = vec![Interval { start: 9 * 60, end: 17 * 60 }];
    let week = [day.clone(), day.clone(), day.clone(), day.clone(), day, vec![], vec![]];
    let holidays: BTreeSet<_> = ["2026-01-01", "2026-05-25", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"]
        .iter()
        .map(|d| d.parse().expect("date"))
        .collect();
    Hours::Business(Calendar::new("", "America/New_York", week, holidays).expect("calendar"))
}

fn start(i: usize) -> DateTime<Utc> {
    // Every 97 minutes through 2026: all weekdays, nights, weekends and both DST changes.
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes((i as i64 * 97) % 525_600)
}

fn main() {
    let n: usize = std::env::var("PSA_BENCH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let hours = calendar();
    let targets = [15, 60, 240, 480, 1440, 2400];
    println!("| Scenario | Computations | Seconds | Per second |");
    println!("|---|---:|---:|---:|");

    let t0 = Instant::now();
    for i in 0..n {
        black_box(hours.add(black_box(start(i)), Duration::minutes(targets[i % targets.len()])));
    }
    report("due time (business hours, `Hours::add`)", n, t0);

    let t0 = Instant::now();
    for i in 0..n {
        black_box(Hours::Always.add(black_box(start(i)), Duration::minutes(targets[i % targets.len()])));
    }
    report("due time (24×7)", n, t0);

    let t0 = Instant::now();
    for i in 0..n {
        let c = start(i);
        let h = History {
            created_at: c,
            statuses: vec![
                (c, TicketStatus::New.into()),
                (c + Duration::hours(3), TicketStatus::WaitingOnClient.into()),
                (c + Duration::hours(30), TicketStatus::Open.into()),
            ],
            first_public_staff_note: Some(c + Duration::minutes(20)),
        };
        let fr = Target { minutes: 60, hours: hours.clone() };
        let res = Target { minutes: targets[i % targets.len()], hours: hours.clone() };
        black_box(clock::compute(&h, &fr, &res, c + Duration::hours(40)));
    }
    report("both clocks of a ticket with a pause (`clock::compute`)", n, t0);
}

fn report(name: &str, n: usize, t0: Instant) {
    let secs = t0.elapsed().as_secs_f64();
    println!("| {name} | {n} | {secs:.3} | {:.0} |", n as f64 / secs);
}
