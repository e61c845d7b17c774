//! Business-hours calendars (PRD §3.9.2 `BusinessHours`, `HolidayCalendar`): an IANA time zone,
//! a weekly schedule of open intervals per weekday in local wall-clock time, and holiday dates
//! on which the calendar is closed all day. [`Hours`] is either such a calendar or 24×7.
//!
//! Business time is measured in whole seconds ([`chrono::Duration`]); the API speaks minutes.
//! An instant is "open" when its local wall-clock time on a non-holiday date falls in one of
//! that weekday's intervals. Around DST changes: an interval boundary that does not exist
//! locally (spring forward) maps to the first instant after the gap; one that exists twice
//! (fall back) maps to the earlier instant for starts and the later one for ends, so an
//! interval spanning the change is as long as the wall clock says it is (e.g. 00:00–24:00 on
//! the fall-back day is 25 hours, on the spring-forward day 23 hours).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use psa_core::DomainError;
use psa_core::validate::Validator;

/// Minutes in a day; an interval may end at `24:00` (= 1440).
pub const DAY_MINUTES: u16 = 1440;

/// How far ahead [`Hours::add`] looks for open time before giving up (ten years, in days).
const HORIZON_DAYS: i64 = 3660;

/// One open interval of a weekday, in local minutes since midnight: `start < end ≤ 1440`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub start: u16,
    pub end: u16,
}

impl Interval {
    /// Parses `"HH:MM"` (00:00–24:00) into minutes since midnight.
    pub fn parse_time(s: &str) -> Option<u16> {
        let (h, m) = s.trim().split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        let v = h.checked_mul(60)?.checked_add(m)?;
        (m < 60 && v <= DAY_MINUTES).then_some(v)
    }

    /// Formats minutes since midnight as `"HH:MM"`.
    pub fn format_time(v: u16) -> String {
        format!("{:02}:{:02}", v / 60, v % 60)
    }
}

/// A business-hours calendar: time zone, weekly schedule (index 0 = Monday … 6 = Sunday) and
/// holiday dates (local dates on which it is closed).
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub tz: Tz,
    pub week: [Vec<Interval>; 7],
    pub holidays: BTreeSet<NaiveDate>,
}

/// Operational hours of one SLA target.
#[derive(Debug, Clone, PartialEq)]
pub enum Hours {
    /// Around the clock, every day.
    Always,
    /// Only during a business-hours calendar's open intervals.
    Business(Calendar),
}

