//! Writes random access test files for the `atende policy test` speed benchmark:
//! `cargo run --release -p atende-scenario --example gen_worlds -- DIR WORLDS CONVERSATIONS`.
//!
//! Each world has 6 departments in a tree, 3 custom roles, 12 users and the given number of
//! conversations; its expectations (every tab of every user, and a `view` per conversation) are
//! answered by the in-memory engine itself, so they pass: this measures speed, not correctness
//! (the conformance suite and the property tests do that).

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark tool: fail loudly")]

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use access::Tab;
use scenario::{Backend, Memory, Subject};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn world(rng: &mut Rng, index: usize, conversations: usize) -> String {
    let mut y = String::new();
    writeln!(y, "name: \"generated world {index}\"").unwrap();
    writeln!(y, "settings:").unwrap();
    writeln!(y, "  my_finished_queue: {}", rng.below(2) == 0).unwrap();
    writeln!(y, "  waiting_queue: {}", rng.pick(&["members", "admins"])).unwrap();
    writeln!(y, "  finished_queue: {}", rng.pick(&["members", "admins"])).unwrap();
    writeln!(y, "  hide_details_until_assumed: {}", rng.below(2) == 0).unwrap();
    writeln!(y, "  shared_inbox: {}", rng.below(2) == 0).unwrap();
    writeln!(y, "  satisfaction_survey: {}", rng.below(2) == 0).unwrap();
    let perms = [
        "conversation.assume",
        "conversation.manage_any",
        "conversations.waiting.view_department",
        "conversations.in_progress.view_department",
        "conversations.finished.view_company",
        "conversation.finish_in_survey",
    ];
    writeln!(y, "roles:").unwrap();
    for r in 0..3 {
        let chosen: Vec<&str> = perms.iter().copied().filter(|_| rng.below(2) == 0).collect();
        writeln!(y, "  - id: r{r}\n    permissions: [{}]", chosen.join(", ")).unwrap();
        if rng.below(3) == 0 {
            writeln!(y, "    allowed_networks: [10.0.0.0/8]").unwrap();
        }
    }
    writeln!(y, "departments:").unwrap();
    for d in 0..6 {
        let access = rng.pick(&["all", "team", "agent"]);
        let parent = if d == 0 { String::new() } else { format!(", parent: d{}", rng.below(d)) };
        writeln!(y, "  - {{ id: d{d}, access: {access}{parent} }}").unwrap();
    }
    writeln!(y, "users:").unwrap();
    for u in 0..12 {
        let role = rng.pick(&["agent", "agent", "agent", "admin", "owner", "r0", "r1", "r2"]);
        let scoped = if rng.below(4) == 0 { format!(", {{ role: r{}, department: d{} }}", rng.below(3), rng.below(6)) } else { String::new() };
        let member = rng.below(6);
        let sup = if rng.below(5) == 0 { format!(", supervises: [d{}]", rng.below(6)) } else { String::new() };
        let active = if rng.below(10) == 0 { ", active: false" } else { "" };
        writeln!(y, "  - {{ id: u{u}, roles: [{role}{scoped}], member_of: [d{member}]{sup}{active} }}").unwrap();
    }
    writeln!(y, "conversations:").unwrap();
    for c in 0..conversations {
        let status = rng.pick(&["waiting", "in_progress", "survey", "finished"]);
        let assignee = if status == "waiting" { String::new() } else { format!(", assignee: u{}", rng.below(12)) };
        writeln!(y, "  - {{ id: c{c}, department: d{}, status: {status}{assignee} }}", rng.below(6)).unwrap();
    }
    y
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).map_or("target/worlds", String::as_str));
    let worlds: usize = args.get(2).map_or(200, |s| s.parse().expect("WORLDS is a number"));
    let conversations: usize = args.get(3).map_or(40, |s| s.parse().expect("CONVERSATIONS is a number"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let from = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut total = 0;
    for i in 0..worlds {
        let mut text = world(&mut rng, i, conversations);
        let s = scenario::parse(&format!("{text}expect: []\n")).expect("generated worlds are valid");
        let mut memory = Memory::new(&s);
        text.push_str("expect:\n");
        for (name, &user) in &s.names.users {
            for tab in Tab::ALL {
                let seen = memory.list(user, from, *tab).unwrap();
                let list: Vec<String> = seen.iter().map(|c| s.names.conversation_name(*c)).collect();
                writeln!(text, "  - {{ user: {name}, tab: {}, sees: [{}] }}", tab.id(), list.join(", ")).unwrap();
                total += 1;
            }
        }
        for (name, &c) in &s.names.conversations {
            let user = format!("u{}", rng.below(12));
            let id = s.names.users[&user];
            let subject = Subject::Action { action: access::ActionKind::View, conversation: c, to_user: None, to_department: None };
            let verb = if memory.decide(id, from, &subject).unwrap().is_allowed() { "can" } else { "cannot" };
            writeln!(text, "  - {{ user: {user}, {verb}: view, conversation: {name} }}").unwrap();
            total += 1;
        }
        std::fs::write(dir.join(format!("world-{i:04}.yaml")), text).unwrap();
    }
    println!("wrote {worlds} worlds with {total} expectations to {}", dir.display());
}
