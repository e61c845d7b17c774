// Loads the wasm module (a file rather than an inline script: the gateway's
// Content-Security-Policy allows no inline scripts).
import init from '/psa_web.js';
init();
