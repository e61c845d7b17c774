//! SLA clocks of a ticket, computed from its recorded history (PRD §3.9, issue #4):
//!
//! - **First response** starts at creation and stops at the first public note written by a
//!   staff user; it is never paused. A ticket resolved before any such note stops it at the
//!   resolution (a resolution is a response); a later reopen does not restart it.
//! - **Resolution** starts at creation, runs while the ticket is in a running status, is
//!   paused while it is in a pausing status (a tenant status flagged `pauses_sla`, built in:
//!   `waiting_on_client`; see [`Phase`]), so its due time
//!   moves out by the paused business time, stops when the ticket is resolved or closed, and
//!   resumes on a reopen.
//!
//! Each clock has a target (business time under its [`Hours`]); it is *met* when it stopped
//! with at most the target elapsed, *breached* as soon as more than the target elapsed.
//! Everything is a pure function of the history and `now`, so recomputing after a calendar
//! edit or a reopen gives consistent answers.

use chrono::{DateTime, Duration, Utc};
use psa_core::text_enum;
use uuid::Uuid;

use super::calendar::Hours;
use crate::domain::ticket::TicketStatus;

/// How the status a ticket entered affects the resolution clock: taken from the tenant
/// status's flags (`pauses_sla`, `closed`) as they were at the transition, so changing a
/// status's flags later never rewrites recorded history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The clock runs.
    Running,
    /// Time does not count (a pausing status).
    Paused,
    /// The clock stops (a closed status: resolved or closed).
    Stopped,
}

impl Phase {
    /// The phase of a status with these flags (`closed` wins).
    pub fn of(pauses_sla: bool, closed: bool) -> Self {
        if closed {
            Phase::Stopped
        } else if pauses_sla {
            Phase::Paused
        } else {
            Phase::Running
        }
    }
}

impl From<TicketStatus> for Phase {
    /// The built-in statuses' flags: WAITING_ON_CLIENT pauses, RESOLVED and CLOSED stop.
    fn from(status: TicketStatus) -> Self {
        match status {
            TicketStatus::WaitingOnClient => Phase::Paused,
            TicketStatus::Resolved | TicketStatus::Closed => Phase::Stopped,
            _ => Phase::Running,
        }
    }
}

fn pauses(p: Phase) -> bool {
    p == Phase::Paused
}

fn stops(p: Phase) -> bool {
    p == Phase::Stopped
}

/// The recorded history an SLA computation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub created_at: DateTime<Utc>,
    /// Status changes in time order (with the phase each entered status had then), the
    /// first being the status at creation.
    pub statuses: Vec<(DateTime<Utc>, Phase)>,
    /// When the first public note by a staff user was written.
    pub first_public_staff_note: Option<DateTime<Utc>>,
}

/// A clock's target: business time under `hours`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub minutes: i64,
    pub hours: Hours,
}

text_enum!(
    /// Where a clock stands: `pending` (running or paused within the target), `met` (stopped
    /// within it), `breached` (the target passed, stopped or not).
    Outcome { Pending => "pending", Met => "met", Breached => "breached" }
);

/// One clock at `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockState {
    /// Business time counted so far.
    pub elapsed: Duration,
    /// When the target is reached if the clock keeps running (for a stopped clock: as it was
    /// when it stopped); `None` while paused, since it moves out for as long as the pause lasts.
    pub due: Option<DateTime<Utc>>,
    /// When the clock stopped (first response: the response; resolution: the last resolve).
    pub stopped_at: Option<DateTime<Utc>>,
    pub paused: bool,
    pub outcome: Outcome,
    /// Business time the target allows.
    pub target: Duration,
    /// Start of the current running stretch and the business time counted before it (`None`
    /// when paused or stopped), from which [`ClockState::reaches`] projects.
    running: Option<(DateTime<Utc>, Duration)>,
}

impl ClockState {
    /// The instant the clock reaches `percent` % of its target if it keeps running, or `None`
    /// when it is paused or stopped. Points already passed are answered too (in the past).
    pub fn reaches(&self, hours: &Hours, percent: u32) -> Option<DateTime<Utc>> {
        let (since, before) = self.running?;
        let point = Duration::seconds(self.target.num_seconds() * i64::from(percent) / 100);
        Some(hours.add(since, point - before))
    }
}

/// Both clocks of a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaClocks {
    pub first_response: ClockState,
    pub resolution: ClockState,
}

fn outcome(elapsed: Duration, target: Duration, stopped: bool) -> Outcome {
    // A running clock that used up its whole target is breached at that instant.
    if elapsed > target || (!stopped && elapsed >= target) {
        Outcome::Breached
    } else if stopped {
        Outcome::Met
    } else {
        Outcome::Pending
    }
}

