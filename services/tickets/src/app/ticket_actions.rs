//! Ticket actions (PRD §3.4.4): assign, merge, split, parent/child, tags, and the activity
//! history. Staff only: portal principals are refused.

use chrono::Utc;
use psa_core::{DomainError, Principal, PrincipalKind};
use psa_kit::Result;
use uuid::Uuid;

use super::{Tickets, sla};
use crate::domain::ticket::{
    NoteVisibility, Ticket, TicketFields, TicketStatus, format_number, lifecycle_stamps, normalize_tags,
};
use crate::repo::ticket_actions::{self as actions, Activity, Change};
use crate::{events, repo};

fn staff_only(p: &Principal) -> Result<()> {
    if p.kind == PrincipalKind::Portal {
        return Err(DomainError::PermissionDenied("tickets.write".into()).into());
    }
    Ok(())
}

fn number_of(id: Option<Uuid>, numbers: &[(Uuid, i64)]) -> String {
    id.and_then(|id| numbers.iter().find(|(i, _)| *i == id)).map(|(_, n)| format_number(*n)).unwrap_or_default()
}

impl Tickets {
    /// Assigns the ticket to `assignee` (`None` unassigns) and, when `team` is given, to that
    /// team (`Some(None)` clears it; the team must be an active one of the tenant), recorded
    /// like field changes.
    pub async fn assign_ticket(
        &self,
        p: &Principal,
        id: Uuid,
        assignee: Option<Uuid>,
        team: Option<Option<Uuid>>,
    ) -> Result<Ticket> {
        staff_only(p)?;
        let mut tx = self.tx(p).await?;
        let t = repo::tickets::get(&mut tx, p.tenant_id, id, false).await?;
        drop(tx);
        let mut patch = TicketFields { assignee_id: assignee, ..t.fields };
        let mut mask = vec!["assignee_id".to_owned()];
        if let Some(team) = team {
            patch.links.team_id = team;
            mask.push("team_id".to_owned());
        }
        self.update_ticket(p, id, patch, &mask).await
    }

    /// Merges `id` into `target` (see the proto's `MergeTicket`); returns the target.
    ///
    /// # Errors
    /// INVALID_ARGUMENT on `target_ticket_id` for the ticket itself; NOT_FOUND for either;
    /// FAILED_PRECONDITION when either was merged already.
    pub async fn merge_ticket(&self, p: &Principal, id: Uuid, target: Uuid) -> Result<Ticket> {
        staff_only(p)?;
        if id == target {
            return Err(DomainError::invalid("target_ticket_id", "a ticket cannot be merged into itself").into());
        }
        let mut tx = self.tx(p).await?;
        // lock both in id order so that crossing merges cannot deadlock
        let (first, second) = if id < target { (id, target) } else { (target, id) };
        let a = repo::tickets::get(&mut tx, p.tenant_id, first, true).await?;
        let b = repo::tickets::get(&mut tx, p.tenant_id, second, true).await?;
        let (mut source, dest) = if a.id == id { (a, b) } else { (b, a) };
        for t in [&source, &dest] {
            if let Some(into) = t.relations.merged_into_id {
                let n = repo::tickets::get(&mut tx, p.tenant_id, into, false).await?.number;
                return Err(DomainError::FailedPrecondition(format!(
                    "{} was merged into {} already",
                    format_number(t.number),
                    format_number(n)
                ))
                .into());
            }
        }
        let now = Utc::now();
        actions::move_all(&mut tx, p.tenant_id, source.id, dest.id, dest.fields.company_id).await?;
        // the source closes and points at the target
        let was = source.fields.value_text("status");
        source.fields.status = TicketStatus::Closed;
        (source.resolved_at, source.closed_at) =
            lifecycle_stamps(TicketStatus::Closed, source.resolved_at, source.closed_at, now);
        let source = repo::tickets::update(&mut tx, &source).await?;
        let mut rel = source.relations.clone();
        rel.merged_into_id = Some(dest.id);
        if rel.parent_id == Some(dest.id) {
            rel.parent_id = None;
        }
        actions::set_relations(&mut tx, p.tenant_id, source.id, &rel).await?;
        if was != source.fields.value_text("status") {
            repo::sla_state::record_status(&mut tx, p.tenant_id, source.id, TicketStatus::Closed, now).await?;
            actions::record(
                &mut tx,
                p.tenant_id,
                source.id,
                p.user_id,
                Change {
                    action: "field_changed",
                    field: "status",
                    old: &was,
                    new: &source.fields.value_text("status"),
                },
            )
            .await?;
        }
        let (sn, dn) = (format_number(source.number), format_number(dest.number));
        actions::record(
            &mut tx,
            p.tenant_id,
            source.id,
            p.user_id,
            Change { action: "merged_into", field: "", old: "", new: &dn },
        )
        .await?;
        actions::record(
            &mut tx,
            p.tenant_id,
            dest.id,
            p.user_id,
            Change { action: "merged_from", field: "", old: "", new: &sn },
        )
        .await?;
        let note = format!("Merged {sn} ({}) into this ticket.", source.fields.title);
        let n = repo::notes::insert(&mut tx, p.tenant_id, dest.id, &note, NoteVisibility::Internal, p.user_id).await?;
        events::note_added(&mut tx, &self.naming, &n).await?;
        let source = repo::tickets::get(&mut tx, p.tenant_id, source.id, false).await?;
        sla::refresh(&mut tx, &self.naming, &source, now, false, false).await?;
        events::ticket_updated(&mut tx, &self.naming, p.user_id, &source, vec!["status".into(), "merged_into".into()])
            .await?;
        repo::tickets::touch(&mut tx, p.tenant_id, dest.id).await?;
        let dest = repo::tickets::get(&mut tx, p.tenant_id, dest.id, false).await?;
        events::ticket_updated(&mut tx, &self.naming, p.user_id, &dest, vec!["merged_from".into()]).await?;
        tx.commit().await?;
        Ok(dest)
    }

