//! One check of e-mail addresses, for users' logins and contacts alike: the `email_address`
//! crate parses the address by the RFC's rules (a local part, one `@`, a domain of valid
//! labels), and a domain must also have a dot, as every address a customer or an agent really
//! uses does (`maria@localhost` is valid by the RFC, and a typo here).

/// The address trimmed and lowercased when it is one (at most `max` bytes), else `None`.
pub fn normalised(raw: &str, max: usize) -> Option<String> {
    let e = raw.trim().to_lowercase();
    if e.is_empty() || e.len() > max || e.contains(char::is_whitespace) {
        return None;
    }
    let parsed: email_address::EmailAddress = e.parse().ok()?;
    let domain = parsed.domain();
    let dotted = domain.contains('.')
        && domain.split('.').all(|l| !l.is_empty())
        && !domain.starts_with('[');
    dotted.then_some(e)
}

#[cfg(test)]
mod tests {
    use super::normalised;

    #[test]
    fn addresses_people_write() {
        for ok in [
            "maria@exemplo.com",
            " Ana.Souza+vip@Loja.com.br ",
            "o'neil@example.co.uk",
        ] {
            assert!(normalised(ok, 254).is_some(), "{ok}");
        }
        assert_eq!(
            normalised(" Ana@Loja.COM ", 254).as_deref(),
            Some("ana@loja.com")
        );
        for bad in [
            "",
            "maria",
            "maria@",
            "@exemplo.com",
            "maria@@exemplo.com",
            "maria@exemplo",
            "a@b@c.com",
            "maria@exemplo..com",
            "maria @exemplo.com",
            "maria@.exemplo.com",
            "maria@exemplo.com.",
        ] {
            assert!(normalised(bad, 254).is_none(), "{bad}");
        }
        assert!(normalised("a@b.co", 5).is_none(), "over the limit");
    }
}
