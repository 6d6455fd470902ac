//! The five presets (preset.rs): each one's effect on settings, department access and roles,
//! what it reports, and what it then lets users see.

use std::collections::BTreeMap;

use access::preset::{OPA_COMPANY_ROLE, OPA_DEPARTMENT_ROLE, Preset, PresetReport};
use access::{
    AccessOption, Assignment, Binding, BuiltinRole, Permission, QueueAccess, RoleId, Scope,
    Settings, Status, Tab, UserId,
};
use rstest::rstest;

use crate::fixture::{
    BOSS, COLLEAGUE, CUSTOM, Fx, INACTIVE, L2, ME, NORTH, SALES, SUPPORT, Who, conv, settings,
};
use crate::world::{ADMIN, AGENT, OWNER, net};

const ALL_OFF_DEFAULT: &str = "my_finished_queue=false waiting_queue=admins finished_queue=admins hide_details_until_assumed=true shared_inbox=true assignment=auto satisfaction_survey=true";

fn apply(fx: &mut Fx, preset: &Preset) -> PresetReport {
    let mut next = 20;
    preset.apply(&mut fx.account, &mut || {
        next += 1;
        RoleId(next)
    })
}

fn access_of(fx: &Fx) -> Vec<AccessOption> {
    fx.account
        .config
        .departments
        .iter()
        .map(|d| d.access)
        .collect()
}

#[test]
fn preset_ids() {
    let ids: Vec<&str> = [
        Preset::Helena {
            access: BTreeMap::new(),
        },
        Preset::OmniChat {
            my_finished_queue: true,
            waiting_admins_only: false,
            finished_admins_only: false,
            hide_details_until_assumed: false,
            routing: false,
        },
        Preset::Oklac,
        Preset::Opa {
            allowed_networks: Vec::new(),
        },
        Preset::Zenvia {
            shared_inbox: false,
            assignment: Assignment::Manual,
        },
    ]
    .iter()
    .map(Preset::id)
    .collect();
    assert_eq!(ids, ["helena", "omnichat", "oklac", "opa", "zenvia"]);
}

#[test]
fn helena_sets_access_per_team_and_default_queues() {
    let mut fx = Fx::new("member:2 agent").settings(ALL_OFF_DEFAULT);
    let roles = fx.account.config.roles.clone();
    let users = fx.account.users.clone();
    let before = fx.account.config.settings;
    let report = apply(
        &mut fx,
        &Preset::Helena {
            access: [
                (NORTH, AccessOption::All),
                (L2, AccessOption::Agent),
                (SALES, AccessOption::Team),
                (access::DepartmentId(77), AccessOption::All),
            ]
            .into_iter()
            .collect(),
        },
    );
    let expected = Settings {
        satisfaction_survey: true,
        ..Settings::default()
    };
    assert_eq!(fx.account.config.settings, expected);
    assert_eq!(report.settings, Some((before, expected)));
    assert_eq!(
        report.access,
        vec![
            (NORTH, AccessOption::Agent, AccessOption::All),
            (L2, AccessOption::Team, AccessOption::Agent)
        ]
    );
    assert_eq!(
        access_of(&fx),
        [
            AccessOption::Team,
            AccessOption::All,
            AccessOption::All,
            AccessOption::Agent
        ]
    );
    assert_eq!(fx.account.config.roles, roles);
    assert_eq!(fx.account.users, users, "supervisors stay memberships");
    assert!(report.roles_created.is_empty() && report.roles_removed.is_empty());
    assert_eq!(report.users_rebound, 0);
    // NORTH is now "Todos": its members see colleagues' conversations, and once finished every
    // user of the account does.
    let p = fx.me();
    assert!(p.visible(&conv(1, NORTH, Status::InProgress, Who::Other)));
    let outsider = Fx {
        account: fx.account.clone(),
    }
    .with_user(UserId(9), "agent");
    let q = outsider.principal_of(UserId(9), "127.0.0.1");
    assert!(q.visible(&conv(2, NORTH, Status::Finished, Who::Other)));
    assert!(!q.visible(&conv(3, NORTH, Status::InProgress, Who::Other)));
    // L2 is now "Atendente": members no longer see colleagues' conversations.
    let l2 = Fx {
        account: fx.account.clone(),
    }
    .with_user(UserId(9), "member:4 agent");
    let q = l2.principal_of(UserId(9), "127.0.0.1");
    assert!(!q.visible(&conv(4, L2, Status::InProgress, Who::Other)));
}

