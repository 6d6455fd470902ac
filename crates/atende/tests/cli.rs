//! `atende policy test` and `atende policy explain`, run as the built binary on temporary files.

// The helpers of this test crate fail the test by panicking, as the tests themselves may
// (clippy.toml allows it inside test functions only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The example of SCENARIO-FORMAT.md, verbatim: 10 expectations, all passing.
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

/// An account for `explain`: an owner, an agent, a user whose only role works from the office
/// network, and conversations in each status.
const ACCOUNT: &str = "\
name: explain
roles:
  - { id: office, permissions: [conversation.assume], allowed_networks: [10.0.0.0/8] }
departments:
  - { id: sales }
  - { id: support, access: agent }
users:
  - { id: ana, roles: [agent], member_of: [sales] }
  - { id: bia, roles: [agent], member_of: [sales] }
  - { id: rui, roles: [office], member_of: [sales] }
  - { id: dono, roles: [owner] }
  - { id: sup, roles: [agent], supervises: [support] }
conversations:
  - { id: c1, department: sales, status: in_progress, assignee: ana }
  - { id: c2, department: sales, status: waiting }
  - { id: c3, department: support, status: in_progress, assignee: sup }
  - { id: c4, department: sales, status: in_progress, assignee: bia }
expect: []
";

/// A fresh, empty directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("atende-cli-test-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes `text` to `name` inside the directory and returns its path.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn show(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    #[track_caller]
    fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked"),
            "the binary panicked:\n{}",
            self.show()
        );
        assert!(self.code.is_some(), "killed by a signal:\n{}", self.show());
    }

    #[track_caller]
    fn assert_code(&self, code: i32) {
        self.assert_no_panic();
        assert_eq!(self.code, Some(code), "{}", self.show());
    }

    #[track_caller]
    fn assert_stdout_has(&self, needle: &str) {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.show()
        );
    }

    /// The last line of stdout.
    fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or_default()
    }
}

fn atende<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_atende"))
        .args(args)
        .output()
        .unwrap();
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn test_files(files: &[&Path]) -> Run {
    let mut args: Vec<&std::ffi::OsStr> = vec!["policy".as_ref(), "test".as_ref()];
    args.extend(files.iter().map(|f| f.as_os_str()));
    atende(args)
}

fn explain(file: &Path, rest: &[&str]) -> Run {
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["policy".as_ref(), "explain".as_ref(), file.as_os_str()];
    args.extend(rest.iter().map(std::ffi::OsStr::new));
    atende(args)
}

/// The 1-based line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap()
}

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

// ---------------------------------------------------------------------------------------------
// atende policy explain
// ---------------------------------------------------------------------------------------------

#[test]
fn explain_conversation_action_allowed_in_english() {
    let dir = TempDir::new("explain-en");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(
        &f,
        &[
            "--user",
            "ana",
            "--conversation",
            "c1",
            "--action",
            "view",
            "--lang",
            "en",
        ],
    );
    r.assert_code(0);
    r.assert_stdout_has("Can ana view c1? (from 127.0.0.1)");
    r.assert_stdout_has("ALLOWED");
    r.assert_stdout_has("V1 (assignee)");
    r.assert_stdout_has("V4p");
}

#[test]
fn explain_conversation_action_allowed_in_portuguese_by_default() {
    let dir = TempDir::new("explain-pt");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(
        &f,
        &["--user", "ana", "--conversation", "c1", "--action", "view"],
    );
    r.assert_code(0);
    r.assert_stdout_has("ana pode view c1?");
    r.assert_stdout_has("PERMITIDO");
    r.assert_stdout_has("V1 (responsável)");
    assert!(!r.stdout.contains("ALLOWED"), "{}", r.show());
}

