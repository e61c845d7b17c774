//! The subset of AIP-160 list filtering the API accepts: comparisons joined by `AND`.
//!
//! ```text
//! filter     = comparison { "AND" comparison }
//! comparison = field op value
//! op         = "=" | "!=" | ":"          (":" = has/contains, case-insensitive for text)
//! value      = "quoted string" | bare-word
//! ```
//! Field names are snake_case or lowerCamelCase (`company_id`, `companyId`); they are
//! returned as snake_case. Which fields and operators a list allows is the service's choice.

use crate::error::DomainError;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `:` — contains (text) / equals (other kinds).
    Has,
}

impl Op {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Has => ":",
        }
    }
}

/// One `field op value` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// snake_case field name.
    pub field: String,
    pub op: Op,
    /// The value with quotes removed and `\"`/`\\` unescaped.
    pub value: String,
}

/// Parses `filter`; an empty or blank filter yields no comparisons.
///
/// # Errors
/// [`DomainError::Invalid`] on field `filter` describing the first syntax error.
pub fn parse(filter: &str) -> Result<Vec<Comparison>, DomainError> {
    let err = |msg: String| DomainError::invalid("filter", msg);
    let mut out = Vec::new();
    let mut rest = filter.trim();
    while !rest.is_empty() {
        // field
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(rest.len());
        if end == 0 {
            return Err(err(format!("expected a field name at `{}`", preview(rest))));
        }
        let field = to_snake(&rest[..end]);
        rest = rest[end..].trim_start();
        // op
        let op = if let Some(r) = rest.strip_prefix("!=") {
            rest = r;
            Op::Ne
        } else if let Some(r) = rest.strip_prefix('=') {
            rest = r;
            Op::Eq
        } else if let Some(r) = rest.strip_prefix(':') {
            rest = r;
            Op::Has
        } else {
            return Err(err(format!("expected `=`, `!=` or `:` after `{field}`")));
        };
        rest = rest.trim_start();
        // value
        let value;
        if let Some(r) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = r.char_indices();
            let mut closed = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, e)) => v.push(e),
                        None => break,
                    },
                    '"' => {
                        closed = Some(i);
                        break;
                    }
                    c => v.push(c),
                }
            }
            let Some(i) = closed else { return Err(err("unterminated quoted value".into())) };
            value = v;
            rest = r[i + 1..].trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            if end == 0 {
                return Err(err(format!("expected a value after `{field} {}`", op.as_str())));
            }
            value = rest[..end].to_owned();
            rest = rest[end..].trim_start();
        }
        out.push(Comparison { field, op, value });
        if rest.is_empty() {
            break;
        }
        match rest.split_once(char::is_whitespace) {
            Some(("AND", r)) => rest = r.trim_start(),
            _ => return Err(err(format!("expected `AND` at `{}` (only AND is supported)", preview(rest)))),
        }
        if rest.is_empty() {
            return Err(err("expected a comparison after `AND`".into()));
        }
    }
    Ok(out)
}

fn preview(s: &str) -> String {
    s.chars().take(20).collect()
}

/// `companyId` → `company_id`; snake_case stays as it is.
pub fn to_snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terms() {
        let f = parse(r#"status = TICKET_STATUS_OPEN AND companyId="a b" AND title:"say \"hi\"""#).unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f[0], Comparison { field: "status".into(), op: Op::Eq, value: "TICKET_STATUS_OPEN".into() });
        assert_eq!(f[1].field, "company_id");
        assert_eq!(f[1].value, "a b");
        assert_eq!(f[2].op, Op::Has);
        assert_eq!(f[2].value, "say \"hi\"");
        assert!(parse("   ").unwrap().is_empty());
        assert_eq!(parse("a!=b").unwrap()[0].op, Op::Ne);
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in ["status", "status =", "= x", "a = \"x", "a = b OR c = d", "a = b AND", "a = b c = d"] {
            let e = parse(bad).unwrap_err();
            assert!(matches!(&e, DomainError::Invalid(v) if v[0].field == "filter"), "{bad}: {e:?}");
        }
    }
}