/// Computes both clocks from `h` at `now`.
pub fn compute(h: &History, first_response: &Target, resolution: &Target, now: DateTime<Utc>) -> SlaClocks {
    SlaClocks {
        first_response: first_response_clock(h, first_response, now),
        resolution: resolution_clock(h, resolution, now),
    }
}

/// The first-response clock (never paused).
pub fn first_response_clock(h: &History, target: &Target, now: DateTime<Utc>) -> ClockState {
    let limit = Duration::minutes(target.minutes);
    let first_resolve = h.statuses.iter().find(|(_, s)| stops(*s)).map(|(t, _)| *t);
    let note = h.first_public_staff_note;
    let stopped_at = match (note, first_resolve) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
    .filter(|t| *t <= now);
    let end = stopped_at.unwrap_or(now).max(h.created_at);
    let elapsed = target.hours.between(h.created_at, end);
    ClockState {
        elapsed,
        due: Some(target.hours.add(h.created_at, limit)),
        stopped_at,
        paused: false,
        outcome: outcome(elapsed, limit, stopped_at.is_some()),
        target: limit,
        running: stopped_at.is_none().then_some((h.created_at, Duration::zero())),
    }
}

/// The resolution clock (paused in pausing statuses, stopped while resolved/closed).
pub fn resolution_clock(h: &History, target: &Target, now: DateTime<Utc>) -> ClockState {
    let limit = Duration::minutes(target.minutes);
    // Only what had happened by `now` counts (recomputing "as of" an earlier instant).
    let mut list: Vec<_> = h.statuses.iter().copied().filter(|(t, _)| *t <= now).collect();
    if list.is_empty() {
        list.push((h.created_at, Phase::Running));
    }
    let clamp = |t: DateTime<Utc>| t.max(h.created_at).min(now.max(h.created_at));
    let mut elapsed = Duration::zero();
    let mut due = None;
    let mut running = None;
    let mut state = (h.created_at, Phase::Running);
    for (i, &(at, status)) in list.iter().enumerate() {
        let from = clamp(at);
        let to = list.get(i + 1).map_or(clamp(now), |n| clamp(n.0)).max(from);
        state = (from, status);
        running = None;
        if !pauses(status) && !stops(status) {
            due = Some(target.hours.add(from, limit - elapsed));
            running = Some((from, elapsed));
            elapsed += target.hours.between(from, to);
        }
    }
    let (since, status) = state;
    let paused = pauses(status);
    let stopped_at = stops(status).then_some(since);
    ClockState {
        elapsed,
        due: if paused { None } else { due },
        stopped_at,
        paused,
        outcome: outcome(elapsed, limit, stopped_at.is_some()),
        target: limit,
        running,
    }
}

text_enum!(
    /// Which clock a threshold belongs to.
    ClockKind { FirstResponse => "first_response", Resolution => "resolution" }
);

/// One announcement point of a clock: a warning threshold or the breach (100 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub clock: ClockKind,
    /// Percent of the target; 100 is the breach.
    pub threshold: i16,
    /// When it falls due if the clock keeps running (possibly in the past); `None` while the
    /// clock is paused or stopped — except a breach that already happened, due at once.
    pub fire_at: Option<DateTime<Utc>>,
    /// Whether the clock has counted at least `threshold` % of its target by now.
    pub reached: bool,
}

/// Every point of both clocks for `thresholds` (percent, below 100) plus the breach, at `now`.
pub fn points(
    clocks: &SlaClocks,
    first_response: &Hours,
    resolution: &Hours,
    thresholds: &[i16],
    now: DateTime<Utc>,
) -> Vec<Point> {
    let mut out = Vec::new();
    for (clock, state, hours) in [
        (ClockKind::FirstResponse, &clocks.first_response, first_response),
        (ClockKind::Resolution, &clocks.resolution, resolution),
    ] {
        for &threshold in thresholds.iter().chain(std::iter::once(&100)) {
            let pct = u32::try_from(threshold).unwrap_or(100);
            let reached = if threshold >= 100 {
                state.outcome == Outcome::Breached
            } else {
                state.elapsed.num_seconds() * 100 >= state.target.num_seconds() * i64::from(pct)
            };
            let fire_at = state.reaches(hours, pct).or((threshold >= 100 && reached).then_some(now));
            out.push(Point { clock, threshold, fire_at, reached });
        }
    }
    out
}

