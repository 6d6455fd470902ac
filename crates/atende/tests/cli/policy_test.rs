//! `atende policy test`: counts, failures and their reasons, invalid and missing files,
//! directories.

use super::*;

// ---------------------------------------------------------------------------------------------
// atende policy test
// ---------------------------------------------------------------------------------------------

#[test]
fn passing_file_prints_counts_and_exits_0() {
    let dir = TempDir::new("pass");
    let f = dir.file("example.yaml", EXAMPLE);
    let r = test_files(&[&f]);
    r.assert_code(0);
    assert_eq!(r.stdout, "10 passed, 0 failed\n", "{}", r.show());
}

#[test]
fn verbose_prints_one_line_per_file() {
    let dir = TempDir::new("verbose");
    let f = dir.file("example.yaml", EXAMPLE);
    let r = atende([
        "policy".as_ref(),
        "test".as_ref(),
        "--verbose".as_ref(),
        f.as_os_str(),
    ]);
    r.assert_code(0);
    r.assert_stdout_has("HelenaCRM: team access");
    r.assert_stdout_has("10 passed, 0 failed");
}

#[test]
fn failing_expectation_prints_one_line_and_exits_1() {
    let dir = TempDir::new("fail");
    // Expectation #2 is wrong: ana sees c1 (she is its assignee).
    let text = EXAMPLE.replace(
        "  - { user: ana, cannot: view, conversation: c2 }",
        "  - { user: ana, cannot: view, conversation: c1 }",
    );
    let f = dir.file("wrong.yaml", &text);
    let r = test_files(&[&f]);
    r.assert_code(1);
    let line = line_of(&text, "{ user: ana, cannot: view, conversation: c1 }");
    let prefix = format!("{}: expectation #2 (line {line}): ", f.display());
    let failures: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("expectation #"))
        .collect();
    assert_eq!(failures.len(), 1, "{}", r.show());
    let failure = failures[0];
    assert!(failure.starts_with(&prefix), "{}", r.show());
    // What was expected, what the engine decided, and its reasons with their rule ids.
    assert!(
        failure.contains("expected ana cannot view c1"),
        "{}",
        r.show()
    );
    assert!(failure.contains("the engine allowed"), "{}", r.show());
    assert!(failure.contains("[V1]"), "{}", r.show());
    assert!(failure.contains("assignee"), "{}", r.show());
    assert_eq!(r.last_line(), "9 passed, 1 failed", "{}", r.show());
}

#[test]
fn failing_because_says_the_engine_agreed_for_other_reasons() {
    let dir = TempDir::new("because");
    let text = EXAMPLE.replace("because: V3 }", "because: V1 }");
    let f = dir.file("because.yaml", &text);
    let r = test_files(&[&f]);
    r.assert_code(1);
    let line = line_of(&text, "because: V1");
    r.assert_stdout_has(&format!("{}: expectation #10 (line {line}): ", f.display()));
    r.assert_stdout_has("expected bia can view c2 from 127.0.0.1 because V1");
    r.assert_stdout_has("agreed but for other reasons");
    r.assert_stdout_has("[V3]");
    assert_eq!(r.last_line(), "9 passed, 1 failed", "{}", r.show());
}

#[test]
fn failing_tab_lists_missing_and_unexpected_conversations_with_reasons() {
    let dir = TempDir::new("tab");
    let text = EXAMPLE.replace(
        "  - { user: bia, tab: waiting, sees: [c2] }",
        "  - { user: bia, tab: others, sees: [c3] }",
    );
    let f = dir.file("tab.yaml", &text);
    let r = test_files(&[&f]);
    r.assert_code(1);
    let line = line_of(&text, "tab: others, sees: [c3]");
    r.assert_stdout_has(&format!("{}: expectation #6 (line {line}): ", f.display()));
    r.assert_stdout_has("expected bia to see [c3] in tab others; the engine lists [c1]");
    r.assert_stdout_has("missing c3");
    r.assert_stdout_has("unexpected c1 ([V3]");
}

#[test]
fn failure_reasons_in_portuguese() {
    let dir = TempDir::new("pt");
    let text = EXAMPLE.replace(
        "  - { user: ana, cannot: view, conversation: c2 }",
        "  - { user: ana, can: view, conversation: c2 }",
    );
    let f = dir.file("pt.yaml", &text);
    let r = atende([
        "policy".as_ref(),
        "test".as_ref(),
        "--lang".as_ref(),
        "pt".as_ref(),
        f.as_os_str(),
    ]);
    r.assert_code(1);
    r.assert_stdout_has("the engine denied");
    r.assert_stdout_has("não se aplica");
}

#[test]
fn invalid_file_is_reported_by_line_and_none_of_its_expectations_run() {
    let dir = TempDir::new("invalid");
    // A wrong expectation (would fail) and an unknown key: the file is invalid, nothing runs.
    let text = EXAMPLE
        .replace(
            "  - { user: ana, cannot: view, conversation: c2 }",
            "  - { user: ana, can: view, conversation: c2 }",
        )
        .replace("  shared_inbox: false", "  shared_inbx: false");
    let f = dir.file("invalid.yaml", &text);
    let r = test_files(&[&f]);
    r.assert_no_panic();
    assert_ne!(r.code, Some(0), "{}", r.show());
    let line = line_of(&text, "shared_inbx");
    r.assert_stdout_has(&format!(
        "{}:{line}: invalid file: unknown key `shared_inbx`",
        f.display()
    ));
    r.assert_stdout_has("did you mean `shared_inbox`?");
    assert!(!r.stdout.contains("expectation #"), "{}", r.show());
    r.assert_stdout_has("1 invalid file(s)");
    assert_eq!(r.last_line(), "0 passed, 0 failed", "{}", r.show());
}

