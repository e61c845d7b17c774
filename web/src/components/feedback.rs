//! Loading, error and empty states.

use yew::prelude::*;

use crate::api::{ApiError, FieldError};

/// A small spinner with a caption.
#[function_component(Loading)]
pub fn loading() -> Html {
    html! {
        <div class="loading" data-testid="loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            <span>{ "Loading…" }</span>
        </div>
    }
}

/// Props of [`ErrorBanner`].
#[derive(Properties, PartialEq)]
pub struct ErrorBannerProps {
    /// The problem to show.
    pub error: ApiError,
    /// Field violations shown with the message (those not shown next to a form field).
    #[prop_or_default]
    pub fields: Vec<FieldError>,
    /// Optional "Try again" action.
    #[prop_or_default]
    pub on_retry: Option<Callback<()>>,
}

/// A red banner with the problem's detail.
#[function_component(ErrorBanner)]
pub fn error_banner(props: &ErrorBannerProps) -> Html {
    let retry = props.on_retry.clone().map(|cb| {
        html! {
            <button type="button" class="btn btn-small" onclick={move |_| cb.emit(())}>
                { "Try again" }
            </button>
        }
    });
    html! {
        <div class="alert alert-error" role="alert" data-testid="error">
            <div class="alert-body">
                <strong>{ props.error.message() }</strong>
                if !props.fields.is_empty() {
                    <ul class="alert-list">
                        { for props.fields.iter().map(|f| html! {
                            <li><code>{ &f.field }</code>{ ": " }{ &f.detail }</li>
                        }) }
                    </ul>
                }
            </div>
            { for retry }
        </div>
    }
}

/// The banner above a form whose fields show their own violations (see
/// [`ApiError::for_form`]).
pub fn form_error(err: &ApiError, fields: &[&str]) -> Html {
    let shown = err.for_form(fields);
    let rest = shown.errors.clone();
    html! { <ErrorBanner error={shown} fields={rest} /> }
}

/// Props of [`Empty`].
#[derive(Properties, PartialEq)]
pub struct EmptyProps {
    /// Headline.
    pub title: AttrValue,
    /// Explanation or hint.
    #[prop_or_default]
    pub hint: AttrValue,
    /// Optional action (e.g. a button).
    #[prop_or_default]
    pub children: Html,
}

/// The empty state of a list.
#[function_component(Empty)]
pub fn empty(props: &EmptyProps) -> Html {
    html! {
        <div class="empty" data-testid="empty">
            <p class="empty-title">{ &props.title }</p>
            if !props.hint.is_empty() {
                <p class="empty-hint">{ &props.hint }</p>
            }
            { props.children.clone() }
        </div>
    }
}
