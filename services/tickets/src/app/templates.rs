//! Ticket templates and canned responses use cases (PRD §3.4). Staff only.

use psa_core::validate::Validator;
use psa_core::{DomainError, Principal, PrincipalKind};
use psa_kit::Result;
use psa_kit::db::{self, TenantTx};
use serde_json::json;
use uuid::Uuid;

use super::Tickets;
use crate::domain::desk::ItemKind;
use crate::domain::templates::{self, Canned, CannedFields, Template, TemplateFields};
use crate::domain::ticket::{
    Ticket, TicketFields, TicketLinks, TicketPriority, TicketSource, TicketStatus, format_number,
};
use crate::repo;
use crate::repo::templates as store;

impl Tickets {
    async fn staff_tx(&self, p: &Principal) -> Result<TenantTx> {
        if p.kind == PrincipalKind::Portal {
            return Err(DomainError::PermissionDenied("ticket_settings.read".into()).into());
        }
        Ok(db::begin(&self.pool, p.tenant_id).await?)
    }

    async fn check_template_links(&self, tx: &mut TenantTx, tenant: Uuid, f: &TemplateFields) -> Result<()> {
        let mut v = Validator::new();
        for (name, id, kind) in [
            ("queue_id", f.queue_id, ItemKind::Queue),
            ("type_id", f.type_id, ItemKind::Type),
            ("category_id", f.category_id, ItemKind::Category),
        ] {
            if let Some(id) = id
                && repo::desk::get_item(tx, tenant, kind, id).await.is_err()
            {
                v.push(format!("ticket_template.{name}"), format!("no such {}", kind.entity()));
            }
        }
        if let Some(team) = f.team_id
            && repo::desk::get_team(tx, tenant, team).await.is_err()
        {
            v.push("ticket_template.team_id", "no such team");
        }
        Ok(v.finish()?)
    }

    /// Templates by name.
    pub async fn list_templates(&self, p: &Principal) -> Result<Vec<Template>> {
        let mut tx = self.staff_tx(p).await?;
        store::list_templates(&mut tx, p.tenant_id).await
    }

    /// Creates (`id` = `None`) or replaces a template; its queue, type, category and team
    /// must be the tenant's.
    pub async fn save_template(&self, p: &Principal, id: Option<Uuid>, f: TemplateFields) -> Result<Template> {
        let f = f.normalize()?;
        let mut tx = self.staff_tx(p).await?;
        self.check_template_links(&mut tx, p.tenant_id, &f).await?;
        let t = store::save_template(&mut tx, p.tenant_id, id, &f).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Creates a ticket from the active template `id` for `company` (see the proto).
    ///
    /// # Errors
    /// NOT_FOUND; FAILED_PRECONDITION for an inactive template; INVALID_ARGUMENT like CreateTicket.
    pub async fn create_from_template(
        &self,
        p: &Principal,
        id: Uuid,
        company: Uuid,
        contact: Option<Uuid>,
        title: String,
        custom_fields: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Ticket> {
        let tpl = {
            let mut tx = self.staff_tx(p).await?;
            store::get_template(&mut tx, p.tenant_id, id).await?
        };
        if !tpl.fields.active {
            return Err(DomainError::FailedPrecondition("the template is inactive".into()).into());
        }
        let f = tpl.fields;
        let fields = TicketFields {
            title: if title.trim().is_empty() { f.title } else { title },
            description: f.description,
            status: TicketStatus::New,
            priority: f.priority.unwrap_or(TicketPriority::Medium),
            source: TicketSource::Api,
            company_id: company,
            contact_id: contact,
            assignee_id: None,
            links: TicketLinks {
                queue_id: f.queue_id,
                type_id: f.type_id,
                category_id: f.category_id,
                team_id: f.team_id,
                custom_fields,
                ..Default::default()
            },
        };
        let t = self.create_ticket(p, fields).await?;
        if f.tags.is_empty() { Ok(t) } else { self.set_ticket_tags(p, t.id, f.tags).await }
    }

    /// Canned responses by name.
    pub async fn list_canned(&self, p: &Principal) -> Result<Vec<Canned>> {
        let mut tx = self.staff_tx(p).await?;
        store::list_canned(&mut tx, p.tenant_id).await
    }

    /// Creates (`id` = `None`) or replaces a canned response.
    pub async fn save_canned(&self, p: &Principal, id: Option<Uuid>, f: CannedFields) -> Result<Canned> {
        let f = f.normalize()?;
        let mut tx = self.staff_tx(p).await?;
        let c = store::save_canned(&mut tx, p.tenant_id, id, &f).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Renders canned response `id` for ticket `ticket` (see [`templates::render`]).
    ///
    /// # Errors
    /// NOT_FOUND for either; FAILED_PRECONDITION when the template fails to render.
    pub async fn render_canned(&self, p: &Principal, id: Uuid, ticket: Uuid) -> Result<String> {
        let mut tx = self.staff_tx(p).await?;
        let c = store::get_canned(&mut tx, p.tenant_id, id).await?;
        let t = repo::tickets::get(&mut tx, p.tenant_id, ticket, false).await?;
        let contact = match t.fields.contact_id {
            Some(c) => store::contact(&mut tx, p.tenant_id, c).await?,
            None => None,
        };
        let (contact_name, contact_email) = contact.unwrap_or_default();
        let status = match t.fields.links.status_id {
            Some(s) => repo::desk::get_status(&mut tx, p.tenant_id, s).await.map(|s| s.fields.name).unwrap_or_default(),
            None => String::new(),
        };
        let priority = repo::desk::list_priorities(&mut tx, p.tenant_id)
            .await?
            .into_iter()
            .find(|d| d.level == t.fields.priority)
            .map(|d| d.name)
            .unwrap_or_default();
        let ctx = json!({
            "ticket": {
                "id": t.id.to_string(),
                "number": format_number(t.number),
                "title": t.fields.title,
                "status": status,
                "priority": priority,
            },
            "company": {"id": t.fields.company_id.to_string(), "name": t.company_name},
            "contact": {"name": contact_name, "email": contact_email},
            "user": {"id": p.user_id.to_string()},
        });
        Ok(templates::render(&c.fields.body, &ctx)?)
    }
}
