//! Bulk import: choose a type, download its template, upload a CSV in all-or-nothing or
//! valid-rows mode, follow the progress (server-sent events) and read the report of bad rows.

use futures::StreamExt;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{File, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::imports::{self, ImportJob, TYPES};
use crate::components::feedback::ErrorBanner;

/// Waits `ms` milliseconds.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Estimated data rows of `file`: its size over the average line length of its first 64 KiB.
async fn estimate_rows(file: &File) -> i64 {
    let size = file.size();
    let Ok(head) = file.slice_with_i32_and_i32(0, 65_536) else { return 0 };
    let Ok(text) = JsFuture::from(head.text()).await else { return 0 };
    let text = text.as_string().unwrap_or_default();
    let lines = text.matches('\n').count().max(1) as f64;
    let per_line = text.len() as f64 / lines;
    ((size / per_line.max(1.0)) as i64 - 1).max(1)
}

/// The Import page.
#[function_component(ImportsPage)]
pub fn imports_page() -> Html {
    let kind = use_state(|| "clients".to_owned());
    let mode = use_state(|| "all_or_nothing".to_owned());
    let file = use_state(|| None::<File>);
    let job = use_state(|| None::<ImportJob>);
    let estimate = use_state(|| 0i64);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);

    let on_kind = {
        let kind = kind.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) {
                kind.set(s.value());
            }
        })
    };
    let on_mode = {
        let mode = mode.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) {
                mode.set(s.value());
            }
        })
    };
    let on_file = {
        let (file, job, error) = (file.clone(), job.clone(), error.clone());
        Callback::from(move |e: Event| {
            let chosen = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            file.set(chosen);
            job.set(None);
            error.set(None);
        })
    };
    let template = {
        let (kind, error) = (kind.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (kind, error) = ((*kind).clone(), error.clone());
            spawn_local(async move { error.set(imports::download_template(&kind).await.err()) });
        })
    };
    let start = {
        let (kind, mode, file, job, estimate, busy, error) =
            (kind.clone(), mode.clone(), file.clone(), job.clone(), estimate.clone(), busy.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(chosen) = (*file).clone() else { return };
            let (kind, mode) = ((*kind).clone(), (*mode).clone());
            let (job, estimate, busy, error) = (job.clone(), estimate.clone(), busy.clone(), error.clone());
            busy.set(true);
            error.set(None);
            job.set(None);
            let id = imports::new_job_id();
            // Progress: follow the job's events while the upload runs.
            {
                let (job, id) = (job.clone(), id.clone());
                spawn_local(async move {
                    let (tx, mut rx) = futures::channel::mpsc::unbounded();
                    let follow = async move {
                        for _ in 0..20 {
                            sleep(250).await;
                            match imports::watch_job(&id, tx.clone()).await {
                                Err(e) if e.status == 404 => continue,
                                _ => break,
                            }
                        }
                    };
                    let show = async move {
                        while let Some(update) = rx.next().await {
                            job.set(Some(update));
                        }
                    };
                    futures::join!(follow, show);
                });
            }
            spawn_local(async move {
                estimate.set(estimate_rows(&chosen).await);
                match imports::run_import(&kind, &chosen, &mode, &id).await {
                    Ok(done) => job.set(Some(done)),
                    Err(e) => {
                        // A file-level failure still has a job with its report.
                        if let Ok(failed) = imports::get_job(&id).await {
                            job.set(Some(failed));
                        }
                        error.set(Some(e));
                    }
                }
                busy.set(false);
            });
        })
    };

    let file_name = file.as_ref().map(File::name);
    html! {
        <div class="page" id="imports-page">
            <div class="page-header">
                <h1>{ "Import" }</h1>
            </div>
            <section class="card form-card">
                <p class="muted">
                    { "Upload a CSV in the layout of the type's template (columns by name, any order). \
                       Every row is checked and references (client, contract, service, SAF) are found \
                       by name. Records that already exist are skipped, so a file can be imported again \
                       safely. All or nothing writes nothing unless every row is valid; Valid rows \
                       imports the good rows and reports the others." }
                </p>
                <div class="import-controls">
                    <label>{ "Type " }
                        <select id="import-type" onchange={on_kind}>
                            { for TYPES.iter().map(|(v, label)| html! {
                                <option value={*v} selected={*kind == *v}>{ *label }</option>
                            }) }
                        </select>
                    </label>
                    <button type="button" class="btn btn-ghost" id="import-template" onclick={template}>
                        { "Download template" }
                    </button>
                    <label class="file-input">
                        <input id="import-file" type="file" accept=".csv,text/csv" onchange={on_file} />
                        <span class="btn btn-secondary">{ "Choose file…" }</span>
                        <span class="file-name">{ file_name.clone().unwrap_or_else(|| "No file chosen".into()) }</span>
                    </label>
                    <label>{ "Mode " }
                        <select id="import-mode" onchange={on_mode}>
                            <option value="all_or_nothing" selected={*mode == "all_or_nothing"}>{ "All or nothing" }</option>
                            <option value="valid_rows" selected={*mode == "valid_rows"}>{ "Valid rows" }</option>
                        </select>
                    </label>
                    <button type="button" class="btn btn-primary" id="import-start"
                        disabled={file_name.is_none() || *busy} onclick={start}>
                        { if *busy { "Importing…" } else { "Import" } }
                    </button>
                </div>
                if let Some(j) = &*job {
                    { view_job(j, *estimate) }
                }
                if let Some(err) = &*error {
                    <ErrorBanner error={err.clone()} />
                }
            </section>
        </div>
    }
}

