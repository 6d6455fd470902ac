//! The shape of an expectation, bindings and conversations.

use super::*;

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
