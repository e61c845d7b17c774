//! Trimming the quoted history from a reply, so a ticket note holds what the person wrote
//! this time. No maintained Rust crate does this; these are the rules of the common clients:
//!
//! - an attribution line, `On <date>, <name> wrote:` (Gmail, Apple Mail, Thunderbird), also
//!   wrapped over two lines, and its translations `Am … schrieb …:`, `Le … a écrit :`,
//!   `El … escribió:`, `Op … schreef …:`;
//! - Outlook's `-----Original Message-----` and the header block it starts with
//!   (`From:` followed by `Sent:`/`Date:` within the next lines), also after a line of
//!   underscores;
//! - a trailing block of `>` quoted lines (RFC 3676 §4.5);
//! - the signature after the `-- ` separator (RFC 3676 §4.3).
//!
//! Forwarded messages (`---------- Forwarded message ----------`, `Begin forwarded message:`)
//! are content, not history, and are kept. When trimming would leave nothing, the text is kept
//! whole.

/// `text` without the quoted history and signature, trailing blank lines removed.
pub fn trim_reply(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        // What follows a forward marker is the forwarded message: content, kept whole.
        if is_forward_marker(line) {
            break;
        }
        let sig = line.trim_end_matches('\r') == "-- " || (line.trim() == "--" && lines.len() - i <= 7);
        if sig || starts_history(&lines, i) {
            end = i;
            break;
        }
    }
    let mut kept = &lines[..end];
    // A trailing block of quoted lines (with blank lines between) is history too.
    while let Some((last, rest)) = kept.split_last() {
        let t = last.trim();
        if t.is_empty() || t.starts_with('>') {
            kept = rest;
        } else {
            break;
        }
    }
    let out = kept.join("\n").trim_end().to_owned();
    if out.trim().is_empty() { text.trim_end().to_owned() } else { out }
}

fn is_forward_marker(line: &str) -> bool {
    let l = line.trim().to_ascii_lowercase();
    l.contains("forwarded message") || l.starts_with("begin forwarded message")
}

/// Attribution lines in the languages mail clients ship, as (starts with, verb): the line
/// starts with the first, contains the verb and ends with `:`.
const ATTRIBUTIONS: &[(&str, &str)] = &[
    ("on ", "wrote"),
    ("am ", "schrieb"),
    ("le ", "a écrit"),
    ("el ", "escribió"),
    ("op ", "schreef"),
    ("il ", "ha scritto"),
    ("em ", "escreveu"),
];

fn is_attribution(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    l.ends_with(':') && ATTRIBUTIONS.iter().any(|(start, verb)| l.starts_with(start) && l.contains(verb))
}

fn starts_history(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    if is_attribution(line) {
        return true;
    }
    // An attribution wrapped over two lines: "On Mon, 1 Jan 2024 at 10:00, Jane Doe <" / "jane@x> wrote:".
    if line.to_lowercase().starts_with("on ")
        && let Some(next) = lines.get(i + 1)
        && next.trim().to_lowercase().ends_with("wrote:")
        && line.len() + next.len() < 300
    {
        return true;
    }
    let lower = line.to_ascii_lowercase();
    if lower.starts_with("-----") && lower.contains("original message") {
        return true;
    }
    if line.len() >= 20 && line.chars().all(|c| c == '_') {
        return i + 1 < lines.len() && outlook_header_block(lines, i + 1);
    }
    outlook_header_block(lines, i)
}

/// `From: …` followed within four lines by `Sent: …` or `Date: …` (Outlook's reply header).
fn outlook_header_block(lines: &[&str], i: usize) -> bool {
    let is = |l: &str, names: &[&str]| {
        let l = l.trim_start_matches('*').trim().to_ascii_lowercase();
        names.iter().any(|n| l.starts_with(n))
    };
    is(lines[i], &["from:", "von:", "de:"])
        && lines[i + 1..].iter().take(4).any(|l| is(l, &["sent:", "date:", "gesendet:", "envoyé :", "enviado:"]))
}

#[cfg(test)]
mod tests {
    use super::trim_reply;

    #[test]
    fn gmail_attribution() {
        let t = "Thanks, that fixed it.\n\nOn Mon, Nov 16, 2026 at 10:02 AM Help Desk <help@msp.example> wrote:\n> Please restart the spooler.\n>\n";
        assert_eq!(trim_reply(t), "Thanks, that fixed it.");
    }

    #[test]
    fn wrapped_attribution() {
        let t = "Still broken.\n\nOn Mon, Nov 16, 2026 at 10:02 AM Help Desk <\nhelp@msp.example> wrote:\n\n> old\n";
        assert_eq!(trim_reply(t), "Still broken.");
    }

    #[test]
    fn german_and_french_attributions() {
        assert_eq!(trim_reply("Danke!\nAm 16.11.2026 um 10:02 schrieb Help Desk <h@x>:\n> alt"), "Danke!");
        assert_eq!(trim_reply("Merci\nLe lun. 16 nov. 2026, Help Desk <h@x> a écrit :\n> ancien"), "Merci");
    }

    #[test]
    fn outlook_original_message() {
        let t = "See attached.\r\n\r\n-----Original Message-----\r\nFrom: Help Desk\r\nSent: Monday\r\nSubject: x\r\n\r\nold text";
        assert_eq!(trim_reply(t), "See attached.");
    }

    #[test]
    fn outlook_header_block_after_underscores() {
        let t = "Done.\n\n________________________________\nFrom: Help Desk <h@x>\nSent: Monday, 16 November 2026 10:02\nTo: Jane\nSubject: RE: [T-000042] Printer\n\nold";
        assert_eq!(trim_reply(t), "Done.");
        let bare = "Done.\n\nFrom: Help Desk <h@x>\nDate: Monday\nTo: Jane\n\nold";
        assert_eq!(trim_reply(bare), "Done.");
    }

    #[test]
    fn from_line_alone_is_content() {
        let t = "From: the printer on floor 2\nit prints blank pages";
        assert_eq!(trim_reply(t), t);
    }

    #[test]
    fn trailing_quotes_and_signature() {
        assert_eq!(trim_reply("Yes please.\n\n> Shall we reboot?\n> \n"), "Yes please.");
        assert_eq!(trim_reply("Yes please.\n-- \nJane Doe\nACME Corp\n"), "Yes please.");
        // Interleaved answers keep the quotes they answer.
        let inline = "> Is it plugged in?\nYes.\n> Is it on?\nNo.";
        assert_eq!(trim_reply(inline), inline);
    }

    #[test]
    fn forwards_are_content() {
        let t = "FYI\n\n---------- Forwarded message ----------\nFrom: Vendor <v@x>\nDate: Mon\nSubject: outage\n\nThe service is down.";
        assert_eq!(trim_reply(t), t);
    }

    #[test]
    fn nothing_left_keeps_everything() {
        let t = "> only a quote\n> nothing else";
        assert_eq!(trim_reply(t), t);
    }
}