/// A ticket's SLA state as stored and shown (`ticket_sla`, proto `SlaState`).
#[derive(Debug, Clone, PartialEq)]
pub struct SlaSummary {
    pub policy_id: Uuid,
    pub first_response_due: DateTime<Utc>,
    /// When the first-response clock stopped.
    pub first_response_at: Option<DateTime<Utc>>,
    pub first_response: Outcome,
    /// `None` while paused.
    pub resolution_due: Option<DateTime<Utc>>,
    pub resolved: bool,
    pub paused: bool,
    pub resolution: Outcome,
}

impl SlaSummary {
    /// The summary of `clocks` under `policy_id`.
    pub fn new(policy_id: Uuid, clocks: &SlaClocks) -> Self {
        let (f, r) = (&clocks.first_response, &clocks.resolution);
        SlaSummary {
            policy_id,
            first_response_due: f.due.unwrap_or_default(),
            first_response_at: f.stopped_at,
            first_response: f.outcome,
            resolution_due: r.due,
            resolved: r.stopped_at.is_some(),
            paused: r.paused,
            resolution: r.outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::calendar::tests::{nine_to_five, utc};
    use super::*;
    use TicketStatus::*;

    fn target(minutes: i64, hours: Hours) -> Target {
        Target { minutes, hours }
    }

    fn history(created: &str, statuses: &[(&str, TicketStatus)], note: Option<&str>) -> History {
        History {
            created_at: utc(created),
            statuses: statuses.iter().map(|(t, s)| (utc(t), Phase::from(*s))).collect(),
            first_public_staff_note: note.map(utc),
        }
    }

    #[test]
    fn first_response_met_breached_and_pending() {
        let bh = nine_to_five("America/New_York", &[]);
        // Created Tue 2026-01-13 16:30 EST (21:30Z), 60-minute target: 30 min today, due Wed 09:30.
        let t = target(60, bh.clone());
        let h = history("2026-01-13T21:30:00Z", &[("2026-01-13T21:30:00Z", New)], None);
        let c = first_response_clock(&h, &t, utc("2026-01-14T13:00:00Z"));
        assert_eq!(c.due, Some(utc("2026-01-14T14:30:00Z")));
        assert_eq!((c.outcome, c.elapsed), (Outcome::Pending, Duration::minutes(30)));
        // 75 % of 60 min = 45 min → Wed 09:15 EST.
        assert_eq!(c.reaches(&bh, 75), Some(utc("2026-01-14T14:15:00Z")));
        let late = first_response_clock(&h, &t, utc("2026-01-14T14:31:00Z"));
        assert_eq!(late.outcome, Outcome::Breached);
        let answered = history("2026-01-13T21:30:00Z", &[("2026-01-13T21:30:00Z", New)], Some("2026-01-14T14:29:00Z"));
        let c = first_response_clock(&answered, &t, utc("2026-01-20T00:00:00Z"));
        assert_eq!(
            (c.outcome, c.stopped_at, c.reaches(&bh, 90)),
            (Outcome::Met, Some(utc("2026-01-14T14:29:00Z")), None)
        );
        // Pausing statuses do not pause the first response.
        let waiting = history(
            "2026-01-13T15:00:00Z",
            &[("2026-01-13T15:00:00Z", New), ("2026-01-13T15:10:00Z", WaitingOnClient)],
            None,
        );
        let c = first_response_clock(&waiting, &t, utc("2026-01-13T16:30:00Z"));
        assert_eq!((c.outcome, c.paused), (Outcome::Breached, false));
    }

    #[test]
    fn resolution_pauses_across_nights_and_weekends() {
        let bh = nine_to_five("Europe/London", &[]);
        // 8 business hours. Created Thu 2026-01-15 09:00; 4 h run; waiting on client from 13:00
        // Thu over the weekend until Mon 19th 11:00; then runs: 4 h left → Mon 15:00.
        let t = target(480, bh.clone());
        let h = history(
            "2026-01-15T09:00:00Z",
            &[("2026-01-15T09:00:00Z", New), ("2026-01-15T13:00:00Z", WaitingOnClient), ("2026-01-19T11:00:00Z", Open)],
            None,
        );
        let paused = resolution_clock(&h, &t, utc("2026-01-17T12:00:00Z"));
        assert_eq!((paused.paused, paused.due, paused.elapsed), (true, None, Duration::hours(4)));
        assert_eq!(paused.reaches(&bh, 100), None);
        let c = resolution_clock(&h, &t, utc("2026-01-19T12:00:00Z"));
        assert_eq!(c.due, Some(utc("2026-01-19T15:00:00Z")));
        // Without the pause the due was Thu 17:00: it moved out by the paused business time
        // (Thu 13–17, Fri 9–17, Mon 9–11 = 14 h) — Mon 15:00 is 14 business hours after Thu 17:00.
        assert_eq!(bh.between(utc("2026-01-15T17:00:00Z"), utc("2026-01-19T15:00:00Z")), Duration::hours(14));
        assert_eq!(c.reaches(&bh, 75), Some(utc("2026-01-19T13:00:00Z")));
        assert_eq!(c.outcome, Outcome::Pending);
        assert_eq!(resolution_clock(&h, &t, utc("2026-01-19T15:00:01Z")).outcome, Outcome::Breached);
    }

    #[test]
    fn resolve_stops_and_reopen_resumes() {
        let t = target(120, Hours::Always);
        let h = history(
            "2026-02-02T10:00:00Z",
            &[("2026-02-02T10:00:00Z", New), ("2026-02-02T11:00:00Z", Resolved), ("2026-02-03T10:00:00Z", Open)],
            None,
        );
        let resolved = resolution_clock(&h, &t, utc("2026-02-02T20:00:00Z"));
        assert_eq!((resolved.outcome, resolved.stopped_at), (Outcome::Met, Some(utc("2026-02-02T11:00:00Z"))));
        assert_eq!(resolved.due, Some(utc("2026-02-02T12:00:00Z")));
        // Reopened: 60 minutes were used, 60 remain from the reopen.
        let c = resolution_clock(&h, &t, utc("2026-02-03T10:30:00Z"));
        assert_eq!((c.outcome, c.due, c.stopped_at), (Outcome::Pending, Some(utc("2026-02-03T11:00:00Z")), None));
        assert_eq!(resolution_clock(&h, &t, utc("2026-02-03T11:00:01Z")).outcome, Outcome::Breached);
        // The resolve also stopped the first response (without a note); a reopen does not restart it.
        let fr = first_response_clock(&h, &target(30, Hours::Always), utc("2026-02-04T00:00:00Z"));
        assert_eq!((fr.outcome, fr.stopped_at), (Outcome::Breached, Some(utc("2026-02-02T11:00:00Z"))));
    }

    #[test]
    fn short_targets_24x7_and_after_hours_creation() {
        // 15-minute 24×7 target on a Saturday night.
        let t = target(15, Hours::Always);
        let h = history("2026-01-17T23:50:00Z", &[("2026-01-17T23:50:00Z", New)], None);
        let c = compute(&h, &t, &t, utc("2026-01-17T23:55:00Z"));
        assert_eq!(c.first_response.due, Some(utc("2026-01-18T00:05:00Z")));
        assert_eq!(c.resolution.due, Some(utc("2026-01-18T00:05:00Z")));
        assert_eq!(c.resolution.reaches(&Hours::Always, 90), Some(utc("2026-01-18T00:03:30Z")));
        // The same on business hours waits for Monday 09:15.
        let bh = nine_to_five("Europe/London", &[]);
        let b = resolution_clock(&h, &target(15, bh), utc("2026-01-18T12:00:00Z"));
        assert_eq!((b.due, b.elapsed), (Some(utc("2026-01-19T09:15:00Z")), Duration::zero()));
    }

    #[test]
    fn points_follow_the_clocks() {
        let t = target(100, Hours::Always);
        let h = history("2026-02-02T10:00:00Z", &[("2026-02-02T10:00:00Z", New)], Some("2026-02-02T10:10:00Z"));
        let now = utc("2026-02-02T11:20:00Z");
        let c = compute(&h, &t, &t, now);
        let p = points(&c, &Hours::Always, &Hours::Always, &[75, 90], now);
        let res: Vec<_> = p.iter().filter(|p| p.clock == ClockKind::Resolution).collect();
        assert_eq!(res.iter().map(|p| p.reached).collect::<Vec<_>>(), [true, false, false]);
        assert_eq!(res[1].fire_at, Some(utc("2026-02-02T11:30:00Z")));
        assert_eq!(res[2].fire_at, Some(utc("2026-02-02T11:40:00Z")));
        // First response was met: no point will fire.
        assert!(p.iter().filter(|p| p.clock == ClockKind::FirstResponse).all(|p| p.fire_at.is_none() && !p.reached));
    }

    #[test]
    fn recomputes_under_a_changed_calendar() {
        let h = history("2026-12-23T16:00:00Z", &[("2026-12-23T16:00:00Z", Open)], None);
        let before =
            resolution_clock(&h, &target(120, nine_to_five("Europe/London", &[])), utc("2026-12-23T16:30:00Z"));
        assert_eq!(before.due, Some(utc("2026-12-24T10:00:00Z")));
        let after = resolution_clock(
            &h,
            &target(120, nine_to_five("Europe/London", &["2026-12-24"])),
            utc("2026-12-23T16:30:00Z"),
        );
        assert_eq!(after.due, Some(utc("2026-12-25T10:00:00Z")));
    }
}
