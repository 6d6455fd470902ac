//! Writes random access test files for the `atende policy test` speed benchmark:
//! `cargo run --release -p atende-scenario --example gen_worlds -- DIR WORLDS CONVERSATIONS`.
//!
//! Each world has 6 departments in a tree, 3 custom roles, 12 users and the given number of
//! conversations; its expectations (every tab of every user, and a `view` per conversation) are
//! answered by the in-memory engine itself, so they pass: this measures speed, not correctness
//! (the conformance suite and the property tests do that).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a benchmark tool: fail loudly"
)]

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use access::Tab;
use scenario::generate::{Rng, world};
use scenario::{Backend, Memory, Subject};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).map_or("target/worlds", String::as_str));
    let worlds: usize = args
        .get(2)
        .map_or(200, |s| s.parse().expect("WORLDS is a number"));
    let conversations: usize = args
        .get(3)
        .map_or(40, |s| s.parse().expect("CONVERSATIONS is a number"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let from = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut total = 0;
    for i in 0..worlds {
        let mut text = world(&mut rng, i, conversations);
        let s =
            scenario::parse(&format!("{text}expect: []\n")).expect("generated worlds are valid");
        let mut memory = Memory::new(&s);
        text.push_str("expect:\n");
        for (name, &user) in &s.names.users {
            for tab in Tab::ALL {
                let seen = memory.list(user, from, *tab).unwrap();
                let list: Vec<String> =
                    seen.iter().map(|c| s.names.conversation_name(*c)).collect();
                writeln!(
                    text,
                    "  - {{ user: {name}, tab: {}, sees: [{}] }}",
                    tab.id(),
                    list.join(", ")
                )
                .unwrap();
                total += 1;
            }
        }
        for (name, &c) in &s.names.conversations {
            let user = format!("u{}", rng.below(12));
            let id = s.names.users[&user];
            let subject = Subject::Action {
                action: access::ActionKind::View,
                conversation: c,
                to_user: None,
                to_department: None,
            };
            let verb = if memory.decide(id, from, &subject).unwrap().is_allowed() {
                "can"
            } else {
                "cannot"
            };
            writeln!(
                text,
                "  - {{ user: {user}, {verb}: view, conversation: {name} }}"
            )
            .unwrap();
            total += 1;
        }
        std::fs::write(dir.join(format!("world-{i:04}.yaml")), text).unwrap();
    }
    println!(
        "wrote {worlds} worlds with {total} expectations to {}",
        dir.display()
    );
}
