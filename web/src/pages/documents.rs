//! The documents of a contract, on its page: SAFs (service activation forms, DRAFT → SENT →
//! SIGNED → ACTIVE → EXPIRED; activating one activates its service scope) and COCs
//! (certificates of compliance, DRAFT → ACTIVE | REVOKED, ACTIVE → EXPIRED | REVOKED, linked
//! to a SAF and/or a scope). Each card lists the documents with their custom fields as columns,
//! offers the next lifecycle steps and a form for a new one (seed 000, seed 002 templates).

use serde_json::{Map, Value};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::catalog::{self, Contract};
use crate::api::commercial::{self, Coc, Saf};
use crate::components::badge::Badge;
use crate::components::custom_fields::{
    CustomFieldInputs, field_names, header_cells, loaded, use_definitions, value_cells,
};
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select};
use crate::format::{enum_label, or_dash};
use crate::hooks::{submit, use_fetch};

const SAF_ENTITY: &str = "CUSTOM_FIELD_ENTITY_SAF";
const COC_ENTITY: &str = "CUSTOM_FIELD_ENTITY_COC";
const COC_TYPES: &[&str] = &[
    "COC_TYPE_SOC2",
    "COC_TYPE_ISO27001",
    "COC_TYPE_HIPAA",
    "COC_TYPE_PCI_DSS",
    "COC_TYPE_GDPR",
    "COC_TYPE_NIST_CSF",
    "COC_TYPE_OTHER",
];

/// The next lifecycle step of a SAF in `status`: (button label, target status).
fn saf_next(status: &str) -> Option<(&'static str, &'static str)> {
    match status {
        "SAF_STATUS_DRAFT" => Some(("Mark sent", "SAF_STATUS_SENT")),
        "SAF_STATUS_SENT" => Some(("Mark signed", "SAF_STATUS_SIGNED")),
        "SAF_STATUS_SIGNED" => Some(("Activate", "SAF_STATUS_ACTIVE")),
        "SAF_STATUS_ACTIVE" => Some(("Mark expired", "SAF_STATUS_EXPIRED")),
        _ => None,
    }
}

/// The moves a COC in `status` allows: (button label, target status).
fn coc_moves(status: &str) -> &'static [(&'static str, &'static str)] {
    match status {
        "COC_STATUS_DRAFT" => &[("Activate", "COC_STATUS_ACTIVE"), ("Revoke", "COC_STATUS_REVOKED")],
        "COC_STATUS_ACTIVE" => &[("Mark expired", "COC_STATUS_EXPIRED"), ("Revoke", "COC_STATUS_REVOKED")],
        _ => &[],
    }
}

/// The name a compliance framework goes by: `COC_TYPE_ISO27001` → `ISO 27001`.
pub fn coc_type_label(value: &str) -> String {
    match value {
        "COC_TYPE_SOC2" => "SOC 2".into(),
        "COC_TYPE_ISO27001" => "ISO 27001".into(),
        "COC_TYPE_HIPAA" => "HIPAA".into(),
        "COC_TYPE_PCI_DSS" => "PCI DSS".into(),
        "COC_TYPE_GDPR" => "GDPR".into(),
        "COC_TYPE_NIST_CSF" => "NIST CSF".into(),
        other => enum_label(other),
    }
}

/// A `start – end` period with dashes for missing ends.
fn period(start: &str, end: &str) -> String {
    format!("{} – {}", or_dash(start), or_dash(end))
}

/// The contract's service scopes as (id, label) pairs, e.g. `Managed EDR · 250 × Per endpoint`;
/// refetched when `version` changes; none (and no request) while `contract_id` is empty.
#[hook]
pub(crate) fn use_scopes(contract_id: String, version: u32) -> Vec<(String, String)> {
    let items = use_fetch((contract_id, version), |(id, _)| async move {
        if id.is_empty() { Ok(Vec::new()) } else { catalog::list_items(&id).await }
    });
    let services = use_fetch((), |_| async { catalog::list_services().await });
    let (Some(Ok(items)), services) = (&items.result, &services.result) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|s| {
            let name = match services {
                Some(Ok(list)) => list.iter().find(|x| x.id == s.service_id).map(|x| x.name.clone()),
                _ => None,
            };
            let label =
                format!("{} · {} × {}", name.unwrap_or_else(|| s.service_id.clone()), s.quantity, enum_label(&s.unit));
            (s.id.clone(), label)
        })
        .collect()
}

