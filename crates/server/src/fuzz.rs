//! Entry points for fuzzing, not part of the API: the `cargo fuzz` targets of `fuzz/` and the
//! bounded run of the tests call these. Each request body type of the API is parsed as its
//! handler parses it (strict JSON: unknown fields, wrong types and malformed JSON refused),
//! then checked by the validation its handler runs before touching the database. Whatever the
//! bytes, the outcome is `Ok` or a 4xx [`ApiError`] with a stable code: never a panic, never a
//! 500.

use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The request bodies [`request_body`] knows, by index.
pub const REQUEST_BODIES: [&str; 27] = [
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
];

/// The WhatsApp Cloud API webhook payload's index in the names [`request_body`] takes, after
/// the JSON bodies.
pub const WHATSAPP_PAYLOAD: usize = REQUEST_BODIES.len();

fn strict<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request("invalid_json", format!("the JSON body is not valid: {e}"))
    })
}

/// Parses and validates `bytes` as the body `which` (an index of [`REQUEST_BODIES`], or
/// [`WHATSAPP_PAYLOAD`]; larger indexes wrap around).
pub fn request_body(which: usize, bytes: &[u8]) -> Result<(), ApiError> {
    use crate::admin::{
        channels, departments, outbound_webhooks, roles, settings, users, valid_name,
    };
    let which = which % (WHATSAPP_PAYLOAD + 1);
    match which {
        0 => {
            let b: crate::auth::LoginRequest = strict(bytes)?;
            users::valid_email(&b.email)?;
        }
        1 => {
            let b: crate::auth::TokenRequest = strict(bytes)?;
            crate::auth::token_name(&b.name)?;
        }
        2 => {
            let b: users::OwnPassword = strict(bytes)?;
            users::valid_password("new_password", &b.new_password)?;
        }
        3 => {
            let b: users::PasswordReset = strict(bytes)?;
            users::valid_password("password", &b.password)?;
        }
        4 => {
            let b: users::NewUserRequest = strict(bytes)?;
            users::valid_email(&b.email)?;
            valid_name("name", &b.name)?;
            users::valid_password("password", &b.password)?;
        }
        5 => {
            let b: users::UserPatch = strict(bytes)?;
            b.email.as_deref().map(users::valid_email).transpose()?;
            b.name
                .as_deref()
                .map(|n| valid_name("name", n))
                .transpose()?;
        }
        6 => {
            let b: roles::NewRole = strict(bytes)?;
            valid_name("name", &b.name)?;
            roles::permission_set(&b.permissions)?;
            roles::networks(&b.allowed_networks)?;
        }
        7 => {
            let b: roles::RolePatch = strict(bytes)?;
            b.name
                .as_deref()
                .map(|n| valid_name("name", n))
                .transpose()?;
            b.permissions
                .as_deref()
                .map(roles::permission_set)
                .transpose()?;
            b.allowed_networks
                .as_deref()
                .map(roles::networks)
                .transpose()?;
        }
        8 => {
            let b: departments::NewDepartment = strict(bytes)?;
            valid_name("name", &b.name)?;
            b.access
                .as_deref()
                .map(departments::access_option)
                .transpose()?;
        }
        9 => {
            let b: departments::DepartmentPatch = strict(bytes)?;
            b.name
                .as_deref()
                .map(|n| valid_name("name", n))
                .transpose()?;
            b.access
                .as_deref()
                .map(departments::access_option)
                .transpose()?;
        }
        10 => {
            let b: settings::SettingsView = strict(bytes)?;
            settings::settings_from(&b)?;
        }
        11..=15 => {
            let id = settings::PRESETS
                .get(which - 11)
                .copied()
                .unwrap_or_default();
            // The preset's options may be left out (an empty body).
            let body = if bytes.iter().all(u8::is_ascii_whitespace) {
                serde_json::Value::Null
            } else {
                strict(bytes)?
            };
            settings::preset(id, body)?;
        }
        16 => {
            let b: channels::ChannelRequest = strict(bytes)?;
            b.name
                .as_deref()
                .map(|n| valid_name("name", n))
                .transpose()?;
            for (field, v) in [
                ("phone_number_id", &b.phone_number_id),
                ("verify_token", &b.verify_token),
                ("app_secret", &b.app_secret),
                ("access_token", &b.access_token),
            ] {
                channels::secret(field, v.as_ref())?;
            }
            channels::number_id(b.phone_number_id.as_ref())?;
            channels::base_url(
                &crate::egress::EgressPolicy::default(),
                b.graph_base_url.as_ref(),
            )?;
        }
        17 => {
            let _: channels::RoutingSettings = strict(bytes)?;
        }
        18 => {
            let _: channels::AgentLimit = strict(bytes)?;
        }
        19 => {
            let _: crate::routing::Availability = strict(bytes)?;
        }
        20 => {
            let b: outbound_webhooks::WebhookRequest = strict(bytes)?;
            let policy = crate::egress::EgressPolicy::default();
            b.url
                .as_deref()
                .map(|u| outbound_webhooks::valid_url(&policy, u))
                .transpose()?;
            outbound_webhooks::valid_events(b.events.as_deref())?;
        }
        21 => {
            let b: crate::admin::accounts::AccountUpdate = strict(bytes)?;
            valid_name("name", &b.name)?;
        }
        22 => {
            let b: crate::admin::accounts::NewAccountRequest = strict(bytes)?;
            valid_name("name", &b.name)?;
            users::valid_email(&b.owner_email)?;
            b.owner_password
                .as_deref()
                .map(|p| users::valid_password("owner_password", p))
                .transpose()?;
        }
        23 => {
            let _: crate::conversations::NewConversationRequest = strict(bytes)?;
        }
        24 => {
            let _: crate::conversations::ActionRequest = if bytes.is_empty() {
                crate::conversations::ActionRequest::default()
            } else {
                strict(bytes)?
            };
        }
        25 => {
            let _: crate::channels::replies::TemplateRequest = strict(bytes)?;
        }
        26 => {
            let b: crate::channels::inbound::GenericMessage = strict(bytes)?;
            crate::channels::inbound::check_generic(&b)?;
        }
        _ => {
            crate::channels::whatsapp::parse(bytes).map_err(|e| {
                ApiError::bad_request(
                    "bad_payload",
                    format!("not a WhatsApp webhook payload: {e}"),
                )
            })?;
        }
    }
    Ok(())
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
