//! Bad values (statuses, tabs, actions, permissions, settings) and wrong types.

use super::*;

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
