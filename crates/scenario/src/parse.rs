//! From the text of an access test file to a [`Scenario`], or to every [`Problem`] it has.
//! Invalid files never run: a problem anywhere means no expectation of the file runs.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use access::{
    AccessOption, Account, AccountConfig, AccountId, ActionKind, Assignment, Binding, BuiltinRole,
    Conversation, ConversationId, Department, DepartmentId, DepartmentTree, IpNet, Membership,
    MembershipKind, Permission, PermissionScope, QueueAccess, Role, RoleId, Rule, Scope, Settings,
    Status, Tab, TreeError, User, UserId,
};

use crate::model::{Because, Check, Expectation, Names, Scenario, Subject};
use crate::yaml::{self, Map, Node, Problem};

mod expect;

use expect::expectation;

/// The account every file describes.
pub const ACCOUNT: AccountId = AccountId(1);

const TOP_KEYS: &[&str] = &[
    "name",
    "settings",
    "roles",
    "departments",
    "users",
    "conversations",
    "expect",
];
const SETTING_KEYS: &[&str] = &[
    "my_finished_queue",
    "waiting_queue",
    "finished_queue",
    "hide_details_until_assumed",
    "shared_inbox",
    "assignment",
    "satisfaction_survey",
];
const ROLE_KEYS: &[&str] = &["id", "permissions", "allowed_networks"];
const DEPARTMENT_KEYS: &[&str] = &["id", "parent", "access"];
const USER_KEYS: &[&str] = &["id", "roles", "member_of", "supervises", "active"];
const BINDING_KEYS: &[&str] = &["role", "department"];
const CONVERSATION_KEYS: &[&str] = &["id", "department", "status", "assignee"];
const EXPECT_KEYS: &[&str] = &[
    "user",
    "can",
    "cannot",
    "expect",
    "tab",
    "sees",
    "conversation",
    "to_user",
    "to_department",
    "target",
    "from",
    "because",
];

fn ids_of<T>(map: &BTreeMap<String, T>) -> String {
    if map.is_empty() {
        return "none is declared".to_owned();
    }
    format!(
        "declared: {}",
        map.keys().cloned().collect::<Vec<_>>().join(", ")
    )
}

fn choices<T: Copy>(all: &[T], id: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|v| id(*v)).collect::<Vec<_>>().join(" | ")
}

/// Reads an enum value by id, or says which values exist.
fn enum_value<T: Copy>(
    node: Node<'_, '_>,
    what: &str,
    all: &[T],
    id: impl Fn(T) -> &'static str,
) -> Result<T, Problem> {
    let text = node.string(what)?;
    all.iter().copied().find(|v| id(*v) == text).ok_or_else(|| {
        let hint = crate::suggest(&text, all.iter().map(|v| id(*v)))
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        Problem::new(
            node.line(),
            format!(
                "`{text}` is not a valid {what}: {hint}use one of {}",
                choices(all, &id)
            ),
        )
    })
}

fn permission(node: Node<'_, '_>, what: &str) -> Result<Permission, Problem> {
    let text = node.string(what)?;
    Permission::from_id(&text).ok_or_else(|| {
        let hint = crate::suggest(&text, Permission::ALL.iter().map(|p| p.id()))
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| "see the permission catalogue in ACCESS-MODEL.md".to_owned());
        Problem::new(node.line(), format!("`{text}` is not a permission: {hint}"))
    })
}

/// Looks an id up in one kind's table, or explains the dangling reference.
fn lookup<T: Copy>(
    node: Node<'_, '_>,
    kind: &str,
    map: &BTreeMap<String, T>,
) -> Result<T, Problem> {
    let text = node.string(kind)?;
    map.get(&text).copied().ok_or_else(|| {
        let hint = crate::suggest(&text, map.keys().map(String::as_str))
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        Problem::new(
            node.line(),
            format!("unknown {kind} `{text}`: {hint}{}", ids_of(map)),
        )
    })
}