#[test]
fn explain_denied_lists_every_rule_that_does_not_apply() {
    let dir = TempDir::new("explain-denied");
    let f = dir.file("account.yaml", ACCOUNT);
    // c3 is in `support` (access agent): ana is not a member, nor its supervisor.
    for (lang, word) in [("en", "DENIED"), ("pt", "NEGADO")] {
        let r = explain(
            &f,
            &[
                "--user",
                "ana",
                "--conversation",
                "c3",
                "--action",
                "view",
                "--lang",
                lang,
            ],
        );
        r.assert_code(0);
        r.assert_stdout_has(word);
        for rule in ["V1", "V2", "V3", "V4w", "V4p", "V4f", "V5"] {
            r.assert_stdout_has(&format!("{rule} ("));
        }
    }
}

#[test]
fn explain_conversation_alone_means_view() {
    let dir = TempDir::new("explain-view");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(
        &f,
        &["--user", "sup", "--conversation", "c3", "--lang", "en"],
    );
    r.assert_code(0);
    r.assert_stdout_has("Can sup view c3?");
    r.assert_stdout_has("ALLOWED");
    r.assert_stdout_has("V3 (supervision)");
}

#[test]
fn explain_tab_lists_conversations_with_reasons() {
    let dir = TempDir::new("explain-tab");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(&f, &["--user", "ana", "--tab", "others", "--lang", "en"]);
    r.assert_code(0);
    r.assert_stdout_has("Tab others of ana (from 127.0.0.1): sees");
    r.assert_stdout_has("1 conversation(s):");
    r.assert_stdout_has("  c4: V4p (team in progress)");
    // c1 is hers (tab mine), c3 is out of her reach.
    assert!(!r.stdout.contains("  c1:"), "{}", r.show());
    assert!(!r.stdout.contains("  c3:"), "{}", r.show());

    let r = explain(&f, &["--user", "dono", "--tab", "others"]);
    r.assert_code(0);
    r.assert_stdout_has("Aba others de dono");
    r.assert_stdout_has("3 atendimento(s):");
    for c in ["c1", "c3", "c4"] {
        r.assert_stdout_has(&format!("  {c}: V5"));
    }
}

#[test]
fn explain_tab_with_nothing_to_see() {
    let dir = TempDir::new("explain-tab-empty");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(
        &f,
        &["--user", "ana", "--tab", "my_finished", "--lang", "en"],
    );
    r.assert_code(0);
    r.assert_stdout_has("0 conversation(s):");
}

#[test]
fn explain_permission() {
    let dir = TempDir::new("explain-perm");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(
        &f,
        &[
            "--user",
            "ana",
            "--permission",
            "users.manage",
            "--lang",
            "en",
        ],
    );
    r.assert_code(0);
    r.assert_stdout_has("Can ana users.manage?");
    r.assert_stdout_has("DENIED");
    r.assert_stdout_has("(users.manage)");

    let r = explain(&f, &["--user", "dono", "--permission", "users.manage"]);
    r.assert_code(0);
    r.assert_stdout_has("PERMITIDO");
    r.assert_stdout_has("(users.manage)");
    r.assert_stdout_has("owner");
}

#[test]
fn explain_permission_on_a_conversation() {
    let dir = TempDir::new("explain-perm-conv");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(
        &f,
        &[
            "--user",
            "ana",
            "--permission",
            "conversation.assume",
            "--conversation",
            "c2",
            "--lang",
            "en",
        ],
    );
    r.assert_code(0);
    r.assert_stdout_has("ALLOWED");
    r.assert_stdout_has("(conversation.assume)");
    r.assert_stdout_has("role agent");
}

#[test]
fn explain_login_from_outside_an_allowed_network() {
    let dir = TempDir::new("explain-login");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(
        &f,
        &[
            "--user",
            "rui",
            "--action",
            "login",
            "--from",
            "192.168.1.1",
            "--lang",
            "en",
        ],
    );
    r.assert_code(0);
    r.assert_stdout_has("Can rui login? (from 192.168.1.1)");
    r.assert_stdout_has("DENIED");
    r.assert_stdout_has("allowed networks");

    let r = explain(
        &f,
        &[
            "--user",
            "rui",
            "--action",
            "login",
            "--from",
            "192.168.1.1",
        ],
    );
    r.assert_code(0);
    r.assert_stdout_has("NEGADO");
    r.assert_stdout_has("redes permitidas");

    let r = explain(
        &f,
        &[
            "--user",
            "rui",
            "--action",
            "login",
            "--from",
            "10.20.30.40",
            "--lang",
            "en",
        ],
    );
    r.assert_code(0);
    r.assert_stdout_has("ALLOWED");
    r.assert_stdout_has("role office");
}

