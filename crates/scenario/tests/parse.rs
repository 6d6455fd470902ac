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

// ---------------------------------------------------------------------------------------------
// The file as a whole
// ---------------------------------------------------------------------------------------------

#[test]
fn yaml_syntax_error() {
    let text = edit(
        BASE,
        "  - { id: bia, roles: [admin], supervises: [sales] }",
        "  - { id: bia, roles: [admin], supervises: [sales] }\n  bad: indentation: here",
    );
    assert_only(
        &text,
        line_of(&text, "bad: indentation"),
        &["not valid YAML"],
    );
}

#[test]
fn yaml_syntax_error_unclosed_flow_mapping() {
    // The `{` opened on line 3 is never closed: the problem is reported at line 3 or later,
    // never before the mistake.
    let text = "name: t\ndepartments:\n  - { id: sales\nusers: []\nexpect: []\n";
    let ps = problems(text);
    assert_eq!(ps.len(), 1, "{}", show(&ps));
    assert!(ps[0].message.contains("not valid YAML"), "{}", show(&ps));
    assert!((3..=6).contains(&ps[0].line), "{}", show(&ps));
}

#[test]
fn empty_file() {
    assert_only("", 1, &["empty", "`name:`", "`expect:`"]);
}

#[test]
fn file_with_only_comments_is_empty() {
    assert_only("# nothing here\n\n# still nothing\n", 1, &["empty"]);
}

#[test]
fn several_documents() {
    let text = format!("{BASE}---\n{BASE}");
    // The file's problem is where the second document starts (its `---` or the line after).
    let second = line_of(&text, "---");
    let ps = problems(&text);
    assert!(
        ps.iter()
            .any(|p| p.message.contains("several YAML documents")),
        "{}",
        show(&ps)
    );
    assert!(
        ps.iter()
            .any(|p| p.message.contains("several YAML documents")
                && (p.line == second || p.line == second + 1)),
        "the problem should point at the second document (line {second}); got:\n{}",
        show(&ps)
    );
}

#[test]
fn several_documents_message() {
    // The message itself, whatever line it is reported at.
    let ps = problems("name: a\n---\nname: b\n");
    assert_eq!(ps.len(), 1, "{}", show(&ps));
    assert!(
        ps[0].message.contains("several YAML documents"),
        "{}",
        show(&ps)
    );
    assert!(
        ps[0].message.contains("one account per file"),
        "{}",
        show(&ps)
    );
}

#[test]
fn top_level_is_a_list() {
    assert_only(
        "- name: a\n- name: b\n",
        1,
        &["the file must be a mapping", "found a list"],
    );
}

#[test]
fn top_level_is_a_scalar() {
    assert_only(
        "just some text\n",
        1,
        &["the file must be a mapping", "found a string"],
    );
}

#[test]
fn unknown_top_level_key_with_hint() {
    let text = edit(BASE, "expect:", "expects:");
    // The misspelt key, and `expect` then missing.
    let ps = assert_problem(
        &text,
        line_of(&text, "expects:"),
        &["unknown key `expects`", "did you mean `expect`?"],
    );
    assert!(
        ps.iter()
            .any(|p| p.message.contains("`expect`") && p.message.contains("missing")),
        "{}",
        show(&ps)
    );
}

#[test]
fn unknown_top_level_key_without_near_key() {
    let text = format!("{BASE}colour: red\n");
    let ps = problems(&text);
    assert_only(
        &text,
        line_of(&text, "colour"),
        &["unknown key `colour`", "allowed keys are name, settings"],
    );
    assert!(!ps[0].message.contains("did you mean"), "{}", show(&ps));
}

// ---------------------------------------------------------------------------------------------
// Unknown keys in each kind of mapping (with the did-you-mean hint)
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_key_in_settings() {
    let text = edit(
        BASE,
        "departments:",
        "settings:\n  shared_inbx: true\ndepartments:",
    );
    assert_only(
        &text,
        line_of(&text, "shared_inbx"),
        &[
            "unknown key `shared_inbx`",
            "`settings`",
            "did you mean `shared_inbox`?",
        ],
    );
}

#[test]
fn unknown_key_in_role() {
    let text = edit(
        BASE,
        "departments:",
        "roles:\n  - id: desk\n    permissions: [tag.attach]\n    allowed_network: [10.0.0.0/8]\ndepartments:",
    );
    assert_only(
        &text,
        line_of(&text, "allowed_network:"),
        &[
            "unknown key `allowed_network`",
            "a role",
            "did you mean `allowed_networks`?",
        ],
    );
}

#[test]
fn unknown_key_in_department() {
    let text = edit(
        BASE,
        "{ id: support, parent: sales }",
        "{ id: support, parent: sales, acess: all }",
    );
    assert_only(
        &text,
        line_of(&text, "acess"),
        &[
            "unknown key `acess`",
            "a department",
            "did you mean `access`?",
        ],
    );
}

#[test]
fn unknown_key_in_user() {
    let text = edit(BASE, "supervises: [sales] }", "supervisor: [sales] }");
    assert_only(
        &text,
        line_of(&text, "supervisor:"),
        &[
            "unknown key `supervisor`",
            "a user",
            "did you mean `supervises`?",
        ],
    );
}

#[test]
fn unknown_key_in_binding() {
    let text = edit(
        BASE,
        "roles: [admin]",
        "roles: [{ role: admin, departmen: sales }]",
    );
    assert_only(
        &text,
        line_of(&text, "departmen:"),
        &[
            "unknown key `departmen`",
            "a role binding",
            "did you mean `department`?",
        ],
    );
}

#[test]
fn unknown_key_in_conversation() {
    let text = edit(
        BASE,
        "  - { id: c2, department: support, status: waiting }",
        "  - { id: c2, department: support, status: waiting }\n  - { id: c3, status: finished, asignee: ana }",
    );
    assert_only(
        &text,
        line_of(&text, "asignee"),
        &[
            "unknown key `asignee`",
            "a conversation",
            "did you mean `assignee`?",
        ],
    );
}

#[test]
fn unknown_key_in_expectation() {
    let text = with_expect("{ user: ana, can: view, conversation: c1, becuase: V1 }");
    assert_only(
        &text,
        last_line(&text),
        &[
            "unknown key `becuase`",
            "expectation #2",
            "did you mean `because`?",
        ],
    );
}

#[test]
fn unknown_key_in_block_expectation_points_at_the_key() {
    let text = format!(
        "{BASE}  - user: ana\n    can: view\n    conversation: c1\n    from_ip: 10.0.0.1\n"
    );
    assert_only(
        &text,
        line_of(&text, "from_ip"),
        &["unknown key `from_ip`", "expectation #2"],
    );
}

// ---------------------------------------------------------------------------------------------
// Required keys
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_name() {
    let text = edit(BASE, "name: base\n", "");
    assert_only(&text, 1, &["missing the required key `name`"]);
}