/// The label of `id` among `options`, `—` when empty, the id itself when unknown.
pub(crate) fn label_of(options: &[(String, String)], id: &str) -> String {
    if id.is_empty() {
        return "—".into();
    }
    options.iter().find(|(k, _)| k == id).map_or_else(|| id.to_owned(), |(_, l)| l.clone())
}

/// `<option>`s of (id, label) pairs after a blank "None" option, `selected` on `current`.
pub(crate) fn id_options(options: &[(String, String)], current: &str) -> Html {
    html! {
        <>
            <option value="" selected={current.is_empty()}>{ "None" }</option>
            { for options.iter().map(|(id, label)| html! {
                <option value={id.clone()} selected={id == current}>{ label }</option>
            }) }
        </>
    }
}

/// What a SAF or COC card keeps: the new-document form open or not, the row whose custom fields
/// are being edited, the last error of a row action, and the page's change callback.
struct CardState {
    doc: Doc,
    adding: UseStateHandle<bool>,
    editing: UseStateHandle<Option<String>>,
    error: UseStateHandle<Option<ApiError>>,
    on_changed: Callback<()>,
}

#[hook]
fn use_card(doc: Doc, on_changed: &Callback<()>) -> CardState {
    CardState {
        doc,
        adding: use_state(|| false),
        editing: use_state(|| None),
        error: use_state(|| None),
        on_changed: on_changed.clone(),
    }
}

impl CardState {
    /// Opens or closes the new-document form.
    fn toggle(&self) -> Callback<MouseEvent> {
        let adding = self.adding.clone();
        Callback::from(move |_| adding.set(!*adding))
    }

    /// Closes the form after a create and tells the page.
    fn created(&self) -> Callback<()> {
        let (adding, on_changed) = (self.adding.clone(), self.on_changed.clone());
        Callback::from(move |()| {
            adding.set(false);
            on_changed.emit(());
        })
    }

    /// Opens the custom-field editor of a row.
    fn edit(&self, id: &str) -> Callback<MouseEvent> {
        let (editing, id) = (self.editing.clone(), id.to_owned());
        Callback::from(move |_| editing.set(Some(id.clone())))
    }

    /// Closes the editor after a save and tells the page.
    fn edited(&self) -> Callback<()> {
        let (editing, on_changed) = (self.editing.clone(), self.on_changed.clone());
        Callback::from(move |()| {
            editing.set(None);
            on_changed.emit(());
        })
    }

    /// Closes the editor without saving.
    fn stop_editing(&self) -> Callback<MouseEvent> {
        let editing = self.editing.clone();
        Callback::from(move |_| editing.set(None))
    }

    /// The card's header (title and, for writers, the button opening the new-document form with
    /// id `open_id`) and the last row action's error.
    fn header(&self, can_write: bool, title: &str, open_id: &'static str, open_label: &str) -> Html {
        html! {
            <>
                <div class="card-header">
                    <h2>{ title }</h2>
                    if can_write && !*self.adding {
                        <button type="button" class="btn btn-secondary btn-small" id={open_id} onclick={self.toggle()}>
                            { open_label }
                        </button>
                    }
                </div>
                if let Some(e) = &*self.error { <ErrorBanner error={e.clone()} /> }
            </>
        }
    }

    /// The actions cell of row `id`: a button per move (label, target status) and, when the
    /// type has custom fields, "Edit fields". Empty for readers.
    fn actions_cell(
        &self,
        can_write: bool,
        id: &str,
        moves: &[(&'static str, &'static str)],
        has_fields: bool,
    ) -> Html {
        html! {
            <td>
                if can_write {
                    { for moves.iter().map(|(label, to)| html! {
                        <button type="button" class="btn btn-small" data-action={*to} onclick={self.act(id, to)}>{ *label }</button>
                    }) }
                    if has_fields {
                        <button type="button" class="btn btn-small fields-edit" onclick={self.edit(id)}>{ "Edit fields" }</button>
                    }
                }
            </td>
        }
    }

    /// The custom-field editor under row `id` while it is open, spanning `columns`.
    fn editor_row(&self, id: &str, values: &Map<String, Value>, columns: usize) -> Html {
        if self.editing.as_deref() != Some(id) {
            return Html::default();
        }
        html! {
            <tr class="row-form"><td colspan={columns.to_string()}>
                <EditFields doc={self.doc} id={id.to_owned()} values={values.clone()}
                    on_saved={self.edited()} on_cancel={self.stop_editing()} />
            </td></tr>
        }
    }