#[test]
fn helena_on_defaults_changes_nothing() {
    let mut fx = Fx::new("agent");
    let report = apply(
        &mut fx,
        &Preset::Helena {
            access: BTreeMap::new(),
        },
    );
    assert_eq!(report, PresetReport::default());
}

#[rstest]
fn omnichat_sets_the_toggles(
    #[values(false, true)] my_finished_queue: bool,
    #[values(false, true)] waiting_admins_only: bool,
    #[values(false, true)] finished_admins_only: bool,
    #[values(false, true)] hide_details_until_assumed: bool,
    #[values(false, true)] routing: bool,
) {
    let mut fx =
        Fx::new("member:1 member:2 agent").settings("shared_inbox=true satisfaction_survey=true");
    let access = access_of(&fx);
    let report = apply(
        &mut fx,
        &Preset::OmniChat {
            my_finished_queue,
            waiting_admins_only,
            finished_admins_only,
            hide_details_until_assumed,
            routing,
        },
    );
    let queue = |admins| {
        if admins {
            QueueAccess::Admins
        } else {
            QueueAccess::Members
        }
    };
    let expected = Settings {
        my_finished_queue,
        waiting_queue: queue(waiting_admins_only),
        finished_queue: queue(finished_admins_only),
        hide_details_until_assumed,
        shared_inbox: true,
        assignment: if routing {
            Assignment::Auto
        } else {
            Assignment::Manual
        },
        satisfaction_survey: true,
    };
    assert_eq!(fx.account.config.settings, expected);
    assert_eq!(
        report.settings.map(|(_, after)| after),
        (expected != settings("shared_inbox=true satisfaction_survey=true")).then_some(expected)
    );
    assert_eq!(access_of(&fx), access);
    assert!(report.access.is_empty() && report.roles_created.is_empty());
    // The toggles' effect for a member agent.
    let p = fx.me();
    assert_eq!(
        p.visible(&conv(1, SALES, Status::Waiting, Who::Nobody)),
        !waiting_admins_only
    );
    assert_eq!(
        p.visible(&conv(2, SALES, Status::Finished, Who::Other)),
        !finished_admins_only
    );
    assert_eq!(
        p.visible(&conv(3, NORTH, Status::Finished, Who::Me)),
        my_finished_queue
    );
    assert_eq!(
        p.details_visible(&conv(4, SALES, Status::Waiting, Who::Nobody)),
        !waiting_admins_only && !hide_details_until_assumed
    );
    // Admins see both queues whatever the toggles.
    let admin = Fx {
        account: fx.account.clone(),
    }
    .with_user(UserId(9), "admin");
    let a = admin.principal_of(UserId(9), "127.0.0.1");
    assert!(a.visible(&conv(1, SALES, Status::Waiting, Who::Nobody)));
    assert!(a.visible(&conv(2, SALES, Status::Finished, Who::Other)));
}