    /// Moves `notes` of `id` to a new ticket titled `title` (see the proto's `SplitTicket`).
    ///
    /// # Errors
    /// INVALID_ARGUMENT on `title` or `note_ids` (none, or one that is not this ticket's).
    pub async fn split_ticket(&self, p: &Principal, id: Uuid, title: String, notes: Vec<Uuid>) -> Result<Ticket> {
        staff_only(p)?;
        let mut notes = notes;
        notes.sort_unstable();
        notes.dedup();
        let mut tx = self.tx(p).await?;
        let source = repo::tickets::get(&mut tx, p.tenant_id, id, true).await?;
        let fields = TicketFields {
            title,
            description: format!("Split from {}.", format_number(source.number)),
            status: TicketStatus::New,
            ..source.fields.clone()
        };
        let mut v = psa_core::validate::Validator::new();
        if notes.is_empty() {
            v.push("note_ids", "name at least one note to move");
        } else if actions::count_notes_of(&mut tx, p.tenant_id, id, &notes).await? != notes.len() as i64 {
            v.push("note_ids", "every note must be a note of this ticket");
        }
        let fields = match fields.normalize("") {
            Ok(f) => {
                v.finish()?;
                f
            }
            Err(DomainError::Invalid(mut more)) => {
                if let Err(DomainError::Invalid(mine)) = v.finish() {
                    more.extend(mine);
                }
                return Err(DomainError::Invalid(more).into());
            }
            Err(e) => return Err(e.into()),
        };
        let new = self.insert_ticket(&mut tx, p.tenant_id, p.user_id, &fields).await?;
        actions::move_notes(&mut tx, p.tenant_id, &notes, new.id).await?;
        let (sn, nn) = (format_number(source.number), format_number(new.number));
        actions::record(
            &mut tx,
            p.tenant_id,
            source.id,
            p.user_id,
            Change { action: "split_to", field: "", old: "", new: &nn },
        )
        .await?;
        actions::record(
            &mut tx,
            p.tenant_id,
            new.id,
            p.user_id,
            Change { action: "split_from", field: "", old: "", new: &sn },
        )
        .await?;
        repo::tickets::touch(&mut tx, p.tenant_id, source.id).await?;
        let new = repo::tickets::get(&mut tx, p.tenant_id, new.id, false).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Sets or clears the parent of `id`.
    ///
    /// # Errors
    /// INVALID_ARGUMENT on `parent_ticket_id` for an unknown ticket, the ticket itself or one
    /// of its descendants.
    pub async fn set_ticket_parent(&self, p: &Principal, id: Uuid, parent: Option<Uuid>) -> Result<Ticket> {
        staff_only(p)?;
        let mut tx = self.tx(p).await?;
        let t = repo::tickets::get(&mut tx, p.tenant_id, id, true).await?;
        let mut numbers = vec![(t.id, t.number)];
        if let Some(parent) = parent {
            let parent_ticket = match repo::tickets::get(&mut tx, p.tenant_id, parent, false).await {
                Ok(pt) => pt,
                Err(psa_kit::Error::Domain(DomainError::NotFound { .. })) => {
                    return Err(DomainError::invalid("parent_ticket_id", "no such ticket").into());
                }
                Err(e) => return Err(e),
            };
            if actions::is_descendant(&mut tx, p.tenant_id, id, parent).await? {
                return Err(DomainError::invalid(
                    "parent_ticket_id",
                    "a ticket cannot be the child of itself or of one of its children",
                )
                .into());
            }
            numbers.push((parent_ticket.id, parent_ticket.number));
        }
        if let Some(old) = t.relations.parent_id {
            numbers.push((old, repo::tickets::get(&mut tx, p.tenant_id, old, false).await?.number));
        }
        if t.relations.parent_id != parent {
            let mut rel = t.relations.clone();
            rel.parent_id = parent;
            actions::set_relations(&mut tx, p.tenant_id, id, &rel).await?;
            let (old, new) = (number_of(t.relations.parent_id, &numbers), number_of(parent, &numbers));
            actions::record(
                &mut tx,
                p.tenant_id,
                id,
                p.user_id,
                Change { action: "parent_changed", field: "parent_ticket_id", old: &old, new: &new },
            )
            .await?;
        }
        let t = repo::tickets::get(&mut tx, p.tenant_id, id, false).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Replaces the tags of `id`.
    pub async fn set_ticket_tags(&self, p: &Principal, id: Uuid, tags: Vec<String>) -> Result<Ticket> {
        staff_only(p)?;
        let tags = normalize_tags(tags)?;
        let mut tx = self.tx(p).await?;
        let t = repo::tickets::get(&mut tx, p.tenant_id, id, true).await?;
        if t.relations.tags != tags {
            let mut rel = t.relations.clone();
            rel.tags = tags;
            actions::set_relations(&mut tx, p.tenant_id, id, &rel).await?;
            actions::record(
                &mut tx,
                p.tenant_id,
                id,
                p.user_id,
                Change {
                    action: "tags_changed",
                    field: "tags",
                    old: &t.relations.tags.join(", "),
                    new: &rel.tags.join(", "),
                },
            )
            .await?;
            // Announced like a field change (automation rules can react to tag changes).
            let after = repo::tickets::get(&mut tx, p.tenant_id, id, false).await?;
            let previous = [("tags".to_owned(), t.relations.tags.join(", "))].into();
            events::ticket_updated_from(&mut tx, &self.naming, p.user_id, &after, vec!["tags".into()], previous)
                .await?;
        }
        let t = repo::tickets::get(&mut tx, p.tenant_id, id, false).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// The newest `limit` (1–200) changes of the ticket (staff only).
    pub async fn ticket_activity(&self, p: &Principal, id: Uuid, limit: i64) -> Result<Vec<Activity>> {
        staff_only(p)?;
        let mut tx = self.tx(p).await?;
        repo::tickets::get(&mut tx, p.tenant_id, id, false).await?;
        actions::list(&mut tx, p.tenant_id, id, limit.clamp(1, 200)).await
    }
}
