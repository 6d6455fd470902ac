//! The five platforms as presets (ACCESS-MODEL.md, "The five platforms as presets"): functions
//! that configure an account the way each platform behaves. Each returns what it changed, so an
//! administrator (and the audit log) sees the effect.

use std::collections::BTreeMap;

use crate::ids::{DepartmentId, RoleId};
use crate::model::{AccessOption, Account, Assignment, Binding, QueueAccess, Role, Settings};
use crate::net::IpNet;
use crate::permission::{BuiltinRole, Permission, PermissionSet};

/// A platform preset with its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preset {
    /// HelenaCRM: each team's access option chosen per team; supervisors by membership.
    Helena {
        /// Access option per department; departments not listed keep theirs.
        access: BTreeMap<DepartmentId, AccessOption>,
    },
    /// OmniChat: the three queue toggles and routing.
    OmniChat {
        /// (a) "Habilitar fila Meus Finalizados".
        my_finished_queue: bool,
        /// (b) Aguardando only for administrators.
        waiting_admins_only: bool,
        /// (b) Finalizados only for administrators.
        finished_admins_only: bool,
        /// (c) hide details until assumed.
        hide_details_until_assumed: bool,
        /// Routing on (`assignment = auto`).
        routing: bool,
    },
    /// OKLAC Chat: only "usuário" (agent) and "administrador" (owner).
    Oklac,
    /// Opa! Suite: access `agent` everywhere, visibility through permission groups.
    Opa {
        /// Allowed networks of the two permission groups the preset creates (empty: anywhere).
        allowed_networks: Vec<IpNet>,
    },
    /// Zenvia Conversion: access `agent` unless the shared inbox is on; manual assignment opens
    /// the waiting queue to members.
    Zenvia {
        /// "Caixa de Entrada Compartilhada".
        shared_inbox: bool,
        /// Manual or automatic assignment.
        assignment: Assignment,
    },
}

/// Names of the roles the Opa! preset creates.
pub const OPA_DEPARTMENT_ROLE: &str = "Atendente (departamento)";
/// See [`OPA_DEPARTMENT_ROLE`].
pub const OPA_COMPANY_ROLE: &str = "Supervisor (empresa)";

/// What a preset changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PresetReport {
    /// Settings before and after.
    pub settings: Option<(Settings, Settings)>,
    /// Departments whose access changed: (department, before, after).
    pub access: Vec<(DepartmentId, AccessOption, AccessOption)>,
    /// Roles created.
    pub roles_created: Vec<RoleId>,
    /// Roles removed.
    pub roles_removed: Vec<RoleId>,
    /// Users whose bindings changed.
    pub users_rebound: usize,
}

