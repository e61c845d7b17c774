//! 404 page.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::components::feedback::Empty;

/// Shown for unknown paths.
#[function_component(NotFoundPage)]
pub fn not_found_page() -> Html {
    html! {
        <Empty title="Page not found" hint="The address may be mistyped, or the page has moved.">
            <Link<Route> to={Route::Companies} classes="btn btn-primary">{ "Go to companies" }</Link<Route>>
        </Empty>
    }
}