fn view_job(j: &ImportJob, estimate: i64) -> Html {
    let max = if j.finished() { j.rows_read.max(1) } else { estimate.max(j.rows_read).max(1) };
    let headline = match (j.finished(), j.committed, j.state.as_str()) {
        (false, _, _) => format!("Importing… {} rows read", j.rows_read),
        (true, _, "IMPORT_JOB_STATE_FAILED") => format!("The file was rejected: {}", j.failure),
        (true, true, _) => format!("Imported: {} created, {} skipped (already exist).", j.created, j.skipped),
        (true, false, _) => {
            format!("{} bad rows — nothing was imported. Fix the file and import it again.", j.rows_bad)
        }
    };
    let class = match (j.finished(), j.committed) {
        (false, _) => "alert alert-info",
        (true, true) => "alert alert-success",
        (true, false) => "alert alert-error",
    };
    html! {
        <div class="import-report" id="import-job" data-state={j.state.clone()} data-committed={j.committed.to_string()}>
            <progress id="import-progress" value={j.rows_read.to_string()} max={max.to_string()}></progress>
            <div class={class} role="status"><strong>{ headline }</strong></div>
            <dl class="stats">
                <div><dt>{ "Rows read" }</dt><dd id="import-read">{ j.rows_read }</dd></div>
                <div><dt>{ "Valid" }</dt><dd id="import-valid">{ j.rows_valid }</dd></div>
                <div><dt>{ "Bad" }</dt><dd id="import-bad">{ j.rows_bad }</dd></div>
                <div><dt>{ if j.committed || !j.finished() { "Created" } else { "Would create" } }</dt>
                    <dd id="import-created">{ j.created }</dd></div>
                <div><dt>{ "Skipped" }</dt><dd id="import-skipped">{ j.skipped }</dd></div>
            </dl>
            if !j.ignored_columns.is_empty() {
                <p class="muted">{ format!("Ignored columns: {}", j.ignored_columns.join(", ")) }</p>
            }
            if !j.errors.is_empty() {
                <div class="table-wrap">
                    <table class="table table-compact" id="import-errors">
                        <thead><tr><th class="num">{ "Line" }</th><th>{ "Column" }</th><th>{ "Problem" }</th></tr></thead>
                        <tbody>
                            { for j.errors.iter().map(|e| html! {
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