#[test]
fn missing_expect() {
    let text = edit(
        BASE,
        "expect:\n  - { user: ana, can: view, conversation: c1 }\n",
        "",
    );
    assert_only(&text, 1, &["missing the required key `expect`"]);
}

#[test]
fn missing_role_id() {
    let text = edit(
        BASE,
        "departments:",
        "roles:\n  - { permissions: [tag.attach] }\ndepartments:",
    );
    assert_only(
        &text,
        line_of(&text, "permissions: [tag.attach]"),
        &["a role is missing the required key `id`"],
    );
}

#[test]
fn missing_role_permissions() {
    let text = edit(
        BASE,
        "departments:",
        "roles:\n  - id: desk\n    allowed_networks: [10.0.0.0/8]\ndepartments:",
    );
    assert_only(
        &text,
        line_of(&text, "id: desk"),
        &["a role is missing the required key `permissions`"],
    );
}

#[test]
fn missing_expectation_user() {
    let text = with_expect("{ can: view, conversation: c1 }");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2 is missing the required key `user`"],
    );
}

#[test]
fn missing_conversation_status() {
    let text = edit(
        BASE,
        "{ id: c2, department: support, status: waiting }",
        "{ id: c2, department: support }",
    );
    assert_only(
        &text,
        line_of(&text, "id: c2"),
        &["missing the required key `status`"],
    );
}

// ---------------------------------------------------------------------------------------------
// Duplicate ids
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_user_id() {
    let text = edit(
        BASE,
        "{ id: bia, roles: [admin]",
        "{ id: ana, roles: [admin]",
    );
    assert_only(
        &text,
        line_of(&text, "{ id: ana, roles: [admin]"),
        &["duplicate user id `ana`"],
    );
}

#[test]
fn duplicate_department_id() {
    let text = edit(BASE, "{ id: support, parent: sales }", "{ id: sales }");
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("{ id: sales }"))
        .map(|(i, _)| i + 1)
        .nth(1)
        .unwrap();
    // c2 lives in `support`, which is gone: that is a second, separate problem.
    assert_problem(&text, line, &["duplicate department id `sales`"]);
}

#[test]
fn duplicate_conversation_id() {
    let text = edit(BASE, "{ id: c2,", "{ id: c1,");
    assert_only(
        &text,
        line_of(&text, "{ id: c1, department: support"),
        &["duplicate conversation id `c1`"],
    );
}

#[test]
fn duplicate_role_id() {
    let text = edit(
        BASE,
        "departments:",
        "roles:\n  - { id: desk, permissions: [tag.attach] }\n  - { id: desk, permissions: [tag.detach] }\ndepartments:",
    );
    assert_only(
        &text,
        line_of(&text, "tag.detach"),
        &["duplicate role id `desk`"],
    );
}

#[rstest]
#[case::agent("agent")]
#[case::admin("admin")]
#[case::owner("owner")]
fn custom_role_named_like_a_builtin(#[case] id: &str) {
    let text = edit(
        BASE,
        "departments:",
        &format!("roles:\n  - {{ id: {id}, permissions: [tag.attach] }}\ndepartments:"),
    );
    assert_only(
        &text,
        line_of(&text, "permissions: [tag.attach]"),
        &[&format!("duplicate role id `{id}`"), "built in"],
    );
}

// ---------------------------------------------------------------------------------------------
// Dangling references
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_role_in_user_roles() {
    let text = edit(BASE, "roles: [agent]", "roles: [agen]");
    assert_only(
        &text,
        line_of(&text, "agen]"),
        &[
            "unknown role `agen`",
            "did you mean `agent`?",
            "declared: admin, agent, owner",
        ],
    );
}

#[test]
fn unknown_role_in_binding() {
    let text = edit(
        BASE,
        "roles: [admin]",
        "roles: [{ role: boss, department: sales }]",
    );
    assert_only(&text, line_of(&text, "boss"), &["unknown role `boss`"]);
}

#[rstest]
#[case::member_of("member_of: [sales]", "member_of: [sals]", "sals")]
#[case::supervises("supervises: [sales]", "supervises: [sals]", "sals")]
#[case::binding("roles: [admin]", "roles: [{ role: admin, department: sals }]", "sals")]
#[case::conversation("{ id: c1, department: sales,", "{ id: c1, department: sals,", "sals")]
#[case::parent(
    "{ id: support, parent: sales }",
    "{ id: support, parent: sals }",
    "sals"
)]
fn unknown_department(#[case] from: &str, #[case] to: &str, #[case] bad: &str) {
    let text = edit(BASE, from, to);
    assert_only(
        &text,
        line_of(&text, to),
        &[
            &format!("unknown department `{bad}`"),
            "did you mean `sales`?",
            "declared: sales, support",
        ],
    );
}

#[test]
fn unknown_department_in_to_department() {
    let text =
        with_expect("{ user: bia, can: change_department, conversation: c1, to_department: hr }");
    assert_only(&text, last_line(&text), &["unknown department `hr`"]);
}

#[test]
fn unknown_user_as_assignee() {
    let text = edit(BASE, "assignee: ana }", "assignee: zoe }");
    assert_only(
        &text,
        line_of(&text, "zoe"),
        &["unknown user `zoe`", "declared: ana, bia"],
    );
}

#[test]
fn unknown_user_in_expectation() {
    let text = with_expect("{ user: anna, can: view, conversation: c1 }");
    assert_only(
        &text,
        last_line(&text),
        &["unknown user `anna`", "did you mean `ana`?"],
    );
}

#[test]
fn unknown_user_as_to_user() {
    let text = with_expect("{ user: bia, can: transfer, conversation: c1, to_user: zoe }");
    assert_only(&text, last_line(&text), &["unknown user `zoe`"]);
}

#[test]
fn unknown_user_as_target() {
    let text = with_expect("{ user: bia, can: manage_user, target: zoe }");
    assert_only(&text, last_line(&text), &["unknown user `zoe`"]);
}

#[test]
fn unknown_conversation_in_expectation() {
    let text = with_expect("{ user: ana, can: view, conversation: c9 }");
    assert_only(
        &text,
        last_line(&text),
        &["unknown conversation `c9`", "declared: c1, c2"],
    );
}

#[test]
fn unknown_conversation_in_sees() {
    let text = with_expect("{ user: ana, tab: mine, sees: [c1, c9] }");
    assert_only(&text, last_line(&text), &["unknown conversation `c9`"]);
}

#[test]
fn unknown_conversation_in_block_sees_points_at_the_item() {
    let text = format!("{BASE}  - user: ana\n    tab: mine\n    sees:\n      - c1\n      - c9\n");
    assert_only(
        &text,
        line_of(&text, "- c9"),
        &["unknown conversation `c9`"],
    );
}

// ---------------------------------------------------------------------------------------------
// Departments
// ---------------------------------------------------------------------------------------------

