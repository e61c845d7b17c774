//! Expiry alerts (issue #3): which alert a watched date (a contract's end date, a COC's expiry
//! date) calls for on a given day. "Today" is the UTC calendar date at the time of the job.

use chrono::NaiveDate;

/// Days before the watched date at which an "expiring" alert is announced, farthest first.
pub const THRESHOLDS: [i32; 3] = [90, 60, 30];

/// The alert due on `today` for `watched`: `Some(0)` on or after the date (expired), else the
/// nearest threshold of [`THRESHOLDS`] that has been reached (`Some(30)` with 30 or fewer days
/// left, `Some(60)` with 31–60, `Some(90)` with 61–90), `None` with more than 90 days left.
/// Only the nearest is announced: a contract created 20 days before its end gets the 30-day
/// alert, never a late 90-day one.
pub fn due_threshold(watched: NaiveDate, today: NaiveDate) -> Option<i32> {
    let left = (watched - today).num_days();
    if left <= 0 {
        return Some(0);
    }
    THRESHOLDS.iter().rev().copied().find(|&t| left <= i64::from(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn nearest_threshold_reached() {
        let end = d("2026-12-31");
        assert_eq!(due_threshold(end, d("2026-10-01")), None, "91 days left");
        assert_eq!(due_threshold(end, d("2026-10-02")), Some(90), "90 days left");
        assert_eq!(due_threshold(end, d("2026-10-31")), Some(90), "61 days left");
        assert_eq!(due_threshold(end, d("2026-11-01")), Some(60), "60 days left");
        assert_eq!(due_threshold(end, d("2026-11-30")), Some(60), "31 days left");
        assert_eq!(due_threshold(end, d("2026-12-01")), Some(30), "30 days left");
        assert_eq!(due_threshold(end, d("2026-12-30")), Some(30), "1 day left");
        assert_eq!(due_threshold(end, d("2026-12-31")), Some(0), "on the end date");
        assert_eq!(due_threshold(end, d("2027-03-01")), Some(0), "after it");
    }
}
