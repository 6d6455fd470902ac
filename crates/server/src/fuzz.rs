//! Entry points for fuzzing, not part of the API: the `cargo fuzz` targets of `fuzz/` and the
//! bounded run of the tests call these. Each request body type of the API is parsed as its
//! handler parses it (strict JSON: unknown fields, wrong types and malformed JSON refused),
//! then checked by the validation its handler runs before touching the database. Whatever the
//! bytes, the outcome is `Ok` or a 4xx [`ApiError`] with a stable code: never a panic, never a
//! 500.

use crate::error_codes as codes;
use serde::de::DeserializeOwned;

use crate::egress::EgressPolicy;
use crate::error::ApiError;
use crate::json::Validate;

/// The request bodies [`request_body`] knows, by index.
pub const REQUEST_BODIES: [&str; 35] = [
    "LoginRequest",
    "TokenRequest",
    "OwnPassword",
    "PasswordReset",
    "NewUserRequest",
    "UserPatch",
    "NewRole",
    "RolePatch",
    "NewDepartment",
    "DepartmentPatch",
    "SettingsView",
    "preset:helena",
    "preset:omnichat",
    "preset:oklac",
    "preset:opa",
    "preset:zenvia",
    "ChannelRequest",
    "RoutingSettings",
    "AgentLimit",
    "Availability",
    "WebhookRequest",
    "AccountUpdate",
    "NewAccountRequest",
    "NewConversationRequest",
    "ActionRequest",
    "TemplateRequest",
    "GenericMessage",
    "NewTag",
    "ContactRequest",
    "MergeRequest",
    "StartRequest",
    "OutboundRequest",
    "TagChange",
    "MergeTag",
    "SetupRequest",
];

/// The WhatsApp Cloud API webhook payload's index in the names [`request_body`] takes, after
/// the JSON bodies.
pub const WHATSAPP_PAYLOAD: usize = REQUEST_BODIES.len();

fn strict<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(
            codes::INVALID_JSON,
            format!("the JSON body is not valid: {e}"),
        )
    })
}

/// Parses `bytes` as `T` and runs `T`'s validation, the one its handler runs.
fn checked<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<(), ApiError> {
    strict::<T>(bytes)?.validate(&EgressPolicy::default())
}

/// Parses and validates `bytes` as the body `which` (an index of [`REQUEST_BODIES`], or
/// [`WHATSAPP_PAYLOAD`]; larger indexes wrap around). Each arm is one line: the rules are the
/// body's own (`crate::json::Validate`), not repeated here.
pub fn request_body(which: usize, bytes: &[u8]) -> Result<(), ApiError> {
    use crate::admin::{
        accounts, channels, departments, outbound_webhooks, roles, settings, users,
    };
    let which = which % (WHATSAPP_PAYLOAD + 1);
    match which {
        0 => checked::<crate::auth::LoginRequest>(bytes),
        1 => checked::<crate::auth::TokenRequest>(bytes),
        2 => checked::<users::OwnPassword>(bytes),
        3 => checked::<users::PasswordReset>(bytes),
        4 => checked::<users::NewUserRequest>(bytes),
        5 => checked::<users::UserPatch>(bytes),
        6 => checked::<roles::NewRole>(bytes),
        7 => checked::<roles::RolePatch>(bytes),
        8 => checked::<departments::NewDepartment>(bytes),
        9 => checked::<departments::DepartmentPatch>(bytes),
        10 => checked::<settings::SettingsView>(bytes),
        11..=15 => {
            let id = settings::PRESETS
                .get(which - 11)
                .copied()
                .unwrap_or_default();
            // The preset's options may be left out (an empty body); their shape is the
            // preset's, checked by the function its handler calls.
            let body = if bytes.iter().all(u8::is_ascii_whitespace) {
                serde_json::Value::Null
            } else {
                strict(bytes)?
            };
            settings::preset(id, body).map(|_| ())
        }
        16 => checked::<channels::ChannelRequest>(bytes),
        17 => checked::<crate::admin::routing::RoutingSettings>(bytes),
        18 => checked::<crate::admin::routing::AgentLimit>(bytes),
        19 => checked::<crate::routing::Availability>(bytes),
        20 => checked::<outbound_webhooks::WebhookRequest>(bytes),
        21 => checked::<accounts::AccountUpdate>(bytes),
        22 => checked::<accounts::NewAccountRequest>(bytes),
        23 => checked::<crate::conversations::NewConversationRequest>(bytes),
        24 => {
            // Its checks depend on the action the path names (`parse_act`, as the handler
            // makes them): valid when some action takes it, else the first action's refusal.
            let req: crate::conversations::ActionRequest = if bytes.is_empty() {
                crate::conversations::ActionRequest::default()
            } else {
                strict(bytes)?
            };
            let mut first = None;
            for kind in access::ActionKind::ALL {
                if matches!(
                    kind,
                    access::ActionKind::View | access::ActionKind::ViewDetails
                ) {
                    continue;
                }
                match crate::conversations::parse_act(*kind, &req) {
                    Ok(_) => return Ok(()),
                    Err(e) => {
                        first.get_or_insert(e);
                    }
                }
            }
            first.map_or(Ok(()), Err)
        }
        25 => checked::<crate::channels::replies::TemplateRequest>(bytes),
        26 => checked::<crate::channels::inbound::GenericMessage>(bytes),
        27 => checked::<crate::admin::tags::NewTag>(bytes),
        28 => checked::<crate::contacts::write::ContactRequest>(bytes),
        29 => checked::<crate::contacts::write::MergeRequest>(bytes),
        30 => checked::<crate::contacts::start::StartRequest>(bytes),
        31 => checked::<crate::contacts::start::OutboundRequest>(bytes),
        32 => checked::<crate::admin::tags::TagChange>(bytes),
        33 => checked::<crate::admin::tags::MergeTag>(bytes),
        34 => checked::<crate::admin::setup::SetupRequest>(bytes),
        _ => crate::channels::whatsapp::parse(bytes)
            .map(|_| ())
            .map_err(|e| {
                ApiError::bad_request(
                    codes::BAD_PAYLOAD,
                    format!("not a WhatsApp webhook payload: {e}"),
                )
            }),
    }
}