#[test]
fn invalid_file_reports_every_problem() {
    let dir = TempDir::new("invalid-many");
    let text = EXAMPLE
        .replace("roles: [agent]                     #", "roles: [agnt]  #")
        .replace("status: waiting }", "status: open }");
    let f = dir.file("many.yaml", &text);
    let r = test_files(&[&f]);
    assert_ne!(r.code, Some(0), "{}", r.show());
    r.assert_no_panic();
    let shown = f.display().to_string();
    let l1 = line_of(&text, "agnt");
    let l2 = line_of(&text, "status: open");
    r.assert_stdout_has(&format!("{shown}:{l1}: invalid file: unknown role `agnt`"));
    r.assert_stdout_has(&format!(
        "{shown}:{l2}: invalid file: `open` is not a valid status"
    ));
    let first = r.stdout.find(&format!("{shown}:{l1}:")).unwrap();
    let second = r.stdout.find(&format!("{shown}:{l2}:")).unwrap();
    assert!(
        first < second,
        "problems are printed by line:\n{}",
        r.show()
    );
}

#[test]
fn invalid_yaml_is_reported_with_its_line() {
    let dir = TempDir::new("yaml");
    let f = dir.file("broken.yaml", "name: x\nexpect:\n  - { user: a\n  bad: [\n");
    let r = test_files(&[&f]);
    r.assert_no_panic();
    assert_ne!(r.code, Some(0), "{}", r.show());
    let shown = f.display().to_string();
    assert!(
        r.stdout.lines().any(|l| l.starts_with(&format!("{shown}:"))
            && l.contains(": invalid file: this is not valid YAML")),
        "{}",
        r.show()
    );
}

#[test]
fn an_invalid_file_does_not_stop_the_others() {
    let dir = TempDir::new("mixed");
    let bad = dir.file("a-bad.yaml", "name: x\nexpect: []\n");
    let good = dir.file("b-good.yaml", EXAMPLE);
    let r = test_files(&[&bad, &good]);
    r.assert_code(1);
    r.assert_stdout_has(&format!("{}:1: invalid file: ", bad.display()));
    r.assert_stdout_has("1 invalid file(s)");
    assert_eq!(r.last_line(), "10 passed, 0 failed", "{}", r.show());
}

#[test]
fn missing_file_is_reported_without_a_panic() {
    let dir = TempDir::new("missing");
    let f = dir.path().join("does-not-exist.yaml");
    let r = test_files(&[&f]);
    r.assert_no_panic();
    assert_ne!(r.code, Some(0), "{}", r.show());
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(all.contains(&f.display().to_string()), "{}", r.show());
    assert!(all.contains("cannot read"), "{}", r.show());
}

#[test]
fn missing_file_does_not_stop_the_others() {
    let dir = TempDir::new("missing-and-good");
    let missing = dir.path().join("nope.yaml");
    let good = dir.file("good.yaml", EXAMPLE);
    let r = test_files(&[&missing, &good]);
    r.assert_no_panic();
    assert_ne!(r.code, Some(0), "{}", r.show());
    assert_eq!(r.last_line(), "10 passed, 0 failed", "{}", r.show());
}

#[test]
fn non_utf8_file_is_reported_without_a_panic() {
    let dir = TempDir::new("binary");
    let f = dir.path().join("latin1.yaml");
    std::fs::write(&f, b"name: caf\xe9\nexpect: []\n").unwrap();
    let r = test_files(&[&f]);
    r.assert_no_panic();
    assert_ne!(r.code, Some(0), "{}", r.show());
    r.assert_stdout_has("not UTF-8");
}

#[test]
fn directory_argument_runs_every_yaml_inside() {
    let dir = TempDir::new("dir");
    dir.file("one.yaml", EXAMPLE);
    // A second file with 3 expectations, as .yml.
    dir.file(
        "two.yml",
        "name: two\ndepartments: [{ id: d }]\nusers: [{ id: u, roles: [agent], member_of: [d] }]\nexpect:\n  - { user: u, can: login }\n  - { user: u, cannot: users.manage }\n  - { user: u, tab: mine, sees: [] }\n",
    );
    // Not a test file: ignored even though it is not valid YAML.
    dir.file("notes.txt", "{ this is not yaml\n");
    let r = test_files(&[dir.path()]);
    r.assert_code(0);
    assert_eq!(r.stdout, "13 passed, 0 failed\n", "{}", r.show());
}

#[test]
fn directory_failures_name_the_file_inside() {
    let dir = TempDir::new("dir-fail");
    dir.file("ok.yaml", EXAMPLE);
    let text = EXAMPLE.replace(
        "can: login, from: 192.168.0.10",
        "cannot: login, from: 192.168.0.10",
    );
    let bad = dir.file("wrong.yaml", &text);
    let r = test_files(&[dir.path()]);
    r.assert_code(1);
    r.assert_stdout_has(&format!("{}: expectation #9 (line ", bad.display()));
    assert_eq!(r.last_line(), "19 passed, 1 failed", "{}", r.show());
}

#[test]
fn no_file_argument_is_a_usage_error() {
    let r = atende(["policy", "test"]);
    r.assert_no_panic();
    assert_ne!(r.code, Some(0), "{}", r.show());
}