#[test]
fn department_cycle() {
    let text = edit(
        BASE,
        "  - { id: support, parent: sales }",
        "  - { id: support, parent: sales }\n  - { id: a, parent: b }\n  - { id: b, parent: a }",
    );
    let ps = problems(&text);
    assert_eq!(ps.len(), 1, "{}", show(&ps));
    let (la, lb) = (line_of(&text, "{ id: a,"), line_of(&text, "{ id: b,"));
    assert!(ps[0].line == la || ps[0].line == lb, "{}", show(&ps));
    assert!(ps[0].message.contains("cycle"), "{}", show(&ps));
    assert!(ps[0].message.contains("parent:"), "{}", show(&ps));
}

#[test]
fn department_cycle_names_the_department_by_its_file_id() {
    let text = edit(
        BASE,
        "  - { id: support, parent: sales }",
        "  - { id: support, parent: sales }\n  - { id: a, parent: b }\n  - { id: b, parent: a }",
    );
    let ps = problems(&text);
    assert!(
        ps.iter()
            .any(|p| p.message.contains("through `a`") || p.message.contains("through `b`")),
        "{}",
        show(&ps)
    );
}

#[test]
fn department_is_its_own_parent() {
    let text = edit(
        BASE,
        "{ id: support, parent: sales }",
        "{ id: support, parent: support }",
    );
    assert_only(
        &text,
        line_of(&text, "parent: support"),
        &["cycle through `support`"],
    );
}

#[test]
fn a_parent_listed_after_its_child_is_fine() {
    let text = edit(
        BASE,
        "  - { id: support, parent: sales }",
        "  - { id: support, parent: later }\n  - { id: later }",
    );
    valid(&text);
}

#[test]
fn no_departments_at_all() {
    // Users and conversations, but no `departments:`.
    let text = "\
name: t
users:
  - { id: ana, roles: [agent] }
expect:
  - { user: ana, can: login }
";
    assert_only(text, 1, &["at least one department"]);
}

#[test]
fn no_departments_minimal_file() {
    let text = "name: t\nexpect: []\n";
    assert_only(text, 1, &["declares no department"]);
}

#[test]
fn empty_departments_list() {
    let text = "\
name: t
departments: []
users:
  - { id: ana, roles: [agent] }
expect:
  - { user: ana, can: login }
";
    assert_only(text, 2, &["at least one department"]);
}

// ---------------------------------------------------------------------------------------------
// Networks
// ---------------------------------------------------------------------------------------------

fn with_network(cidr: &str) -> String {
    edit(
        BASE,
        "departments:",
        &format!(
            "roles:\n  - id: office\n    permissions: [tag.attach]\n    allowed_networks:\n      - 10.0.0.0/8\n      - \"{cidr}\"\ndepartments:"
        ),
    )
}

#[test]
fn bad_cidr_syntax() {
    let text = with_network("10.0.0/8x");
    assert_only(
        &text,
        line_of(&text, "10.0.0/8x"),
        &["bad CIDR", "'10.0.0/8x' is not a network"],
    );
}

#[test]
fn bad_cidr_not_an_address() {
    let text = with_network("office-lan");
    assert_only(
        &text,
        line_of(&text, "office-lan"),
        &["bad CIDR", "not a network"],
    );
}

#[test]
fn bad_cidr_prefix_too_long() {
    let text = with_network("10.0.0.0/33");
    assert_only(
        &text,
        line_of(&text, "10.0.0.0/33"),
        &["bad CIDR", "prefix /33", "longer than the 32 bits"],
    );
}

#[test]
fn bad_cidr_ipv6_prefix_too_long() {
    let text = with_network("2001:db8::/129");
    assert_only(
        &text,
        line_of(&text, "/129"),
        &["bad CIDR", "prefix /129", "128 bits"],
    );
}

#[test]
fn bad_cidr_host_bits_set_suggests_the_network() {
    let text = with_network("10.1.2.3/8");
    assert_only(
        &text,
        line_of(&text, "10.1.2.3/8"),
        &[
            "bad CIDR",
            "bits set after the prefix /8",
            "did you mean 10.0.0.0/8?",
        ],
    );
}

#[test]
fn a_bare_address_is_a_network_of_one() {
    // Not an error: an address without a prefix is the network of that one address.
    let text = "\
name: bare
roles:
  - { id: desk, permissions: [tag.attach], allowed_networks: [10.1.2.3] }
departments:
  - { id: sales }
users:
  - { id: rui, roles: [desk] }
expect:
  - { user: rui, can: login, from: 10.1.2.3 }
  - { user: rui, cannot: login, from: 10.1.2.4 }
";
    let s = valid(text);
    let report = run(&s, &mut Memory::new(&s), Lang::En).unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
}

// ---------------------------------------------------------------------------------------------
// Bad values
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_status() {
    let text = edit(BASE, "status: waiting }", "status: open }");
    assert_only(
        &text,
        line_of(&text, "status: open"),
        &[
            "`open` is not a valid status",
            "waiting | in_progress | survey | finished",
        ],
    );
}

#[test]
fn bad_status_with_hint() {
    let text = edit(BASE, "status: waiting }", "status: wating }");
    assert_only(
        &text,
        line_of(&text, "wating"),
        &["`wating` is not a valid status", "did you mean `waiting`?"],
    );
}

#[test]
fn bad_tab() {
    let text = with_expect("{ user: ana, tab: mne, sees: [c1] }");
    assert_only(
        &text,
        last_line(&text),
        &[
            "`mne` is not a valid tab",
            "did you mean `mine`?",
            "my_finished",
        ],
    );
}

#[test]
fn bad_action() {
    let text = with_expect("{ user: ana, can: viw, conversation: c1 }");
    assert_only(
        &text,
        last_line(&text),
        &[
            "`viw` is neither an action nor a permission",
            "did you mean `view`?",
        ],
    );
}

/// Two neighbouring letters swapped is the commonest typo; the hint should catch it in short
/// ids too (`agnet`, `veiw`, `mien`, `taem`), as it does for a missing letter (`agen`, `viw`).
#[test]
fn did_you_mean_catches_swapped_letters() {
    let cases = [
        ("roles: [agent]", "roles: [agnet]", "did you mean `agent`?"),
        (
            "{ user: ana, can: view, conversation: c1 }",
            "{ user: ana, can: veiw, conversation: c1 }",
            "did you mean `view`?",
        ),
        (
            "{ user: ana, can: view, conversation: c1 }",
            "{ user: ana, tab: mien, sees: [] }",
            "did you mean `mine`?",
        ),
        (
            "{ id: sales }",
            "{ id: sales, access: taem }",
            "did you mean `team`?",
        ),
        (
            "status: waiting }",
            "status: wiating }",
            "did you mean `waiting`?",
        ),
    ];
    let mut missing = Vec::new();
    for (from, to, hint) in cases {
        let text = edit(BASE, from, to);
        let ps = problems(&text);
        if !ps
            .iter()
            .any(|p| p.line == line_of(&text, to) && p.message.contains(hint))
        {
            missing.push(format!("{to}: expected {hint:?}; got:\n{}", show(&ps)));
        }
    }
    assert!(
        missing.is_empty(),
        "no hint for a swapped-letter typo:\n{}",
        missing.join("\n")
    );
}

