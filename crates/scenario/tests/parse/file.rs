//! Invalid files as a whole: YAML syntax, documents, top-level keys; unknown keys in each
//! kind of mapping; required keys; duplicate ids.

use super::*;

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