#[test]
fn oklac_keeps_agent_and_owner_only() {
    let mut fx = Fx::new("member:1 custom@1 admin")
        .custom("conversations.in_progress.view_company")
        .with_user(COLLEAGUE, "member:1 agent custom")
        .with_user(UserId(5), "admin@3");
    let before_settings = fx.account.config.settings;
    let report = apply(&mut fx, &Preset::Oklac);
    let roles: Vec<RoleId> = fx.account.config.roles.keys().copied().collect();
    assert_eq!(
        roles,
        [AGENT, ADMIN, OWNER],
        "custom roles go; built-ins stay"
    );
    assert_eq!(report.roles_removed, [CUSTOM]);
    assert!(report.roles_created.is_empty());
    assert_eq!(report.users_rebound, 3);
    assert_eq!(report.settings, None);
    assert_eq!(fx.account.config.settings, before_settings);
    let b = |role, scope| Binding { role, scope };
    assert_eq!(
        fx.user(ME).bindings,
        [b(AGENT, Scope::Department(SALES)), b(OWNER, Scope::Account)],
        "custom@1 → agent@1, admin → owner"
    );
    assert_eq!(
        fx.user(COLLEAGUE).bindings,
        [b(AGENT, Scope::Account)],
        "agent + custom → agent once"
    );
    assert_eq!(
        fx.user(UserId(5)).bindings,
        [b(OWNER, Scope::Department(SUPPORT))]
    );
    assert_eq!(fx.user(BOSS).bindings, [b(OWNER, Scope::Account)]);
    assert_eq!(fx.user(INACTIVE).bindings, [b(AGENT, Scope::Account)]);
    // Nobody holds admin any more; the former admin is now an owner ("acesso total").
    assert!(
        fx.account
            .users
            .values()
            .all(|u| u.bindings.iter().all(|b| b.role != ADMIN))
    );
    assert!(fx.me().has(Permission::RolesManage));
    // The former custom-role holder lost the company view.
    let p = fx.principal_of(COLLEAGUE, "127.0.0.1");
    assert!(!p.visible(&conv(1, NORTH, Status::InProgress, Who::Me)));
    // Applying it again changes nothing.
    let again = apply(&mut fx, &Preset::Oklac);
    assert_eq!(again, PresetReport::default());
}

#[test]
fn opa_department_access_agent_and_permission_groups() {
    let mut fx = Fx::new("member:2 custom").settings("shared_inbox=true");
    let report = apply(
        &mut fx,
        &Preset::Opa {
            allowed_networks: vec![net("10.0.0.0/8")],
        },
    );
    assert_eq!(access_of(&fx), [AccessOption::Agent; 4]);
    assert_eq!(
        report.access,
        vec![
            (SALES, AccessOption::Team, AccessOption::Agent),
            (SUPPORT, AccessOption::All, AccessOption::Agent),
            (L2, AccessOption::Team, AccessOption::Agent)
        ]
    );
    let s = fx.account.config.settings;
    assert!(!s.shared_inbox && s.satisfaction_survey);
    assert_eq!(report.settings.map(|(_, a)| a), Some(s));
    assert_eq!(report.roles_created, [RoleId(21), RoleId(22)]);
    let roles = &fx.account.config.roles;
    let agent = BuiltinRole::Agent.permissions();
    let dept = &roles[&RoleId(21)];
    assert_eq!(dept.name, OPA_DEPARTMENT_ROLE);
    assert_eq!(dept.builtin, None);
    let mut expected = agent;
    for p in [
        Permission::ConversationFinishInSurvey,
        Permission::WaitingViewDepartment,
        Permission::InProgressViewDepartment,
        Permission::FinishedViewDepartment,
    ] {
        expected.insert(p);
    }
    assert_eq!(dept.permissions, expected);
    assert_eq!(dept.allowed_networks, [net("10.0.0.0/8")]);
    let company = &roles[&RoleId(22)];
    assert_eq!(company.name, OPA_COMPANY_ROLE);
    let mut expected = agent;
    for p in [
        Permission::ConversationFinishInSurvey,
        Permission::WaitingViewCompany,
        Permission::InProgressViewCompany,
        Permission::FinishedViewCompany,
        Permission::DashboardGeneral,
        Permission::DashboardClient,
    ] {
        expected.insert(p);
    }
    assert_eq!(company.permissions, expected);
    assert_eq!(company.allowed_networks, [net("10.0.0.0/8")]);

    // Visibility through the groups: a member bound to the department group sees colleagues'
    // conversations of its department from the office only.
    let fx = fx.with_user(UserId(9), "member:2");
    let mut fx = fx;
    if let Some(u) = fx.account.users.get_mut(&UserId(9)) {
        u.bindings.push(Binding {
            role: RoleId(21),
            scope: Scope::Account,
        });
    }
    let c = conv(1, NORTH, Status::InProgress, Who::Other);
    assert!(fx.principal_of(UserId(9), "10.1.2.3").visible(&c));
    assert!(!fx.principal_of(UserId(9), "203.0.113.5").visible(&c));
    assert!(!fx.principal_of(UserId(9), "10.1.2.3").visible(&conv(
        2,
        SALES,
        Status::InProgress,
        Who::Other
    )));

    // Applying it again updates the two groups instead of creating more.
    if let Some(r) = fx.account.config.roles.get_mut(&RoleId(21)) {
        r.permissions = access::PermissionSet::EMPTY;
    }
    let n = fx.account.config.roles.len();
    let again = apply(
        &mut fx,
        &Preset::Opa {
            allowed_networks: Vec::new(),
        },
    );
    assert!(again.roles_created.is_empty() && again.access.is_empty() && again.settings.is_none());
    assert_eq!(fx.account.config.roles.len(), n);
    assert_eq!(
        fx.account.config.roles[&RoleId(21)].permissions,
        dept_permissions()
    );
    assert!(
        fx.account.config.roles[&RoleId(21)]
            .allowed_networks
            .is_empty()
    );
}

