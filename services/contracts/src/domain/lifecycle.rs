//! Status lifecycles of the commercial documents (contracts, proposals, SAFs, COCs) and the
//! rules their fields share: one transition table type, one "illegal move" error, one number
//! format, one set of field limits and one update-mask rule.

use chrono::NaiveDate;
use psa_core::DomainError;
use psa_core::validate::Validator;

/// The allowed status moves of one kind of document: a pure state machine over `S`.
#[derive(Debug, Clone, Copy)]
pub struct Lifecycle<S: 'static> {
    /// The document with its article, as the error names it: "a SAF", "a contract".
    pub noun: &'static str,
    /// Every allowed `(from, to)` move; anything else (staying put included) is not a move.
    /// Listed in the status declaration order, which is the order errors name targets in.
    pub moves: &'static [(S, S)],
    /// The stored name of a status (the `text_enum!` `as_str`).
    pub name: fn(S) -> &'static str,
    /// Whether an illegal-move error lists the allowed targets: "(allowed: submitted)".
    pub name_targets: bool,
}

impl<S: Copy + PartialEq> Lifecycle<S> {
    /// Whether the move `from → to` is in the table.
    pub fn allows(&self, from: S, to: S) -> bool {
        self.moves.contains(&(from, to))
    }

    /// Checks the move `from → to`.
    ///
    /// # Errors
    /// [`DomainError::FailedPrecondition`] naming the move, e.g. "a SAF cannot move from draft
    /// to active"; with `name_targets`, followed by " (allowed: submitted)" or
    /// " (allowed: none, it is final)".
    pub fn check(&self, from: S, to: S) -> Result<(), DomainError> {
        if self.allows(from, to) {
            return Ok(());
        }
        let mut message = format!("{} cannot move from {} to {}", self.noun, (self.name)(from), (self.name)(to));
        if self.name_targets {
            let targets: Vec<&str> = self.moves.iter().filter(|m| m.0 == from).map(|m| (self.name)(m.1)).collect();
            let targets = if targets.is_empty() { "none, it is final".to_owned() } else { targets.join(", ") };
            message.push_str(&format!(" (allowed: {targets})"));
        }
        Err(DomainError::FailedPrecondition(message))
    }
}

/// A status with a lifecycle: the moves come from [`Status::LIFECYCLE`].
pub trait Status: Copy + PartialEq + 'static {
    /// The allowed moves.
    const LIFECYCLE: Lifecycle<Self>;

    /// Whether the lifecycle allows `self → to`; staying in the same status is not a move.
    fn can_move_to(self, to: Self) -> bool {
        Self::LIFECYCLE.allows(self, to)
    }

    /// Checks the move `self → to`.
    ///
    /// # Errors
    /// [`DomainError::FailedPrecondition`] naming the move (see [`Lifecycle::check`]).
    fn check_move(self, to: Self) -> Result<(), DomainError> {
        Self::LIFECYCLE.check(self, to)
    }

    /// Moves `self` to `to` when they differ and the move is allowed; staying put is fine.
    ///
    /// # Errors
    /// As [`Status::check_move`]; `self` is then left as it was.
    fn move_to(&mut self, to: Self) -> Result<(), DomainError> {
        if *self != to {
            self.check_move(to)?;
            *self = to;
        }
        Ok(())
    }
}

/// Applies an update mask with [`psa_core::mask::apply`]: the mask must name at least one
/// field, each of them in `allowed`; returns the names whose value changed.
///
/// # Errors
/// [`DomainError::Invalid`] on `update_mask` for an empty mask or a name not in `allowed`; any
/// error `set` returns (e.g. an illegal status move).
pub fn apply_mask<T: Clone + PartialEq>(
    target: &mut T,
    mask: &[String],
    allowed: &[&str],
    set: impl FnMut(&mut T, &str) -> Result<(), DomainError>,
) -> Result<Vec<String>, DomainError> {
    if mask.is_empty() {
        return Err(DomainError::invalid("update_mask", "name at least one field"));
    }
    psa_core::mask::apply(target, mask, allowed, set)
}

/// The generated number for counter value `n`: `SAF-000001` for prefix `SAF` (at least six
/// digits, more when `n` needs them).
pub fn generated_number(prefix: &str, n: i64) -> String {
    format!("{prefix}-{n:06}")
}

/// A document number: at most 50 characters (empty: to be generated).
pub fn check_number(v: &mut Validator, field: &str, number: &str) {
    v.max_chars(field, number, 50);
}

/// A document title or name: 1–200 characters.
pub fn check_title(v: &mut Validator, field: &str, title: &str) {
    v.required(field, title).max_chars(field, title, 200);
}

/// A free-text description: at most 65 536 characters.
pub fn check_description(v: &mut Validator, field: &str, description: &str) {
    v.max_chars(field, description, 65_536);
}

/// A link to the signed document: an absolute http(s) URL of at most 2048 characters, or
/// empty.
pub fn check_document_url(v: &mut Validator, field: &str, url: &str) {
    v.max_chars(field, url, 2048).http_url(field, url);
}

/// A date range: `end` (named `field`) must not be before `start` (named `start_name` in the
/// message); either missing → nothing to check.
pub fn check_range(v: &mut Validator, field: &str, start: Option<NaiveDate>, end: Option<NaiveDate>, start_name: &str) {
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        v.push(field, format!("must not be before {start_name}"));
    }
}

/// A stored document keeps a number: on update an emptied number is refused.
///
/// # Errors
/// [`DomainError::Invalid`] on `field`: "is required".
pub fn require_number(field: &str, number: &str) -> Result<(), DomainError> {
    if number.is_empty() { Err(DomainError::invalid(field, "is required")) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_required_numbers() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let mut v = Validator::new();
        check_range(&mut v, "a.end", d("2026-01-02"), d("2026-01-01"), "start");
        check_range(&mut v, "b.end", d("2026-01-01"), d("2026-01-01"), "start");
        check_range(&mut v, "c.end", None, d("2026-01-01"), "start");
        let violations = v.into_violations();
        assert_eq!(violations.len(), 1);
        assert_eq!(
            (violations[0].field.as_str(), violations[0].description.as_str()),
            ("a.end", "must not be before start")
        );
        assert!(require_number("x.number", "C-1").is_ok());
        assert!(matches!(require_number("x.number", ""), Err(DomainError::Invalid(f)) if f[0].field == "x.number"));
    }
}