    /// Moves document `id` to `status` (the API checks the move; its error shows on the card).
    fn act(&self, id: &str, status: &'static str) -> Callback<MouseEvent> {
        let (doc, id, error, on_changed) = (self.doc, id.to_owned(), self.error.clone(), self.on_changed.clone());
        Callback::from(move |_| {
            let (id, error, on_changed) = (id.clone(), error.clone(), on_changed.clone());
            spawn_local(async move {
                let moved = match doc {
                    Doc::Saf => commercial::set_saf_status(&id, status).await.map(drop),
                    Doc::Coc => commercial::set_coc_status(&id, status).await.map(drop),
                };
                match moved {
                    Ok(()) => {
                        error.set(None);
                        on_changed.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    }
}

/// Which kind of document a row editor changes.
#[derive(Clone, Copy, PartialEq)]
enum Doc {
    Saf,
    Coc,
}

#[derive(Properties, PartialEq)]
struct EditFieldsProps {
    doc: Doc,
    id: String,
    values: Map<String, Value>,
    on_saved: Callback<()>,
    on_cancel: Callback<MouseEvent>,
}

/// The custom field values of one SAF or COC, edited in place (`PATCH` of `customFields`).
/// Ids: `saf-edit-cf-<key>` / `coc-edit-cf-<key>`, the form `saf-fields-form` / `coc-fields-form`.
#[function_component(EditFields)]
fn edit_fields(props: &EditFieldsProps) -> Html {
    let values = use_state(|| props.values.clone());
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let (entity, prefix) = match props.doc {
        Doc::Saf => (SAF_ENTITY, "saf"),
        Doc::Coc => (COC_ENTITY, "coc"),
    };
    let defs = use_definitions(entity);
    let on_change = {
        let values = values.clone();
        Callback::from(move |v: Map<String, Value>| values.set(v))
    };
    let onsubmit = {
        let (values, error, busy, doc, id, on_saved) =
            (values.clone(), error.clone(), busy.clone(), props.doc, props.id.clone(), props.on_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (values, id) = ((*values).clone(), id.clone());
            submit(&busy, &error, &on_saved, async move {
                match doc {
                    Doc::Saf => commercial::set_saf_custom_fields(&id, &values).await.map(drop),
                    Doc::Coc => commercial::set_coc_custom_fields(&id, &values).await.map(drop),
                }
            });
        })
    };
    let err = (*error).clone();
    let known = field_names(&loaded(&defs));
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    html! {
        <form class="inline-form" id={format!("{prefix}-fields-form")} {onsubmit} novalidate=true>
            if let Some(err) = &err { { form_error(err, &known) } }
            <div class="form-grid">
                <CustomFieldInputs {entity} id_prefix={format!("{prefix}-edit")} values={(*values).clone()}
                    {on_change} error={err.clone()} />
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" onclick={props.on_cancel.clone()}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id={format!("{prefix}-fields-submit")} disabled={*busy}>
                    { "Save" }
                </button>
            </div>
        </form>
    }
}

/// Props of [`SafsCard`] and [`CocsCard`].
#[derive(Properties, PartialEq)]
pub struct DocumentsProps {
    /// The contract.
    pub contract: Contract,
    /// Whether the viewer may create documents and move them along (`contracts.write`).
    pub can_write: bool,
    /// Bumped by the page when something on the contract changed (refetches the lists).
    pub version: u32,
    /// Called after a document was created or changed status (a SAF moves its scope too).
    pub on_changed: Callback<()>,
}

/// The contract's SAFs: list, lifecycle buttons and a form for a new draft.
#[function_component(SafsCard)]
pub fn safs_card(props: &DocumentsProps) -> Html {
    let contract_id = props.contract.id.clone();
    let list =
        use_fetch(
            (contract_id.clone(), props.version),
            |(id, _)| async move { commercial::list_contract_safs(&id).await },
        );
    let scopes = use_scopes(contract_id.clone(), props.version);
    let defs = use_definitions(SAF_ENTITY);
    let defs = loaded(&defs);
    let card = use_card(Doc::Saf, &props.on_changed);
    let body = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(safs)) if safs.is_empty() => html! {
            <Empty title="No SAFs" hint="A service activation form authorises the start of a service." />
        },
        Some(Ok(safs)) => html! {
            <div class="table-wrap">
                <table class="table" id="safs-table">
                    <thead><tr>
                        <th>{ "Number" }</th><th>{ "Title" }</th><th>{ "Service scope" }</th>
                        <th>{ "Service period" }</th><th>{ "Value" }</th><th>{ "Status" }</th>
                        { header_cells(&defs) }
                        <th />
                    </tr></thead>
                    <tbody>
                        { for safs.iter().map(|s| html! { <>
                            <tr data-testid="saf-row" data-id={s.id.clone()} data-status={s.status.clone()}>
                                <td class="cell-strong">
                                    if s.document_url.is_empty() { { &s.number } }
                                    else { <a href={s.document_url.clone()} target="_blank" rel="noopener noreferrer">{ &s.number }</a> }
                                </td>
                                <td>{ &s.title }</td>
                                <td>{ label_of(&scopes, &s.service_scope_id) }</td>
                                <td>{ period(&s.start_date, &s.end_date) }</td>
                                <td>{ format!("{} {}", or_dash(&s.value), s.currency) }</td>
                                <td><Badge kind="saf-status" value={s.status.clone()} /></td>
                                { value_cells(&defs, &s.custom_fields) }
                                { card.actions_cell(props.can_write, &s.id, saf_next(&s.status).as_slice(), !defs.is_empty()) }
                            </tr>
                            { card.editor_row(&s.id, &s.custom_fields, defs.len() + 7) }
                        </> }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="card card-wide" id="contract-safs">
            { card.header(props.can_write, "Service activation forms", "saf-new-open", "New SAF") }
            if *card.adding {
                <NewSaf contract={props.contract.clone()} scopes={scopes.clone()} on_created={card.created()} on_cancel={card.toggle()} />
            }
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct NewSafProps {
    contract: Contract,
    scopes: Vec<(String, String)>,
    on_created: Callback<()>,
    on_cancel: Callback<MouseEvent>,
}

/// The form of a new draft SAF.
#[function_component(NewSaf)]
fn new_saf(props: &NewSafProps) -> Html {
    let title = use_state(String::new);
    let scope = use_state(String::new);
    let start = use_state(String::new);
    let end = use_state(String::new);
    let value = use_state(String::new);
    let currency = use_state(|| props.contract.currency.clone());
    let document = use_state(String::new);
    let custom = use_state(Map::<String, Value>::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let defs = use_definitions(SAF_ENTITY);
    let on_custom = {
        let custom = custom.clone();
        Callback::from(move |v: Map<String, Value>| custom.set(v))
    };
    let onsubmit = {
        let saf = Saf {
            title: (*title).clone(),
            contract_id: props.contract.id.clone(),
            service_scope_id: (*scope).clone(),
            start_date: (*start).clone(),
            end_date: (*end).clone(),
            value: value.trim().to_owned(),
            currency: currency.trim().to_owned(),
            document_url: document.trim().to_owned(),
            custom_fields: (*custom).clone(),
            ..Saf::default()
        };
        let (error, busy, on_created) = (error.clone(), busy.clone(), props.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let saf = saf.clone();
            submit(&busy, &error, &on_created, async move { commercial::create_saf(&saf).await });
        })
    };
    let err = (*error).clone();
    let fe = |name: &str| err.as_ref().and_then(|e| e.field(name));
    let mut known: Vec<String> =
        ["title", "service_scope_id", "start_date", "end_date", "value", "currency", "document_url"]
            .map(str::to_owned)
            .to_vec();
    known.extend(field_names(&loaded(&defs)));
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    html! {
        <form class="inline-form" id="saf-new-form" {onsubmit} novalidate=true>
            if let Some(err) = &err { { form_error(err, &known) } }
            <div class="form-grid">
                <Field label="Title" id="saf-title" required=true error={fe("title")}>
                    <input id="saf-title" value={(*title).clone()} oninput={bind(&title)} />
                </Field>
                <Field label="Service scope" id="saf-scope" error={fe("service_scope_id")}>
                    <select id="saf-scope" onchange={bind_select(&scope)}>{ id_options(&props.scopes, &scope) }</select>
                </Field>
                <Field label="Service start" id="saf-start" error={fe("start_date")}>
                    <input id="saf-start" type="date" value={(*start).clone()} oninput={bind(&start)} />
                </Field>
                <Field label="Service end" id="saf-end" error={fe("end_date")}>
                    <input id="saf-end" type="date" value={(*end).clone()} oninput={bind(&end)} />
                </Field>
                <Field label="Value" id="saf-value" error={fe("value")}>
                    <input id="saf-value" inputmode="decimal" value={(*value).clone()} oninput={bind(&value)} />
                </Field>
                <Field label="Currency" id="saf-currency" required=true error={fe("currency")}>
                    <input id="saf-currency" value={(*currency).clone()} oninput={bind(&currency)} />
                </Field>
                <Field label="Document link" id="saf-document" error={fe("document_url")}>
                    <input id="saf-document" type="url" placeholder="https://…" value={(*document).clone()} oninput={bind(&document)} />
                </Field>
                <CustomFieldInputs entity={SAF_ENTITY} id_prefix="saf-new" values={(*custom).clone()}
                    on_change={on_custom} error={err.clone()} />
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" onclick={props.on_cancel.clone()}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id="saf-new-submit" disabled={*busy}>
                    { if *busy { "Creating…" } else { "Create SAF" } }
                </button>
            </div>
        </form>
    }
}

/// The contract's certificates of compliance: list, lifecycle buttons and a form for a new one
/// linked to a SAF and/or a service scope.
#[function_component(CocsCard)]
pub fn cocs_card(props: &DocumentsProps) -> Html {
    let contract_id = props.contract.id.clone();
    let list =
        use_fetch(
            (contract_id.clone(), props.version),
            |(id, _)| async move { commercial::list_contract_cocs(&id).await },
        );
    let safs =
        use_fetch(
            (contract_id.clone(), props.version),
            |(id, _)| async move { commercial::list_contract_safs(&id).await },
        );
    let safs: Vec<(String, String)> = match &safs.result {
        Some(Ok(list)) => list.iter().map(|s| (s.id.clone(), format!("{} · {}", s.number, s.title))).collect(),
        _ => Vec::new(),
    };
    let scopes = use_scopes(contract_id.clone(), props.version);
    let defs = use_definitions(COC_ENTITY);
    let defs = loaded(&defs);
    let card = use_card(Doc::Coc, &props.on_changed);
    let covers = |c: &Coc| -> String {
        match (c.saf_id.is_empty(), c.service_scope_id.is_empty()) {
            (false, true) => label_of(&safs, &c.saf_id),
            (true, false) => label_of(&scopes, &c.service_scope_id),
            (false, false) => format!("{}; {}", label_of(&safs, &c.saf_id), label_of(&scopes, &c.service_scope_id)),
            (true, true) => "—".into(),
        }
    };
    let body = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(cocs)) if cocs.is_empty() => html! {
            <Empty title="No certificates" hint="Certificates of compliance (SOC 2, ISO 27001, …) for this contract's services." />
        },
        Some(Ok(cocs)) => html! {
            <div class="table-wrap">
                <table class="table" id="cocs-table">
                    <thead><tr>
                        <th>{ "Number" }</th><th>{ "Title" }</th><th>{ "Type" }</th><th>{ "Covers" }</th>
                        <th>{ "Valid" }</th><th>{ "Next audit" }</th><th>{ "Status" }</th>
                        { header_cells(&defs) }
                        <th />
                    </tr></thead>
                    <tbody>
                        { for cocs.iter().map(|c| html! { <>
                            <tr data-testid="coc-row" data-id={c.id.clone()} data-status={c.status.clone()}>
                                <td class="cell-strong">
                                    if c.document_url.is_empty() { { &c.number } }
                                    else { <a href={c.document_url.clone()} target="_blank" rel="noopener noreferrer">{ &c.number }</a> }
                                </td>
                                <td>{ &c.title }</td>
                                <td>{ coc_type_label(&c.coc_type) }</td>
                                <td>{ covers(c) }</td>
                                <td>{ period(&c.issue_date, &c.expiry_date) }</td>
                                <td>{ or_dash(&c.next_audit_date) }</td>
                                <td><Badge kind="coc-status" value={c.status.clone()} /></td>
                                { value_cells(&defs, &c.custom_fields) }
                                { card.actions_cell(props.can_write, &c.id, coc_moves(&c.status), !defs.is_empty()) }
                            </tr>
                            { card.editor_row(&c.id, &c.custom_fields, defs.len() + 8) }
                        </> }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="card card-wide" id="contract-cocs">
            { card.header(props.can_write, "Certificates of compliance", "coc-new-open", "New COC") }
            if *card.adding {
                <NewCoc safs={safs.clone()} scopes={scopes.clone()} on_created={card.created()} on_cancel={card.toggle()} />
            }
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct NewCocProps {
    safs: Vec<(String, String)>,
    scopes: Vec<(String, String)>,
    on_created: Callback<()>,
    on_cancel: Callback<MouseEvent>,
}

/// The form of a new draft COC.
#[function_component(NewCoc)]
fn new_coc(props: &NewCocProps) -> Html {
    let title = use_state(String::new);
    let kind = use_state(|| COC_TYPES[0].to_owned());
    let saf = use_state(String::new);
    let scope = use_state(String::new);
    let issue = use_state(String::new);
    let expiry = use_state(String::new);
    let audit = use_state(String::new);
    let next_audit = use_state(String::new);
    let document = use_state(String::new);
    let custom = use_state(Map::<String, Value>::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let defs = use_definitions(COC_ENTITY);
    let on_custom = {
        let custom = custom.clone();
        Callback::from(move |v: Map<String, Value>| custom.set(v))
    };
    let onsubmit = {
        let coc = Coc {
            title: (*title).clone(),
            coc_type: (*kind).clone(),
            saf_id: (*saf).clone(),
            service_scope_id: (*scope).clone(),
            issue_date: (*issue).clone(),
            expiry_date: (*expiry).clone(),
            audit_date: (*audit).clone(),
            next_audit_date: (*next_audit).clone(),
            document_url: document.trim().to_owned(),
            custom_fields: (*custom).clone(),
            ..Coc::default()
        };
        let (error, busy, on_created) = (error.clone(), busy.clone(), props.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let coc = coc.clone();
            submit(&busy, &error, &on_created, async move { commercial::create_coc(&coc).await });
        })
    };
    let err = (*error).clone();
    let fe = |name: &str| err.as_ref().and_then(|e| e.field(name));
    let mut known: Vec<String> = [
        "title",
        "coc_type",
        "saf_id",
        "service_scope_id",
        "issue_date",
        "expiry_date",
        "audit_date",
        "next_audit_date",
        "document_url",
    ]
    .map(str::to_owned)
    .to_vec();
    known.extend(field_names(&loaded(&defs)));
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let type_options = html! {
        { for COC_TYPES.iter().map(|t| html! { <option value={*t} selected={*t == kind.as_str()}>{ coc_type_label(t) }</option> }) }
    };
    html! {
        <form class="inline-form" id="coc-new-form" {onsubmit} novalidate=true>
            if let Some(err) = &err { { form_error(err, &known) } }
            <div class="form-grid">
                <Field label="Title" id="coc-title" required=true error={fe("title")}>
                    <input id="coc-title" value={(*title).clone()} oninput={bind(&title)} />
                </Field>
                <Field label="Framework" id="coc-type" required=true error={fe("coc_type")}>
                    <select id="coc-type" onchange={bind_select(&kind)}>{ type_options }</select>
                </Field>
                <Field label="SAF" id="coc-saf" error={fe("saf_id")}>
                    <select id="coc-saf" onchange={bind_select(&saf)}>{ id_options(&props.safs, &saf) }</select>
                </Field>
                <Field label="Service scope" id="coc-scope" error={fe("service_scope_id")}>
                    <select id="coc-scope" onchange={bind_select(&scope)}>{ id_options(&props.scopes, &scope) }</select>
                </Field>
                <Field label="Issued" id="coc-issue" error={fe("issue_date")}>
                    <input id="coc-issue" type="date" value={(*issue).clone()} oninput={bind(&issue)} />
                </Field>
                <Field label="Expires" id="coc-expiry" error={fe("expiry_date")}>
                    <input id="coc-expiry" type="date" value={(*expiry).clone()} oninput={bind(&expiry)} />
                </Field>
                <Field label="Last audit" id="coc-audit" error={fe("audit_date")}>
                    <input id="coc-audit" type="date" value={(*audit).clone()} oninput={bind(&audit)} />
                </Field>
                <Field label="Next audit" id="coc-next-audit" error={fe("next_audit_date")}>
                    <input id="coc-next-audit" type="date" value={(*next_audit).clone()} oninput={bind(&next_audit)} />
                </Field>
                <Field label="Document link" id="coc-document" error={fe("document_url")}>
                    <input id="coc-document" type="url" placeholder="https://…" value={(*document).clone()} oninput={bind(&document)} />
                </Field>
                <CustomFieldInputs entity={COC_ENTITY} id_prefix="coc-new" values={(*custom).clone()}
                    on_change={on_custom} error={err.clone()} />
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" onclick={props.on_cancel.clone()}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id="coc-new-submit" disabled={*busy}>
                    { if *busy { "Creating…" } else { "Create COC" } }
                </button>
            </div>
        </form>
    }
}
