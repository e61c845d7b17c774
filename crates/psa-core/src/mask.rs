//! Applying an update mask (AIP-134 `update_mask`) to a resource's writable fields.

use crate::error::DomainError;

/// Applies the fields named in `mask` to `target` with `set` (called once per name, after the
/// name was checked against `allowed`), and returns the names whose value actually changed, in
/// mask order without repeats.
///
/// # Errors
/// [`DomainError::Invalid`] on `update_mask` for a name not in `allowed`; any error `set`
/// returns (e.g. an illegal status move).
pub fn apply<T: Clone + PartialEq>(
    target: &mut T,
    mask: &[String],
    allowed: &[&str],
    mut set: impl FnMut(&mut T, &str) -> Result<(), DomainError>,
) -> Result<Vec<String>, DomainError> {
    let mut changed = Vec::new();
    for name in mask {
        if !allowed.contains(&name.as_str()) {
            return Err(DomainError::invalid(
                "update_mask",
                format!("`{name}` cannot be updated; allowed: {}", allowed.join(", ")),
            ));
        }
        let before = target.clone();
        set(target, name)?;
        if *target != before && !changed.contains(name) {
            changed.push(name.clone());
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_changes_and_refuses_unknown_names() {
        let mut v = (1, 2);
        let set = |t: &mut (i32, i32), n: &str| {
            match n {
                "a" => t.0 = 1,
                _ => t.1 = 5,
            }
            Ok(())
        };
        let mask = ["a".to_owned(), "b".to_owned(), "b".to_owned()];
        assert_eq!(apply(&mut v, &mask, &["a", "b"], set).unwrap(), ["b"]);
        assert_eq!(v, (1, 5));
        let err = apply(&mut v, &["c".to_owned()], &["a", "b"], set).unwrap_err();
        assert!(matches!(err, DomainError::Invalid(f) if f[0].field == "update_mask"));
    }
}