#[test]
fn bad_permission_in_role() {
    let text = edit(
        BASE,
        "departments:",
        "roles:\n  - id: desk\n    permissions:\n      - tag.attach\n      - conversation.asume\ndepartments:",
    );
    assert_only(
        &text,
        line_of(&text, "conversation.asume"),
        &[
            "`conversation.asume` is not a permission",
            "did you mean `conversation.assume`?",
        ],
    );
}

#[test]
fn bad_permission_in_role_without_near_id() {
    let text = edit(
        BASE,
        "departments:",
        "roles:\n  - { id: desk, permissions: [fly.to.the.moon] }\ndepartments:",
    );
    assert_only(
        &text,
        line_of(&text, "fly.to.the.moon"),
        &[
            "`fly.to.the.moon` is not a permission",
            "permission catalogue",
        ],
    );
}

#[test]
fn bad_permission_in_can() {
    let text = with_expect("{ user: ana, can: users.manag }");
    assert_only(
        &text,
        last_line(&text),
        &[
            "`users.manag` is neither an action nor a permission",
            "did you mean `users.manage`?",
        ],
    );
}

#[rstest]
#[case::waiting_queue(
    "waiting_queue: everyone",
    "`everyone` is not a valid setting `waiting_queue`",
    "members | admins"
)]
#[case::finished_queue(
    "finished_queue: admin",
    "`admin` is not a valid setting `finished_queue`",
    "did you mean `admins`?"
)]
#[case::assignment(
    "assignment: automatic",
    "`automatic` is not a valid setting `assignment`",
    "manual | auto"
)]
#[case::boolean(
    "shared_inbox: sometimes",
    "setting `shared_inbox` must be true or false",
    "found a string"
)]
fn bad_setting_value(#[case] setting: &str, #[case] message: &str, #[case] detail: &str) {
    let text = edit(
        BASE,
        "departments:",
        &format!("settings:\n  {setting}\ndepartments:"),
    );
    assert_only(&text, line_of(&text, setting), &[message, detail]);
}

#[test]
fn bad_access_option() {
    let text = edit(BASE, "{ id: sales }", "{ id: sales, access: public }");
    assert_only(
        &text,
        line_of(&text, "public"),
        &[
            "`public` is not a valid access option",
            "all | team | agent",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Wrong types
// ---------------------------------------------------------------------------------------------

#[test]
fn string_where_a_bool_is_needed() {
    let text = edit(
        BASE,
        "{ id: bia, roles: [admin]",
        "{ id: bia, active: \"no\", roles: [admin]",
    );
    assert_only(
        &text,
        line_of(&text, "active:"),
        &["`active` must be true or false, found a string"],
    );
}

#[test]
fn yaml11_yes_is_not_a_bool() {
    // YAML 1.2: `yes` is a string; the message says a boolean was needed.
    let text = edit(
        BASE,
        "departments:",
        "settings:\n  satisfaction_survey: yes\ndepartments:",
    );
    assert_only(
        &text,
        line_of(&text, "satisfaction_survey"),
        &["must be true or false", "found a string"],
    );
}

#[test]
fn mapping_where_a_list_is_needed() {
    let text = edit(BASE, "member_of: [sales]", "member_of: { sales: member }");
    assert_only(
        &text,
        line_of(&text, "member_of"),
        &["`member_of` must be a list, found a mapping"],
    );
}

#[test]
fn mapping_where_a_list_is_needed_at_top_level() {
    let text = edit(
        BASE,
        "conversations:\n  - { id: c1, department: sales, status: in_progress, assignee: ana }\n  - { id: c2,",
        "conversations:\n  c1: { department: sales, status: in_progress, assignee: ana }\n  c2: {",
    );
    // The expectation names c1, which is then unknown: a second problem, further down.
    assert_problem(
        &text,
        line_of(&text, "c1: {"),
        &["`conversations` must be a list, found a mapping"],
    );
}

#[test]
fn sees_not_a_list() {
    // `sees:` is there but is not a list: the problem must say so, not that `sees:` is missing.
    let text = with_expect("{ user: ana, tab: mine, sees: c1 }");
    let ps = problems(&text);
    assert_eq!(ps.len(), 1, "{}", show(&ps));
    assert_eq!(ps[0].line, last_line(&text), "{}", show(&ps));
    assert!(
        ps[0].message.contains("must be a list") && ps[0].message.contains("found a string"),
        "the message should say `sees` must be a list (it is a string), not that it is missing; got:\n{}",
        show(&ps)
    );
}

#[test]
fn duplicate_key_in_a_mapping() {
    let text = edit(BASE, "name: base\n", "name: base\nname: again\n");
    assert_only(&text, 2, &["not valid YAML", "duplicated key"]);
}

#[test]
fn duplicate_key_in_an_expectation() {
    let text = with_expect("{ user: ana, can: view, conversation: c1, user: bia }");
    assert_only(
        &text,
        last_line(&text),
        &["not valid YAML", "duplicated key"],
    );
}

#[test]
fn top_level_section_as_mapping() {
    let text = "\
name: t
departments:
  - { id: sales }
users:
  ana: { roles: [agent] }
expect: []
";
    assert_only(text, 5, &["`users` must be a list, found a mapping"]);
}

#[test]
fn list_where_a_string_is_needed() {
    let text = edit(BASE, "name: base", "name: [a, b]");
    assert_only(&text, 1, &["`name` must be a string, found a list"]);
}

#[test]
fn expect_as_a_mapping() {
    let text = edit(
        BASE,
        "expect:\n  - { user: ana, can: view, conversation: c1 }",
        "expect:\n  user: ana\n  can: login",
    );
    assert_only(
        &text,
        line_of(&text, "user: ana"),
        &["`expect` must be a list, found a mapping"],
    );
}

#[test]
fn expectation_not_a_mapping() {
    let text = with_expect("ana can view c1");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2 must be a mapping", "found a string"],
    );
}

#[test]
fn string_where_a_bool_is_needed_in_expect() {
    let text = with_expect("{ user: ana, can: view, conversation: c2, expect: \"false\" }");
    assert_only(
        &text,
        last_line(&text),
        &["`expect` must be true or false, found a string"],
    );
}

// ---------------------------------------------------------------------------------------------
// The shape of an expectation
// ---------------------------------------------------------------------------------------------

#[test]
fn can_and_cannot_together() {
    let text = with_expect("{ user: ana, can: view, cannot: reply, conversation: c1 }");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2", "both `can:` and `cannot:`"],
    );
}

#[test]
fn expect_with_cannot() {
    let text = with_expect("{ user: ana, cannot: view, conversation: c2, expect: false }");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2", "`expect:` goes with `can:` only"],
    );
}