fn dept_permissions() -> access::PermissionSet {
    let mut set = BuiltinRole::Agent.permissions();
    for p in [
        Permission::ConversationFinishInSurvey,
        Permission::WaitingViewDepartment,
        Permission::InProgressViewDepartment,
        Permission::FinishedViewDepartment,
    ] {
        set.insert(p);
    }
    set
}

#[rustfmt::skip]
#[rstest]
#[case::manual_private(false, Assignment::Manual, AccessOption::Agent, QueueAccess::Members)]
#[case::manual_shared(true, Assignment::Manual, AccessOption::Team, QueueAccess::Members)]
#[case::auto_private(false, Assignment::Auto, AccessOption::Agent, QueueAccess::Admins)]
#[case::auto_shared(true, Assignment::Auto, AccessOption::Team, QueueAccess::Admins)]
fn zenvia(
    #[case] shared_inbox: bool,
    #[case] assignment: Assignment,
    #[case] access: AccessOption,
    #[case] waiting_queue: QueueAccess,
) {
    let mut fx = Fx::new("member:1 member:2 agent")
        .settings("hide_details_until_assumed=true satisfaction_survey=true");
    let before = fx.account.config.settings;
    let roles = fx.account.config.roles.clone();
    let report = apply(
        &mut fx,
        &Preset::Zenvia {
            shared_inbox,
            assignment,
        },
    );
    assert_eq!(access_of(&fx), [access; 4]);
    let s = fx.account.config.settings;
    assert_eq!(
        s,
        Settings {
            shared_inbox,
            assignment,
            waiting_queue,
            ..before
        }
    );
    assert_eq!(fx.account.config.roles, roles);
    assert!(report.roles_created.is_empty() && report.roles_removed.is_empty());
    // Agents see colleagues' conversations exactly with the shared inbox; the waiting queue
    // exactly with manual assignment.
    let p = fx.me();
    assert_eq!(
        p.visible(&conv(1, SALES, Status::InProgress, Who::Other)),
        shared_inbox
    );
    assert_eq!(
        p.visible(&conv(2, NORTH, Status::InProgress, Who::Other)),
        shared_inbox
    );
    assert_eq!(
        p.plan(Tab::Waiting)
            .matches(&conv(3, SALES, Status::Waiting, Who::Nobody)),
        assignment == Assignment::Manual
    );
}