#[test]
fn explain_manage_user_with_target() {
    let dir = TempDir::new("explain-manage");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(
        &f,
        &[
            "--user",
            "dono",
            "--action",
            "manage_user",
            "--target",
            "ana",
            "--lang",
            "en",
        ],
    );
    r.assert_code(0);
    r.assert_stdout_has("Can dono manage_user ana?");
    r.assert_stdout_has("ALLOWED");

    let r = explain(
        &f,
        &[
            "--user",
            "ana",
            "--action",
            "manage_user",
            "--target",
            "dono",
        ],
    );
    r.assert_code(0);
    r.assert_stdout_has("ana pode manage_user dono?");
    r.assert_stdout_has("NEGADO");
    r.assert_stdout_has("(users.manage)");
}

#[test]
fn explain_manage_user_without_target_is_an_error() {
    let dir = TempDir::new("explain-manage-no-target");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(&f, &["--user", "dono", "--action", "manage_user"]);
    r.assert_no_panic();
    assert_ne!(r.code, Some(0), "{}", r.show());
    assert!(r.stderr.contains("--target"), "{}", r.show());
}

#[test]
fn explain_transfer_to_user() {
    let dir = TempDir::new("explain-transfer");
    let f = dir.file("account.yaml", ACCOUNT);
    // ana owns c1; bia is a member of sales: allowed.
    let r = explain(
        &f,
        &[
            "--user",
            "ana",
            "--conversation",
            "c1",
            "--action",
            "transfer",
            "--to-user",
            "bia",
            "--lang",
            "en",
        ],
    );
    r.assert_code(0);
    r.assert_stdout_has("Can ana transfer c1 → bia?");
    r.assert_stdout_has("ALLOWED");
    r.assert_stdout_has("(conversation.transfer)");

    // sup is not a member of sales: denied, in Portuguese.
    let r = explain(
        &f,
        &[
            "--user",
            "ana",
            "--conversation",
            "c1",
            "--action",
            "transfer",
            "--to-user",
            "sup",
        ],
    );
    r.assert_code(0);
    r.assert_stdout_has("ana pode transfer c1 → sup?");
    r.assert_stdout_has("NEGADO");
}

#[test]
fn explain_transfer_without_to_user_is_an_error() {
    let dir = TempDir::new("explain-transfer-no-target");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(
        &f,
        &[
            "--user",
            "ana",
            "--conversation",
            "c1",
            "--action",
            "transfer",
        ],
    );
    r.assert_no_panic();
    assert_ne!(r.code, Some(0), "{}", r.show());
    assert!(r.stderr.contains("--to-user"), "{}", r.show());
}

#[test]
fn explain_change_department() {
    let dir = TempDir::new("explain-change-dept");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(
        &f,
        &[
            "--user",
            "ana",
            "--conversation",
            "c1",
            "--action",
            "change_department",
            "--to-department",
            "support",
            "--lang",
            "en",
        ],
    );
    r.assert_code(0);
    r.assert_stdout_has("Can ana change_department c1 → support?");
    r.assert_stdout_has("ALLOWED");
}