/// Collects problems while parsing goes on, so one run reports all of them.
struct Parser {
    problems: Vec<Problem>,
}

impl Parser {
    fn ok<T>(&mut self, r: Result<T, Problem>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(p) => {
                self.problems.push(p);
                None
            }
        }
    }

    fn declare<T>(
        &mut self,
        map: &mut BTreeMap<String, T>,
        kind: &str,
        node: Node<'_, '_>,
        value: T,
    ) -> Option<String> {
        let id = self.ok(node.string(&format!("a {kind} id")))?;
        if id.is_empty() {
            self.problems.push(Problem::new(
                node.line(),
                format!("a {kind} id cannot be empty"),
            ));
            return None;
        }
        if map.contains_key(&id) {
            let extra = if kind == "role" && BuiltinRole::from_id(&id).is_some() {
                " (agent, admin and owner are built in; give the custom role another id)"
            } else {
                ""
            };
            self.problems.push(Problem::new(
                node.line(),
                format!("duplicate {kind} id `{id}`{extra}"),
            ));
            return None;
        }
        map.insert(id.clone(), value);
        Some(id)
    }

    fn settings(&mut self, node: Node<'_, '_>) -> Settings {
        let mut s = Settings::default();
        let Some(map) = self.ok(node.map("`settings`")) else {
            return s;
        };
        map.unknown_keys(SETTING_KEYS, &mut self.problems);
        for (key, _, v) in map.entries() {
            let what = format!("setting `{key}`");
            match key {
                "my_finished_queue" => {
                    s.my_finished_queue = self.ok(v.bool(&what)).unwrap_or(s.my_finished_queue)
                }
                "hide_details_until_assumed" => {
                    s.hide_details_until_assumed = self
                        .ok(v.bool(&what))
                        .unwrap_or(s.hide_details_until_assumed);
                }
                "shared_inbox" => s.shared_inbox = self.ok(v.bool(&what)).unwrap_or(s.shared_inbox),
                "satisfaction_survey" => {
                    s.satisfaction_survey = self.ok(v.bool(&what)).unwrap_or(s.satisfaction_survey)
                }
                "waiting_queue" => {
                    s.waiting_queue = self
                        .ok(enum_value(v, &what, QueueAccess::ALL, QueueAccess::id))
                        .unwrap_or(s.waiting_queue);
                }
                "finished_queue" => {
                    s.finished_queue = self
                        .ok(enum_value(v, &what, QueueAccess::ALL, QueueAccess::id))
                        .unwrap_or(s.finished_queue);
                }
                "assignment" => {
                    s.assignment = self
                        .ok(enum_value(v, &what, Assignment::ALL, Assignment::id))
                        .unwrap_or(s.assignment);
                }
                _ => {} // reported by unknown_keys
            }
        }
        s
    }
}

