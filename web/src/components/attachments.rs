//! The Attachments card: a record's files (name, size, uploaded at) with download, and for
//! users who may change the record also upload and delete (delete asks for a second click).
//! Works for any attachments collection with the shared REST shape (see
//! [`crate::api::attachments`]); the company page (all the company's files, a contract's
//! documents linking to their contract) and the contract page (its documents) use it.

use wasm_bindgen_futures::spawn_local;
use web_sys::{File, HtmlInputElement};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::ApiError;
use crate::api::attachments::{self, Attachment};
use crate::app::Route;
use crate::components::feedback::{Empty, ErrorBanner, Loading};
use crate::format::{datetime, file_size};
use crate::hooks::use_fetch;

/// Props of [`AttachmentsCard`].
#[derive(Properties, PartialEq)]
pub struct AttachmentsCardProps {
    /// The attachments collection, e.g. `/api/v1/companies/{id}/attachments`.
    pub path: AttrValue,
    /// Whether upload and delete are offered (the record's write permission).
    #[prop_or_default]
    pub can_write: bool,
    /// Element id of the card.
    #[prop_or(AttrValue::Static("attachments"))]
    pub id: AttrValue,
    /// Card title.
    #[prop_or(AttrValue::Static("Attachments"))]
    pub title: AttrValue,
    /// Hint shown when there are no files.
    #[prop_or(AttrValue::Static("Contracts, diagrams and onboarding documents belong here."))]
    pub empty_hint: AttrValue,
    /// Whether a file that documents a contract links to it (off on the contract's own page).
    #[prop_or(true)]
    pub link_contracts: bool,
    /// Whether files can be deleted here (with `can_write`).
    #[prop_or(true)]
    pub deletable: bool,
    /// Whether the collection pages (`pageSize`); ticket attachments are listed whole.
    #[prop_or(true)]
    pub paged: bool,
    /// Told after a file was uploaded or deleted (e.g. to show the owner's new activity).
    #[prop_or_default]
    pub on_changed: Callback<()>,
}

/// A card listing a record's attachments, with upload, download and delete.
#[function_component(AttachmentsCard)]
pub fn attachments_card(props: &AttachmentsCardProps) -> Html {
    let reload = use_state(|| 0u32);
    let list = use_fetch((props.path.to_string(), props.paged, *reload), |(path, paged, _)| async move {
        attachments::list(&path, paged).await
    });
    let file = use_state(|| None::<File>);
    let input_ref = use_node_ref();
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let confirming = use_state(|| None::<String>);

    let on_file = {
        let (file, error) = (file.clone(), error.clone());
        Callback::from(move |e: Event| {
            let chosen =
                e.target_dyn_into::<HtmlInputElement>().and_then(|input| input.files()).and_then(|files| files.get(0));
            error.set(None);
            file.set(chosen);
        })
    };
    let upload = {
        let (path, file, input_ref, busy, error, reload, changed) = (
            props.path.clone(),
            file.clone(),
            input_ref.clone(),
            busy.clone(),
            error.clone(),
            reload.clone(),
            props.on_changed.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(chosen) = (*file).clone() else { return };
            let (path, file, input_ref, busy, error, reload, changed) = (
                path.clone(),
                file.clone(),
                input_ref.clone(),
                busy.clone(),
                error.clone(),
                reload.clone(),
                changed.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match attachments::upload(&path, &chosen, &chosen.name()).await {
                    Ok(_) => {
                        error.set(None);
                        file.set(None);
                        if let Some(input) = input_ref.cast::<HtmlInputElement>() {
                            input.set_value("");
                        }
                        reload.set(*reload + 1);
                        changed.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let download = |a: &Attachment| {
        let (path, a, error) = (props.path.clone(), a.clone(), error.clone());
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            let (path, a, error) = (path.clone(), a.clone(), error.clone());
            spawn_local(async move { error.set(attachments::download(&path, &a).await.err()) });
        })
    };
    let ask_delete = |id: &str| {
        let (confirming, id) = (confirming.clone(), id.to_string());
        Callback::from(move |_: MouseEvent| confirming.set(Some(id.clone())))
    };
    let delete = |id: &str| {
        let (path, confirming, error, reload, id, changed) = (
            props.path.clone(),
            confirming.clone(),
            error.clone(),
            reload.clone(),
            id.to_string(),
            props.on_changed.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (path, confirming, error, reload, id, changed) =
                (path.clone(), confirming.clone(), error.clone(), reload.clone(), id.clone(), changed.clone());
            spawn_local(async move {
                match attachments::delete(&path, &id).await {
                    Ok(()) => {
                        error.set(None);
                        reload.set(*reload + 1);
                        changed.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
                confirming.set(None);
            });
        })
    };
    let retry = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };

    let body = match &list.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} on_retry={retry} /> },
        Some(Ok(items)) if items.is_empty() => html! {
            <Empty title={format!("No {} yet", props.title.to_lowercase())} hint={props.empty_hint.clone()} />
        },
        Some(Ok(items)) => html! {
            <div class="table-wrap">
                <table class="table attachments-table">
                    <thead><tr>
                        <th>{ "Name" }</th><th>{ "Size" }</th><th>{ "Uploaded" }</th><th />
                    </tr></thead>
                    <tbody>
                        { for items.iter().map(|a| html! {
                            <tr data-testid="attachment-row" data-id={a.id.clone()}>
                                <td class="cell-strong">
                                    <a href="#" class="attachment-download" title={a.content_type.clone()}
                                        onclick={download(a)}>{ &a.file_name }</a>
                                    if props.link_contracts && !a.contract_id.is_empty() {
                                        { " " }
                                        <Link<Route> to={Route::Contract { id: a.contract_id.clone() }} classes={classes!("muted", "small", "attachment-contract")}>
                                            { "contract document" }
                                        </Link<Route>>
                                    }
                                </td>
                                <td class="nowrap">{ file_size(&a.size_bytes) }</td>
                                <td class="nowrap muted">{ datetime(&a.create_time) }</td>
                                <td class="row-actions">
                                    if props.can_write && props.deletable {
                                        if confirming.as_deref() == Some(a.id.as_str()) {
                                            <button type="button" class="btn btn-small btn-danger attachment-delete-confirm"
                                                onclick={delete(&a.id)}>{ "Delete file" }</button>
                                        } else {
                                            <button type="button" class="btn btn-small attachment-delete"
                                                onclick={ask_delete(&a.id)}>{ "Delete" }</button>
                                        }
                                    }
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    let file_name = file.as_ref().map(|f| f.name());
    html! {
        <section class="card" id={props.id.clone()}>
            <div class="card-header"><h2>{ props.title.clone() }</h2></div>
            if props.can_write {
                <div class="toolbar">
                    <label class="file-input">
                        <input class="attachment-file" type="file" ref={input_ref} onchange={on_file} />
                        <span class="btn btn-secondary btn-small">{ "Choose file…" }</span>
                        <span class="file-name">{ file_name.clone().unwrap_or_else(|| "No file chosen".into()) }</span>
                    </label>
                    <button type="button" class="btn btn-primary btn-small attachment-upload"
                        disabled={file_name.is_none() || *busy} onclick={upload}>
                        { if *busy { "Uploading…" } else { "Upload" } }
                    </button>
                </div>
            }
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} fields={e.errors.clone()} /> }
            { body }
        </section>
    }
}
