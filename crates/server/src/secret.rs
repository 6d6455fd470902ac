//! Passwords (argon2id with at least OWASP's parameters) and random tokens (sessions, API
//! tokens), stored only as hashes.

use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// OWASP's minimum for argon2id: m = 19456 KiB, t = 2, p = 1.
const M_COST: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn hasher() -> Result<Argon2<'static>, String> {
    let params = Params::new(M_COST, T_COST, P_COST, None).map_err(|e| e.to_string())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password (PHC string). CPU-heavy: call it off the async threads.
pub fn hash_password(password: &str) -> Result<String, String> {
    hasher()?
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches `hash`. CPU-heavy: call it off the async threads.
pub fn verify_password(hash: &str, password: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let Ok(h) = hasher() else { return false };
    h.verify_password(password.as_bytes(), &parsed).is_ok()
}

/// Whether a stored hash is weaker than today's parameters (then it is replaced at login).
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return true;
    };
    let get = |name: &str| parsed.params.get_decimal(name).unwrap_or(0);
    parsed.algorithm.as_str() != "argon2id"
        || parsed.version != Some(0x13)
        || get("m") < M_COST
        || get("t") < T_COST
        || get("p") < P_COST
}

/// A new random secret: 32 bytes, hex, with a prefix saying what it is (`s_`, `atd_`).
pub fn random_token(prefix: &str) -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

/// A code a person types (the first-run setup's): 12 characters of a 32-letter alphabet
/// without look-alikes (no I, O, 0, 1), 60 random bits, written `XXXX-XXXX-XXXX`.
pub fn setup_code() -> Result<String, String> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    let mut out = String::with_capacity(14);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(char::from(
            ALPHABET.get(usize::from(b % 32)).copied().unwrap_or(b'A'),
        ));
    }
    Ok(out)
}

/// SHA-256 of a token, hex: what the database stores.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip_and_long_ones_are_not_truncated() {
        let long = "x".repeat(200);
        let h = hash_password(&long).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password(&h, &long));
        assert!(!verify_password(&h, &"x".repeat(199)));
        assert!(!verify_password(&h, &format!("{long}y")));
        assert!(!needs_rehash(&h));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn weaker_hashes_need_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 1, 1, None).unwrap(),
        )
        .hash_password(b"demo")
        .unwrap()
        .to_string();
        assert!(verify_password(&weak, "demo"), "old hashes still verify");
        assert!(needs_rehash(&weak));
        let old_version = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x10,
            Params::new(M_COST, T_COST, P_COST, None).unwrap(),
        )
        .hash_password(b"demo")
        .unwrap()
        .to_string();
        assert!(old_version.contains("$v=16$"), "{old_version}");
        assert!(verify_password(&old_version, "demo"));
        assert!(needs_rehash(&old_version), "argon2 1.0 is replaced by 1.3");
        assert!(needs_rehash("garbage"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token("s_").unwrap();
        let b = random_token("s_").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 2 + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
