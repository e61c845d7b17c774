//! Settings → Rate cards (`/settings/rate-cards`): the tenant's default rate card, the one
//! that applies to every contract whose company and contract have none of their own.

use yew::prelude::*;

use crate::api::settings::RateCardTarget;
use crate::app::use_session;
use crate::components::rate_card::RateCardEditor;
use crate::pages::custom_fields::SettingsTabs;

/// The default rate card page.
#[function_component(RateCardsPage)]
pub fn rate_cards_page() -> Html {
    let can_write = use_session().me.can("services.write");
    html! {
        <div class="page" id="rate-cards-page">
            <div class="page-header">
                <div>
                    <h1>{ "Settings" }</h1>
                    <p class="muted">
                        { "Hourly, after-hours and emergency rates per work type. A contract uses its own card, \
                           else its company's, else this default." }
                    </p>
                </div>
            </div>
            <SettingsTabs />
            <RateCardEditor target={RateCardTarget::Default} title="Default rate card" {can_write}
                fallback_hint="Contracts without a company or contract card have no rates." />
        </div>
    }
}
