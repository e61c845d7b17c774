//! "Export CSV": downloads a list with its current filter (`GET <list>:export`).

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::imports::export_list;
use crate::components::feedback::ErrorBanner;

/// Props of [`ExportButton`].
#[derive(Properties, PartialEq)]
pub struct ExportButtonProps {
    /// The list's path, e.g. `/api/v1/companies`.
    pub path: AttrValue,
    /// The list's current AIP-160 filter (may be empty).
    #[prop_or_default]
    pub filter: AttrValue,
    /// File name of the download.
    pub filename: AttrValue,
    /// Element id.
    #[prop_or_default]
    pub id: AttrValue,
}

/// A button that downloads the list as CSV.
#[function_component(ExportButton)]
pub fn export_button(props: &ExportButtonProps) -> Html {
    let error = use_state(|| None::<ApiError>);
    let onclick = {
        let (path, filter, filename, error) =
            (props.path.clone(), props.filter.clone(), props.filename.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (path, filter, filename, error) = (path.clone(), filter.clone(), filename.clone(), error.clone());
            spawn_local(async move { error.set(export_list(&path, &filter, &filename).await.err()) });
        })
    };
    html! {
        <>
            <button type="button" class="btn btn-secondary" id={props.id.clone()} {onclick}>{ "Export CSV" }</button>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
        </>
    }
}