impl Preset {
    /// The preset's id: `helena`, `omnichat`, `oklac`, `opa`, `zenvia`.
    pub fn id(&self) -> &'static str {
        match self {
            Preset::Helena { .. } => "helena",
            Preset::OmniChat { .. } => "omnichat",
            Preset::Oklac => "oklac",
            Preset::Opa { .. } => "opa",
            Preset::Zenvia { .. } => "zenvia",
        }
    }

    /// Configures `account` as the platform does. `next_role_id` gives ids to roles it creates.
    pub fn apply(
        &self,
        account: &mut Account,
        next_role_id: &mut dyn FnMut() -> RoleId,
    ) -> PresetReport {
        let mut report = PresetReport::default();
        let before = account.config.settings;
        let mut settings = before;
        match self {
            Preset::Helena { access } => {
                // HelenaCRM's queues behave like the model's defaults; visibility is per team.
                settings = Settings {
                    satisfaction_survey: before.satisfaction_survey,
                    ..Settings::default()
                };
                for (d, a) in access {
                    set_access(account, *d, *a, &mut report);
                }
            }
            Preset::OmniChat {
                my_finished_queue,
                waiting_admins_only,
                finished_admins_only,
                hide_details_until_assumed,
                routing,
            } => {
                settings.my_finished_queue = *my_finished_queue;
                settings.waiting_queue = if *waiting_admins_only {
                    QueueAccess::Admins
                } else {
                    QueueAccess::Members
                };
                settings.finished_queue = if *finished_admins_only {
                    QueueAccess::Admins
                } else {
                    QueueAccess::Members
                };
                settings.hide_details_until_assumed = *hide_details_until_assumed;
                settings.assignment = if *routing {
                    Assignment::Auto
                } else {
                    Assignment::Manual
                };
            }
            Preset::Oklac => oklac(account, &mut report),
            Preset::Opa { allowed_networks } => {
                let ids: Vec<_> = account.config.departments.iter().map(|d| d.id).collect();
                for d in ids {
                    set_access(account, d, AccessOption::Agent, &mut report);
                }
                settings.shared_inbox = false;
                settings.satisfaction_survey = true;
                let agent = BuiltinRole::Agent
                    .permissions()
                    .union(permissions([Permission::ConversationFinishInSurvey]));
                let department = agent.union(permissions([
                    Permission::WaitingViewDepartment,
                    Permission::InProgressViewDepartment,
                    Permission::FinishedViewDepartment,
                ]));
                let company = agent.union(permissions([
                    Permission::WaitingViewCompany,
                    Permission::InProgressViewCompany,
                    Permission::FinishedViewCompany,
                    Permission::DashboardGeneral,
                    Permission::DashboardClient,
                ]));
                for (name, perms) in [
                    (OPA_DEPARTMENT_ROLE, department),
                    (OPA_COMPANY_ROLE, company),
                ] {
                    let existing = account
                        .config
                        .roles
                        .values_mut()
                        .find(|r| r.builtin.is_none() && r.name == name);
                    match existing {
                        Some(role) => {
                            role.permissions = perms;
                            role.allowed_networks.clone_from(allowed_networks);
                        }
                        None => {
                            let id = next_role_id();
                            account.config.roles.insert(
                                id,
                                Role {
                                    id,
                                    name: name.to_owned(),
                                    builtin: None,
                                    permissions: perms,
                                    allowed_networks: allowed_networks.clone(),
                                },
                            );
                            report.roles_created.push(id);
                        }
                    }
                }
            }
            Preset::Zenvia {
                shared_inbox,
                assignment,
            } => {
                let access = if *shared_inbox {
                    AccessOption::Team
                } else {
                    AccessOption::Agent
                };
                let ids: Vec<_> = account.config.departments.iter().map(|d| d.id).collect();
                for d in ids {
                    set_access(account, d, access, &mut report);
                }
                settings.shared_inbox = *shared_inbox;
                settings.assignment = *assignment;
                settings.waiting_queue = match assignment {
                    Assignment::Manual => QueueAccess::Members,
                    Assignment::Auto => QueueAccess::Admins,
                };
            }
        }
        account.config.settings = settings;
        if settings != before {
            report.settings = Some((before, settings));
        }
        report
    }
}

fn permissions<const N: usize>(ps: [Permission; N]) -> PermissionSet {
    ps.into_iter().collect()
}

fn set_access(
    account: &mut Account,
    d: DepartmentId,
    access: AccessOption,
    report: &mut PresetReport,
) {
    let Some(before) = account.config.departments.get(d).map(|x| x.access) else {
        return;
    };
    if before != access && account.config.departments.set_access(d, access) {
        report.access.push((d, before, access));
    }
}

/// OKLAC: custom roles go; their bindings become `agent` bindings of the same scope, and `admin`
/// bindings become `owner` (OKLAC's administrator "tem acesso total").
fn oklac(account: &mut Account, report: &mut PresetReport) {
    let config = &mut account.config;
    let (Some(agent), Some(admin), Some(owner)) = (
        config.builtin_role(BuiltinRole::Agent),
        config.builtin_role(BuiltinRole::Admin),
        config.builtin_role(BuiltinRole::Owner),
    ) else {
        return;
    };
    let custom: Vec<RoleId> = config
        .roles
        .values()
        .filter(|r| r.builtin.is_none())
        .map(|r| r.id)
        .collect();
    for id in &custom {
        config.roles.remove(id);
    }
    report.roles_removed = custom.clone();
    for user in account.users.values_mut() {
        let before = user.bindings.clone();
        let mut after: Vec<Binding> = before
            .iter()
            .map(|b| {
                let role = if b.role == admin {
                    owner
                } else if custom.contains(&b.role) {
                    agent
                } else {
                    b.role
                };
                Binding {
                    role,
                    scope: b.scope,
                }
            })
            .collect();
        after.sort();
        after.dedup();
        if after != before {
            user.bindings = after;
            report.users_rebound += 1;
        }
    }
}
