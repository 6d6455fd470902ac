//! One item of `expect:`: what is asked (`can:`, `cannot:`, `tab:` and `sees:`), of whom, about
//! what, and the `because:` it names.

use super::*;

/// What `can:` / `cannot:` names.
enum Asked {
    Action(ActionKind),
    Login,
    ManageUser,
    Permission(Permission),
}

fn asked(node: Node<'_, '_>) -> Result<Asked, Problem> {
    let text = node.string("`can:` / `cannot:`")?;
    if let Some(a) = ActionKind::from_id(&text) {
        return Ok(Asked::Action(a));
    }
    match text.as_str() {
        "login" => return Ok(Asked::Login),
        "manage_user" => return Ok(Asked::ManageUser),
        _ => {}
    }
    if let Some(p) = Permission::from_id(&text) {
        return Ok(Asked::Permission(p));
    }
    let all = ActionKind::ALL
        .iter()
        .map(|a| a.id())
        .chain(["login", "manage_user"])
        .chain(Permission::ALL.iter().map(|p| p.id()));
    let hint = crate::suggest(&text, all)
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    Err(Problem::new(
        node.line(),
        format!(
            "`{text}` is neither an action nor a permission: {hint}actions are {}, login, manage_user; permissions are those of the catalogue",
            choices(ActionKind::ALL, ActionKind::id)
        ),
    ))
}