#[test]
fn neither_can_cannot_nor_tab() {
    let text = with_expect("{ user: ana, conversation: c1 }");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2", "needs one of `can:`, `cannot:` or `tab:`"],
    );
}

#[test]
fn decision_and_tab_together() {
    let text = with_expect("{ user: ana, can: view, conversation: c1, tab: mine, sees: [c1] }");
    assert_problem(&text, last_line(&text), &["expectation #2", "`tab:`"]);
}

#[test]
fn tab_without_sees() {
    let text = with_expect("{ user: ana, tab: mine }");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2", "a `tab:` expectation needs `sees:`"],
    );
}

#[test]
fn sees_without_tab() {
    let text = with_expect("{ user: ana, can: view, conversation: c1, sees: [c1] }");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2", "`sees:` goes with `tab:` only"],
    );
}

#[test]
fn sees_alone() {
    // Neither a decision nor a tab: the problem must say what is missing.
    let text = with_expect("{ user: ana, sees: [c1] }");
    assert_problem(&text, last_line(&text), &["expectation #2", "`tab:`"]);
}

#[test]
fn transfer_without_to_user() {
    let text = with_expect("{ user: bia, can: transfer, conversation: c1 }");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2", "`transfer` needs `to_user:`"],
    );
}

#[test]
fn change_department_without_to_department() {
    let text = with_expect("{ user: bia, can: change_department, conversation: c1 }");
    assert_only(
        &text,
        last_line(&text),
        &[
            "expectation #2",
            "`change_department` needs `to_department:`",
        ],
    );
}

#[test]
fn manage_user_without_target() {
    let text = with_expect("{ user: bia, can: manage_user }");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2", "`manage_user` needs `target:`"],
    );
}

#[rstest]
#[case::view("view")]
#[case::assume("assume")]
#[case::reply("reply")]
#[case::finish("finish")]
#[case::tag("tag")]
fn conversation_action_without_conversation(#[case] action: &str) {
    let text = with_expect(&format!("{{ user: ana, can: {action} }}"));
    assert_only(
        &text,
        last_line(&text),
        &[
            "expectation #2",
            "a conversation action needs `conversation:`",
        ],
    );
}

#[test]
fn conversation_on_an_account_permission() {
    let text = with_expect("{ user: bia, can: users.manage, conversation: c1 }");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2", "`conversation:`", "account permission"],
    );
}

#[test]
fn conversation_on_a_conversation_permission_is_fine() {
    let text = with_expect("{ user: ana, can: conversation.assume, conversation: c2 }");
    valid(&text);
}

#[test]
fn conversation_on_login() {
    let text = with_expect("{ user: ana, can: login, conversation: c1 }");
    assert_only(
        &text,
        last_line(&text),
        &["`conversation:` does not apply to `login`"],
    );
}

#[test]
fn to_user_on_a_non_transfer_action() {
    let text = with_expect("{ user: ana, can: view, conversation: c1, to_user: bia }");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2", "`to_user:` goes with `transfer` only"],
    );
}

#[test]
fn to_department_on_a_non_change_department_action() {
    let text = with_expect(
        "{ user: ana, can: transfer, conversation: c1, to_user: bia, to_department: sales }",
    );
    assert_only(
        &text,
        last_line(&text),
        &["`to_department:` goes with `change_department` only"],
    );
}

#[test]
fn target_on_a_conversation_action() {
    let text = with_expect("{ user: ana, can: view, conversation: c1, target: bia }");
    assert_only(
        &text,
        last_line(&text),
        &["`target:` goes with `manage_user` only"],
    );
}

#[test]
fn because_on_a_tab() {
    let text = with_expect("{ user: ana, tab: mine, sees: [c1], because: V1 }");
    assert_only(
        &text,
        last_line(&text),
        &["`because:` does not apply to a `tab:` expectation"],
    );
}

#[rstest]
#[case::not_an_ip("10.0.0")]
#[case::a_network("10.0.0.0/8")]
#[case::a_name("office")]
fn bad_from(#[case] from: &str) {
    let text = with_expect(&format!("{{ user: ana, can: login, from: \"{from}\" }}"));
    assert_only(
        &text,
        last_line(&text),
        &[&format!("`from: {from}` is not an IP address")],
    );
}

#[test]
fn bad_from_in_block_points_at_from() {
    let text = format!("{BASE}  - user: ana\n    can: login\n    from: 999.1.1.1\n");
    assert_only(
        &text,
        line_of(&text, "999.1.1.1"),
        &["is not an IP address"],
    );
}

#[test]
fn bad_because() {
    let text = with_expect("{ user: ana, can: view, conversation: c1, because: V9 }");
    assert_only(
        &text,
        last_line(&text),
        &["expectation #2", "`because: V9` names neither a rule"],
    );
}

#[test]
fn bad_because_with_hint() {
    let text = with_expect("{ user: ana, can: view, conversation: c1, because: V4x }");
    assert_only(&text, last_line(&text), &["`because: V4x`", "did you mean"]);
}

