//! Email to ticket (PRD §3.4.1 "Email-to-ticket", "Email parsing rules"): parsing and
//! classifying inbound mail ([`message`]), trimming quoted history ([`quote`]), ticket tags in
//! subjects ([`thread`]), parse rules ([`rules`]), mailboxes ([`mailbox`]), and the decision
//! what a message does ([`Decision`]).

pub mod mailbox;
pub mod message;
pub mod quote;
pub mod rules;
pub mod thread;

use psa_core::text_enum;

text_enum!(
    /// What became of an email. Inbound: `created_ticket`, `added_note`, `ignored` (written by
    /// a machine, or dropped by a parse rule), `rejected` (unknown sender under the reject
    /// policy). Outbound: `queued`, `sent`, `failed`.
    EmailOutcome {
        CreatedTicket => "created_ticket",
        AddedNote => "added_note",
        Ignored => "ignored",
        Rejected => "rejected",
        Queued => "queued",
        Sent => "sent",
        Failed => "failed",
    }
);

text_enum!(
    /// Which way an email went.
    EmailDirection { Inbound => "inbound", Outbound => "outbound" }
);

/// Public mail providers: a sender at one of these domains says nothing about their company.
const PUBLIC_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.ru",
    "yandex.ru",
    "qq.com",
];

/// The email domains of a company, lower case, for matching senders that are not contacts:
/// the domain of its general mailbox and the host of its website without `www.`; public mail
/// providers (gmail.com, outlook.com, …) are left out.
pub fn company_domains(email: &str, website: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((_, d)) = email.trim().rsplit_once('@') {
        out.push(d.to_ascii_lowercase());
    }
    let site = website.trim();
    if !site.is_empty() {
        let with_scheme = if site.contains("://") { site.to_owned() } else { format!("https://{site}") };
        if let Ok(u) = url::Url::parse(&with_scheme)
            && let Some(host) = u.host_str()
        {
            out.push(host.trim_start_matches("www.").to_ascii_lowercase());
        }
    }
    out.retain(|d| d.contains('.') && !PUBLIC_MAIL_DOMAINS.contains(&d.as_str()));
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::company_domains;

    #[test]
    fn domains_of_a_company() {
        assert_eq!(company_domains("info@Acme.example", "https://www.acme.example/about"), ["acme.example"]);
        assert_eq!(company_domains("", "acme-corp.example"), ["acme-corp.example"]);
        assert_eq!(company_domains("acme@gmail.com", "https://acme.example"), ["acme.example"]);
        assert!(company_domains("nope", "").is_empty());
    }
}
