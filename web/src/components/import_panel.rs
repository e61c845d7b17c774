//! CSV import of companies: dry run first, then commit.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use crate::api::{self, ApiError, ImportReport};
use crate::components::feedback::ErrorBanner;

/// Props of [`ImportPanel`].
#[derive(Properties, PartialEq)]
pub struct ImportPanelProps {
    /// Called after rows were written.
    pub on_imported: Callback<ImportReport>,
    /// Called when the user closes the panel.
    pub on_close: Callback<()>,
}

/// Choose a CSV file, check it (dry run, per-row error report), then import it.
#[function_component(ImportPanel)]
pub fn import_panel(props: &ImportPanelProps) -> Html {
    let file = use_state(|| None::<File>);
    // The last report and whether it came from a dry run.
    let report = use_state(|| None::<(ImportReport, bool)>);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);

    let on_file = {
        let (file, report, error) = (file.clone(), report.clone(), error.clone());
        Callback::from(move |e: Event| {
            let chosen = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            file.set(chosen);
            report.set(None);
            error.set(None);
        })
    };

    let run = |dry_run: bool| {
        let (file, report, busy, error) = (file.clone(), report.clone(), busy.clone(), error.clone());
        let on_imported = props.on_imported.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(chosen) = (*file).clone() else {
                return;
            };
            busy.set(true);
            error.set(None);
            let (report, busy, error, on_imported) = (report.clone(), busy.clone(), error.clone(), on_imported.clone());
            spawn_local(async move {
                match api::import_companies(&chosen.into(), dry_run).await {
                    Ok(result) => {
                        if result.committed {
                            on_imported.emit(result.clone());
                        }
                        report.set(Some((result, dry_run)));
                    }
                    Err(err) => {
                        report.set(None);
                        error.set(Some(err));
                    }
                }
                busy.set(false);
            });
        })
    };
    let close = {
        let cb = props.on_close.clone();
        Callback::from(move |_| cb.emit(()))
    };

    let file_name = file.as_ref().map(|f| f.name());
    let can_commit = matches!(&*report, Some((r, true)) if r.errors.is_empty() && r.total_rows > 0);
    html! {
        <section class="card form-card" id="import-panel">
            <div class="card-header">
                <h2>{ "Import companies from CSV" }</h2>
            </div>
            <p class="muted">
                { "A header row, then one company per row. The only required column is the company \
                   name (" }<code>{ "name" }</code>{ ", " }<code>{ "client_name" }</code>{ " or " }
                <code>{ "company_name" }</code>{ "); the clients template's " }
                <code>{ "industry, companySize, status, website, contactName, contactEmail…" }</code>
                { " and Alga PSA's client import layout are understood. Check the file first: \
                   nothing is written until you choose Import, and only when every row is valid. \
                   Companies that already exist are skipped." }
            </p>
            <div class="import-controls">
                <label class="file-input">
                    <input id="import-file" type="file" accept=".csv,text/csv" onchange={on_file} />
                    <span class="btn btn-secondary">{ "Choose file…" }</span>
                    <span class="file-name">{ file_name.clone().unwrap_or_else(|| "No file chosen".into()) }</span>
                </label>
                <button type="button" class="btn btn-secondary" id="import-dry-run"
                    disabled={file_name.is_none() || *busy} onclick={run(true)}>
                    { if *busy { "Working…" } else { "Check file" } }
                </button>
                <button type="button" class="btn btn-primary" id="import-commit"
                    disabled={!can_commit || *busy} onclick={run(false)}>{ "Import" }</button>
                <span class="spacer"></span>
                <button type="button" class="btn btn-ghost" onclick={close}>{ "Close" }</button>
            </div>
            if let Some(err) = &*error {
                <ErrorBanner error={err.clone()} fields={file_problems(err)} />
            }
            if let Some((r, dry_run)) = &*report {
                { view_report(r, *dry_run) }
            }
        </section>
    }
}

/// The violations of a rejected file not already said by its message.
fn file_problems(err: &ApiError) -> Vec<crate::api::FieldError> {
    let message = err.message();
    err.errors.iter().filter(|e| !message.contains(&e.detail)).cloned().collect()
}

fn view_report(r: &ImportReport, dry_run: bool) -> Html {
    let (class, headline) = if r.committed {
        (
            "alert alert-success",
            format!("Imported {} companies and {} contacts.", r.created_companies, r.created_contacts),
        )
    } else if !r.errors.is_empty() {
        (
            "alert alert-error",
            format!(
                "{} problem{} found — nothing was imported. Fix the file and check it again.",
                r.errors.len(),
                if r.errors.len() == 1 { "" } else { "s" }
            ),
        )
    } else if dry_run && r.total_rows > 0 {
        ("alert alert-info", "The file is valid. Choose Import to create these records.".to_string())
    } else if r.total_rows == 0 {
        ("alert alert-info", "The file has no data rows.".to_string())
    } else {
        ("alert alert-info", "Nothing was imported.".to_string())
    };
    let verb = if r.committed { "Created" } else { "Would create" };
    html! {
        <div class="import-report" id="import-result" data-committed={r.committed.to_string()}>
            <div class={class} role="status"><strong>{ headline }</strong></div>
            <dl class="stats">
                <div><dt>{ "Rows read" }</dt><dd id="import-total">{ r.total_rows }</dd></div>
                <div><dt>{ format!("{verb} companies") }</dt><dd id="import-companies">{ r.created_companies }</dd></div>
                <div><dt>{ format!("{verb} contacts") }</dt><dd id="import-contacts">{ r.created_contacts }</dd></div>
                <div><dt>{ "Skipped (already exist)" }</dt><dd id="import-skipped">{ r.skipped_rows }</dd></div>
                <div><dt>{ "Problems" }</dt><dd id="import-error-count">{ r.errors.len() }</dd></div>
            </dl>
            if !r.errors.is_empty() {
                <div class="table-wrap">
                    <table class="table table-compact" id="import-errors">
                        <thead><tr><th class="num">{ "Line" }</th><th>{ "Field" }</th><th>{ "Problem" }</th></tr></thead>
                        <tbody>
                            { for r.errors.iter().map(|e| html! {
                                <tr data-testid="import-error-row">
                                    <td class="num">{ e.line }</td>
                                    <td>if e.field.is_empty() { <span class="muted">{ "(row)" }</span> } else { <code>{ &e.field }</code> }</td>
                                    <td>{ &e.message }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            }
        </div>
    }
}
