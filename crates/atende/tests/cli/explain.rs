//! `atende policy explain`: actions, tabs, permissions, logins and user management, with the
//! engine's reasons; errors instead of panics.

use super::*;

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
