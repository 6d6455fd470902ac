//! `atende policy test` and `atende policy explain`, run as the built binary on temporary files.
//!
//! This file holds the helpers, the conformance suite and the installation commands; each module
//! of `cli/` is one story (`policy_test`, `explain`, `crash`, `demo_server`).

// The helpers of this test crate fail the test by panicking, as the tests themselves may
// (clippy.toml allows it inside test functions only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "cli/crash.rs"]
mod crash;
#[path = "cli/demo_server.rs"]
mod demo_server;
#[path = "cli/explain.rs"]
mod explain;
#[path = "cli/policy_test.rs"]
mod policy_test;

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
