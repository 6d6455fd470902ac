//! The parser of access test files (`SCENARIO-FORMAT.md`) on invalid and valid files.
//!
//! Every invalid case asserts that parsing fails with a problem at the line where the mistake
//! is, and with a message that says what is wrong (a distinctive substring of it). Lines are
//! found with [`line_of`] from a marker in the text, so the cases stay readable.

// The helpers of this test crate fail the test by panicking, as the tests themselves may
// (clippy.toml allows it inside test functions only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use access::explain::Lang;
use access::{ActionKind, Permission, Rule, Tab};
use rstest::rstest;
use scenario::{Because, Check, Memory, Problem, Scenario, Subject, parse, run};

#[path = "parse/expectations.rs"]
mod expectations;
#[path = "parse/file.rs"]
mod file;
#[path = "parse/references.rs"]
mod references;
#[path = "parse/robustness.rs"]
mod robustness;
#[path = "parse/valid.rs"]
mod valid;
#[path = "parse/values.rs"]
mod values;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A small valid file; cases below edit it or append to `expect:`.
const BASE: &str = "\
name: base
departments:
  - { id: sales }
  - { id: support, parent: sales }
users:
  - { id: ana, roles: [agent], member_of: [sales] }
  - { id: bia, roles: [admin], supervises: [sales] }
conversations:
  - { id: c1, department: sales, status: in_progress, assignee: ana }
  - { id: c2, department: support, status: waiting }
expect:
  - { user: ana, can: view, conversation: c1 }
";

/// The example of SCENARIO-FORMAT.md, verbatim.
const EXAMPLE: &str = r#"name: "HelenaCRM: team access"        # required
settings:                              # optional; any omitted setting takes its default
  my_finished_queue: true              # ACCESS-MODEL.md, "Account settings"
  waiting_queue: members               # members | admins
  finished_queue: members              # members | admins
  hide_details_until_assumed: false
  shared_inbox: false
  assignment: manual                   # manual | auto
  satisfaction_survey: false
roles:                                 # custom roles; agent, admin, owner always exist
  - id: vip_desk
    permissions: [conversation.assume, conversations.in_progress.view_department]
    allowed_networks: [10.0.0.0/8]     # optional
departments:                           # the first one listed is the default department
  - { id: sales, access: team }        # access: all | team | agent (default team)
  - { id: sales_south, parent: sales, access: agent }
users:
  - id: ana
    roles: [agent]                     # role ids, account scope
    member_of: [sales]
  - id: bia
    roles: [agent, { role: admin, department: sales }]   # a department-scoped binding
    member_of: [sales]
    supervises: [sales]
  - { id: old, roles: [agent], active: false }
conversations:
  - { id: c1, department: sales, status: in_progress, assignee: ana }
  - { id: c2, department: sales_south, status: waiting }
  - { id: c3, department: sales, status: finished, assignee: ana }
expect:
  - { user: ana, can: view, conversation: c1 }
  - { user: ana, cannot: view, conversation: c2 }
  - { user: bia, can: transfer, conversation: c1, to_user: bia }
  - { user: bia, can: change_department, conversation: c1, to_department: sales_south }
  - { user: ana, tab: others, sees: [] }             # the exact set, order ignored
  - { user: bia, tab: waiting, sees: [c2] }
  - { user: ana, can: users.manage, expect: false }  # same as cannot:
  - { user: bia, cannot: manage_user, target: ana } # users.manage needs an account-scoped binding
  - { user: ana, can: login, from: 192.168.0.10 }    # client address; default 127.0.0.1
  - { user: bia, can: view, conversation: c2, because: V3 }   # the reason the engine must give
"#;

/// `BASE` with one more expectation (written as a flow mapping) at its end.
fn with_expect(expectation: &str) -> String {
    format!("{BASE}  - {expectation}\n")
}

/// `text` with `from` (which must occur in it) replaced by `to`.
#[track_caller]
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the edit target {from:?} is not in the text"
    );
    text.replacen(from, to, 1)
}

/// The 1-based line of the first line of `text` containing `needle`.
#[track_caller]
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle:?} is not in the text:\n{text}"))
}

/// The number of the last line of `text`.
fn last_line(text: &str) -> usize {
    text.lines().count()
}

fn show(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  line {}: {}", p.line, p.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The problems of an invalid file (fails the test when it parses).
#[track_caller]
fn problems(text: &str) -> Vec<Problem> {
    match parse(text) {
        Ok(_) => panic!("expected the file to be invalid, but it parsed:\n{text}"),
        Err(p) => {
            assert!(!p.is_empty(), "parse failed with no problem at all");
            p
        }
    }
}

/// Asserts that one of the problems of `text` is at `line` and contains every one of `needles`.
#[track_caller]
fn assert_problem(text: &str, line: usize, needles: &[&str]) -> Vec<Problem> {
    let ps = problems(text);
    assert!(
        ps.iter()
            .any(|p| p.line == line && needles.iter().all(|n| p.message.contains(n))),
        "expected a problem at line {line} containing {needles:?}; got:\n{}\nin:\n{text}",
        show(&ps)
    );
    ps
}

/// Like [`assert_problem`], and that problem is the only one.
#[track_caller]
fn assert_only(text: &str, line: usize, needles: &[&str]) {
    let ps = assert_problem(text, line, needles);
    assert_eq!(
        ps.len(),
        1,
        "expected exactly one problem; got:\n{}\nin:\n{text}",
        show(&ps)
    );
}

#[track_caller]
fn valid(text: &str) -> Scenario {
    match parse(text) {
        Ok(s) => s,
        Err(ps) => panic!("expected a valid file; got:\n{}\nin:\n{text}", show(&ps)),
    }
}

#[test]
fn base_file_is_valid() {
    let s = valid(BASE);
    assert_eq!(s.name, "base");
    assert_eq!(s.expectations.len(), 1);
    assert_eq!(s.expectations[0].line, last_line(BASE));
}
