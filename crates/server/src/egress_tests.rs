#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use reqwest::dns::{Name, Resolve};

use super::*;

fn policy(allow: &[&str]) -> EgressPolicy {
    EgressPolicy::new(allow.iter().map(|a| a.parse().unwrap()).collect())
}

/// Every way of writing an internal address in a URL the attack suite tried, and more: each is
/// refused before any request, whatever the scheme.
#[test]
fn internal_literals_are_refused_in_every_encoding() {
    let p = EgressPolicy::default();
    for host in [
        "127.0.0.1",
        "127.0.0.1:8080",
        "[::1]",
        "0.0.0.0",
        "[::]",
        "169.254.169.254",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.0.1",
        "100.64.0.1",
        "2130706433",   // 127.0.0.1 as one decimal number
        "0x7f000001",   // as one hexadecimal number
        "127.1",        // shortened
        "0x7f.1",       // mixed
        "0177.0.0.1",   // octal
        "017700000001", // octal, one number
        "127.0.0.1.",   // trailing dot
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::ffff:8.8.8.8]", // IPv4-mapped is refused whatever it maps
        "[::127.0.0.1]",    // IPv4-compatible (deprecated)
        "[fe80::1]",
        "[fd00::1]",
        "[fc00::1]",
        "[ff02::1]",
        "[64:ff9b::7f00:1]",    // NAT64 of 127.0.0.1
        "[64:ff9b::a9fe:a9fe]", // NAT64 of 169.254.169.254
        "[64:ff9b:1::1]",       // local-use NAT64
        "[2002:7f00:1::1]",     // 6to4 of 127.0.0.1
        "[2002:a00:1::1]",      // 6to4 of 10.0.0.1
        "[2001::1]",            // Teredo
        "[2001:db8::1]",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.0.170",
        "198.18.0.1",
        "192.0.2.1",
    ] {
        for scheme in ["http", "https"] {
            let url = format!("{scheme}://{host}/hook");
            assert_eq!(
                p.check(&url).map(|_| ()),
                Err(Refusal::Internal),
                "{url} was not refused"
            );
        }
    }
}

/// The URL parser reads the numeric encodings as the address they mean (so the check sees the
/// address the client would connect to).
#[test]
fn the_parser_normalises_numeric_hosts() {
    for (raw, host) in [
        ("https://2130706433/", "127.0.0.1"),
        ("https://0x7f000001/", "127.0.0.1"),
        ("https://127.1/", "127.0.0.1"),
        ("https://0177.0.0.1/", "127.0.0.1"),
        ("https://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"),
        ("https://LOCALHOST/", "localhost"),
    ] {
        assert_eq!(Url::parse(raw).unwrap().host_str(), Some(host), "{raw}");
    }
}

#[test]
fn public_addresses_and_names_pass_over_https_only() {
    let p = EgressPolicy::default();
    for url in [
        "https://graph.facebook.com/v21.0",
        "https://93.184.216.34/hook",
        "https://8.8.8.8/",
        "https://[2606:4700:4700::1111]/",
        "https://[64:ff9b::808:808]/", // NAT64 of 8.8.8.8
        "https://[2002:808:808::1]/",  // 6to4 of 8.8.8.8
        // A name is checked when resolved, not here.
        "https://localhost/",
        "https://hooks.example.com:8443/a?b=c",
    ] {
        assert!(p.check(url).is_ok(), "{url} was refused");
    }
    for url in [
        "http://graph.facebook.com/v21.0",
        "http://8.8.8.8/",
        "http://localhost/",
    ] {
        assert_eq!(p.check(url).map(|_| ()), Err(Refusal::PlainHttp), "{url}");
    }
    for url in [
        "ftp://example.com/",
        "file:///etc/passwd",
        "https://",
        "not a url",
        "gopher://127.0.0.1/",
    ] {
        assert!(p.check(url).is_err(), "{url}");
    }
}

#[test]
fn outbound_allow_opens_networks_and_names_also_over_http() {
    let p = policy(&["127.0.0.0/8", "10.20.0.0/16", "crm.intranet.example"]);
    for url in [
        "http://127.0.0.1:9/v21.0",
        "http://2130706433:9/",
        "http://[::ffff:127.0.0.1]/", // the mapped form of an allowed address
        "https://10.20.3.4/",
        "http://10.20.3.4/",
        "http://crm.intranet.example/hook",
        "http://CRM.intranet.example./hook",
    ] {
        assert!(p.check(url).is_ok(), "{url} was refused");
    }
    assert_eq!(
        p.check("https://10.21.0.1/").map(|_| ()),
        Err(Refusal::Internal)
    );
    assert_eq!(p.check("http://[::1]/").map(|_| ()), Err(Refusal::Internal));
    assert_eq!(
        p.check("http://other.example/").map(|_| ()),
        Err(Refusal::PlainHttp)
    );
}

#[test]
fn allow_entries_are_networks_or_host_names() {
    assert_eq!(
        "10.0.0.0/8".parse::<Allowed>().unwrap(),
        Allowed::Net("10.0.0.0/8".parse().unwrap())
    );
    assert_eq!(
        "::1".parse::<Allowed>().unwrap(),
        Allowed::Net("::1".parse().unwrap())
    );
    assert_eq!(
        " Hooks.Intranet.Example. ".parse::<Allowed>().unwrap(),
        Allowed::Host("hooks.intranet.example".into())
    );
    for bad in [
        "",
        "10.0.0.1/33",
        "10.0.0.1/8",
        "a b",
        "-x.example",
        "x..example",
        "http://x",
    ] {
        assert!(bad.parse::<Allowed>().is_err(), "{bad}");
    }
}

#[test]
fn every_refusal_has_a_reason_and_public_addresses_none() {
    for ip in [
        "127.0.0.1",
        "::1",
        "169.254.169.254",
        "fd12::1",
        "0.0.0.0",
        "::",
    ] {
        assert!(internal(IpAddr::from_str(ip).unwrap()).is_some(), "{ip}");
    }
    for ip in [
        "1.1.1.1",
        "200.147.67.142",
        "2800:3f0:4001::200e",
        "100.128.0.1",
        "172.32.0.1",
    ] {
        assert_eq!(internal(IpAddr::from_str(ip).unwrap()), None, "{ip}");
    }
}

/// The resolver drops refused addresses: `localhost` resolves to nothing usable unless the
/// operator allows loopback or lists the name.
#[tokio::test]
async fn the_resolver_drops_internal_addresses() {
    let resolve = |p: EgressPolicy| {
        let r = Resolver {
            policy: Arc::new(p),
        };
        r.resolve(Name::from_str("localhost").unwrap())
    };
    assert!(resolve(EgressPolicy::default()).await.is_err());
    assert!(resolve(policy(&["10.0.0.0/8"])).await.is_err());
    let found: Vec<_> = resolve(policy(&["127.0.0.0/8", "::1"]))
        .await
        .unwrap()
        .collect();
    assert!(!found.is_empty() && found.iter().all(|a| a.ip().is_loopback()));
    let found: Vec<_> = resolve(policy(&["localhost"])).await.unwrap().collect();
    assert!(!found.is_empty());
}