#[test]
fn because_accepts_rules_permissions_and_codes() {
    let text = format!(
        "{BASE}  - {{ user: ana, can: view, conversation: c1, because: V1 }}\n  - {{ user: ana, can: assume, conversation: c2, because: conversation.assume }}\n  - {{ user: ana, cannot: reply, conversation: c2, because: not_found }}\n"
    );
    let s = valid(&text);
    let becauses: Vec<Option<Because>> = s
        .expectations
        .iter()
        .map(|e| match &e.check {
            Check::Decision { because, .. } => *because,
            Check::Tab { .. } => None,
        })
        .collect();
    assert_eq!(
        becauses,
        vec![
            None,
            Some(Because::Rule(Rule::V1)),
            Some(Because::Permission(Permission::ConversationAssume)),
            Some(Because::Code("not_found")),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Bindings and conversations
// ---------------------------------------------------------------------------------------------

#[test]
fn binding_listed_twice() {
    let text = edit(BASE, "roles: [agent]", "roles: [agent, agent]");
    assert_only(
        &text,
        line_of(&text, "[agent, agent]"),
        &["role binding is listed twice"],
    );
}

#[test]
fn scoped_binding_listed_twice() {
    let text = edit(
        BASE,
        "{ id: bia, roles: [admin]",
        "{ id: bia, roles: [{ role: admin, department: sales }, { role: admin, department: sales }]",
    );
    assert_only(
        &text,
        line_of(&text, "id: bia"),
        &["role binding is listed twice"],
    );
}

#[test]
fn same_binding_written_two_ways_is_twice() {
    // `agent` and `{ role: agent }` are the same account-scoped binding.
    let text = edit(
        BASE,
        "{ id: ana, roles: [agent]",
        "{ id: ana, roles: [agent, { role: agent }]",
    );
    assert_only(&text, line_of(&text, "id: ana"), &["listed twice"]);
}

#[test]
fn same_role_in_two_scopes_is_fine() {
    let text = edit(
        BASE,
        "{ id: bia, roles: [admin]",
        "{ id: bia, roles: [admin, { role: admin, department: sales }, { role: admin, department: support }]",
    );
    valid(&text);
}

#[test]
fn department_listed_twice_in_member_of() {
    let text = edit(BASE, "member_of: [sales]", "member_of: [sales, sales]");
    assert_only(
        &text,
        line_of(&text, "[sales, sales]"),
        &["department `sales` is listed twice in `member_of`"],
    );
}

#[test]
fn waiting_conversation_with_assignee() {
    let text = edit(
        BASE,
        "status: waiting }",
        "status: waiting, assignee: ana }",
    );
    assert_only(
        &text,
        line_of(&text, "status: waiting"),
        &["a `waiting` conversation has no assignee"],
    );
}

#[rstest]
#[case::in_progress("in_progress")]
#[case::survey("survey")]
fn conversation_without_assignee(#[case] status: &str) {
    let text = edit(BASE, "status: waiting }", &format!("status: {status} }}"));
    assert_only(
        &text,
        line_of(&text, "id: c2"),
        &[&format!("an `{status}` conversation needs `assignee:`")],
    );
}

#[test]
fn finished_without_assignee_is_fine() {
    let text = edit(BASE, "status: waiting }", "status: finished }");
    valid(&text);
}

#[test]
fn conversation_without_department_lands_in_the_default() {
    let text = edit(
        BASE,
        "{ id: c2, department: support, status: waiting }",
        "{ id: c2, status: waiting }",
    );
    let s = valid(&text);
    let c2 = s.names.conversations["c2"];
    let sales = s.names.departments["sales"];
    let conv = s.conversations.iter().find(|c| c.id == c2).unwrap();
    assert_eq!(conv.department, sales);
}

// ---------------------------------------------------------------------------------------------
// Several problems, valid files
// ---------------------------------------------------------------------------------------------

#[test]
fn several_problems_are_all_reported_sorted_by_line() {
    let text = "\
name: several
settings:
  shared_inbx: true
departments:
  - { id: sales, acess: all }
users:
  - { id: ana, roles: [agnet], member_of: [sales] }
  - { id: ana, roles: [agent] }
conversations:
  - { id: c1, department: sales, status: open }
expect:
  - { user: zoe, can: view, conversation: c1 }
  - { user: ana, can: veiw, conversation: c1 }
  - { user: ana, tab: mine }
";
    let ps = problems(text);
    let lines: Vec<usize> = ps.iter().map(|p| p.line).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(
        lines,
        sorted,
        "problems are not sorted by line:\n{}",
        show(&ps)
    );
    for (line, needle) in [
        (3, "unknown key `shared_inbx`"),
        (5, "unknown key `acess`"),
        (7, "unknown role `agnet`"),
        (8, "duplicate user id `ana`"),
        (10, "`open` is not a valid status"),
        (12, "unknown user `zoe`"),
        (13, "`veiw` is neither an action nor a permission"),
        (14, "needs `sees:`"),
    ] {
        assert!(
            ps.iter()
                .any(|p| p.line == line && p.message.contains(needle)),
            "missing the problem at line {line} ({needle}); got:\n{}",
            show(&ps)
        );
    }
    assert_eq!(ps.len(), 8, "{}", show(&ps));
}

#[test]
fn two_department_cycles_are_both_reported() {
    let text = edit(
        BASE,
        "  - { id: support, parent: sales }",
        "  - { id: support, parent: sales }\n  - { id: a, parent: b }\n  - { id: b, parent: a }\n  - { id: x, parent: x }",
    );
    let ps = problems(&text);
    let ab = [line_of(&text, "{ id: a,"), line_of(&text, "{ id: b,")];
    assert!(
        ps.iter()
            .any(|p| ab.contains(&p.line) && p.message.contains("cycle")),
        "the a/b cycle is not reported:\n{}",
        show(&ps)
    );
    assert!(
        ps.iter()
            .any(|p| p.line == line_of(&text, "{ id: x,") && p.message.contains("cycle")),
        "the self-parent of x is not reported:\n{}",
        show(&ps)
    );
}

/// A message ends with its last word, not with a dangling `: ` or a trailing space (the hint
/// slot left empty, or a hint written with a trailing space).
#[test]
fn messages_end_cleanly() {
    let role = |bad: &str| {
        edit(
            BASE,
            "departments:",
            &format!("roles:\n  - {{ id: desk, permissions: [{bad}] }}\ndepartments:"),
        )
    };
    let texts = [
        with_expect("{ user: ana, can: view, conversation: c1, because: zzzzzz }"),
        with_expect("{ user: ana, can: view, conversation: c1, because: V4x }"),
        with_expect("{ user: ana, can: tag.attch, conversation: c1 }"),
        with_expect("{ user: ana, tab: mne, sees: [] }"),
        role("tag.attch"),
        role("fly.to.the.moon"),
        edit(BASE, "roles: [agent]", "roles: [agen]"),
        edit(
            BASE,
            "departments:",
            "settings:\n  waiting_queue: admin\ndepartments:",
        ),
    ];
    let mut bad = Vec::new();
    for text in &texts {
        for p in problems(text) {
            if p.message.ends_with(char::is_whitespace) || p.message.ends_with(':') {
                bad.push(format!("{:?}", p.message));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "messages ending with a dangling separator:\n{}",
        bad.join("\n")
    );
}

#[test]
fn problems_in_expectations_after_a_bad_one_are_still_reported() {
    let text = format!(
        "{BASE}  - {{ user: ana, can: view }}\n  - {{ user: ana, can: reply, conversation: c9 }}\n"
    );
    let ps = problems(&text);
    assert_eq!(ps.len(), 2, "{}", show(&ps));
    assert_eq!(ps[0].line, last_line(&text) - 1);
    assert_eq!(ps[1].line, last_line(&text));
}

#[test]
fn valid_file_without_optional_sections() {
    let text = "\
name: minimal
departments:
  - { id: sales }
users:
  - { id: ana, roles: [agent], member_of: [sales] }
expect:
  - { user: ana, can: login }
  - { user: ana, cannot: users.manage }
  - { user: ana, tab: mine, sees: [] }
";
    let s = valid(text);
    assert_eq!(s.name, "minimal");
    assert!(s.conversations.is_empty());
    assert_eq!(s.expectations.len(), 3);
    assert_eq!(
        s.expectations.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![7, 8, 9]
    );
    assert_eq!(s.names.roles.len(), 3, "agent, admin, owner always exist");
    let report = run(&s, &mut Memory::new(&s), Lang::En).unwrap();
    assert_eq!(report.passed, 3, "{:?}", report.failed);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
}

#[test]
fn explicit_document_start_and_end_are_fine() {
    let s = valid(&format!("---\n{BASE}...\n"));
    assert_eq!(s.expectations[0].line, last_line(BASE) + 1);
}

#[test]
fn empty_expect_list_is_valid() {
    let s = valid("name: t\ndepartments: [{ id: d }]\nexpect: []\n");
    assert!(s.expectations.is_empty());
}

#[test]
fn expect_false_after_can_means_cannot() {
    let text = format!(
        "{BASE}  - {{ user: ana, can: users.manage, expect: false }}\n  - {{ user: ana, cannot: users.manage }}\n  - {{ user: ana, can: view, conversation: c1, expect: true }}\n"
    );
    let s = valid(&text);
    let [_, a, b, c] = s.expectations.as_slice() else {
        panic!("four expectations expected");
    };
    assert_eq!(a.check, b.check, "`can: X, expect: false` is `cannot: X`");
    assert!(matches!(
        &a.check,
        Check::Decision {
            subject: Subject::Permission {
                permission: Permission::UsersManage,
                conversation: None
            },
            allowed: false,
            because: None,
        }
    ));
    assert!(matches!(&c.check, Check::Decision { allowed: true, .. }));
}

#[test]
fn ids_may_be_numbers() {
    let text = "\
name: numbers
departments:
  - { id: 10 }
users:
  - { id: 7, roles: [agent], member_of: [10] }
conversations:
  - { id: 1, department: 10, status: in_progress, assignee: 7 }
expect:
  - { user: 7, can: view, conversation: 1 }
";
    let s = valid(text);
    assert!(s.names.users.contains_key("7"));
    assert!(s.names.conversations.contains_key("1"));
}

// ---------------------------------------------------------------------------------------------
// The example of SCENARIO-FORMAT.md
// ---------------------------------------------------------------------------------------------

#[test]
fn example_file_parses() {
    let s = valid(EXAMPLE);
    assert_eq!(s.name, "HelenaCRM: team access");
    assert_eq!(s.expectations.len(), 10);
    assert_eq!(s.names.users.len(), 3);
    assert_eq!(s.names.departments.len(), 2);
    assert_eq!(s.names.conversations.len(), 3);
    // agent, admin, owner and vip_desk.
    assert_eq!(s.names.roles.len(), 4);
    // Each expectation knows its index and line.
    let first = line_of(EXAMPLE, "{ user: ana, can: view, conversation: c1 }");
    for (i, e) in s.expectations.iter().enumerate() {
        assert_eq!(e.index, i + 1);
        assert_eq!(e.line, first + i);
    }
    let transfer = &s.expectations[2];
    assert!(matches!(
        &transfer.check,
        Check::Decision {
            subject: Subject::Action {
                action: ActionKind::Transfer,
                to_user: Some(_),
                ..
            },
            allowed: true,
            ..
        }
    ));
    assert!(matches!(
        &s.expectations[5].check,
        Check::Tab { tab: Tab::Waiting, sees } if sees.len() == 1
    ));
    assert_eq!(
        s.expectations[8].from,
        "192.168.0.10".parse::<std::net::IpAddr>().unwrap()
    );
    assert_eq!(
        s.expectations[0].from,
        "127.0.0.1".parse::<std::net::IpAddr>().unwrap()
    );
}

#[test]
fn example_file_expectations_all_pass() {
    let s = valid(EXAMPLE);
    for lang in [Lang::En, Lang::Pt] {
        let report = run(&s, &mut Memory::new(&s), lang).unwrap();
        assert!(report.failed.is_empty(), "{:#?}", report.failed);
        assert_eq!(report.passed, 10);
    }
}

#[test]
fn example_file_is_the_one_in_the_format_document() {
    // The shared docs live next to the repository in this workspace; when they are there, the
    // copy above must be the example of SCENARIO-FORMAT.md, verbatim.
    let doc =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/SCENARIO-FORMAT.md");
    let Ok(doc) = std::fs::read_to_string(doc) else {
        return;
    };
    let block: String = doc
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(block, EXAMPLE);
}

#[test]
fn a_failing_expectation_is_reported_with_its_index_and_line() {
    let text = with_expect("{ user: ana, can: view, conversation: c2 }");
    let s = valid(&text);
    let report = run(&s, &mut Memory::new(&s), Lang::En).unwrap();
    assert_eq!(report.passed, 1);
    assert_eq!(report.failed.len(), 1);
    let f = &report.failed[0];
    assert_eq!((f.index, f.line), (2, last_line(&text)));
    assert!(
        f.message.contains("expected ana can view c2"),
        "{}",
        f.message
    );
    assert!(f.message.contains("the engine denied"), "{}", f.message);
}

// ---------------------------------------------------------------------------------------------
// Robustness: parsing never panics
// ---------------------------------------------------------------------------------------------

/// Parses `text`; panics (failing the test) with the input when the parser panics, when a
/// problem's line is outside the file, or when a valid file cannot run.
fn parse_never_panics(text: &str, what: &str) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let parsed = parse(text);
        if let Ok(s) = &parsed {
            // A file that parses must run without the backend meeting an unknown id.
            let ran = run(s, &mut Memory::new(s), Lang::En);
            assert!(ran.is_ok(), "a parsed file failed to run");
        }
        parsed
    }));
    match outcome {
        Ok(Ok(_)) => {}
        Ok(Err(ps)) => {
            assert!(!ps.is_empty(), "{what}: Err with no problem for:\n{text}");
            // Lines as YAML counts them: a lone CR is a line break too (found by the fuzzer).
            let lines = text
                .replace("\r\n", "\n")
                .replace('\r', "\n")
                .lines()
                .count()
                .max(1)
                + 1;
            for p in &ps {
                assert!(
                    p.line >= 1 && p.line <= lines,
                    "{what}: problem at line {} of a {lines}-line file ({}) for:\n{text}",
                    p.line,
                    p.message
                );
                assert!(!p.message.is_empty(), "{what}: empty message for:\n{text}");
            }
        }
        Err(_) => panic!("{what}: parse panicked on:\n{text}"),
    }
}

#[test]
fn parse_never_panics_on_truncations() {
    for cut in (0..=EXAMPLE.len()).filter(|i| EXAMPLE.is_char_boundary(*i)) {
        parse_never_panics(&EXAMPLE[..cut], &format!("truncated at byte {cut}"));
    }
}

#[test]
fn parse_never_panics_on_deleted_lines() {
    let lines: Vec<&str> = EXAMPLE.lines().collect();
    for skip in 0..lines.len() {
        let text: String = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        parse_never_panics(&text, &format!("line {} deleted", skip + 1));
        // And every pair of neighbouring lines swapped.
        if skip + 1 < lines.len() {
            let mut swapped = lines.clone();
            swapped.swap(skip, skip + 1);
            parse_never_panics(
                &(swapped.join("\n") + "\n"),
                &format!("lines {} and {} swapped", skip + 1, skip + 2),
            );
        }
    }
}

#[test]
fn parse_never_panics_on_swapped_characters() {
    let chars: Vec<char> = EXAMPLE.chars().collect();
    for i in 0..chars.len().saturating_sub(1) {
        let mut c = chars.clone();
        c.swap(i, i + 1);
        let text: String = c.into_iter().collect();
        parse_never_panics(&text, &format!("characters {i} and {} swapped", i + 1));
    }
}

#[test]
fn parse_never_panics_on_inserted_characters() {
    // Characters and snippets that change YAML structure, inserted across the file.
    let snippets = [
        "{", "}", "[", "]", ":", "-", "\"", "'", "#", "\n", "\t", " ", ",", "&a ", "*a", "!!str ",
        "? ", "|\n", "~", "\u{0}", "é", "---\n",
    ];
    let boundaries: Vec<usize> = (0..=EXAMPLE.len())
        .filter(|i| EXAMPLE.is_char_boundary(*i))
        .collect();
    // A prime step with a start that moves with the snippet: every offset is covered by some
    // snippets, and the test stays fast in a debug build.
    let step = 11;
    for (k, snippet) in snippets.iter().enumerate() {
        for &at in boundaries.iter().skip(k % step).step_by(step) {
            let text = format!("{}{snippet}{}", &EXAMPLE[..at], &EXAMPLE[at..]);
            parse_never_panics(&text, &format!("{snippet:?} inserted at byte {at}"));
        }
    }
}

#[test]
fn parse_never_panics_on_replaced_values() {
    // Every value of every flow/block entry replaced by odd values of other types.
    let odd = [
        "",
        "~",
        "null",
        "[]",
        "{}",
        "[[x]]",
        "{a: {b: c}}",
        "-1",
        "1.5",
        "true",
        "&x a",
        "*x",
        "!!binary aGk=",
    ];
    let lines: Vec<&str> = EXAMPLE.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        for (j, _) in line.match_indices(": ") {
            for value in odd {
                let rest = &line[j + 2..];
                let end = rest.find([',', '}', '#']).unwrap_or(rest.len());
                let new_line = format!("{}: {value}{}", &line[..j], &rest[end..]);
                let mut changed = lines.clone();
                changed[i] = &new_line;
                parse_never_panics(
                    &(changed.join("\n") + "\n"),
                    &format!("line {} value at {j} replaced by {value:?}", i + 1),
                );
            }
        }
    }
}

