//! Failed-login counter and lockout (seed 001: failedLoginAttempts, isLocked; PRD §3.18).
//! Pure rules; time is passed in.

use chrono::{DateTime, Duration, Utc};

/// A tenant's lockout policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Consecutive failures that lock the account (default 5).
    pub threshold: i32,
    /// How long a lock lasts, in minutes (default 15).
    pub minutes: i32,
}

/// The lockout state of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// Consecutive failures since the last success or unlock.
    pub failed_attempts: i32,
    /// Locked until this instant (UTC), if a lock was set.
    pub locked_until: Option<DateTime<Utc>>,
}

impl State {
    /// Whether the account is locked at `now`.
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|t| t > now)
    }

    /// The state after a wrong password at `now`: the counter grows (restarting from zero once
    /// an earlier lock has run out) and reaching the threshold locks for `policy.minutes`.
    /// Failures while locked do not extend the lock.
    pub fn after_failure(self, policy: Policy, now: DateTime<Utc>) -> State {
        if self.is_locked(now) {
            return self;
        }
        let expired = self.locked_until.is_some();
        let attempts = if expired { 1 } else { self.failed_attempts.saturating_add(1) };
        let locked_until = (attempts >= policy.threshold).then(|| now + Duration::minutes(i64::from(policy.minutes)));
        State { failed_attempts: attempts, locked_until }
    }

    /// The state after a successful sign-in or an admin unlock.
    pub fn cleared() -> State {
        State { failed_attempts: 0, locked_until: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Policy = Policy { threshold: 3, minutes: 15 };

    #[test]
    fn locks_at_threshold_and_unlocks_after_the_period() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z").unwrap().with_timezone(&Utc);
        let mut s = State::cleared();
        s = s.after_failure(P, t0);
        s = s.after_failure(P, t0);
        assert!(!s.is_locked(t0));
        s = s.after_failure(P, t0);
        assert!(s.is_locked(t0));
        assert_eq!(s.locked_until, Some(t0 + Duration::minutes(15)));
        // failures while locked do not extend it
        let later = t0 + Duration::minutes(10);
        assert_eq!(s.after_failure(P, later), s);
        let after = t0 + Duration::minutes(15);
        assert!(!s.is_locked(after));
        // the count restarts once the lock has run out
        let s2 = s.after_failure(P, after);
        assert_eq!((s2.failed_attempts, s2.is_locked(after)), (1, false));
    }
}
