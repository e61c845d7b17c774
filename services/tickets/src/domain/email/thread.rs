//! Subjects: the `[T-000042]` ticket tag that threads replies whose headers were lost (a new
//! mail client, a forward), the title a new ticket gets, and the subject of outbound mail.

use std::sync::LazyLock;

use regex::Regex;

use crate::domain::ticket::{MAX_TITLE, format_number};

static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\[\s*T-(\d{1,18})\s*\]").expect("tag regex"));
/// Reply and forward prefixes of common clients in several languages (`Re:`, `Fwd:`, `AW:`,
/// `WG:`, `SV:`, `VS:`, `Antw:`, `RIF:`, `TR:`, `Réf:`), optionally counted (`Re[2]:`).
static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(re|fw|fwd|aw|wg|sv|vs|antw|rif|r|tr|réf|ref)\s*(\[\d+\]|\(\d+\))?\s*:\s*")
        .expect("prefix regex")
});

/// The ticket number in a `[T-000042]` tag (case-insensitive, inner spaces allowed), if any;
/// the first tag wins.
pub fn ticket_number(subject: &str) -> Option<i64> {
    TAG.captures(subject).and_then(|c| c[1].parse().ok()).filter(|n| *n > 0)
}

/// A subject without reply/forward prefixes and ticket tags, for a new ticket's title
/// (at most [`MAX_TITLE`] characters; `(no subject)` when nothing is left).
pub fn ticket_title(subject: &str) -> String {
    let mut s = TAG.replace_all(subject, " ").into_owned();
    loop {
        let next = PREFIX.replace(&s, "").into_owned();
        if next == s {
            break;
        }
        s = next;
    }
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() { "(no subject)".into() } else { s.chars().take(MAX_TITLE).collect() }
}

/// Subject of mail about ticket `number`: `[T-000042] <title>`, so replies thread back even
/// when the client drops the `References` header.
pub fn outbound_subject(number: i64, title: &str) -> String {
    format!("[{}] {}", format_number(number), title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(ticket_number("Re: [T-000042] Printer"), Some(42));
        assert_eq!(ticket_number("RE: [ t-1234567 ] x"), Some(1_234_567));
        assert_eq!(ticket_number("T-000042 without brackets"), None);
        assert_eq!(ticket_number("[T-000000]"), None);
        assert_eq!(ticket_number("[T-99999999999999999999]"), None);
        assert_eq!(ticket_number("Invoice [INV-000042]"), None);
    }

    #[test]
    fn titles() {
        assert_eq!(ticket_title("Re: RE: Fwd: [T-000042] Printer offline"), "Printer offline");
        assert_eq!(ticket_title("AW: WG: Drucker"), "Drucker");
        assert_eq!(ticket_title("Re[2]: x"), "x");
        assert_eq!(ticket_title("Regarding the invoice"), "Regarding the invoice");
        assert_eq!(ticket_title("   "), "(no subject)");
        assert_eq!(ticket_title(&"x".repeat(300)).chars().count(), MAX_TITLE);
        assert_eq!(outbound_subject(42, "Printer"), "[T-000042] Printer");
    }
}
