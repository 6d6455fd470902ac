//! The API's request bodies: the first byte chooses the body type (or the WhatsApp webhook
//! payload), the rest is the body, parsed and validated as the handler does: `Ok` or a 4xx.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    if let Err(e) = server::fuzz::request_body(usize::from(which), body) {
        assert!(e.status().is_client_error(), "{} {}", e.status(), e.code());
    }
});