#[test]
fn explain_unknown_ids_are_errors_not_panics() {
    let dir = TempDir::new("explain-unknown");
    let f = dir.file("account.yaml", ACCOUNT);
    for (args, needle) in [
        (
            vec!["--user", "zoe", "--action", "login"],
            "unknown user `zoe`",
        ),
        (
            vec!["--user", "ana", "--conversation", "c9"],
            "unknown conversation `c9`",
        ),
        (
            vec!["--user", "ana", "--tab", "minee"],
            "unknown tab `minee`",
        ),
        (
            vec!["--user", "ana", "--permission", "users.manag"],
            "`users.manag` is not a permission",
        ),
        (
            vec!["--user", "ana", "--conversation", "c1", "--action", "fly"],
            "`fly` is neither",
        ),
        (
            vec!["--user", "ana", "--action", "view"],
            "needs --conversation",
        ),
    ] {
        let r = explain(&f, &args);
        r.assert_no_panic();
        assert_ne!(r.code, Some(0), "{args:?}: {}", r.show());
        assert!(
            r.stderr.contains(needle),
            "{args:?}: stderr lacks {needle:?}:\n{}",
            r.show()
        );
    }
}

/// The file format rejects `to_user:` on a non-transfer action, `target:` off `manage_user`,
/// `conversation:` on `login` or on an account permission; `explain` should not silently answer
/// a different question when given the same combinations.
#[test]
fn explain_rejects_options_that_do_not_apply() {
    let dir = TempDir::new("explain-extra");
    let f = dir.file("account.yaml", ACCOUNT);
    let mut accepted = Vec::new();
    for args in [
        vec![
            "--user",
            "ana",
            "--conversation",
            "c1",
            "--action",
            "view",
            "--to-user",
            "bia",
        ],
        vec![
            "--user",
            "ana",
            "--conversation",
            "c1",
            "--action",
            "view",
            "--target",
            "bia",
        ],
        vec![
            "--user",
            "ana",
            "--conversation",
            "c1",
            "--action",
            "reply",
            "--to-department",
            "support",
        ],
        vec!["--user", "ana", "--action", "login", "--conversation", "c1"],
        vec![
            "--user",
            "ana",
            "--permission",
            "users.manage",
            "--conversation",
            "c1",
        ],
    ] {
        let r = explain(&f, &args);
        r.assert_no_panic();
        if r.code == Some(0) {
            accepted.push(format!(
                "{args:?} -> {}",
                r.stdout.lines().next().unwrap_or_default()
            ));
        }
    }
    assert!(
        accepted.is_empty(),
        "options that do not apply were silently ignored:\n{}",
        accepted.join("\n")
    );
}

#[test]
fn explain_on_an_invalid_file_reports_its_problems() {
    let dir = TempDir::new("explain-invalid");
    let text = ACCOUNT.replace("{ id: sales }", "{ id: sales, acess: all }");
    let f = dir.file("bad.yaml", &text);
    let r = explain(&f, &["--user", "ana", "--action", "login"]);
    r.assert_no_panic();
    assert_ne!(r.code, Some(0), "{}", r.show());
    let line = line_of(&text, "acess");
    r.assert_stdout_has(&format!(
        "{}:{line}: invalid file: unknown key `acess`",
        f.display()
    ));
}

#[test]
fn explain_on_a_missing_file_is_an_error_not_a_panic() {
    let dir = TempDir::new("explain-missing");
    let f = dir.path().join("nope.yaml");
    let r = explain(&f, &["--user", "ana", "--action", "login"]);
    r.assert_no_panic();
    assert_ne!(r.code, Some(0), "{}", r.show());
    assert!(
        format!("{}{}", r.stdout, r.stderr).contains("cannot read"),
        "{}",
        r.show()
    );
}

#[test]
fn explain_rejects_an_unknown_language() {
    let dir = TempDir::new("explain-lang");
    let f = dir.file("account.yaml", ACCOUNT);
    let r = explain(&f, &["--user", "ana", "--action", "login", "--lang", "fr"]);
    r.assert_no_panic();
    assert_ne!(r.code, Some(0), "{}", r.show());
    assert!(r.stderr.contains("use pt or en"), "{}", r.show());
}

// ---------------------------------------------------------------------------------------------
// The conformance suite
// ---------------------------------------------------------------------------------------------

