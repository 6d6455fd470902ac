//! Engine benchmark (`cargo bench -p atende-access`): a single `visible` decision for a resolved
//! principal, a principal resolution, and tab listings over 100,000 in-memory conversations with
//! 50 departments and 1,000 users, by plan and by calling `visible` per row, in one run.
//!
//! Std-only on purpose (no criterion): it prints percentiles of single calls, timed one by one,
//! next to the cost of an empty timed call, so the timer's own overhead is visible.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a benchmark: a failure should stop it loudly"
)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use access::{
    AccessOption, AccountConfig, AccountId, Action, Binding, BuiltinRole, Conversation,
    ConversationId, Department, DepartmentId, DepartmentTree, Inbox, Membership, MembershipKind,
    Permission, Principal, Role, RoleId, Scope, Settings, Status, Tab, User, UserId,
};

const DEPARTMENTS: i64 = 50;
const USERS: i64 = 1_000;
const CONVERSATIONS: i64 = 100_000;
const ACCOUNT: AccountId = AccountId(1);

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: i64) -> i64 {
        (self.next() % n as u64) as i64
    }
}

struct World {
    config: AccountConfig,
    users: Vec<User>,
    conversations: Vec<(Conversation, i64)>,
}

/// 10 root departments with 4 children each; users mostly agents of one team, some supervisors
/// of a root, a few admins, a few custom "department viewers".
fn world() -> World {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let departments = (1..=DEPARTMENTS).map(|i| Department {
        id: DepartmentId(i),
        name: format!("d{i}"),
        parent: if i <= 10 {
            None
        } else {
            Some(DepartmentId((i - 11) / 4 + 1))
        },
        access: [AccessOption::Team, AccessOption::Agent, AccessOption::All][(i % 3) as usize],
    });
    let tree = DepartmentTree::new(departments, DepartmentId(1)).unwrap();
    let mut roles = BTreeMap::new();
    for (i, b) in BuiltinRole::ALL.into_iter().enumerate() {
        roles.insert(RoleId(i as i64 + 1), Role::builtin(RoleId(i as i64 + 1), b));
    }
    let viewer: access::PermissionSet = BuiltinRole::Agent.permissions().union(
        [
            Permission::InProgressViewDepartment,
            Permission::FinishedViewDepartment,
        ]
        .into_iter()
        .collect(),
    );
    roles.insert(
        RoleId(4),
        Role {
            id: RoleId(4),
            name: "viewer".into(),
            builtin: None,
            permissions: viewer,
            allowed_networks: vec![],
        },
    );
    let config = AccountConfig {
        account: ACCOUNT,
        settings: Settings::default(),
        departments: tree,
        roles,
    };
    let users = (1..=USERS)
        .map(|i| {
            let home = DepartmentId(rng.below(DEPARTMENTS) + 1);
            let (memberships, bindings) = match i % 50 {
                0 => (
                    vec![],
                    vec![Binding {
                        role: RoleId(2),
                        scope: Scope::Account,
                    }],
                ),
                1 | 2 => (
                    vec![Membership {
                        department: DepartmentId(rng.below(10) + 1),
                        kind: MembershipKind::Supervisor,
                    }],
                    vec![Binding {
                        role: RoleId(1),
                        scope: Scope::Account,
                    }],
                ),
                3 => (
                    vec![Membership {
                        department: home,
                        kind: MembershipKind::Member,
                    }],
                    vec![Binding {
                        role: RoleId(4),
                        scope: Scope::Account,
                    }],
                ),
                // An agent of no team: sees what is assigned to them, and finished conversations of
                // departments whose access is `all`.
                4 => (
                    vec![],
                    vec![Binding {
                        role: RoleId(1),
                        scope: Scope::Account,
                    }],
                ),
                _ => (
                    vec![Membership {
                        department: home,
                        kind: MembershipKind::Member,
                    }],
                    vec![Binding {
                        role: RoleId(1),
                        scope: Scope::Account,
                    }],
                ),
            };
            User {
                id: UserId(i),
                account: ACCOUNT,
                active: true,
                memberships,
                bindings,
            }
        })
        .collect();
    let conversations = (1..=CONVERSATIONS)
        .map(|i| {
            let status = [
                Status::Waiting,
                Status::InProgress,
                Status::InProgress,
                Status::Survey,
                Status::Finished,
                Status::Finished,
            ][rng.below(6) as usize];
            let assignee = match status {
                Status::Waiting => None,
                _ => Some(UserId(rng.below(USERS) + 1)),
            };
            let c = Conversation {
                id: ConversationId(i),
                account: ACCOUNT,
                department: DepartmentId(rng.below(DEPARTMENTS) + 1),
                status,
                assignee,
            };
            (c, rng.below(10_000_000))
        })
        .collect();
    World {
        config,
        users,
        conversations,
    }
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    (at(0.5), at(0.99), at(0.999))
}

fn show(name: &str, samples: Vec<Duration>) {
    let (p50, p99, p999) = percentiles(samples);
    println!(
        "{name:<44} p50 {:>9.3?}  p99 {:>9.3?}  p99.9 {:>9.3?}",
        p50, p99, p999
    );
}

