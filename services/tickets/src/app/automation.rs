//! Ticket automation rules (PRD §3.4): CRUD, dry runs, and running rules.
//!
//! - **Events** (`TicketCreated`, `TicketUpdated`, `SlaWarning`, `SlaBreached` from tickets'
//!   own stream) are consumed by durable consumers shared by all replicas; each event is
//!   handled once, in the transaction that records it in the inbox ([`Tickets::automation_event`]),
//!   and every rule's run is recorded under a unique (rule, ticket, event) key.
//! - **Schedule and no-response rules** are leased from `automation_schedule` by the job
//!   ([`run_job`]); slots are keyed the same way, so two replicas never run one twice.
//! - **Loop guard**: the events a rule's actions cause carry the chain of rules behind them;
//!   a rule in the chain of an event is not run for it (logged as SKIPPED_LOOP), and chains
//!   stop at [`MAX_CHAIN`] rules.
//! - **Outbound work** (webhook calls, notification mails) is queued in the run's transaction
//!   and delivered by the job after commit, with retries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use prost::Message as _;
use psa_core::{DomainError, Principal, PrincipalKind};
use psa_kit::Result;
use psa_kit::db::{self, TenantTx};
use psa_kit::events::ConsumerSpec;
use psa_kit::list::ListParams;
use psa_proto::events::{self as ev, Envelope};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Tickets, sla};
use crate::domain::automation::actions::{change_tags, raise, render, set_field};
use crate::domain::automation::eval::{Change, ConditionResult, Evaluation, Facts, SlaEvent};
use crate::domain::automation::{Action, MAX_CHAIN, Op, Rule, RuleFields, Trigger, next_run, targets};
use crate::domain::sla::calendar::Hours;
use crate::domain::ticket::{NoteVisibility, Ticket, TicketFields, TicketPriority, TicketStatus, format_number};
use crate::repo::automation::{self as store, NewDelivery, NewRun, Run};
use crate::repo::ticket_actions::Change as Activity;
use crate::{events, repo};

/// Automation's settings and plumbing.
pub struct AutomationRuntime {
    /// Seals webhook secrets at rest (`PSA_SECRETS_KEY`).
    pub secrets: psa_kit::secrets::SecretBox,
    /// Webhook calls (10-second timeout; without `allow_private`, host names resolve to
    /// public addresses only, see [`targets`]).
    pub http: reqwest::Client,
    /// How often no-response rules look for unanswered tickets.
    pub check_interval: StdDuration,
    /// Whether webhooks may call private, loopback and link-local addresses
    /// (`PSA_AUTOMATION_WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
}

/// Resolves webhook host names and keeps only public addresses, so a name that resolves (or
/// re-resolves, DNS rebinding) to an internal address is never connected to.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<std::net::SocketAddr> =
                all.iter().copied().filter(|a| targets::is_public(a.ip())).collect();
            match (public.is_empty(), all.first()) {
                (false, _) => Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs),
                (true, Some(a)) => Err(targets::refusal(a.ip()).into()),
                (true, None) => Err(format!("{host} has no address").into()),
            }
        })
    }
}

impl AutomationRuntime {
    /// A runtime with `secrets`, the given no-response check interval, and whether webhooks
    /// may call private addresses.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (TLS set-up).
    pub fn new(
        secrets: psa_kit::secrets::SecretBox,
        check_interval: StdDuration,
        allow_private: bool,
    ) -> anyhow::Result<Self> {
        let mut http = reqwest::Client::builder()
            .timeout(StdDuration::from_secs(10))
            .connect_timeout(StdDuration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("psa-automation/1");
        if !allow_private {
            http = http.dns_resolver(Arc::new(PublicOnly));
        }
        Ok(Self { secrets, http: http.build()?, check_interval, allow_private })
    }

    /// Checks that webhook `url` may be called: unless private addresses are allowed, its host
    /// (an IP literal, or every address its name resolves to now) must be public. A name that
    /// does not resolve now passes (delivery resolves again, through [`PublicOnly`]).
    ///
    /// # Errors
    /// Why the target is refused ([`targets::refusal`]), or a malformed URL.
    pub async fn check_target(&self, url: &str) -> std::result::Result<(), String> {
        if self.allow_private {
            return Ok(());
        }
        let u = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        let ips: Vec<std::net::IpAddr> = match u.host() {
            Some(url::Host::Ipv4(ip)) => vec![ip.into()],
            Some(url::Host::Ipv6(ip)) => vec![ip.into()],
            Some(url::Host::Domain(d)) => {
                let port = u.port_or_known_default().unwrap_or(80);
                match tokio::time::timeout(StdDuration::from_secs(5), tokio::net::lookup_host((d, port))).await {
                    Ok(Ok(addrs)) => addrs.map(|a| a.ip()).collect(),
                    _ => Vec::new(),
                }
            }
            None => return Err("the URL has no host".into()),
        };
        match ips.into_iter().find(|ip| !targets::is_public(*ip)) {
            Some(ip) => Err(targets::refusal(ip)),
            None => Ok(()),
        }
    }
}

/// The staff users a notify action names (see [`Action::Notify`]).
struct Recipients<'a> {
    assignee: bool,
    team: bool,
    users: &'a [Uuid],
}

/// What fired a rule.
#[derive(Debug, Clone, Default)]
struct Firing {
    /// Event id, or the schedule / no-response slot.
    key: String,
    /// Rules behind the triggering change.
    chain: Vec<Uuid>,
    change: Option<Change>,
    sla: Option<SlaEvent>,
}

/// How one action came out (stored in the run, returned by dry runs).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ActionResult {
    pub index: i32,
    #[serde(rename = "type")]
    pub kind: String,
    pub description: String,
    #[serde(default)]
    pub error: String,
}