#[test]
fn parse_never_panics_on_odd_documents() {
    for text in [
        "",
        "\n",
        "~",
        "null",
        "[]",
        "{}",
        "42",
        "name:",
        "name: x\nexpect:",
        "name: x\nexpect: ~\ndepartments: ~\nusers: ~\nconversations: ~\nroles: ~\nsettings: ~\n",
        "name: x\ndepartments: [{ id: d }]\nexpect: [~, [], {}, 1]\n",
        "name: x\ndepartments: [{ id: d }]\nusers: [{ id: u, roles: [{ }] }]\nexpect: []\n",
        "name: x\ndepartments: [{ id: d, parent: ~ }]\nexpect: []\n",
        "name: x\ndepartments: [{ id: \"\" }]\nexpect: []\n",
        "name: x\ndepartments: [{ id: [a] }]\nexpect: []\n",
        "a: &a [*a]\n",
        "&a a: *a\n",
        "name: &n x\ndepartments: [{ id: *n }]\nexpect: []\n",
        "? [a]\n: b\n",
        "{[a]: b}\n",
        "%YAML 1.2\n---\nname: x\n",
        "\u{feff}name: x\n",
        "name: x\r\ndepartments: [{ id: d }]\r\nexpect: []\r\n",
    ] {
        parse_never_panics(text, "odd document");
    }
}

