//! Automation rules: domain ⇄ proto.

use psa_core::DomainError;
use psa_core::validate::Validator;
use psa_kit::convert::{opt_timestamp, timestamp};
use psa_proto::tickets::{self as pb, automation_action::Action as PbAction};
use uuid::Uuid;

use crate::app::automation::{ActionResult, conditions_from_json};
use crate::domain::automation::eval::ConditionResult;
use crate::domain::automation::{Action, Condition, Group, Match, Op, Rule, RuleFields, Trigger};
use crate::domain::ticket::format_number;
use crate::repo::automation::Run;

/// The proto trigger of `t`.
pub fn trigger_pb(t: Trigger) -> pb::AutomationTrigger {
    match t {
        Trigger::TicketCreated => pb::AutomationTrigger::TicketCreated,
        Trigger::TicketUpdated => pb::AutomationTrigger::TicketUpdated,
        Trigger::Schedule => pb::AutomationTrigger::Schedule,
        Trigger::SlaWarning => pb::AutomationTrigger::SlaWarning,
        Trigger::SlaBreached => pb::AutomationTrigger::SlaBreached,
        Trigger::NoResponse => pb::AutomationTrigger::NoResponse,
    }
}

/// The domain trigger of a proto value; `None` for UNSPECIFIED or unknown.
pub fn trigger(v: i32) -> Option<Trigger> {
    Some(match pb::AutomationTrigger::try_from(v).ok()? {
        pb::AutomationTrigger::TicketCreated => Trigger::TicketCreated,
        pb::AutomationTrigger::TicketUpdated => Trigger::TicketUpdated,
        pb::AutomationTrigger::Schedule => Trigger::Schedule,
        pb::AutomationTrigger::SlaWarning => Trigger::SlaWarning,
        pb::AutomationTrigger::SlaBreached => Trigger::SlaBreached,
        pb::AutomationTrigger::NoResponse => Trigger::NoResponse,
        pb::AutomationTrigger::Unspecified => return None,
    })
}

const OPS: [(Op, pb::AutomationOperator); 13] = [
    (Op::Equals, pb::AutomationOperator::Equals),
    (Op::NotEquals, pb::AutomationOperator::NotEquals),
    (Op::Contains, pb::AutomationOperator::Contains),
    (Op::NotContains, pb::AutomationOperator::NotContains),
    (Op::In, pb::AutomationOperator::In),
    (Op::NotIn, pb::AutomationOperator::NotIn),
    (Op::GreaterThan, pb::AutomationOperator::GreaterThan),
    (Op::LessThan, pb::AutomationOperator::LessThan),
    (Op::IsEmpty, pb::AutomationOperator::IsEmpty),
    (Op::IsNotEmpty, pb::AutomationOperator::IsNotEmpty),
    (Op::Changed, pb::AutomationOperator::Changed),
    (Op::ChangedFromTo, pb::AutomationOperator::ChangedFromTo),
    (Op::Matches, pb::AutomationOperator::Matches),
];

fn op_pb(o: Op) -> pb::AutomationOperator {
    OPS.iter().find(|(d, _)| *d == o).map_or(pb::AutomationOperator::Unspecified, |(_, p)| *p)
}

fn op(v: i32) -> Option<Op> {
    let p = pb::AutomationOperator::try_from(v).ok()?;
    OPS.iter().find(|(_, x)| *x == p).map(|(d, _)| *d)
}

fn id_text(id: Option<Uuid>) -> String {
    id.map(|u| u.to_string()).unwrap_or_default()
}

fn group_pb(g: &Group) -> pb::AutomationConditionGroup {
    pb::AutomationConditionGroup {
        r#match: match g.matches {
            Match::All => pb::AutomationMatch::All,
            Match::Any => pb::AutomationMatch::Any,
        } as i32,
        conditions: g
            .conditions
            .iter()
            .map(|c| pb::AutomationCondition {
                field: c.field.clone(),
                operator: op_pb(c.op) as i32,
                value: c.value.clone(),
                values: c.values.clone(),
                from_value: c.from_value.clone(),
                business_hours_id: id_text(c.business_hours_id),
            })
            .collect(),
        groups: g.groups.iter().map(group_pb).collect(),
    }
}

fn group(g: pb::AutomationConditionGroup, path: &str, v: &mut Validator) -> Group {
    Group {
        matches: if g.r#match == pb::AutomationMatch::Any as i32 { Match::Any } else { Match::All },
        conditions: g
            .conditions
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let at = format!("{path}.conditions[{i}]");
                let o = op(c.operator).unwrap_or_else(|| {
                    v.push(format!("{at}.operator"), "is required");
                    Op::Equals
                });
                Condition {
                    field: c.field,
                    op: o,
                    value: c.value,
                    values: c.values,
                    from_value: c.from_value,
                    business_hours_id: v.optional_uuid(&format!("{at}.business_hours_id"), &c.business_hours_id),
                }
            })
            .collect(),
        groups: g.groups.into_iter().enumerate().map(|(i, s)| group(s, &format!("{path}.groups[{i}]"), v)).collect(),
    }
}