/// Parses an access test file. `Err` holds every problem found, by line.
pub fn parse(text: &str) -> Result<Scenario, Vec<Problem>> {
    let root = yaml::load(text).map_err(|p| vec![p])?;
    let root = Node { yaml: &root };
    let top = root.map("the file").map_err(|p| vec![p])?;
    let mut p = Parser {
        problems: Vec::new(),
    };
    top.unknown_keys(TOP_KEYS, &mut p.problems);

    let name = p
        .ok(top.require("name").and_then(|n| n.string("`name`")))
        .unwrap_or_default();
    let settings = top
        .get("settings")
        .map(|n| p.settings(n))
        .unwrap_or_default();

    // Roles: the three built-in ones, then the file's custom roles.
    let mut names = Names::default();
    let mut roles = BTreeMap::new();
    for (i, b) in BuiltinRole::ALL.into_iter().enumerate() {
        let id = RoleId(i64::try_from(i).unwrap_or(0) + 1);
        names.roles.insert(b.id().to_owned(), id);
        roles.insert(id, Role::builtin(id, b));
    }
    for item in top
        .get("roles")
        .map(|n| p.ok(n.list("`roles`")).unwrap_or_default())
        .unwrap_or_default()
    {
        let Some(map) = p.ok(item.map("a role")) else {
            continue;
        };
        map.unknown_keys(ROLE_KEYS, &mut p.problems);
        let id = RoleId(i64::try_from(roles.len()).unwrap_or(0) + 1);
        let Some(id_node) = p.ok(map.require("id")) else {
            continue;
        };
        let Some(name) = p.declare(&mut names.roles, "role", id_node, id) else {
            continue;
        };
        let mut role = Role {
            id,
            name,
            builtin: None,
            permissions: Default::default(),
            allowed_networks: Vec::new(),
        };
        match map
            .require("permissions")
            .and_then(|n| n.list("`permissions` of a role"))
        {
            Ok(list) => {
                for n in list {
                    if let Some(perm) = p.ok(permission(n, "permission")) {
                        role.permissions.insert(perm);
                    }
                }
            }
            Err(e) => p.problems.push(e),
        }
        for n in map
            .get("allowed_networks")
            .map(|n| p.ok(n.list("`allowed_networks`")).unwrap_or_default())
            .unwrap_or_default()
        {
            if let Some(text) = p.ok(n.string("a network")) {
                match text.parse::<IpNet>() {
                    Ok(net) => role.allowed_networks.push(net),
                    Err(e) => p.problems.push(Problem::new(
                        n.line(),
                        format!("bad CIDR in `allowed_networks`: {e}"),
                    )),
                }
            }
        }
        roles.insert(id, role);
    }

    // Departments: ids first, then parents (a parent may be listed after its child).
    let dept_nodes = top
        .get("departments")
        .map(|n| p.ok(n.list("`departments`")).unwrap_or_default())
        .unwrap_or_default();
    let mut dept_maps = Vec::new();
    for item in &dept_nodes {
        let Some(map) = p.ok(item.map("a department")) else {
            continue;
        };
        map.unknown_keys(DEPARTMENT_KEYS, &mut p.problems);
        let id = DepartmentId(i64::try_from(names.departments.len()).unwrap_or(0) + 1);
        let Some(id_node) = p.ok(map.require("id")) else {
            continue;
        };
        if let Some(name) = p.declare(&mut names.departments, "department", id_node, id) {
            dept_maps.push((id, name, map));
        }
    }
    let mut departments = Vec::new();
    let mut dept_lines = BTreeMap::new();
    for (id, name, map) in &dept_maps {
        let parent = map
            .get("parent")
            .filter(|n| !n.is_null())
            .and_then(|n| p.ok(lookup(n, "department", &names.departments)));
        let access = map.get("access").and_then(|n| {
            p.ok(enum_value(
                n,
                "access option",
                AccessOption::ALL,
                AccessOption::id,
            ))
        });
        dept_lines.insert(*id, map.line);
        departments.push(Department {
            id: *id,
            name: name.clone(),
            parent,
            access: access.unwrap_or_default(),
        });
    }
    // Every cycle is reported (the tree itself stops at the first), at its first-listed member.
    let parent_of: BTreeMap<DepartmentId, Option<DepartmentId>> =
        departments.iter().map(|d| (d.id, d.parent)).collect();
    let mut reported: BTreeSet<DepartmentId> = BTreeSet::new();
    for d in &departments {
        let mut cycle = vec![d.id];
        let mut cur = d.parent;
        while let Some(c) = cur.filter(|c| *c != d.id && cycle.len() <= departments.len()) {
            cycle.push(c);
            cur = parent_of.get(&c).copied().flatten();
        }
        if cur == Some(d.id) && !reported.contains(&d.id) {
            let names_in: Vec<String> = cycle
                .iter()
                .map(|c| format!("`{}`", names.department_name(*c)))
                .collect();
            reported.extend(cycle.iter().copied());
            p.problems.push(Problem::new(
                dept_lines.get(&d.id).copied().unwrap_or(top.line),
                format!(
                    "departments form a cycle through `{}`: following `parent:` goes {} → back to `{}`; a department cannot be its own ancestor, break the cycle",
                    names.department_name(d.id),
                    names_in.join(" → "),
                    names.department_name(d.id)
                ),
            ));
        }
    }
    let tree = if !reported.is_empty() {
        None
    } else if departments.is_empty() {
        if !dept_nodes.is_empty()
            || top.has("conversations")
            || top.has("departments")
            || top.has("users")
        {
            p.problems.push(Problem::new(
                top.get("departments").map_or(top.line, |n| n.line()),
                "the account needs at least one department under `departments:` (the first listed is the default department)",
            ));
        } else {
            p.problems.push(Problem::new(top.line, "the file declares no department: add `departments:` with at least one (the first is the default)"));
        }
        None
    } else {
        let default = departments.first().map(|d| d.id).unwrap_or(DepartmentId(1));
        match DepartmentTree::new(departments, default) {
            Ok(t) => Some(t),
            Err(e) => {
                let line = match &e {
                    TreeError::Cycle(d)
                    | TreeError::Duplicate(d)
                    | TreeError::UnknownDefault(d) => dept_lines.get(d).copied(),
                    TreeError::UnknownParent { department, .. } => {
                        dept_lines.get(department).copied()
                    }
                    TreeError::Empty => None,
                }
                .unwrap_or(top.line);
                let message = match &e {
                    TreeError::Cycle(d) => format!(
                        "departments form a cycle through `{}`: follow `parent:` from it and you come back to it; break the cycle",
                        names.department_name(*d)
                    ),
                    other => other.to_string(),
                };
                p.problems.push(Problem::new(line, message));
                None
            }
        }
    };

    // Users.
    let user_nodes = top
        .get("users")
        .map(|n| p.ok(n.list("`users`")).unwrap_or_default())
        .unwrap_or_default();
    let mut user_maps = Vec::new();
    for item in &user_nodes {
        let Some(map) = p.ok(item.map("a user")) else {
            continue;
        };
        map.unknown_keys(USER_KEYS, &mut p.problems);
        let id = UserId(i64::try_from(names.users.len()).unwrap_or(0) + 1);
        let Some(id_node) = p.ok(map.require("id")) else {
            continue;
        };
        if p.declare(&mut names.users, "user", id_node, id).is_some() {
            user_maps.push((id, map));
        }
    }
    let mut users = BTreeMap::new();
    for (id, map) in &user_maps {
        users.insert(*id, user(&mut p, *id, map, &names));
    }

    // Conversations.
    let default_department = tree.as_ref().map(DepartmentTree::default_department);
    let mut conversations = Vec::new();
    for item in top
        .get("conversations")
        .map(|n| p.ok(n.list("`conversations`")).unwrap_or_default())
        .unwrap_or_default()
    {
        let Some(map) = p.ok(item.map("a conversation")) else {
            continue;
        };
        map.unknown_keys(CONVERSATION_KEYS, &mut p.problems);
        let id = ConversationId(i64::try_from(names.conversations.len()).unwrap_or(0) + 1);
        let Some(id_node) = p.ok(map.require("id")) else {
            continue;
        };
        if p.declare(&mut names.conversations, "conversation", id_node, id)
            .is_none()
        {
            continue;
        }
        let department = match map.get("department") {
            Some(n) => p.ok(lookup(n, "department", &names.departments)),
            None => default_department,
        };
        let status = p.ok(map
            .require("status")
            .and_then(|n| enum_value(n, "status", Status::ALL, Status::id)));
        let assignee = map
            .get("assignee")
            .filter(|n| !n.is_null())
            .and_then(|n| p.ok(lookup(n, "user", &names.users)));
        if let Some(status) = status {
            match (status, assignee.is_some()) {
                (Status::Waiting, true) => p.problems.push(Problem::new(
                    map.line,
                    "a `waiting` conversation has no assignee: remove `assignee:` or use status `in_progress`",
                )),
                (Status::InProgress | Status::Survey, false) if map.get("assignee").is_none_or(|n| n.is_null()) => p.problems.push(Problem::new(
                    map.line,
                    format!("an `{status}` conversation needs `assignee:` (the user who has it)"),
                )),
                _ => {}
            }
        }
        if let (Some(department), Some(status)) = (department, status) {
            conversations.push(Conversation {
                id,
                account: ACCOUNT,
                department,
                status,
                assignee,
            });
        }
    }

    // Expectations.
    let mut expectations = Vec::new();
    match top.require("expect").and_then(|n| n.list("`expect`")) {
        Ok(items) => {
            for (i, item) in items.into_iter().enumerate() {
                if let Some(e) = expectation(&mut p, i + 1, item, &names) {
                    expectations.push(e);
                }
            }
        }
        Err(e) => p.problems.push(e),
    }

    match tree {
        Some(departments) if p.problems.is_empty() => Ok(Scenario {
            name,
            account: Account {
                config: AccountConfig {
                    account: ACCOUNT,
                    settings,
                    departments,
                    roles,
                },
                users,
            },
            conversations,
            names,
            expectations,
        }),
        _ => {
            p.problems.sort_by_key(|x| x.line);
            p.problems.dedup();
            Err(p.problems)
        }
    }
}

