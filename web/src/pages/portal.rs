//! Placeholder for the client portal (`/portal`).

use yew::prelude::*;

/// The client portal is not built yet; its path prefix is reserved.
#[function_component(PortalPage)]
pub fn portal_page() -> Html {
    html! {
        <div class="login-screen">
            <div class="login-card">
                <h1>{ "Client portal" }</h1>
                <p class="muted">{ "The client portal is coming soon. Staff can sign in at " }<a href="/">{ "the staff app" }</a>{ "." }</p>
            </div>
        </div>
    }
}
