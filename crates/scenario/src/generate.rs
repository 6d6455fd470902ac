//! Random worlds as access test file text, for benchmarks and property tests: a deterministic
//! generator (seeded xorshift), so a failing seed can be replayed.

/// A small deterministic random number generator (xorshift64*).
pub struct Rng(pub u64);
impl Rng {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % (n.max(1) as u64)).unwrap_or(0)
    }
    /// One of `items` (not empty).
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
}

/// The text of a random world (settings, 3 custom roles, 6 departments in a tree, 12 users,
/// `conversations` conversations), without `expect:`.
pub fn world(rng: &mut Rng, index: usize, conversations: usize) -> String {
    let mut y = String::new();
    let mut line = |s: String| {
        y.push_str(&s);
        y.push('\n');
    };

    line(format!("name: \"generated world {index}\""));
    line("settings:".to_owned());
    line(format!("  my_finished_queue: {}", rng.below(2) == 0));
    line(format!(
        "  waiting_queue: {}",
        rng.pick(&["members", "admins"])
    ));
    line(format!(
        "  finished_queue: {}",
        rng.pick(&["members", "admins"])
    ));
    line(format!(
        "  hide_details_until_assumed: {}",
        rng.below(2) == 0
    ));
    line(format!("  shared_inbox: {}", rng.below(2) == 0));
    line(format!("  satisfaction_survey: {}", rng.below(2) == 0));
    let perms = [
        "conversation.assume",
        "conversation.manage_any",
        "conversations.waiting.view_department",
        "conversations.in_progress.view_department",
        "conversations.finished.view_company",
        "conversation.finish_in_survey",
    ];
    line("roles:".to_owned());
    for r in 0..3 {
        let chosen: Vec<&str> = perms
            .iter()
            .copied()
            .filter(|_| rng.below(2) == 0)
            .collect();
        line(format!(
            "  - id: r{r}\n    permissions: [{}]",
            chosen.join(", ")
        ));
        if rng.below(3) == 0 {
            line("    allowed_networks: [10.0.0.0/8]".to_owned());
        }
    }
    line("departments:".to_owned());
    for d in 0..6 {
        let access = rng.pick(&["all", "team", "agent"]);
        let parent = if d == 0 {
            String::new()
        } else {
            format!(", parent: d{}", rng.below(d))
        };
        line(format!("  - {{ id: d{d}, access: {access}{parent} }}"));
    }
    line("users:".to_owned());
    for u in 0..12 {
        let role = rng.pick(&[
            "agent", "agent", "agent", "admin", "owner", "r0", "r1", "r2",
        ]);
        let scoped = if rng.below(4) == 0 {
            format!(
                ", {{ role: r{}, department: d{} }}",
                rng.below(3),
                rng.below(6)
            )
        } else {
            String::new()
        };
        let member = rng.below(6);
        let sup = if rng.below(5) == 0 {
            format!(", supervises: [d{}]", rng.below(6))
        } else {
            String::new()
        };
        let active = if rng.below(10) == 0 {
            ", active: false"
        } else {
            ""
        };
        line(format!(
            "  - {{ id: u{u}, roles: [{role}{scoped}], member_of: [d{member}]{sup}{active} }}"
        ));
    }
    line("conversations:".to_owned());
    for c in 0..conversations {
        let status = rng.pick(&["waiting", "in_progress", "survey", "finished"]);
        let assignee = if status == "waiting" {
            String::new()
        } else {
            format!(", assignee: u{}", rng.below(12))
        };
        line(format!(
            "  - {{ id: c{c}, department: d{}, status: {status}{assignee} }}",
            rng.below(6)
        ));
    }
    y
}