/// A dry run's answer.
#[derive(Debug, Clone)]
pub struct DryRun {
    pub evaluation: Evaluation,
    pub actions: Vec<ActionResult>,
}

/// Condition results as stored in a run.
pub fn conditions_json(c: &[ConditionResult]) -> serde_json::Value {
    serde_json::Value::Array(
        c.iter()
            .map(|r| json!({"path": r.path, "field": r.field, "op": r.op, "actual": r.actual, "matched": r.matched}))
            .collect(),
    )
}

/// Condition results read back from a run.
pub fn conditions_from_json(v: &serde_json::Value) -> Vec<ConditionResult> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    Some(ConditionResult {
                        path: c["path"].as_str()?.to_owned(),
                        field: c["field"].as_str()?.to_owned(),
                        op: serde_json::from_value::<Op>(c["op"].clone()).ok()?,
                        actual: c["actual"].as_str().unwrap_or_default().to_owned(),
                        matched: c["matched"].as_bool().unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn staff_only(p: &Principal) -> Result<()> {
    if p.kind == PrincipalKind::Portal {
        return Err(DomainError::PermissionDenied("automation.read".into()).into());
    }
    Ok(())
}

fn secret_aad(tenant: Uuid, rule: Uuid) -> Vec<u8> {
    format!("automation-webhook:{tenant}:{rule}").into_bytes()
}

/// Tickets locked per schedule-rule round.
const SCHEDULE_BATCH: i64 = 500;
/// Webhook attempts per delivery (with exponential back-off in between).
pub const WEBHOOK_ATTEMPTS: usize = 3;
/// Delivery rounds before a delivery is recorded as failed.
const MAX_DELIVERY_ROUNDS: i32 = 3;

impl Tickets {
    // ---- rules ----

    /// Checks references and seals new webhook secrets; `secrets[i]` is the plaintext secret
    /// sent with action `i` (empty: keep the one of `old`'s webhook action with the same URL).
    async fn prepare_rule(
        &self,
        tx: &mut TenantTx,
        tenant: Uuid,
        id: Uuid,
        f: RuleFields,
        secrets: &[String],
        old: Option<&Rule>,
    ) -> Result<RuleFields> {
        // References and secrets first, so that their violations come with the others.
        let mut f = f;
        let mut v = psa_core::validate::Validator::new();
        for (i, a) in f.actions.iter_mut().enumerate() {
            match a {
                Action::CallWebhook { url, sealed_secret } => {
                    if let Err(why) = self.automation.check_target(url.trim()).await
                        && url::Url::parse(url.trim()).is_ok()
                    {
                        v.push(format!("rule.actions[{i}].call_webhook.url"), why);
                    }
                    let plain = secrets.get(i).map(|s| s.trim()).unwrap_or_default();
                    if !plain.is_empty() {
                        if plain.len() > 512 {
                            v.push(format!("rule.actions[{i}].call_webhook.secret"), "at most 512 characters");
                        }
                        let sealed = self.automation.secrets.seal(plain.as_bytes(), &secret_aad(tenant, id));
                        *sealed_secret = base64::engine::general_purpose::STANDARD.encode(sealed);
                    } else {
                        let kept = old.and_then(|o| {
                            o.fields.actions.iter().find_map(|a| match a {
                                Action::CallWebhook { url: u, sealed_secret: s }
                                    if u.trim() == url.trim() && !s.is_empty() =>
                                {
                                    Some(s.clone())
                                }
                                _ => None,
                            })
                        });
                        match kept {
                            Some(s) => *sealed_secret = s,
                            None => v.push(format!("rule.actions[{i}].call_webhook.secret"), "is required"),
                        }
                    }
                }
                Action::ApplySlaPolicy { policy_id } if !store::sla_policy_exists(tx, tenant, *policy_id).await? => {
                    v.push(format!("rule.actions[{i}].apply_sla_policy.policy_id"), "no such SLA policy");
                }
                Action::Notify { to_user_ids, .. } if !to_user_ids.is_empty() => {
                    let known: Vec<Uuid> =
                        repo::users::by_ids(tx, tenant, to_user_ids).await?.into_iter().map(|u| u.id).collect();
                    for (j, u) in to_user_ids.iter().enumerate() {
                        if !known.contains(u) {
                            v.push(format!("rule.actions[{i}].notify.to_user_ids[{j}]"), "no such staff user");
                        }
                    }
                }
                _ => {}
            }
        }
        for (path, c) in f.conditions.walk() {
            if let Some(id) = c.business_hours_id
                && !repo::sla::missing_business_hours(tx, tenant, &[id]).await?.is_empty()
            {
                v.push(format!("rule.conditions.{path}.business_hours_id"), "no such business hours");
            }
        }
        match f.normalize() {
            Ok(f) => {
                v.finish()?;
                Ok(f)
            }
            Err(DomainError::Invalid(mut more)) => {
                more.extend(v.into_violations());
                Err(DomainError::Invalid(more).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn schedule_rule(&self, tx: &mut TenantTx, r: &Rule) -> Result<()> {
        let tz: Tz = r.fields.time_zone.parse().unwrap_or(Tz::UTC);
        let next = match r.fields.trigger {
            _ if !r.fields.active || r.archived => None,
            Trigger::Schedule => next_run(&r.fields.schedule, tz, Utc::now()),
            Trigger::NoResponse => Some(Utc::now()),
            _ => None,
        };
        store::set_schedule(tx, r.tenant_id, r.id, next).await
    }

    /// Creates a rule; `secrets` as in the proto (plaintext webhook secrets by action index).
    pub async fn create_automation_rule(&self, p: &Principal, f: RuleFields, secrets: &[String]) -> Result<Rule> {
        staff_only(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let id = Uuid::now_v7();
        let f = self.prepare_rule(&mut tx, p.tenant_id, id, f, secrets, None).await?;
        let r = store::insert_rule(&mut tx, p.tenant_id, id, &f, p.user_id).await?;
        self.schedule_rule(&mut tx, &r).await?;
        let r = store::get_rule(&mut tx, p.tenant_id, id, false).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Replaces rule `id`'s fields.
    pub async fn update_automation_rule(
        &self,
        p: &Principal,
        id: Uuid,
        f: RuleFields,
        secrets: &[String],
    ) -> Result<Rule> {
        staff_only(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let old = store::get_rule(&mut tx, p.tenant_id, id, false).await?;
        let f = self.prepare_rule(&mut tx, p.tenant_id, id, f, secrets, Some(&old)).await?;
        let r = store::update_rule(&mut tx, p.tenant_id, id, &f).await?;
        self.schedule_rule(&mut tx, &r).await?;
        let r = store::get_rule(&mut tx, p.tenant_id, id, false).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Archives rule `id`.
    pub async fn delete_automation_rule(&self, p: &Principal, id: Uuid) -> Result<Rule> {
        staff_only(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        store::get_rule(&mut tx, p.tenant_id, id, false).await?;
        let r = store::archive_rule(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Rule `id`.
    pub async fn get_automation_rule(&self, p: &Principal, id: Uuid) -> Result<Rule> {
        staff_only(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        store::get_rule(&mut tx, p.tenant_id, id, false).await
    }

    /// The tenant's rules in evaluation order.
    pub async fn list_automation_rules(&self, p: &Principal, trigger: Option<Trigger>) -> Result<Vec<Rule>> {
        staff_only(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        store::list_rules(&mut tx, p.tenant_id, trigger, false).await
    }

    /// One page of rule `id`'s runs (archived rules too).
    pub async fn list_automation_runs(
        &self,
        p: &Principal,
        id: Uuid,
        params: &ListParams,
    ) -> Result<(Vec<Run>, String)> {
        staff_only(p)?;
        let plan = store::RUNS.plan(params)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        store::get_rule(&mut tx, p.tenant_id, id, true).await?;
        store::list_runs(&mut tx, p.tenant_id, id, &plan).await
    }

    /// Evaluates rule `id` against `ticket` now and describes what its actions would do;
    /// changes nothing (the transaction is rolled back and nothing is queued).
    pub async fn dry_run_automation_rule(&self, p: &Principal, id: Uuid, ticket: Uuid) -> Result<DryRun> {
        staff_only(p)?;
        let mut tx = db::begin(&self.pool, p.tenant_id).await?;
        let rule = store::get_rule(&mut tx, p.tenant_id, id, false).await?;
        let t = match repo::tickets::get(&mut tx, p.tenant_id, ticket, false).await {
            Ok(t) => t,
            Err(psa_kit::Error::Domain(DomainError::NotFound { .. })) => {
                return Err(DomainError::invalid("ticket_id", "no such ticket").into());
            }
            Err(e) => return Err(e),
        };
        let firing = Firing { key: "dry-run".into(), ..Firing::default() };
        let evaluation = self.evaluate(&mut tx, &rule, &t, &firing).await?;
        let actions = if evaluation.matched {
            self.apply_actions(&mut tx, &rule, t, Uuid::nil(), &[], true).await?
        } else {
            Vec::new()
        };
        tx.rollback().await?;
        Ok(DryRun { evaluation, actions })
    }

    // ---- running rules ----

    async fn evaluate(&self, tx: &mut TenantTx, rule: &Rule, t: &Ticket, firing: &Firing) -> Result<Evaluation> {
        let tenant = rule.tenant_id;
        let company = store::company(tx, tenant, t.fields.company_id).await?;
        let contact = match t.fields.contact_id {
            Some(c) => store::contact(tx, tenant, c).await?,
            None => None,
        };
        let mut hours: HashMap<Uuid, Hours> = HashMap::new();
        for (_, c) in rule.fields.conditions.walk() {
            if let Some(id) = c.business_hours_id
                && !hours.contains_key(&id)
                && repo::sla::missing_business_hours(tx, tenant, &[id]).await?.is_empty()
            {
                hours.insert(id, repo::sla::hours(tx, tenant, Some(id)).await?);
            }
        }
        let facts = Facts {
            ticket: t,
            company,
            contact,
            change: firing.change.clone(),
            sla_event: firing.sla.clone(),
            now: Utc::now(),
            tz: rule.fields.time_zone.parse().unwrap_or(Tz::UTC),
            business_hours: &hours,
        };
        Ok(facts.evaluate(&rule.fields.conditions))
    }

    /// Runs the active rules of `trigger` on ticket `ticket` for one firing, in priority order.
    async fn run_rules(
        &self,
        tx: &mut TenantTx,
        tenant: Uuid,
        trigger: Trigger,
        ticket: Uuid,
        firing: &Firing,
    ) -> Result<()> {
        let rules = store::list_rules(tx, tenant, Some(trigger), true).await?;
        if rules.is_empty() {
            return Ok(());
        }
        // Lock the ticket: rule actions and user changes of one ticket never interleave.
        match repo::tickets::get(tx, tenant, ticket, true).await {
            Ok(_) => {}
            Err(psa_kit::Error::Domain(DomainError::NotFound { .. })) => return Ok(()),
            Err(e) => return Err(e),
        }
        let mut ran: Vec<Uuid> = Vec::new();
        for rule in &rules {
            self.run_rule(tx, rule, ticket, firing, &mut ran).await?;
        }
        Ok(())
    }

    /// Runs one rule on one ticket for one firing (unless it already ran for it); `ran` holds
    /// the rules run so far for this firing, extended when this one runs.
    async fn run_rule(
        &self,
        tx: &mut TenantTx,
        rule: &Rule,
        ticket: Uuid,
        firing: &Firing,
        ran: &mut Vec<Uuid>,
    ) -> Result<()> {
        let tenant = rule.tenant_id;
        let t = repo::tickets::get(tx, tenant, ticket, false).await?;
        let evaluation = self.evaluate(tx, rule, &t, firing).await?;
        if !evaluation.matched {
            return Ok(());
        }
        let looped = firing.chain.contains(&rule.id) || firing.chain.len() >= MAX_CHAIN;
        let run_id = Uuid::now_v7();
        let run = NewRun {
            id: run_id,
            rule_id: rule.id,
            ticket_id: ticket,
            trigger: rule.fields.trigger,
            event_key: &firing.key,
            chain: &firing.chain,
            outcome: if looped { "skipped_loop" } else { "applied" },
            conditions: conditions_json(&evaluation.conditions),
            actions: json!([]),
        };
        if !store::insert_run(tx, tenant, &run).await? || looped {
            if looped {
                tracing::info!(rule = %rule.id, ticket = %ticket, "automation rule skipped: it caused this change");
            }
            return Ok(());
        }
        ran.push(rule.id);
        let chain: Vec<Uuid> = firing.chain.iter().chain(ran.iter()).copied().collect();
        let results = self.apply_actions(tx, rule, t, run_id, &chain, false).await?;
        let results = serde_json::to_value(&results).map_err(|e| psa_kit::Error::Other(e.into()))?;
        store::set_run_actions(tx, tenant, run_id, results).await
    }

    /// Writes new ticket fields as rule `rule` (the desk rules for statuses, queues, teams and
    /// custom fields, activity, SLA, lifecycle stamps); returns the reloaded ticket.
    ///
    /// # Errors
    /// INVALID_ARGUMENT when a named status, queue, type, category or team does not exist or
    /// is inactive (the action records it as its error); database errors.
    async fn write_fields(&self, tx: &mut TenantTx, rule: &Rule, t: &Ticket, fields: TicketFields) -> Result<Ticket> {
        let tenant = t.tenant_id;
        let now = Utc::now();
        let mut fields = fields.normalize("")?;
        let status = self.prepare_desk_fields(tx, tenant, &mut fields, Some(&t.fields)).await?;
        let changed = super::desk::changed_fields(&t.fields, &fields);
        if changed.is_empty() {
            return Ok(t.clone());
        }
        let mut next = t.clone();
        next.fields = fields;
        if t.fields.links.status_id != next.fields.links.status_id || t.fields.status != next.fields.status {
            (next.resolved_at, next.closed_at) = super::desk::stamps(&status, t.resolved_at, t.closed_at, now);
        }
        let saved = repo::tickets::update(tx, &next).await?;
        if changed.iter().any(|c| c == "status" || c == "status_id") {
            repo::sla_state::record_status(tx, tenant, t.id, saved.fields.status, now).await?;
        }
        let reselect = changed.iter().any(|c| c == "company_id" || c == "contract_id");
        sla::refresh(tx, &self.naming, &saved, now, reselect, false).await?;
        let kind_changed = changed.iter().any(|c| c == "status");
        for field in changed.iter().filter(|c| !(kind_changed && *c == "status_id")) {
            let (old, new) = (t.fields.value_text(field), saved.fields.value_text(field));
            let c = Activity { action: "field_changed", field, old: &old, new: &new };
            store::record_activity(tx, tenant, t.id, rule.id, c).await?;
        }
        repo::tickets::get(tx, tenant, t.id, false).await
    }

    /// Runs (or with `dry`, describes) `rule`'s actions on `t` in order. Changes are recorded
    /// as the rule's; the resulting `TicketUpdated` carries `chain`.
    async fn apply_actions(
        &self,
        tx: &mut TenantTx,
        rule: &Rule,
        mut t: Ticket,
        run_id: Uuid,
        chain: &[Uuid],
        dry: bool,
    ) -> Result<Vec<ActionResult>> {
        let tenant = t.tenant_id;
        let before = t.clone();
        let mut out = Vec::new();
        for (i, action) in rule.fields.actions.iter().enumerate() {
            let mut r = ActionResult {
                index: i as i32,
                kind: action.type_name().to_owned(),
                description: String::new(),
                error: String::new(),
            };
            match action {
                Action::SetField { .. }
                | Action::Assign { .. }
                | Action::Escalate { .. }
                | Action::ChangeQueue { .. } => {
                    let mut f = t.fields.clone();
                    let mut changes = Vec::new();
                    let mut note = String::new();
                    match action {
                        Action::SetField { field, value } => {
                            changes.extend(set_field(&mut f, field, value).map(|c| (field.clone(), c)))
                        }
                        Action::Assign { assignee_id, team_id } => {
                            let v = assignee_id.map(|u| u.to_string()).unwrap_or_default();
                            changes.extend(set_field(&mut f, "assignee_id", &v).map(|c| ("assignee_id".to_owned(), c)));
                            if let Some(team) = team_id {
                                changes.extend(
                                    set_field(&mut f, "team_id", &team.to_string()).map(|c| ("team_id".to_owned(), c)),
                                );
                            }
                        }
                        Action::ChangeQueue { queue_id } => {
                            changes.extend(
                                set_field(&mut f, "queue_id", &queue_id.to_string())
                                    .map(|c| ("queue_id".to_owned(), c)),
                            );
                        }
                        Action::Escalate { levels, assignee_id, note: n } => {
                            let p = raise(f.priority, *levels);
                            let pv = format!("TICKET_PRIORITY_{}", p.as_str().to_ascii_uppercase());
                            changes.extend(set_field(&mut f, "priority", &pv).map(|c| ("priority".to_owned(), c)));
                            if let Some(a) = assignee_id {
                                changes.extend(
                                    set_field(&mut f, "assignee_id", &a.to_string())
                                        .map(|c| ("assignee_id".to_owned(), c)),
                                );
                            }
                            note = render(n, &t, &rule.fields.name);
                        }
                        _ => {}
                    }
                    r.description = if changes.is_empty() {
                        "no change".into()
                    } else {
                        changes.iter().map(|(n, (o, v))| format!("{n}: {o} → {v}")).collect::<Vec<_>>().join("; ")
                    };
                    if !note.trim().is_empty() {
                        r.description.push_str("; internal note");
                    }
                    if !dry {
                        if !changes.is_empty() {
                            match self.write_fields(tx, rule, &t, f.clone()).await {
                                Ok(next) => t = next,
                                Err(psa_kit::Error::Domain(e)) => r.error = e.to_string(),
                                Err(e) => return Err(e),
                            }
                        }
                        if !note.trim().is_empty() {
                            self.rule_note(tx, rule, &t, &note, NoteVisibility::Internal).await?;
                        }
                    }
                }
                Action::ChangeTags { add, remove } => {
                    let tags = change_tags(&t.relations.tags, add, remove);
                    r.description = if tags == t.relations.tags {
                        "no change".into()
                    } else {
                        format!("tags: {} → {}", t.relations.tags.join(", "), tags.join(", "))
                    };
                    if !dry && tags != t.relations.tags {
                        match crate::domain::ticket::normalize_tags(tags) {
                            Ok(tags) => {
                                let mut rel = t.relations.clone();
                                let old = rel.tags.join(", ");
                                rel.tags = tags;
                                repo::ticket_actions::set_relations(tx, tenant, t.id, &rel).await?;
                                let new = rel.tags.join(", ");
                                let c = Activity { action: "tags_changed", field: "tags", old: &old, new: &new };
                                store::record_activity(tx, tenant, t.id, rule.id, c).await?;
                                t = repo::tickets::get(tx, tenant, t.id, false).await?;
                            }
                            Err(e) => r.error = e.to_string(),
                        }
                    }
                }
                Action::AddNote { body, visibility } => {
                    let body = render(body, &t, &rule.fields.name);
                    let vis = NoteVisibility::parse(visibility).unwrap_or(NoteVisibility::Internal);
                    r.description = format!("{} note: {}", vis.as_str(), preview(&body));
                    if !dry {
                        self.rule_note(tx, rule, &t, &body, vis).await?;
                    }
                }
                Action::Notify { to_addresses, to_contact, subject, body, to_assignee, to_team, to_user_ids } => {
                    let mut to = to_addresses.clone();
                    let mut problems = Vec::new();
                    if *to_contact {
                        match t.fields.contact_id {
                            Some(c) => match store::contact(tx, tenant, c).await? {
                                Some(ct) if !ct.email.is_empty() => to.push(ct.email),
                                _ => problems.push("the ticket's contact has no known email address".to_owned()),
                            },
                            None => problems.push("the ticket has no contact".to_owned()),
                        }
                    }
                    let recipients = Recipients { assignee: *to_assignee, team: *to_team, users: to_user_ids };
                    to.extend(self.staff_recipients(tx, &t, &recipients, &mut problems).await?);
                    let mut seen = std::collections::HashSet::new();
                    to.retain(|a| seen.insert(a.to_lowercase()));
                    r.error = problems.join("; ");
                    let subject = render(subject, &t, &rule.fields.name);
                    let body = render(body, &t, &rule.fields.name);
                    r.description = format!("email to {}: {subject}", to.join(", "));
                    if to.is_empty() {
                        if r.error.is_empty() {
                            r.error = "no recipient".into();
                        }
                    } else if !dry {
                        let target = to.join(", ");
                        let d = NewDelivery {
                            id: Uuid::now_v7(),
                            run_id,
                            rule_id: rule.id,
                            kind: "email",
                            target: &target,
                            subject: &subject,
                            body: &body,
                            secret: None,
                        };
                        store::insert_delivery(tx, tenant, &d).await?;
                    }
                }
                Action::CreateChildTicket { title, description, priority, assignee_id } => {
                    let fields = TicketFields {
                        title: render(title, &t, &rule.fields.name),
                        description: render(description, &t, &rule.fields.name),
                        status: TicketStatus::New,
                        priority: priority.as_deref().and_then(TicketPriority::parse).unwrap_or(t.fields.priority),
                        assignee_id: *assignee_id,
                        ..t.fields.clone()
                    };
                    r.description = format!("child ticket: {}", fields.title);
                    if !dry {
                        match fields.normalize("") {
                            Ok(fields) => {
                                let child = self.insert_ticket_chained(tx, tenant, Uuid::nil(), &fields, chain).await?;
                                let rel = crate::domain::ticket::Relations {
                                    parent_id: Some(t.id),
                                    ..child.relations.clone()
                                };
                                repo::ticket_actions::set_relations(tx, tenant, child.id, &rel).await?;
                                let (pn, cn) = (format_number(t.number), format_number(child.number));
                                let c =
                                    Activity { action: "parent_changed", field: "parent_ticket_id", old: "", new: &pn };
                                store::record_activity(tx, tenant, child.id, rule.id, c).await?;
                                r.description = format!("child ticket {cn}: {}", child.fields.title);
                            }
                            Err(e) => r.error = e.to_string(),
                        }
                    }
                }
                Action::ApplySlaPolicy { policy_id } => {
                    let current = t.sla.as_ref().map(|s| s.policy_id);
                    r.description = if current == Some(*policy_id) {
                        "no change".into()
                    } else {
                        format!("SLA policy → {policy_id}")
                    };
                    if !store::sla_policy_exists(tx, tenant, *policy_id).await? {
                        r.error = "the SLA policy no longer exists".into();
                    } else if !dry && current != Some(*policy_id) {
                        repo::sla_state::lock(tx, tenant, t.id).await?;
                        store::set_sla_policy(tx, tenant, t.id, *policy_id).await?;
                        sla::refresh(tx, &self.naming, &t, Utc::now(), false, false).await?;
                        let (old, new) = (current.map(|u| u.to_string()).unwrap_or_default(), policy_id.to_string());
                        let c = Activity { action: "field_changed", field: "sla_policy_id", old: &old, new: &new };
                        store::record_activity(tx, tenant, t.id, rule.id, c).await?;
                        t = repo::tickets::get(tx, tenant, t.id, false).await?;
                    }
                }
                Action::CallWebhook { url, sealed_secret } => {
                    r.description = format!("POST {url}");
                    if !dry {
                        let payload = json!({
                            "event": format!("automation.{}", rule.fields.trigger.as_str()),
                            "rule": {"id": rule.id, "name": rule.fields.name},
                            "ticket": webhook_ticket(&t),
                            "runId": run_id,
                            "occurredAt": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                        });
                        let secret = base64::engine::general_purpose::STANDARD.decode(sealed_secret).ok();
                        let body = payload.to_string();
                        let d = NewDelivery {
                            id: Uuid::now_v7(),
                            run_id,
                            rule_id: rule.id,
                            kind: "webhook",
                            target: url,
                            subject: "",
                            body: &body,
                            secret,
                        };
                        store::insert_delivery(tx, tenant, &d).await?;
                    }
                }
            }
            out.push(r);
        }
        if !dry {
            let c = Activity { action: "automation_rule_applied", field: "", old: "", new: &rule.fields.name };
            store::record_activity(tx, tenant, t.id, rule.id, c).await?;
            let mut changed = super::desk::changed_fields(&before.fields, &t.fields);
            let mut previous: HashMap<String, String> =
                changed.iter().map(|f| (f.clone(), before.fields.value_text(f))).collect();
            if before.relations.tags != t.relations.tags {
                changed.push("tags".into());
                previous.insert("tags".into(), before.relations.tags.join(", "));
            }
            if !changed.is_empty() {
                events::ticket_updated_by_rules(tx, &self.naming, &t, changed, previous, chain).await?;
            }
        }
        Ok(out)
    }

    /// The email addresses of the staff users a notify action names for ticket `t` (from the
    /// user projection: its assignee, its team's active members and lead, named users); a
    /// recipient that cannot be reached adds a sentence to `problems`.
    async fn staff_recipients(
        &self,
        tx: &mut TenantTx,
        t: &Ticket,
        r: &Recipients<'_>,
        problems: &mut Vec<String>,
    ) -> Result<Vec<String>> {
        let tenant = t.tenant_id;
        let mut ids: Vec<Uuid> = r.users.to_vec();
        if r.assignee {
            match t.fields.assignee_id {
                Some(a) => ids.push(a),
                None => problems.push("the ticket has no assignee".into()),
            }
        }
        let mut team_members = Vec::new();
        if r.team {
            match t.fields.links.team_id {
                Some(team) => {
                    let team = repo::desk::get_team(tx, tenant, team).await?;
                    team_members.extend(team.fields.member_ids.iter().copied().chain(team.fields.lead_id));
                    if team_members.is_empty() {
                        problems.push(format!("team {} has no members", team.fields.name));
                    }
                }
                None => problems.push("the ticket has no team".into()),
            }
        }
        ids.extend(&team_members);
        let users = repo::users::by_ids(tx, tenant, &ids).await?;
        let mut out = Vec::new();
        for id in ids {
            let Some(u) = users.iter().find(|u| u.id == id) else {
                problems.push(format!("user {id} is unknown"));
                continue;
            };
            if !u.active {
                if !team_members.contains(&id) {
                    problems.push(format!("user {} is disabled", u.display_name));
                }
            } else if u.email.is_empty() {
                problems.push(format!("user {} has no email address", u.display_name));
            } else {
                out.push(u.email.clone());
            }
        }
        Ok(out)
    }

    /// Adds a note written by `rule` (a public one is mailed to the client like a staff
    /// note, but does not stop the first-response clock).
    async fn rule_note(
        &self,
        tx: &mut TenantTx,
        rule: &Rule,
        t: &Ticket,
        body: &str,
        vis: NoteVisibility,
    ) -> Result<()> {
        let tenant = t.tenant_id;
        let body: String = body.chars().take(crate::domain::ticket::MAX_BODY).collect();
        let n = repo::notes::insert(tx, tenant, t.id, &body, vis, Uuid::nil()).await?;
        store::set_note_author_kind(tx, tenant, n.id, "automation").await?;
        repo::tickets::touch(tx, tenant, t.id).await?;
        let vt = format!("NOTE_VISIBILITY_{}", vis.as_str().to_ascii_uppercase());
        let c = Activity { action: "note_added", field: "", old: "", new: &vt };
        store::record_activity(tx, tenant, t.id, rule.id, c).await?;
        if vis == NoteVisibility::Public {
            self.queue_note_mail(tx, t, &n).await?;
        }
        events::note_added(tx, &self.naming, &n).await?;
        Ok(())
    }

    /// Handles one of tickets' own events for automation (other types are ignored).
    ///
    /// # Errors
    /// Database errors and malformed payloads (the event is redelivered).
    pub async fn automation_event(&self, mut tx: TenantTx, envelope: Envelope) -> anyhow::Result<TenantTx> {
        let tenant: Uuid = envelope.tenant_id.parse()?;
        let Some(any) = envelope.payload else { return Ok(tx) };
        let ids = |v: &[String]| v.iter().filter_map(|s| s.parse().ok()).collect::<Vec<Uuid>>();
        let key = envelope.event_id.clone();
        let (trigger, ticket, firing) = if any.type_url.ends_with("/psa.events.v1.TicketCreated") {
            let e = ev::TicketCreated::decode(any.value.as_slice())?;
            let id = e.ticket.map(|t| t.id).unwrap_or_default();
            (Trigger::TicketCreated, id, Firing { key, chain: ids(&e.automation_rule_chain), ..Firing::default() })
        } else if any.type_url.ends_with("/psa.events.v1.TicketUpdated") {
            let e = ev::TicketUpdated::decode(any.value.as_slice())?;
            let t = e.ticket.unwrap_or_default();
            let current = updated_values(&t, &e.changed_fields);
            let change =
                Change { fields: e.changed_fields.clone(), previous: e.previous_values.into_iter().collect(), current };
            (
                Trigger::TicketUpdated,
                t.id,
                Firing { key, chain: ids(&e.automation_rule_chain), change: Some(change), sla: None },
            )
        } else if any.type_url.ends_with("/psa.events.v1.SlaWarning") {
            let e = ev::SlaWarning::decode(any.value.as_slice())?;
            let clock =
                psa_proto::tickets::SlaClock::try_from(e.clock).map(|c| c.as_str_name().to_owned()).unwrap_or_default();
            let sla = SlaEvent { clock, threshold: e.threshold_percent };
            (Trigger::SlaWarning, e.ticket_id, Firing { key, sla: Some(sla), ..Firing::default() })
        } else if any.type_url.ends_with("/psa.events.v1.SlaBreached") {
            let e = ev::SlaBreached::decode(any.value.as_slice())?;
            let clock =
                psa_proto::tickets::SlaClock::try_from(e.clock).map(|c| c.as_str_name().to_owned()).unwrap_or_default();
            let sla = SlaEvent { clock, threshold: 100 };
            (Trigger::SlaBreached, e.ticket_id, Firing { key, sla: Some(sla), ..Firing::default() })
        } else {
            return Ok(tx);
        };
        let Ok(ticket) = ticket.parse::<Uuid>() else { return Ok(tx) };
        self.run_rules(&mut tx, tenant, trigger, ticket, &firing).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(tx)
    }

    // ---- the job ----

    /// One round of the automation job: due schedule and no-response rules, then due
    /// deliveries. Returns how many rules and deliveries were handled.
    ///
    /// # Errors
    /// Database errors (the round is retried next time).
    pub async fn automation_tick(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut done = 0;
        for (rule, tenant) in store::lease_due_rules(&self.pool, now, 300, 20).await? {
            let mut tx = db::begin(&self.pool, tenant).await?;
            let r = match store::get_rule(&mut tx, tenant, rule, true).await {
                Ok(r) => r,
                Err(psa_kit::Error::Domain(DomainError::NotFound { .. })) => {
                    store::set_schedule(&mut tx, tenant, rule, None).await?;
                    tx.commit().await?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            self.run_due_rule(&mut tx, &r, now).await?;
            tx.commit().await?;
            done += 1;
        }
        for (id, tenant) in store::lease_due_deliveries(&self.pool, now, 120, 20).await? {
            self.deliver(tenant, id).await?;
            done += 1;
        }
        Ok(done)
    }

    async fn run_due_rule(&self, tx: &mut TenantTx, r: &Rule, now: DateTime<Utc>) -> Result<()> {
        let tenant = r.tenant_id;
        if r.archived || !r.fields.active {
            return store::set_schedule(tx, tenant, r.id, None).await;
        }
        match r.fields.trigger {
            Trigger::Schedule => {
                let slot = r.next_run_at.unwrap_or(now);
                let firing = Firing { key: format!("schedule:{}", slot.to_rfc3339()), ..Firing::default() };
                for ticket in store::open_tickets(tx, tenant, SCHEDULE_BATCH).await? {
                    repo::tickets::get(tx, tenant, ticket, true).await?;
                    self.run_rule(tx, r, ticket, &firing, &mut Vec::new()).await?;
                }
                let tz: Tz = r.fields.time_zone.parse().unwrap_or(Tz::UTC);
                store::set_schedule(tx, tenant, r.id, next_run(&r.fields.schedule, tz, now)).await
            }
            Trigger::NoResponse => {
                let cutoff = now - Duration::hours(r.fields.no_response_hours.into());
                for (ticket, since) in store::unanswered(tx, tenant, cutoff, SCHEDULE_BATCH).await? {
                    let firing = Firing { key: format!("no_response:{}", since.to_rfc3339()), ..Firing::default() };
                    repo::tickets::get(tx, tenant, ticket, true).await?;
                    self.run_rule(tx, r, ticket, &firing, &mut Vec::new()).await?;
                }
                let every = Duration::from_std(self.automation.check_interval).unwrap_or(Duration::seconds(60));
                store::set_schedule(tx, tenant, r.id, Some(now + every)).await
            }
            _ => store::set_schedule(tx, tenant, r.id, None).await,
        }
    }

    /// Sends one leased delivery (outside any transaction) and records the outcome.
    async fn deliver(&self, tenant: Uuid, id: Uuid) -> Result<()> {
        let mut tx = db::begin(&self.pool, tenant).await?;
        let Some(d) = store::pending_delivery(&mut tx, tenant, id).await? else {
            store::finish_delivery(&mut tx, tenant, id, "sent", 0, None, "", None).await?;
            tx.commit().await?;
            return Ok(());
        };
        tx.commit().await?;
        let attempts = d.attempts + 1;
        let outcome = match d.kind.as_str() {
            "webhook" => self.send_webhook(&d).await,
            _ => self.send_mail(&d).await,
        };
        let mut tx = db::begin(&self.pool, tenant).await?;
        match outcome {
            Ok(status) => store::finish_delivery(&mut tx, tenant, id, "sent", attempts, status, "", None).await?,
            Err((status, error)) => {
                tracing::warn!(delivery = %id, kind = %d.kind, %error, "automation delivery failed");
                let (state, retry) = if attempts >= MAX_DELIVERY_ROUNDS {
                    ("failed", None)
                } else {
                    ("pending", Some(Utc::now() + Duration::seconds(30 * i64::from(attempts))))
                };
                store::finish_delivery(&mut tx, tenant, id, state, attempts, status, &error, retry).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn send_mail(&self, d: &store::Delivery) -> std::result::Result<Option<i32>, (Option<i32>, String)> {
        let mail = psa_kit::mail::OutgoingMail {
            to: d.target.split(", ").map(str::to_owned).collect(),
            subject: d.subject.clone(),
            text: d.body.clone(),
            ..Default::default()
        };
        self.email.mailer.send(mail).await.map(|_| None).map_err(|e| (None, e.to_string()))
    }

    /// POSTs the webhook body with its signature, retrying network errors, 429 and 5xx with
    /// exponential back-off ([`WEBHOOK_ATTEMPTS`] attempts).
    async fn send_webhook(&self, d: &store::Delivery) -> std::result::Result<Option<i32>, (Option<i32>, String)> {
        use backon::{ExponentialBuilder, Retryable as _};
        let secret = d
            .secret
            .as_deref()
            .and_then(|s| self.automation.secrets.open(s, &secret_aad(d.tenant_id, d.rule_id)).ok())
            .ok_or((None, "the webhook secret does not open (PSA_SECRETS_KEY changed?)".to_owned()))?;
        // Refused targets are not retried within the round (the setting or DNS may change).
        self.automation.check_target(&d.target).await.map_err(|why| (None, why))?;
        let signature = format!("sha256={}", sign(&secret, d.body.as_bytes()));
        let call = || async {
            let resp = self
                .automation
                .http
                .post(&d.target)
                .header("Content-Type", "application/json")
                .header("X-PSA-Signature-256", &signature)
                .header("X-PSA-Delivery", d.id.to_string())
                .header("X-PSA-Event", "automation.rule")
                .body(d.body.clone())
                .send()
                .await
                .map_err(|e| (None, e.to_string()))?;
            let status = resp.status();
            if status.is_success() {
                Ok(Some(i32::from(status.as_u16())))
            } else {
                Err((Some(i32::from(status.as_u16())), format!("the endpoint answered {status}")))
            }
        };
        call.retry(
            ExponentialBuilder::default()
                .with_min_delay(StdDuration::from_millis(200))
                .with_max_delay(StdDuration::from_secs(5))
                .with_max_times(WEBHOOK_ATTEMPTS - 1),
        )
        .when(|(status, _): &(Option<i32>, String)| status.is_none_or(|s| s == 429 || s >= 500))
        .await
    }
}

/// Hex HMAC-SHA256 of `body` with `secret` (the `X-PSA-Signature-256` value after `sha256=`).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    ring::hmac::sign(&key, body).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn preview(s: &str) -> String {
    let mut p: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        p.push('…');
    }
    p
}

fn webhook_ticket(t: &Ticket) -> serde_json::Value {
    json!({
        "id": t.id,
        "number": format_number(t.number),
        "title": t.fields.title,
        "status": t.fields.value_text("status"),
        "priority": t.fields.value_text("priority"),
        "companyId": t.fields.company_id,
        "companyName": t.company_name,
        "contactId": t.fields.contact_id,
        "assigneeId": t.fields.assignee_id,
        "tags": t.relations.tags,
    })
}

/// The changed fields' values right after the change, from an event's ticket snapshot.
fn updated_values(t: &psa_proto::tickets::Ticket, changed: &[String]) -> HashMap<String, String> {
    let status = psa_proto::tickets::TicketStatus::try_from(t.status).map(|s| s.as_str_name().to_owned());
    let priority = psa_proto::tickets::TicketPriority::try_from(t.priority).map(|s| s.as_str_name().to_owned());
    let source = psa_proto::tickets::TicketSource::try_from(t.source).map(|s| s.as_str_name().to_owned());
    changed
        .iter()
        .filter_map(|f| {
            let v = match f.as_str() {
                "title" => t.title.clone(),
                "description" => t.description.clone(),
                "status" => status.clone().ok()?,
                "priority" => priority.clone().ok()?,
                "source" => source.clone().ok()?,
                "company_id" => t.company_id.clone(),
                "contact_id" => t.contact_id.clone(),
                "assignee_id" => t.assignee_id.clone(),
                "status_id" => t.status_id.clone(),
                "queue_id" => t.queue_id.clone(),
                "type_id" => t.type_id.clone(),
                "category_id" => t.category_id.clone(),
                "team_id" => t.team_id.clone(),
                "contract_id" => t.contract_id.clone(),
                "asset_id" => t.asset_id.clone(),
                "project_id" => t.project_id.clone(),
                "tags" => t.tags.join(", "),
                _ => return None,
            };
            Some((f.clone(), v))
        })
        .collect()
}

/// The durable consumers of tickets' own events that run rules (one per subject filter, as
/// NATS before 2.10 takes one filter per consumer).
pub fn consumers() -> [ConsumerSpec; 2] {
    [
        ConsumerSpec {
            stream_service: events::SERVICE,
            durable: "tickets-automation-tickets",
            filters: vec![("ticket", "*")],
        },
        ConsumerSpec {
            stream_service: events::SERVICE,
            durable: "tickets-automation-sla",
            filters: vec![("sla", "*")],
        },
    ]
}

/// Runs the automation job every `interval` until `shutdown`: see [`Tickets::automation_tick`].
pub async fn run_job(app: Arc<Tickets>, interval: StdDuration, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = app.automation_tick(Utc::now()).await {
                    tracing::warn!(error = %e, "automation job round failed; will retry");
                }
            }
        }
    }
}