impl Calendar {
    /// Builds a calendar, checking it: a known IANA zone (`time_zone`), intervals within
    /// 00:00–24:00 with `start < end`, not overlapping within a day, and at least one interval
    /// in the week (`schedule`).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming `{prefix}time_zone` / `{prefix}schedule`.
    pub fn new(
        prefix: &str,
        time_zone: &str,
        mut week: [Vec<Interval>; 7],
        holidays: BTreeSet<NaiveDate>,
    ) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let tz = match time_zone.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                v.push(format!("{prefix}time_zone"), "is not a known IANA time zone (e.g. `America/New_York`)");
                None
            }
        };
        for (day, intervals) in week.iter_mut().enumerate() {
            intervals.sort();
            for (i, iv) in intervals.iter().enumerate() {
                if iv.start >= iv.end || iv.end > DAY_MINUTES {
                    v.push(format!("{prefix}schedule[{day}]"), "each interval must have start < end ≤ 24:00");
                } else if i > 0 && intervals[i - 1].end > iv.start {
                    v.push(format!("{prefix}schedule[{day}]"), "intervals overlap");
                }
            }
        }
        if week.iter().all(Vec::is_empty) {
            v.push(format!("{prefix}schedule"), "needs at least one open interval in the week");
        }
        v.finish()?;
        Ok(Self { tz: tz.unwrap_or(Tz::UTC), week, holidays })
    }

    /// The UTC instant of local wall-clock `t` (see the module docs for DST gaps and folds).
    fn instant(&self, t: NaiveDateTime, is_end: bool) -> DateTime<Utc> {
        match self.tz.from_local_datetime(&t) {
            LocalResult::Single(x) => x.with_timezone(&Utc),
            LocalResult::Ambiguous(early, late) => if is_end { late } else { early }.with_timezone(&Utc),
            LocalResult::None => {
                // In a gap: the first instant whose local time is past `t` is the transition.
                // Search between the two candidate offsets (a gap is at most a few hours).
                let mut lo = Utc.from_utc_datetime(&(t - Duration::hours(6)));
                let mut hi = Utc.from_utc_datetime(&(t + Duration::hours(6)));
                while hi - lo > Duration::seconds(1) {
                    let mid = lo + (hi - lo) / 2;
                    if mid.with_timezone(&self.tz).naive_local() >= t {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                hi
            }
        }
    }

    /// The open intervals (UTC, half-open) of local date `d`; empty on holidays.
    fn day(&self, d: NaiveDate, out: &mut Vec<(DateTime<Utc>, DateTime<Utc>)>) {
        out.clear();
        if self.holidays.contains(&d) {
            return;
        }
        let midnight = d.and_time(NaiveTime::MIN);
        for iv in &self.week[d.weekday().num_days_from_monday() as usize] {
            let a = self.instant(midnight + Duration::minutes(iv.start.into()), false);
            let b = self.instant(midnight + Duration::minutes(iv.end.into()), true);
            if a < b {
                out.push((a, b));
            }
        }
    }

    fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }
}

impl Hours {
    /// The instant `amount` of open time after `start`. A zero amount is `start` itself; an
    /// amount that ends exactly at a closing time is that closing time. A calendar with no
    /// open time in the next ten years (all holidays) answers `start` + ten years.
    pub fn add(&self, start: DateTime<Utc>, amount: Duration) -> DateTime<Utc> {
        let cal = match self {
            Hours::Always => return start + amount,
            Hours::Business(c) => c,
        };
        if amount <= Duration::zero() {
            return start;
        }
        let mut left = amount;
        let mut d = cal.local_date(start) - Duration::days(1);
        let mut buf = Vec::with_capacity(4);
        for _ in 0..HORIZON_DAYS {
            cal.day(d, &mut buf);
            for &(a, b) in &buf {
                if b <= start {
                    continue;
                }
                let a = a.max(start);
                let avail = b - a;
                if left <= avail {
                    return a + left;
                }
                left -= avail;
            }
            d = d.succ_opt().unwrap_or(d);
        }
        start + Duration::days(HORIZON_DAYS)
    }