pub(super) fn expectation(
    p: &mut Parser,
    index: usize,
    item: Node<'_, '_>,
    names: &Names,
) -> Option<Expectation> {
    let before = p.problems.len();
    let map = p.ok(item.map(&format!("expectation #{index}")))?;
    map.unknown_keys(EXPECT_KEYS, &mut p.problems);
    let line = map.line;
    let problem = |msg: String| Problem::new(line, format!("expectation #{index}: {msg}"));
    let user = p.ok(map
        .require("user")
        .and_then(|n| lookup(n, "user", &names.users)));
    let from = match map.get("from") {
        Some(n) => p.ok(n.string("`from`").and_then(|t| {
            t.parse::<IpAddr>().map_err(|_| Problem::new(n.line(), format!("`from: {t}` is not an IP address (write one such as 192.168.0.10 or 2001:db8::1)")))
        })),
        None => Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    };
    let can = map.get("can");
    let cannot = map.get("cannot");
    let tab = map.get("tab");
    let given = [
        ("can", can.is_some()),
        ("cannot", cannot.is_some()),
        ("tab", tab.is_some()),
    ];
    let count = given.iter().filter(|(_, g)| *g).count();
    if count != 1 {
        let msg = if can.is_some() && cannot.is_some() {
            "has both `can:` and `cannot:`: keep one (or write `expect: false` after `can:`)"
                .to_owned()
        } else if count == 0 {
            "needs one of `can:`, `cannot:` or `tab:`".to_owned()
        } else {
            "mixes a decision (`can:`/`cannot:`) with `tab:`: write them as two expectations"
                .to_owned()
        };
        p.problems.push(problem(msg));
        return None;
    }
    let only = |p: &mut Parser, key: &str, allowed: bool, why: &str| {
        if let Some(n) = map.get(key).filter(|_| !allowed) {
            p.problems.push(Problem::new(
                n.line(),
                format!("expectation #{index}: `{key}:` {why}"),
            ));
        }
    };
    let check = if let Some(tab_node) = tab {
        for key in [
            "expect",
            "because",
            "conversation",
            "to_user",
            "to_department",
            "target",
        ] {
            only(p, key, false, "does not apply to a `tab:` expectation");
        }
        let tab = p.ok(enum_value(tab_node, "tab", Tab::ALL, Tab::id));
        let sees = match map.get("sees") {
            Some(n) => p
                .ok(n.list("`sees`"))
                .unwrap_or_default()
                .into_iter()
                .filter_map(|n| p.ok(lookup(n, "conversation", &names.conversations)))
                .collect(),
            None => {
                p.problems.push(problem(
                    "a `tab:` expectation needs `sees:` (the exact list of conversations, `[]` for none)".to_owned(),
                ));
                Vec::new()
            }
        };
        Check::Tab { tab: tab?, sees }
    } else {
        only(p, "sees", false, "goes with `tab:` only");
        let (node, mut allowed) = match (can, cannot) {
            (Some(n), None) => (n, true),
            (None, Some(n)) => (n, false),
            _ => return None,
        };
        if let Some(e) = map.get("expect") {
            if cannot.is_some() {
                p.problems.push(Problem::new(
                    e.line(),
                    format!("expectation #{index}: `expect:` goes with `can:` only"),
                ));
            } else if let Some(v) = p.ok(e.bool("`expect`")) {
                allowed = v;
            }
        }
        let asked = p.ok(asked(node))?;
        let conversation = |p: &mut Parser, required: bool| -> Option<ConversationId> {
            match map.get("conversation") {
                Some(n) => p.ok(lookup(n, "conversation", &names.conversations)),
                None if required => {
                    p.problems.push(problem(
                        "a conversation action needs `conversation:`".to_owned(),
                    ));
                    None
                }
                None => None,
            }
        };
        let subject = match asked {
            Asked::Action(action) => {
                only(p, "target", false, "goes with `manage_user` only");
                only(
                    p,
                    "to_user",
                    action == ActionKind::Transfer,
                    "goes with `transfer` only",
                );
                only(
                    p,
                    "to_department",
                    action == ActionKind::ChangeDepartment,
                    "goes with `change_department` only",
                );
                let to_user = if action == ActionKind::Transfer {
                    match map.get("to_user") {
                        Some(n) => p.ok(lookup(n, "user", &names.users)),
                        None => {
                            p.problems
                                .push(problem("`transfer` needs `to_user:`".to_owned()));
                            None
                        }
                    }
                } else {
                    None
                };
                let to_department = if action == ActionKind::ChangeDepartment {
                    match map.get("to_department") {
                        Some(n) => p.ok(lookup(n, "department", &names.departments)),
                        None => {
                            p.problems.push(problem(
                                "`change_department` needs `to_department:`".to_owned(),
                            ));
                            None
                        }
                    }
                } else {
                    None
                };
                let conversation = conversation(p, true)?;
                Subject::Action {
                    action,
                    conversation,
                    to_user,
                    to_department,
                }
            }
            Asked::Login => {
                for key in ["conversation", "to_user", "to_department", "target"] {
                    only(p, key, false, "does not apply to `login`");
                }
                Subject::Login
            }
            Asked::ManageUser => {
                for key in ["conversation", "to_user", "to_department"] {
                    only(p, key, false, "does not apply to `manage_user`");
                }
                let target = match map.get("target") {
                    Some(n) => p.ok(lookup(n, "user", &names.users)),
                    None => {
                        p.problems.push(problem(
                            "`manage_user` needs `target:` (the user to manage)".to_owned(),
                        ));
                        None
                    }
                }?;
                Subject::ManageUser { target }
            }
            Asked::Permission(permission) => {
                for key in ["to_user", "to_department", "target"] {
                    only(p, key, false, "does not apply to a permission");
                }
                if permission.scope() == PermissionScope::Account {
                    only(
                        p,
                        "conversation",
                        false,
                        "does not apply: this is an account permission, decided for the whole account",
                    );
                }
                let conversation = conversation(p, false);
                Subject::Permission {
                    permission,
                    conversation,
                }
            }
        };
        let because = map.get("because").and_then(|n| {
            let text = p.ok(n.string("`because`"))?;
            if let Some(r) = Rule::from_id(&text) {
                Some(Because::Rule(r))
            } else if let Some(perm) = Permission::from_id(&text) {
                Some(Because::Permission(perm))
            } else if let Some(code) = access::Reason::OTHER_CODES.iter().find(|c| **c == text) {
                Some(Because::Code(code))
            } else {
                let all = Rule::ALL
                    .iter()
                    .map(|r| r.id())
                    .chain(Permission::ALL.iter().map(|p| p.id()))
                    .chain(access::Reason::OTHER_CODES.iter().copied());
                let hint = crate::suggest(&text, all).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
                p.problems.push(Problem::new(
                    n.line(),
                    format!("expectation #{index}: `because: {text}` names neither a rule (V1, V2, V3, V4w, V4p, V4f, V5), a permission, nor a reason code of the engine (such as inactive, status, not_owner){hint}"),
                ));
                None
            }
        });
        Check::Decision {
            subject,
            allowed,
            because,
        }
    };
    let user = user?;
    let from = from?;
    (p.problems.len() == before).then_some(Expectation {
        index,
        line,
        user,
        from,
        check,
    })
}
