//! Several problems in one file, valid files, and the example of SCENARIO-FORMAT.md.

use super::*;

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
