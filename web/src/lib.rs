//! PSA web client (Yew, client-side rendered).
//!
//! The staff app lives at `/`; `/portal` is reserved for the client portal. The gateway serves
//! `index.html` for every non-API path, so routing is by path (yew-router's browser history).
//! Build with `scripts/build-web.sh` (wasm32 only; the crate is not a default workspace member).

#![warn(missing_docs)]

pub mod api;
pub mod app;
pub mod auth;
pub mod components;
pub mod format;
pub mod hooks;
pub mod pages;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point called by `init()` in `index.html`: mounts the app on `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
