//! Reusable building blocks of the pages.

pub mod attachments;
pub mod badge;
pub mod company_form;
pub mod company_select;
pub mod contact_form;
pub mod contact_select;
pub mod custom_fields;
pub mod export_button;
pub mod feedback;
pub mod field;
pub mod import_panel;
pub mod nav;
pub mod pager;
pub mod portal_users;
pub mod rate_card;
pub mod scope_form;
pub mod sla;
pub mod ticket_table;
