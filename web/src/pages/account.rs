//! The signed-in user's own credentials on the security page: TOTP enrolment (QR code and key
//! URI, verify a code, recovery codes shown once) and password change.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError, MfaSetup};
use crate::auth;
use crate::components::feedback::ErrorBanner;
use crate::components::field::bind;

/// Props of [`MfaEnrolment`].
#[derive(Properties, PartialEq)]
pub struct MfaProps {
    /// Called after activation (the session's permissions may grow: refresh the user).
    #[prop_or_default]
    pub on_enrolled: Callback<()>,
}

/// Two-step enrolment: "Set up" shows the QR code (an SVG from identity), then a current code
/// activates MFA and the ten recovery codes are shown once.
#[function_component(MfaEnrolment)]
pub fn mfa_enrolment(props: &MfaProps) -> Html {
    let setup = use_state(|| None::<MfaSetup>);
    let code = use_state(String::new);
    let recovery = use_state(|| None::<Vec<String>>);
    let error = use_state(|| None::<ApiError>);
    let start = {
        let (setup, error) = (setup.clone(), error.clone());
        Callback::from(move |_| {
            let (setup, error) = (setup.clone(), error.clone());
            spawn_local(async move {
                match api::setup_mfa().await {
                    Ok(s) => {
                        error.set(None);
                        setup.set(Some(s));
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let verify = {
        let (code, recovery, error, setup, done) =
            (code.clone(), recovery.clone(), error.clone(), setup.clone(), props.on_enrolled.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = (*code).clone();
            let (recovery, error, setup, done) = (recovery.clone(), error.clone(), setup.clone(), done.clone());
            spawn_local(async move {
                match api::verify_mfa(&value).await {
                    Ok(codes) => {
                        error.set(None);
                        setup.set(None);
                        recovery.set(Some(codes));
                        // New tokens carry the full permissions when MFA was required.
                        auth::refresh().await;
                        done.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <section class="card" id="mfa">
            <div class="card-header"><h2>{ "Two-factor authentication" }</h2></div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            if let Some(codes) = &*recovery {
                <div class="notes-block" id="mfa-recovery">
                    <p>{ "Two-factor authentication is on. Save these recovery codes now: each works once, and they are not shown again." }</p>
                    <ul class="recovery-codes">
                        { for codes.iter().map(|c| html! { <li><code class="mfa-recovery-code">{ c }</code></li> }) }
                    </ul>
                </div>
            } else if let Some(s) = &*setup {
                <div class="mfa-setup">
                    <p>{ "Scan the QR code with an authenticator app, or enter the key by hand, then type the 6-digit code it shows." }</p>
                    <div class="mfa-qr" id="mfa-qr">{ Html::from_html_unchecked(AttrValue::from(s.qr_code_svg.clone())) }</div>
                    <p class="muted">{ "Key: " }<code id="mfa-secret">{ &s.secret }</code></p>
                    <p class="muted mfa-uri"><code id="mfa-uri">{ &s.otpauth_uri }</code></p>
                    <form class="form" id="mfa-verify-form" onsubmit={verify}>
                        <label class="field"><span>{ "Code" }</span>
                            <input type="text" id="mfa-code" inputmode="numeric" autocomplete="one-time-code"
                                value={(*code).clone()} oninput={bind(&code)} /></label>
                        <button type="submit" class="btn btn-primary" id="mfa-verify">{ "Turn on" }</button>
                    </form>
                </div>
            } else {
                <p class="muted">{ "Protect your account with a code from an authenticator app at every sign-in." }</p>
                <button type="button" class="btn btn-primary" id="mfa-setup" onclick={start}>{ "Set up two-factor authentication" }</button>
            }
        </section>
    }
}

/// Changes the signed-in user's password (other sessions are signed out by the server).
#[function_component(ChangePassword)]
pub fn change_password() -> Html {
    let current = use_state(String::new);
    let new = use_state(String::new);
    let done = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let submit = {
        let (current, new, done, error) = (current.clone(), new.clone(), done.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (c, n) = ((*current).clone(), (*new).clone());
            let (current, new, done, error) = (current.clone(), new.clone(), done.clone(), error.clone());
            spawn_local(async move {
                match api::change_password(&c, &n).await {
                    Ok(()) => {
                        current.set(String::new());
                        new.set(String::new());
                        error.set(None);
                        done.set(true);
                        auth::refresh().await;
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <section class="card" id="password">
            <div class="card-header"><h2>{ "Password" }</h2></div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            if *done { <p class="alert" id="password-changed">{ "Password changed. Other sessions were signed out." }</p> }
            <form class="form" id="password-form" onsubmit={submit}>
                <label class="field"><span>{ "Current password" }</span>
                    <input type="password" id="password-current" autocomplete="current-password"
                        value={(*current).clone()} oninput={bind(&current)} /></label>
                <label class="field"><span>{ "New password" }</span>
                    <input type="password" id="password-new" autocomplete="new-password"
                        value={(*new).clone()} oninput={bind(&new)} /></label>
                <button type="submit" class="btn btn-primary" id="password-submit">{ "Change password" }</button>
            </form>
        </section>
    }
}