fn user(p: &mut Parser, id: UserId, map: &Map<'_, '_>, names: &Names) -> User {
    let active = map
        .get("active")
        .and_then(|n| p.ok(n.bool("`active`")))
        .unwrap_or(true);
    let mut bindings: Vec<Binding> = Vec::new();
    for n in map
        .get("roles")
        .map(|n| p.ok(n.list("`roles` of a user")).unwrap_or_default())
        .unwrap_or_default()
    {
        let binding = if n.is_map() {
            let Some(b) = p.ok(n.map("a role binding")) else {
                continue;
            };
            b.unknown_keys(BINDING_KEYS, &mut p.problems);
            let role = p.ok(b
                .require("role")
                .and_then(|r| lookup(r, "role", &names.roles)));
            let scope = match b.get("department") {
                Some(d) => p
                    .ok(lookup(d, "department", &names.departments))
                    .map(Scope::Department),
                None => Some(Scope::Account),
            };
            match (role, scope) {
                (Some(role), Some(scope)) => Binding { role, scope },
                _ => continue,
            }
        } else {
            let Some(role) = p.ok(lookup(n, "role", &names.roles)) else {
                continue;
            };
            Binding {
                role,
                scope: Scope::Account,
            }
        };
        if bindings.contains(&binding) {
            p.problems.push(Problem::new(n.line(), "this role binding is listed twice for the user: a user's `roles` holds no binding twice"));
        } else {
            bindings.push(binding);
        }
    }
    let mut memberships: BTreeMap<DepartmentId, MembershipKind> = BTreeMap::new();
    for (key, kind) in [
        ("member_of", MembershipKind::Member),
        ("supervises", MembershipKind::Supervisor),
    ] {
        let mut seen = BTreeSet::new();
        for n in map
            .get(key)
            .map(|n| p.ok(n.list(&format!("`{key}`"))).unwrap_or_default())
            .unwrap_or_default()
        {
            let Some(d) = p.ok(lookup(n, "department", &names.departments)) else {
                continue;
            };
            if !seen.insert(d) {
                p.problems.push(Problem::new(
                    n.line(),
                    format!(
                        "department `{}` is listed twice in `{key}`",
                        names.department_name(d)
                    ),
                ));
            }
            let entry = memberships.entry(d).or_insert(kind);
            if kind == MembershipKind::Supervisor {
                *entry = MembershipKind::Supervisor;
            }
        }
    }
    User {
        id,
        account: ACCOUNT,
        active,
        memberships: memberships
            .into_iter()
            .map(|(department, kind)| Membership { department, kind })
            .collect(),
        bindings,
    }
}