/// The inputs of the `scenario_parse` fuzz target that are committed: its seeds, the
/// regressions it found, and the conformance suite's files.
fn fuzz_corpus() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    for dir in [
        "fuzz/seeds/scenario_parse",
        "fuzz/regressions/scenario_parse",
        "scenarios",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if let Ok(bytes) = std::fs::read(&path) {
                out.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    out
}

/// The stable, bounded counterpart of `cargo fuzz run scenario_parse` (docs/security.md,
/// "Fuzzing"): the committed corpus, then random edits of it (characters inserted, removed,
/// replaced, lines spliced from another file), through the same checks as the target.
/// `ATENDE_FUZZ_ITERATIONS` raises the count of edited files.
#[test]
fn parse_never_panics_on_the_fuzz_corpus_and_random_edits_of_it() {
    let corpus = fuzz_corpus();
    assert!(
        corpus.len() >= 10,
        "the corpus is missing: {}",
        corpus.len()
    );
    for (i, text) in corpus.iter().enumerate() {
        parse_never_panics(text, &format!("corpus file {i}"));
    }
    let iterations: usize = std::env::var("ATENDE_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    // xorshift64*: deterministic, so that a failure replays.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut below = move |n: usize| {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) % (n.max(1) as u64)) as usize
    };
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        ":",
        "- ",
        "\"",
        "'",
        "#",
        "\n",
        "\t",
        "  ",
        ",",
        "&a ",
        "*a",
        "<<: *a",
        "!!str ",
        "? ",
        "|\n",
        "~",
        "\u{0}",
        "é",
        "---\n",
        "...\n",
        "9999999999999999999999",
        "-1",
        "0.0.0.0/0",
        "::/0",
        "c1",
        "ana",
        "sales",
    ];
    for i in 0..iterations {
        let mut chars: Vec<char> = corpus[below(corpus.len())].chars().collect();
        for _ in 0..=below(6) {
            let at = below(chars.len() + 1);
            match below(4) {
                0 => {
                    let piece = pieces[below(pieces.len())];
                    chars.splice(at..at, piece.chars());
                }
                1 if at < chars.len() => {
                    let end = (at + 1 + below(8)).min(chars.len());
                    chars.drain(at..end);
                }
                2 if at < chars.len() => {
                    chars[at] = char::from(u8::try_from(below(95) + 32).unwrap());
                }
                _ => {
                    let other: Vec<&str> = corpus[below(corpus.len())].lines().collect();
                    if let Some(line) = other.get(below(other.len())) {
                        let nl = chars[..at]
                            .iter()
                            .rposition(|c| *c == '\n')
                            .map_or(0, |p| p + 1);
                        chars.splice(nl..nl, format!("{line}\n").chars());
                    }
                }
            }
        }
        let text: String = chars.into_iter().collect();
        parse_never_panics(&text, &format!("random edit {i}"));
    }
}
