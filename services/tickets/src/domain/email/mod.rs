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
