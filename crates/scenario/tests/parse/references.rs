//! Dangling references, departments (cycles, parents) and networks.

use super::*;

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