fn main() {
    // `cargo test --benches` runs this binary with no argument to check it builds and runs; keep
    // that short. `cargo bench` passes `--bench`.
    let full = std::env::args().any(|a| a == "--bench");
    let rounds: usize = if full { 1_000_000 } else { 10_000 };
    let client = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7));
    let t = Instant::now();
    let w = world();
    println!(
        "world: {} departments, {} users, {} conversations (built in {:?})",
        w.config.departments.len(),
        w.users.len(),
        w.conversations.len(),
        t.elapsed()
    );

    // Principal resolution.
    let mut samples = Vec::with_capacity(w.users.len() * 10);
    for _ in 0..if full { 10 } else { 1 } {
        for u in &w.users {
            let t = Instant::now();
            black_box(Principal::resolve(&w.config, black_box(u), client));
            samples.push(t.elapsed());
        }
    }
    show("principal resolution", samples);
    let principals: Vec<Principal> = w
        .users
        .iter()
        .map(|u| Principal::resolve(&w.config, u, client))
        .collect();

    // Timer overhead, then single decisions on random (principal, conversation) pairs.
    let mut rng = Rng(42);
    let pairs: Vec<(usize, usize)> = (0..rounds)
        .map(|_| (rng.below(USERS) as usize, rng.below(CONVERSATIONS) as usize))
        .collect();
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(());
        samples.push(t.elapsed());
    }
    show("empty timed call (timer overhead)", samples);
    let mut samples = Vec::with_capacity(rounds);
    let mut seen = 0usize;
    for (u, c) in &pairs {
        let (p, c) = (&principals[*u], &w.conversations[*c].0);
        let t = Instant::now();
        let v = black_box(p).visible(black_box(c));
        samples.push(t.elapsed());
        seen += usize::from(v);
    }
    show("visible(U, C)", samples);
    println!("  ({seen} of {rounds} pairs visible)");
    let mut samples = Vec::with_capacity(rounds);
    for (u, c) in &pairs {
        let (p, c) = (&principals[*u], &w.conversations[*c].0);
        let t = Instant::now();
        black_box(black_box(p).decide(black_box(c), Action::View));
        samples.push(t.elapsed());
    }
    show("decide(view) with reasons", samples);
    let mut samples = Vec::with_capacity(rounds);
    for (u, c) in &pairs {
        let (p, c) = (&principals[*u], &w.conversations[*c].0);
        let t = Instant::now();
        black_box(black_box(p).decide(black_box(c), Action::Assume));
        samples.push(t.elapsed());
    }
    show("decide(assume) with reasons", samples);

    // Tab listings: by plan over the indexed inbox vs `visible` per row, one run.
    let inbox = Inbox::new(w.conversations.iter().copied());
    // Indexes into `principals` (user id - 1): see `world` for who is who.
    let kinds: [(&str, usize); 4] = [
        ("agent in one team", 10),
        ("supervisor of a subtree", 1),
        ("company-wide viewer (admin)", 49),
        ("agent who sees almost nothing", 3),
    ];
    let reps = if full { 200 } else { 3 };
    println!(
        "tab listing, first page of 50 (and the whole tab), plan vs visible per row, {reps} repetitions:"
    );
    for (name, user) in kinds {
        let p = &principals[user];
        let mut ratio_page = Vec::new();
        for tab in [Tab::Mine, Tab::Waiting, Tab::Others, Tab::Finished] {
            let plan = p.plan(tab);
            let mut by_plan = Vec::new();
            let mut by_row = Vec::new();
            let mut whole_plan = Vec::new();
            let mut whole_row = Vec::new();
            for _ in 0..reps {
                let t = Instant::now();
                let page = black_box(inbox.list(black_box(&plan), None, 50));
                by_plan.push(t.elapsed());
                let t = Instant::now();
                let mut naive: Vec<_> = w
                    .conversations
                    .iter()
                    .filter(|(c, _)| p.visible(c) && tab.filter(c, p.user()))
                    .map(|(c, at)| access::Cursor {
                        last_activity: *at,
                        id: c.id,
                    })
                    .collect();
                naive.sort_unstable_by(|a, b| b.cmp(a));
                naive.truncate(50);
                by_row.push(t.elapsed());
                assert_eq!(page, naive, "plan and per-row listing differ");
                let t = Instant::now();
                black_box(inbox.list(&plan, None, usize::MAX));
                whole_plan.push(t.elapsed());
                let t = Instant::now();
                black_box(
                    w.conversations
                        .iter()
                        .filter(|(c, _)| p.visible(c) && tab.filter(c, p.user()))
                        .count(),
                );
                whole_row.push(t.elapsed());
            }
            let (plan50, _, _) = percentiles(by_plan);
            let (row50, _, _) = percentiles(by_row);
            let (wp50, _, _) = percentiles(whole_plan);
            let (wr50, _, _) = percentiles(whole_row);
            let count = inbox.count(&plan);
            ratio_page.push(row50.as_secs_f64() / plan50.as_secs_f64());
            println!(
                "  {name:<30} {:<9} ({count:>6} rows): page {plan50:>9.2?} vs {row50:>9.2?} ({:>6.0}x); whole tab {wp50:>9.2?} vs {wr50:>9.2?} ({:>5.1}x)",
                tab.id(),
                row50.as_secs_f64() / plan50.as_secs_f64(),
                wr50.as_secs_f64() / wp50.as_secs_f64(),
            );
        }
        let min = ratio_page.iter().copied().fold(f64::INFINITY, f64::min);
        println!("  {name:<30} smallest first-page speed-up: {min:.0}x");
    }
}