/// The name of body `which` (as [`request_body`] reads it).
pub fn body_name(which: usize) -> &'static str {
    REQUEST_BODIES
        .get(which % (WHATSAPP_PAYLOAD + 1))
        .copied()
        .unwrap_or("whatsapp")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*), so that a failure replays.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
        }
    }

    /// The committed inputs of the `request_body` fuzz target in `fuzz/<dir>/request_body`:
    /// each file is one input, its first byte choosing the body as the target does.
    fn corpus(dir: &str) -> Vec<Vec<u8>> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz")
            .join(dir)
            .join("request_body");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        paths.sort();
        paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
    }

    fn run(input: &[u8]) {
        let Some((&which, body)) = input.split_first() else {
            return;
        };
        if let Err(e) = request_body(usize::from(which), body) {
            assert!(
                e.status().is_client_error(),
                "{}: {} {} for {:?}",
                body_name(usize::from(which)),
                e.status(),
                e.code(),
                String::from_utf8_lossy(body)
            );
        }
    }

    /// The stable, bounded counterpart of `cargo fuzz run request_body`: the corpus, then
    /// mutations of it (bytes flipped, inserted, removed, spliced) and random bytes, through
    /// the same function: every outcome is `Ok` or a 4xx. `ATENDE_FUZZ_ITERATIONS` raises the
    /// count of mutations.
    #[test]
    fn request_bodies_never_panic_nor_answer_5xx() {
        let seeds = corpus("seeds");
        // A valid example of every body, and of the WhatsApp payload: each is accepted (so the
        // mutations start from inputs that reach the validation).
        let mut covered = std::collections::BTreeSet::new();
        for input in &seeds {
            let (&which, body) = input.split_first().unwrap();
            let outcome = request_body(usize::from(which), body);
            assert!(
                outcome.is_ok(),
                "seed {}: {:?}",
                body_name(usize::from(which)),
                outcome.err().map(|e| e.message().to_owned())
            );
            covered.insert(usize::from(which));
        }
        assert_eq!(covered.len(), WHATSAPP_PAYLOAD + 1, "a body has no seed");
        let mut corpus = seeds;
        corpus.extend(self::corpus("regressions"));
        for input in &corpus {
            run(input);
        }
        let iterations = std::env::var("ATENDE_FUZZ_ITERATIONS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(100_000);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let dictionary: [&[u8]; 12] = [
            b"{", b"}", b"[", b"]", b"\"", b":", b",", b"null", b"\\u0000", b"1e999", b"-1",
            b"\xff",
        ];
        for _ in 0..iterations {
            let mut input = corpus
                .get(rng.below(corpus.len()))
                .cloned()
                .unwrap_or_default();
            for _ in 0..=rng.below(4) {
                let at = rng.below(input.len() + 1);
                match rng.below(6) {
                    0 if at < input.len() => input[at] ^= 1 << rng.below(8),
                    1 => input.insert(at, (rng.next() & 0xff) as u8),
                    2 if at < input.len() => {
                        input.remove(at);
                    }
                    3 => {
                        let word = dictionary[rng.below(dictionary.len())];
                        input.splice(at..at, word.iter().copied());
                    }
                    4 => {
                        let other = corpus
                            .get(rng.below(corpus.len()))
                            .cloned()
                            .unwrap_or_default();
                        let from = rng.below(other.len() + 1);
                        input.truncate(at);
                        input.extend_from_slice(&other[from..]);
                    }
                    _ => {
                        input = (0..rng.below(64))
                            .map(|_| (rng.next() & 0xff) as u8)
                            .collect();
                    }
                }
            }
            run(&input);
        }
    }
}