    /// Open time between `from` and `to` (zero when `to ≤ from`).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let cal = match self {
            Hours::Always => return to - from,
            Hours::Business(c) => c,
        };
        let mut total = Duration::zero();
        let mut d = cal.local_date(from) - Duration::days(1);
        let last = cal.local_date(to) + Duration::days(1);
        let mut buf = Vec::with_capacity(4);
        while d <= last {
            cal.day(d, &mut buf);
            for &(a, b) in &buf {
                let (a, b) = (a.max(from), b.min(to));
                if a < b {
                    total += b - a;
                }
            }
            d = d.succ_opt().unwrap_or(last + Duration::days(1));
        }
        total
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// Mon–Fri 09:00–17:00 in `tz` with `holidays`.
    pub fn nine_to_five(tz: &str, holidays: &[&str]) -> Hours {
        let day = vec![Interval { start: 9 * 60, end: 17 * 60 }];
        let week = [day.clone(), day.clone(), day.clone(), day.clone(), day, vec![], vec![]];
        let hol = holidays.iter().map(|d| d.parse().unwrap()).collect();
        Hours::Business(Calendar::new("", tz, week, hol).unwrap())
    }

    fn all_day(tz: &str) -> Hours {
        let day = vec![Interval { start: 0, end: DAY_MINUTES }];
        Hours::Business(Calendar::new("", tz, std::array::from_fn(|_| day.clone()), BTreeSet::new()).unwrap())
    }

    #[test]
    fn parses_times_and_validates() {
        assert_eq!(Interval::parse_time("09:30"), Some(570));
        assert_eq!(Interval::parse_time("24:00"), Some(1440));
        assert_eq!(Interval::parse_time("24:01"), None);
        assert_eq!(Interval::parse_time("9:30"), None);
        assert_eq!(Interval::format_time(570), "09:30");
        let bad = Calendar::new(
            "bh.",
            "Mars/Olympus",
            [vec![Interval { start: 600, end: 500 }], vec![], vec![], vec![], vec![], vec![], vec![]],
            BTreeSet::new(),
        );
        let Err(DomainError::Invalid(v)) = bad else { panic!() };
        let fields: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["bh.time_zone", "bh.schedule[0]"]);
        let overlap = [
            vec![Interval { start: 540, end: 720 }, Interval { start: 700, end: 800 }],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
        ];
        assert!(Calendar::new("", "UTC", overlap, BTreeSet::new()).is_err());
        assert!(Calendar::new("", "UTC", Default::default(), BTreeSet::new()).is_err());
    }

    #[test]
    fn always_is_plain_arithmetic() {
        let t = utc("2026-03-08T06:30:00Z");
        assert_eq!(Hours::Always.add(t, Duration::minutes(90)), utc("2026-03-08T08:00:00Z"));
        assert_eq!(Hours::Always.between(t, utc("2026-03-09T06:30:00Z")), Duration::hours(24));
    }

    #[test]
    fn within_a_day_and_across_nights() {
        let h = nine_to_five("America/New_York", &[]);
        // Tue 2026-01-13 10:00 EST = 15:00Z; 2 h later is 12:00 EST.
        assert_eq!(h.add(utc("2026-01-13T15:00:00Z"), Duration::minutes(120)), utc("2026-01-13T17:00:00Z"));
        // Exactly to closing time stays at 17:00, not the next morning.
        assert_eq!(h.add(utc("2026-01-13T15:00:00Z"), Duration::hours(7)), utc("2026-01-13T22:00:00Z"));
        // 16:00 + 4 h = 1 h today + 3 h tomorrow → Wed 12:00 EST.
        assert_eq!(h.add(utc("2026-01-13T21:00:00Z"), Duration::hours(4)), utc("2026-01-14T17:00:00Z"));
        assert_eq!(h.between(utc("2026-01-13T21:00:00Z"), utc("2026-01-14T17:00:00Z")), Duration::hours(4));
    }

    #[test]
    fn created_outside_hours_starts_at_next_opening() {
        let h = nine_to_five("Europe/London", &[]);
        // Tue 2026-01-13 22:00 GMT → Wed 09:00 + 30 min.
        assert_eq!(h.add(utc("2026-01-13T22:00:00Z"), Duration::minutes(30)), utc("2026-01-14T09:30:00Z"));
        // Tue 06:00 → same day 09:30.
        assert_eq!(h.add(utc("2026-01-13T06:00:00Z"), Duration::minutes(30)), utc("2026-01-13T09:30:00Z"));
        assert_eq!(h.between(utc("2026-01-13T17:00:00Z"), utc("2026-01-14T09:00:00Z")), Duration::zero());
    }

    #[test]
    fn weekends_and_holidays_are_skipped() {
        let h = nine_to_five("Europe/London", &["2026-12-25", "2026-12-28"]);
        // Fri 2026-01-16 16:00 + 2 h → Mon 10:00.
        assert_eq!(h.add(utc("2026-01-16T16:00:00Z"), Duration::hours(2)), utc("2026-01-19T10:00:00Z"));
        // Saturday creation → Monday.
        assert_eq!(h.add(utc("2026-01-17T12:00:00Z"), Duration::minutes(15)), utc("2026-01-19T09:15:00Z"));
        // Thu 2026-12-24 16:00 + 2 h: Fri 25th holiday, weekend, Mon 28th holiday → Tue 29th 10:00.
        assert_eq!(h.add(utc("2026-12-24T16:00:00Z"), Duration::hours(2)), utc("2026-12-29T10:00:00Z"));
        assert_eq!(h.between(utc("2026-12-24T16:00:00Z"), utc("2026-12-29T10:00:00Z")), Duration::hours(2));
    }

    #[test]
    fn dst_spring_forward_new_york() {
        // 2026-03-08: 02:00 EST → 03:00 EDT. Sat 7th 23:00 EST + 5 h on a 24-hour calendar
        // is 05:00 EDT (the lost hour is not business time).
        let h = all_day("America/New_York");
        assert_eq!(h.add(utc("2026-03-08T04:00:00Z"), Duration::hours(5)), utc("2026-03-08T09:00:00Z"));
        assert_eq!(h.between(utc("2026-03-08T05:00:00Z"), utc("2026-03-09T04:00:00Z")), Duration::hours(23));
        // Business hours keep their local times: Fri 6th 16:00 EST + 2 h → Mon 9th 10:00 EDT.
        let b = nine_to_five("America/New_York", &[]);
        assert_eq!(b.add(utc("2026-03-06T21:00:00Z"), Duration::hours(2)), utc("2026-03-09T14:00:00Z"));
        // An interval starting inside the gap opens at the transition (03:00 EDT = 07:00Z).
        let gap = Calendar::new(
            "",
            "America/New_York",
            [vec![], vec![], vec![], vec![], vec![], vec![], vec![Interval { start: 150, end: 240 }]],
            BTreeSet::new(),
        )
        .unwrap();
        let gap = Hours::Business(gap);
        assert_eq!(gap.add(utc("2026-03-08T00:00:00Z"), Duration::minutes(10)), utc("2026-03-08T07:10:00Z"));
    }

    #[test]
    fn dst_fall_back_new_york_and_london() {
        // 2026-11-01 New York: 02:00 EDT → 01:00 EST; the day has 25 hours.
        let h = all_day("America/New_York");
        assert_eq!(h.between(utc("2026-11-01T04:00:00Z"), utc("2026-11-02T05:00:00Z")), Duration::hours(25));
        // 9–5 keeps local times across it: Fri 30 Oct 16:00 EDT + 2 h → Mon 2 Nov 10:00 EST.
        let b = nine_to_five("America/New_York", &[]);
        assert_eq!(b.add(utc("2026-10-30T20:00:00Z"), Duration::hours(2)), utc("2026-11-02T15:00:00Z"));
        // London 2026-10-25: 02:00 BST → 01:00 GMT. Fri 23rd 16:30 BST + 1 h → Mon 26th 09:30 GMT.
        let l = nine_to_five("Europe/London", &[]);
        assert_eq!(l.add(utc("2026-10-23T15:30:00Z"), Duration::hours(1)), utc("2026-10-26T09:30:00Z"));
        // London spring forward 2026-03-29: Fri 27th 16:00 GMT + 2 h → Mon 30th 10:00 BST (09:00Z).
        assert_eq!(l.add(utc("2026-03-27T16:00:00Z"), Duration::hours(2)), utc("2026-03-30T09:00:00Z"));
        assert_eq!(l.between(utc("2026-03-27T16:00:00Z"), utc("2026-03-30T09:00:00Z")), Duration::hours(2));
    }

    #[test]
    fn add_and_between_agree() {
        let h = nine_to_five("Europe/London", &["2026-04-03"]);
        let start = utc("2026-03-26T11:17:00Z");
        for minutes in [1, 59, 480, 481, 2000, 10_000] {
            let due = h.add(start, Duration::minutes(minutes));
            assert_eq!(h.between(start, due), Duration::minutes(minutes), "{minutes}");
        }
    }
}