fn priority_name(p: &Option<String>) -> i32 {
    p.as_deref().and_then(crate::domain::ticket::TicketPriority::parse).map_or(0, |p| super::priority_pb(p) as i32)
}

fn action_pb(a: &Action) -> pb::AutomationAction {
    let action = match a {
        Action::SetField { field, value } => {
            PbAction::SetField(pb::SetTicketFieldAction { field: field.clone(), value: value.clone() })
        }
        Action::ChangeTags { add, remove } => {
            PbAction::ChangeTags(pb::ChangeTicketTagsAction { add: add.clone(), remove: remove.clone() })
        }
        Action::Assign { assignee_id, team_id } => {
            PbAction::Assign(pb::AssignTicketAction { assignee_id: id_text(*assignee_id), team_id: id_text(*team_id) })
        }
        Action::ChangeQueue { queue_id } => {
            PbAction::ChangeQueue(pb::ChangeTicketQueueAction { queue_id: queue_id.to_string() })
        }
        Action::AddNote { body, visibility } => PbAction::AddNote(pb::AddTicketNoteAction {
            body: body.clone(),
            visibility: if visibility == "public" {
                pb::NoteVisibility::Public as i32
            } else {
                pb::NoteVisibility::Internal as i32
            },
        }),
        Action::Notify { to_addresses, to_contact, subject, body, to_assignee, to_team, to_user_ids } => {
            PbAction::Notify(pb::NotifyAction {
                to_addresses: to_addresses.clone(),
                to_contact: *to_contact,
                subject: subject.clone(),
                body: body.clone(),
                to_assignee: *to_assignee,
                to_team: *to_team,
                to_user_ids: to_user_ids.iter().map(Uuid::to_string).collect(),
            })
        }
        Action::CreateChildTicket { title, description, priority, assignee_id } => {
            PbAction::CreateChildTicket(pb::CreateChildTicketAction {
                title: title.clone(),
                description: description.clone(),
                priority: priority_name(priority),
                assignee_id: id_text(*assignee_id),
            })
        }
        Action::Escalate { levels, assignee_id, note } => PbAction::Escalate(pb::EscalateTicketAction {
            levels: *levels,
            assignee_id: id_text(*assignee_id),
            note: note.clone(),
        }),
        Action::ApplySlaPolicy { policy_id } => {
            PbAction::ApplySlaPolicy(pb::ApplySlaPolicyAction { policy_id: policy_id.to_string() })
        }
        Action::CallWebhook { url, sealed_secret } => PbAction::CallWebhook(pb::CallWebhookAction {
            url: url.clone(),
            secret: String::new(),
            has_secret: !sealed_secret.is_empty(),
        }),
    };
    pb::AutomationAction { action: Some(action) }
}

fn action(a: pb::AutomationAction, i: usize, v: &mut Validator, secrets: &mut Vec<String>) -> Option<Action> {
    let at = |f: &str| format!("rule.actions[{i}].{f}");
    let mut secret = String::new();
    let out = match a.action {
        None => {
            v.push(format!("rule.actions[{i}]"), "name one action");
            None
        }
        Some(PbAction::SetField(x)) => Some(Action::SetField { field: x.field, value: x.value }),
        Some(PbAction::ChangeTags(x)) => Some(Action::ChangeTags { add: x.add, remove: x.remove }),
        Some(PbAction::Assign(x)) => Some(Action::Assign {
            assignee_id: v.optional_uuid(&at("assign.assignee_id"), &x.assignee_id),
            team_id: v.optional_uuid(&at("assign.team_id"), &x.team_id),
        }),
        Some(PbAction::ChangeQueue(x)) => {
            v.uuid(&at("change_queue.queue_id"), &x.queue_id).map(|queue_id| Action::ChangeQueue { queue_id })
        }
        Some(PbAction::AddNote(x)) => Some(Action::AddNote {
            body: x.body,
            visibility: if x.visibility == pb::NoteVisibility::Public as i32 { "public" } else { "internal" }.into(),
        }),
        Some(PbAction::Notify(x)) => Some(Action::Notify {
            to_addresses: x.to_addresses,
            to_contact: x.to_contact,
            subject: x.subject,
            body: x.body,
            to_assignee: x.to_assignee,
            to_team: x.to_team,
            to_user_ids: x
                .to_user_ids
                .iter()
                .enumerate()
                .filter_map(|(j, u)| v.uuid(&at(&format!("notify.to_user_ids[{j}]")), u.trim()))
                .collect(),
        }),
        Some(PbAction::CreateChildTicket(x)) => {
            let priority = match pb::TicketPriority::try_from(x.priority) {
                Ok(pb::TicketPriority::Unspecified) => None,
                Ok(p) => Some(p.as_str_name().trim_start_matches("TICKET_PRIORITY_").to_ascii_lowercase()),
                Err(_) => {
                    v.push(at("create_child_ticket.priority"), "unknown priority");
                    None
                }
            };
            Some(Action::CreateChildTicket {
                title: x.title,
                description: x.description,
                priority,
                assignee_id: v.optional_uuid(&at("create_child_ticket.assignee_id"), &x.assignee_id),
            })
        }
        Some(PbAction::Escalate(x)) => Some(Action::Escalate {
            levels: x.levels,
            assignee_id: v.optional_uuid(&at("escalate.assignee_id"), &x.assignee_id),
            note: x.note,
        }),
        Some(PbAction::ApplySlaPolicy(x)) => v
            .uuid(&at("apply_sla_policy.policy_id"), &x.policy_id)
            .map(|policy_id| Action::ApplySlaPolicy { policy_id }),
        Some(PbAction::CallWebhook(x)) => {
            secret = x.secret;
            Some(Action::CallWebhook { url: x.url, sealed_secret: String::new() })
        }
    };
    secrets.push(secret);
    out
}

