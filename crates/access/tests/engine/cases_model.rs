//! The objects of the model: the permission catalogue and built-in roles exactly as
//! ACCESS-MODEL.md lists them, the settings' defaults, status classes, department trees.

use access::{
    AccessOption, Assignment, BuiltinRole, Department, DepartmentId, DepartmentTree, Permission,
    PermissionScope, PermissionSet, QueueAccess, Settings, Status, StatusClass, TreeError,
};
use rstest::rstest;

/// "Conversation permissions (a department-scoped binding grants them inside its subtree)".
const CONVERSATION: &[&str] = &[
    "conversation.assume",
    "conversation.transfer",
    "conversation.change_department",
    "conversation.finish",
    "conversation.finish_in_survey",
    "conversation.reopen",
    "conversation.manage_any",
    "conversation.view_details_unassigned",
    "tag.attach",
    "tag.detach",
    "contact.link",
    "conversations.waiting.view_department",
    "conversations.waiting.view_company",
    "conversations.in_progress.view_department",
    "conversations.in_progress.view_company",
    "conversations.finished.view_department",
    "conversations.finished.view_company",
];

/// "Account permissions".
const ACCOUNT: &[&str] = &[
    "conversation.start_unregistered",
    "contacts.edit",
    "contacts.delete",
    "contacts.view",
    "quick_replies.company.manage",
    "templates.manage",
    "dashboard.general",
    "dashboard.client",
    "dashboard.agents",
    "bulk_send",
    "users.manage",
    "roles.manage",
    "departments.manage",
    "tags.company.manage",
    "tags.user.manage",
    "settings.company",
    "settings.parameters",
    "settings.holidays",
    "settings.integrations",
    "settings.webhooks",
    "settings.virtual_agents",
    "settings.backups",
    "user.password.change_without_current",
    "user.password.change_others",
    "audit.view",
    "account.manage",
];

fn set(ids: &[&str]) -> PermissionSet {
    ids.iter()
        .map(|id| Permission::from_id(id).unwrap())
        .collect()
}

#[test]
fn catalogue_is_the_models() {
    for (ids, scope) in [
        (CONVERSATION, PermissionScope::Conversation),
        (ACCOUNT, PermissionScope::Account),
    ] {
        for id in ids {
            let p =
                Permission::from_id(id).unwrap_or_else(|| panic!("{id} is not in the catalogue"));
            assert_eq!(p.scope(), scope, "{id}");
            assert_eq!(p.id(), *id);
            assert!(!p.info().label_pt.is_empty() && !p.info().label_en.is_empty());
        }
    }
    assert_eq!(Permission::ALL.len(), CONVERSATION.len() + ACCOUNT.len());
}

#[test]
fn builtin_roles_are_the_models() {
    assert_eq!(
        BuiltinRole::Agent.permissions(),
        set(&[
            "conversation.assume",
            "conversation.transfer",
            "conversation.change_department",
            "conversation.finish",
            "conversation.reopen",
            "tag.attach",
            "tag.detach",
            "contact.link",
            "conversation.start_unregistered",
        ])
    );
    let mut admin = PermissionSet::all();
    admin.remove(Permission::RolesManage);
    admin.remove(Permission::AccountManage);
    assert_eq!(BuiltinRole::Admin.permissions(), admin);
    assert_eq!(
        BuiltinRole::Owner.permissions(),
        set(CONVERSATION).union(set(ACCOUNT))
    );
    let ids: Vec<&str> = BuiltinRole::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(ids, ["agent", "admin", "owner"]);
}

#[test]
fn settings_default_to_the_first_value_of_each_row() {
    assert_eq!(
        Settings::default(),
        Settings {
            my_finished_queue: true,
            waiting_queue: QueueAccess::Members,
            finished_queue: QueueAccess::Members,
            hide_details_until_assumed: false,
            shared_inbox: false,
            assignment: Assignment::Manual,
            satisfaction_survey: false,
        }
    );
    assert_eq!(AccessOption::default(), AccessOption::Team);
}

#[rustfmt::skip]
#[rstest]
#[case(Status::Waiting, StatusClass::Waiting)]
#[case(Status::InProgress, StatusClass::InProgress)]
#[case(Status::Survey, StatusClass::InProgress)]
#[case(Status::Finished, StatusClass::Finished)]
fn status_classes(#[case] status: Status, #[case] class: StatusClass) {
    assert_eq!(status.class(), class);
    assert!(class.statuses().contains(&status));
}

fn d(id: i64, parent: Option<i64>) -> Department {
    Department {
        id: DepartmentId(id),
        name: format!("d{id}"),
        parent: parent.map(DepartmentId),
        access: AccessOption::Team,
    }
}

#[rustfmt::skip]
#[rstest]
#[case::empty(vec![], 1, Some(TreeError::Empty))]
#[case::unknown_default(vec![d(1, None)], 2, Some(TreeError::UnknownDefault(DepartmentId(2))))]
#[case::unknown_parent(vec![d(1, None), d(2, Some(9))], 1, Some(TreeError::UnknownParent { department: DepartmentId(2), parent: DepartmentId(9) }))]
#[case::self_parent(vec![d(1, Some(1))], 1, Some(TreeError::Cycle(DepartmentId(1))))]
#[case::cycle(vec![d(1, None), d(2, Some(3)), d(3, Some(2))], 1, Some(TreeError::Cycle(DepartmentId(2))))]
#[case::duplicate(vec![d(1, None), d(1, None)], 1, Some(TreeError::Duplicate(DepartmentId(1))))]
#[case::forest(vec![d(1, None), d(2, Some(1)), d(3, Some(2)), d(4, None)], 4, None)]
fn department_trees(
    #[case] departments: Vec<Department>,
    #[case] default: i64,
    #[case] error: Option<TreeError>,
) {
    let tree = DepartmentTree::new(departments, DepartmentId(default));
    match error {
        Some(e) => assert_eq!(tree.unwrap_err(), e),
        None => {
            let tree = tree.unwrap();
            assert_eq!(tree.default_department(), DepartmentId(default));
            assert!(tree.in_subtree(DepartmentId(3), DepartmentId(1)));
            assert!(!tree.in_subtree(DepartmentId(1), DepartmentId(3)));
            assert!(!tree.in_subtree(DepartmentId(3), DepartmentId(4)));
            let up: Vec<i64> = tree
                .ancestors_or_self(DepartmentId(3))
                .map(|d| d.0)
                .collect();
            assert_eq!(up, [3, 2, 1]);
        }
    }
}
