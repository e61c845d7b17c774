//! Ticket templates and canned responses (PRD §3.4): their input rules and the rendering of a
//! canned response's placeholders with MiniJinja.

use chrono::{DateTime, Utc};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};
use psa_core::DomainError;
use psa_core::validate::Validator;
use uuid::Uuid;

use super::desk::MAX_NAME;
use super::ticket::{MAX_BODY, MAX_TITLE, TicketPriority, normalize_tags};

/// A ticket template's writable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateFields {
    pub name: String,
    pub title: String,
    pub description: String,
    /// `None`: the ticket default.
    pub priority: Option<TicketPriority>,
    pub queue_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    /// Normalised like ticket tags.
    pub tags: Vec<String>,
    pub active: bool,
}

impl TemplateFields {
    /// Trims and checks name, title, description and tags.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming fields under `ticket_template.`.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        self.name = self.name.trim().to_owned();
        self.title = self.title.trim().to_owned();
        v.required("ticket_template.name", &self.name).max_chars("ticket_template.name", &self.name, MAX_NAME);
        v.required("ticket_template.title", &self.title).max_chars("ticket_template.title", &self.title, MAX_TITLE);
        v.max_chars("ticket_template.description", &self.description, MAX_BODY);
        match normalize_tags(std::mem::take(&mut self.tags)) {
            Ok(t) => self.tags = t,
            Err(_) => v.push("ticket_template.tags", "at most 20 tags of at most 50 characters"),
        }
        v.finish()?;
        Ok(self)
    }
}

/// A stored ticket template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub id: Uuid,
    pub fields: TemplateFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A canned response's writable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct CannedFields {
    pub name: String,
    /// A MiniJinja template.
    pub body: String,
    pub active: bool,
}

impl CannedFields {
    /// Trims the name and checks it and the body (length, and that it parses as a template).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming fields under `canned_response.`.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        self.name = self.name.trim().to_owned();
        v.required("canned_response.name", &self.name).max_chars("canned_response.name", &self.name, MAX_NAME);
        v.required("canned_response.body", &self.body).max_chars("canned_response.body", &self.body, MAX_BODY);
        if v.is_ok()
            && let Err(e) = Environment::new().template_from_str(&self.body)
        {
            v.push(
                "canned_response.body",
                format!("is not a valid template: {}", e.detail().unwrap_or("syntax error")),
            );
        }
        v.finish()?;
        Ok(self)
    }
}

/// A stored canned response.
#[derive(Debug, Clone, PartialEq)]
pub struct Canned {
    pub id: Uuid,
    pub fields: CannedFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Renders `body` with `context` (an object: `ticket`, `company`, `contact`, `user`); unknown
/// placeholders render empty. The result is cut to [`MAX_BODY`] characters.
///
/// # Errors
/// FAILED_PRECONDITION when the template fails at render time (e.g. a filter on a wrong type).
pub fn render(body: &str, context: &serde_json::Value) -> Result<String, DomainError> {
    let mut env = Environment::new();
    // `{{ contact.name }}` on a ticket without a contact, or a misspelt name, renders empty.
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    let out = env
        .render_str(body, Serde(context))
        .map_err(|e| DomainError::FailedPrecondition(format!("the canned response cannot be rendered: {e}")))?;
    Ok(out.chars().take(MAX_BODY).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_placeholders_and_rejects_bad_templates() {
        let ctx = json!({"ticket": {"number": "T-000042", "title": "Printer"}, "contact": {"name": "Ann"}});
        let out =
            render("Hi {{ contact.name }}, about {{ticket.number}} ({{ ticket.title }}){{ nope.x }}.", &ctx).unwrap();
        assert_eq!(out, "Hi Ann, about T-000042 (Printer).");
        let bad = CannedFields { name: "x".into(), body: "Hi {{ contact.name".into(), active: true };
        let Err(DomainError::Invalid(v)) = bad.normalize() else { panic!() };
        assert_eq!(v[0].field, "canned_response.body");
    }

    #[test]
    fn template_rules() {
        let t = TemplateFields {
            name: " New starter ".into(),
            title: "".into(),
            description: String::new(),
            priority: None,
            queue_id: None,
            type_id: None,
            category_id: None,
            team_id: None,
            tags: vec![" Onboarding ".into()],
            active: true,
        };
        let Err(DomainError::Invalid(v)) = t.clone().normalize() else { panic!() };
        assert_eq!(v[0].field, "ticket_template.title");
        let ok = TemplateFields { title: "Set up {{ name }}".into(), ..t }.normalize().unwrap();
        assert_eq!((ok.name.as_str(), ok.tags.clone()), ("New starter", vec!["onboarding".to_owned()]));
    }
}