/// A rule as returned (webhook secrets never are).
pub fn rule(r: &Rule) -> pb::TicketAutomationRule {
    let f = &r.fields;
    pb::TicketAutomationRule {
        id: r.id.to_string(),
        name: f.name.clone(),
        description: f.description.clone(),
        active: Some(f.active),
        priority: f.priority,
        trigger: trigger_pb(f.trigger) as i32,
        schedule: f.schedule.clone(),
        time_zone: f.time_zone.clone(),
        no_response_hours: f.no_response_hours,
        conditions: Some(group_pb(&f.conditions)),
        actions: f.actions.iter().map(action_pb).collect(),
        created_by: r.created_by.to_string(),
        create_time: Some(timestamp(r.created_at)),
        update_time: Some(timestamp(r.updated_at)),
        next_run_time: opt_timestamp(r.next_run_at),
    }
}

/// The rule fields of a request and the plaintext webhook secrets by action index.
///
/// # Errors
/// [`DomainError::Invalid`] for malformed ids, a missing trigger, operator or action.
pub fn rule_fields(r: pb::TicketAutomationRule) -> Result<(RuleFields, Vec<String>), DomainError> {
    let mut v = Validator::new();
    let t = trigger(r.trigger).unwrap_or_else(|| {
        v.push("rule.trigger", "is required");
        Trigger::TicketCreated
    });
    let conditions = group(r.conditions.unwrap_or_default(), "rule.conditions", &mut v);
    let mut secrets = Vec::new();
    let actions: Vec<Action> =
        r.actions.into_iter().enumerate().filter_map(|(i, a)| action(a, i, &mut v, &mut secrets)).collect();
    v.finish()?;
    Ok((
        RuleFields {
            name: r.name,
            description: r.description,
            active: r.active.unwrap_or(true),
            priority: r.priority,
            trigger: t,
            schedule: r.schedule,
            time_zone: r.time_zone,
            no_response_hours: r.no_response_hours,
            conditions,
            actions,
        },
        secrets,
    ))
}

/// A condition result.
pub fn condition_result(c: &ConditionResult) -> pb::AutomationConditionResult {
    pb::AutomationConditionResult {
        path: c.path.clone(),
        field: c.field.clone(),
        operator: op_pb(c.op) as i32,
        actual: c.actual.clone(),
        matched: c.matched,
    }
}

/// An action result.
pub fn action_result(a: &ActionResult) -> pb::AutomationActionResult {
    pb::AutomationActionResult {
        index: a.index,
        r#type: a.kind.clone(),
        description: a.description.clone(),
        error: a.error.clone(),
    }
}

/// A run.
pub fn run(r: &Run) -> pb::TicketAutomationRun {
    let actions: Vec<ActionResult> = serde_json::from_value(r.actions.clone()).unwrap_or_default();
    pb::TicketAutomationRun {
        id: r.id.to_string(),
        rule_id: r.rule_id.to_string(),
        ticket_id: r.ticket_id.to_string(),
        ticket_number: format_number(r.ticket_number),
        trigger: Trigger::parse(&r.trigger).map_or(0, |t| trigger_pb(t) as i32),
        event_id: r.event_key.clone(),
        chain: r.chain.iter().map(Uuid::to_string).collect(),
        outcome: match r.outcome.as_str() {
            "applied" => pb::AutomationRunOutcome::Applied,
            _ => pb::AutomationRunOutcome::SkippedLoop,
        } as i32,
        conditions: conditions_from_json(&r.conditions).iter().map(condition_result).collect(),
        actions: actions.iter().map(action_result).collect(),
        create_time: Some(timestamp(r.created_at)),
    }
}
