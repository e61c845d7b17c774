//! SLA state of a ticket: an outcome badge per clock with its due time.

use yew::prelude::*;

use crate::api::SlaState;
use crate::format::datetime;

/// Props of [`SlaClocks`].
#[derive(Properties, PartialEq)]
pub struct SlaProps {
    /// The ticket's SLA state; `None` shows a dash.
    pub sla: Option<SlaState>,
    /// One line (lists) instead of a definition list (ticket page).
    #[prop_or(false)]
    pub compact: bool,
}

fn badge(outcome: &str, paused: bool) -> Html {
    let (class, label) = match outcome {
        "SLA_OUTCOME_MET" => ("badge badge-status-resolved", "Met"),
        "SLA_OUTCOME_BREACHED" => ("badge badge-priority-critical", "Breached"),
        _ if paused => ("badge badge-status-waiting-on-client", "Paused"),
        _ => ("badge badge-status-open", "Running"),
    };
    html! { <span class={class} data-testid="sla-outcome">{ label }</span> }
}

/// First-response and resolution clocks: outcome and due time.
#[function_component(SlaClocks)]
pub fn sla_clocks(props: &SlaProps) -> Html {
    let Some(s) = &props.sla else {
        return html! { <span class="muted" data-testid="sla-none">{ "—" }</span> };
    };
    let resolution_due =
        if s.paused && s.resolution_due.is_empty() { "paused".to_string() } else { datetime(&s.resolution_due) };
    if props.compact {
        // The clock that matters now: first response until given, then resolution.
        let first_matters = s.first_response == "SLA_OUTCOME_PENDING"
            || (s.first_response == "SLA_OUTCOME_BREACHED" && s.resolution != "SLA_OUTCOME_MET");
        let (outcome, due, paused) = if first_matters {
            (s.first_response.as_str(), datetime(&s.first_response_due), false)
        } else {
            (s.resolution.as_str(), resolution_due, s.paused)
        };
        return html! {
            <span class="nowrap" data-testid="ticket-sla">{ badge(outcome, paused) }{ " " }<span class="muted">{ due }</span></span>
        };
    }
    html! {
        <>
            <dt>{ "First response" }</dt>
            <dd data-testid="sla-first-response">
                { badge(&s.first_response, false) }{ " due " }{ datetime(&s.first_response_due) }
                if !s.first_response_time.is_empty() {
                    <div class="muted">{ format!("responded {}", datetime(&s.first_response_time)) }</div>
                }
            </dd>
            <dt>{ "Resolution" }</dt>
            <dd data-testid="sla-resolution">
                { badge(&s.resolution, s.paused) }{ " due " }{ resolution_due }
            </dd>
        </>
    }
}