/// Every file of `scenarios/` passes. (While the scenario files are being written this may
/// fail; the failure lines say which expectation and why.)
#[test]
fn conformance_suite_passes() {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    assert!(
        scenarios.is_dir(),
        "{} is not a directory",
        scenarios.display()
    );
    let r = test_files(&[&scenarios]);
    r.assert_no_panic();
    assert!(
        !r.stdout.contains("invalid file"),
        "invalid scenario files:\n{}",
        r.show()
    );
    assert!(r.last_line().ends_with(" 0 failed"), "{}", r.show());
    assert_eq!(r.code, Some(0), "{}", r.show());
    // The suite is not empty.
    let passed: usize = r
        .last_line()
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(passed > 0, "{}", r.show());
}

// ---------------------------------------------------------------------------------------------
// Installation commands
// ---------------------------------------------------------------------------------------------

#[test]
fn account_create_migrate_default_config_and_healthcheck() {
    let dir = std::env::temp_dir().join(format!("atende-cli-account-{}", std::process::id()));
    let data = dir.to_str().unwrap();
    let created = atende([
        "account",
        "create",
        "--data-dir",
        data,
        "--name",
        "Minha Loja",
        "--owner-email",
        "Dona@Loja.example",
        "--owner-name",
        "Dona",
    ]);
    created.assert_code(0);
    created.assert_stdout_has("Temporary password: ");
    created.assert_stdout_has("owner dona@loja.example");
    // The same owner email again is refused with a clear message, and nothing is created.
    let again = atende([
        "account",
        "create",
        "--data-dir",
        data,
        "--name",
        "Outra",
        "--owner-email",
        "dona@loja.example",
    ]);
    again.assert_code(2);
    assert!(again.stderr.contains("already a user"), "{}", again.show());
    let compacted = atende(["compact", "--data-dir", data]);
    compacted.assert_code(0);
    compacted.assert_stdout_has("compacted");
    let migrated = atende(["migrate", "--data-dir", data]);
    migrated.assert_code(0);
    migrated.assert_stdout_has("schema is at version");
    let config = atende(["default-config"]);
    config.assert_code(0);
    config.assert_stdout_has("listen = \"127.0.0.1:8080\"");
    // Nothing listens on this port: the health check fails with a message, not a panic.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let health = atende(["healthcheck", "--listen", &format!("127.0.0.1:{port}")]);
    health.assert_code(2);
    assert!(
        health.stderr.contains("cannot reach the server"),
        "{}",
        health.show()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[path = "cli/crash.rs"]
mod crash;

// ---------------------------------------------------------------------------------------------
// The demo server, end to end
// ---------------------------------------------------------------------------------------------

mod demo_server {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::time::{Duration, Instant};

    /// One HTTP/1.1 request on its own connection: (status, headers and body as text).
    fn http(
        addr: SocketAddr,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        let mut s = TcpStream::connect(addr).unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes()).unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let status = text.split(' ').nth(1).unwrap().parse().unwrap();
        (status, text)
    }

    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            self.0.kill().ok();
            self.0.wait().ok();
        }
    }

    /// `atende serve --demo`: a recorded WhatsApp payload posted to the demo channel's webhook
    /// reaches, live, exactly the demo users the engine lets see the new conversation (the same
    /// ones to whom `GET /api/v1/conversations/{id}` answers 200), and nobody else; a bad
    /// signature stores nothing.
    #[test]
    fn recorded_whatsapp_payload_reaches_exactly_the_users_who_may_see_it() {
        let dir = super::TempDir::new("demo-server");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_atende"))
            .args([
                "serve",
                "--demo",
                "--data-dir",
                dir.path().to_str().unwrap(),
                "--listen",
                &addr.to_string(),
            ])
            .env("ATENDE_ALLOW_WEAK_DURABILITY", "true")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let _server = Server(child);
        // The demo prints its logins and the channel's webhook.
        let mut emails = Vec::new();
        let mut channel = None;
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let line = line.unwrap();
            // Every demo login but the inactive one, who cannot log in.
            if let Some(email) = line
                .split_whitespace()
                .next()
                .filter(|w| w.ends_with("@demo.example") && !line.contains("inactive"))
            {
                emails.push(email.to_owned());
            }
            if let Some(rest) = line.split("/webhooks/whatsapp/").nth(1) {
                channel = Some(rest.split_whitespace().next().unwrap().to_owned());
                break;
            }
        }
        // Keep reading what the server prints, so that it never writes to a closed pipe.
        std::thread::spawn(move || for _ in lines {});
        let channel = channel.expect("the demo printed its WhatsApp channel");
        assert!(emails.len() >= 5, "{emails:?}");
        let started = Instant::now();
        while http_ok(addr).is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server never became ready"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // Every demo user logs in and opens their event stream.
        let mut streams = Vec::new();
        for email in &emails {
            let body = format!(r#"{{"email":"{email}","password":"demo"}}"#);
            let (status, text) = http(addr, "POST", "/api/v1/auth/login", &[], &body);
            assert_eq!(status, 200, "{text}");
            let cookie = text
                .lines()
                .find_map(|l| {
                    l.strip_prefix("set-cookie: ")
                        .or_else(|| l.strip_prefix("Set-Cookie: "))
                })
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned();
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(
                format!("GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n")
                    .as_bytes(),
            )
            .unwrap();
            s.set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            streams.push((email.clone(), cookie, s, String::new()));
        }
        let read_all = |streams: &mut Vec<(String, String, TcpStream, String)>, wait: Duration| {
            let until = Instant::now() + wait;
            while Instant::now() < until {
                for (_, _, s, seen) in streams.iter_mut() {
                    let mut buf = [0u8; 65536];
                    if let Ok(n) = s.read(&mut buf) {
                        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            }
        };
        read_all(&mut streams, Duration::from_millis(500));
        let payload = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../server/tests/fixtures/whatsapp/text.json"),
        )
        .unwrap();
        let path = format!("/webhooks/whatsapp/{channel}");
        let bad = server::channels::whatsapp::sign("not-the-secret", payload.as_bytes());
        let (status, _) = http(
            addr,
            "POST",
            &path,
            &[("X-Hub-Signature-256", &bad)],
            &payload,
        );
        assert_eq!(status, 401);
        let good = server::channels::whatsapp::sign("demo-app-secret", payload.as_bytes());
        let (status, text) = http(
            addr,
            "POST",
            &path,
            &[("X-Hub-Signature-256", &good)],
            &payload,
        );
        assert_eq!(status, 200, "{text}");
        read_all(&mut streams, Duration::from_millis(1500));
        // Who may see the conversation, by the API (the engine), against who was told.
        let marker = "Meu pedido #4821";
        let mut conversation = None;
        for (_, _, _, seen) in &streams {
            if let Some(i) = seen.find(marker) {
                let before = &seen[..i];
                let id = before.rsplit("\"conversation_id\":").next().unwrap();
                conversation = Some(
                    id.split(|c: char| !c.is_ascii_digit())
                        .next()
                        .unwrap()
                        .to_owned(),
                );
            }
        }
        let conversation = conversation.expect("somebody was told");
        let (mut told, mut may) = (Vec::new(), Vec::new());
        for (email, cookie, _, seen) in &streams {
            let (status, _) = http(
                addr,
                "GET",
                &format!("/api/v1/conversations/{conversation}"),
                &[("Cookie", cookie)],
                "",
            );
            if status == 200 {
                may.push(email.clone());
            }
            if seen.contains(&format!("\"id\":{conversation},")) || seen.contains(marker) {
                told.push(email.clone());
            }
        }
        assert_eq!(told, may, "told of the conversation vs allowed to see it");
        assert!(
            !may.is_empty() && may.len() < emails.len(),
            "{may:?} of {emails:?}"
        );
    }

    fn http_ok(addr: SocketAddr) -> Option<()> {
        let s = TcpStream::connect(addr).ok()?;
        drop(s);
        (http(addr, "GET", "/healthz", &[], "").0 == 200).then_some(())
    }
}
