//! The permission catalogue: every permission with a stable id, where it applies (a conversation's
//! department or the whole account), the group it is shown in, and its labels in Portuguese and
//! English. Also [`PermissionSet`], the bit set the engine computes with.

use std::fmt;

/// Where a permission takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PermissionScope {
    /// Decided per conversation: a department-scoped binding grants it inside its subtree.
    Conversation,
    /// Decided for the account: only an account-scoped binding grants it.
    Account,
}

/// The groups the articles (Opa! Suite's permission screen) show permissions in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PermissionGroup {
    /// Dashboards.
    Dashboards,
    /// Atendimentos: actions on conversations.
    Atendimentos,
    /// Atendimentos em andamento: who sees conversations in progress.
    EmAndamento,
    /// Atendimentos finalizados: who sees finished conversations.
    Finalizados,
    /// Usuários e senhas.
    UsuariosESenhas,
    /// Grupos: the department tree.
    Grupos,
    /// Integrações.
    Integracoes,
    /// Menu: the side menu's tabs.
    Menu,
}

impl PermissionGroup {
    /// Every group, in display order.
    pub const ALL: [PermissionGroup; 8] = [
        PermissionGroup::Dashboards,
        PermissionGroup::Atendimentos,
        PermissionGroup::EmAndamento,
        PermissionGroup::Finalizados,
        PermissionGroup::UsuariosESenhas,
        PermissionGroup::Grupos,
        PermissionGroup::Integracoes,
        PermissionGroup::Menu,
    ];

    /// Stable id of the group.
    pub fn id(self) -> &'static str {
        match self {
            PermissionGroup::Dashboards => "dashboards",
            PermissionGroup::Atendimentos => "atendimentos",
            PermissionGroup::EmAndamento => "em_andamento",
            PermissionGroup::Finalizados => "finalizados",
            PermissionGroup::UsuariosESenhas => "usuarios_e_senhas",
            PermissionGroup::Grupos => "grupos",
            PermissionGroup::Integracoes => "integracoes",
            PermissionGroup::Menu => "menu",
        }
    }

    /// Label in Portuguese (pt-BR).
    pub fn label_pt(self) -> &'static str {
        match self {
            PermissionGroup::Dashboards => "Dashboards",
            PermissionGroup::Atendimentos => "Atendimentos",
            PermissionGroup::EmAndamento => "Atendimentos em andamento",
            PermissionGroup::Finalizados => "Atendimentos finalizados",
            PermissionGroup::UsuariosESenhas => "Usuários e senhas",
            PermissionGroup::Grupos => "Grupos",
            PermissionGroup::Integracoes => "Integrações",
            PermissionGroup::Menu => "Menu",
        }
    }

    /// Label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            PermissionGroup::Dashboards => "Dashboards",
            PermissionGroup::Atendimentos => "Conversations",
            PermissionGroup::EmAndamento => "Conversations in progress",
            PermissionGroup::Finalizados => "Finished conversations",
            PermissionGroup::UsuariosESenhas => "Users and passwords",
            PermissionGroup::Grupos => "Groups",
            PermissionGroup::Integracoes => "Integrations",
            PermissionGroup::Menu => "Menu",
        }
    }
}

/// One entry of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PermissionInfo {
    /// The permission.
    pub permission: Permission,
    /// Stable id, as written in access test files, the API and the database.
    pub id: &'static str,
    /// Where it takes effect.
    pub scope: PermissionScope,
    /// Where the administration screen shows it.
    pub group: PermissionGroup,
    /// Label in Portuguese (pt-BR).
    pub label_pt: &'static str,
    /// Label in English.
    pub label_en: &'static str,
}

macro_rules! catalogue {
    ($( $variant:ident = $id:literal, $scope:ident, $group:ident, $pt:literal, $en:literal; )*) => {
        /// A permission of the catalogue (ACCESS-MODEL.md, "Permission catalogue").
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum Permission {
            $(
                #[doc = $en]
                $variant,
            )*
        }

        /// The whole catalogue, in the order of [`Permission`]'s variants.
        pub const CATALOGUE: &[PermissionInfo] = &[
            $(
                PermissionInfo {
                    permission: Permission::$variant,
                    id: $id,
                    scope: PermissionScope::$scope,
                    group: PermissionGroup::$group,
                    label_pt: $pt,
                    label_en: $en,
                },
            )*
        ];

        impl Permission {
            /// Every permission, in catalogue order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            /// The catalogue entry of this permission.
            pub fn info(self) -> &'static PermissionInfo {
                match self {
                    $(Permission::$variant => &PermissionInfo {
                        permission: Permission::$variant,
                        id: $id,
                        scope: PermissionScope::$scope,
                        group: PermissionGroup::$group,
                        label_pt: $pt,
                        label_en: $en,
                    },)*
                }
            }

            /// Looks a permission up by its stable id.
            pub fn from_id(id: &str) -> Option<Permission> {
                match id {
                    $($id => Some(Permission::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

catalogue! {
    ConversationAssume = "conversation.assume", Conversation, Atendimentos,
        "Assumir atendimento", "Assume a conversation";
    ConversationTransfer = "conversation.transfer", Conversation, Atendimentos,
        "Transferir atendimento", "Transfer a conversation";
    ConversationChangeDepartment = "conversation.change_department", Conversation, Atendimentos,
        "Alterar departamento", "Change a conversation's department";
    ConversationFinish = "conversation.finish", Conversation, Atendimentos,
        "Finalizar atendimento", "Finish a conversation";
    ConversationFinishInSurvey = "conversation.finish_in_survey", Conversation, Atendimentos,
        "Finalizar atendimento em pesquisa de satisfação", "Finish a conversation in satisfaction survey";
    ConversationReopen = "conversation.reopen", Conversation, Atendimentos,
        "Reabrir atendimento", "Reopen a finished conversation";
    ConversationManageAny = "conversation.manage_any", Conversation, Atendimentos,
        "Gerenciar qualquer atendimento", "Manage any conversation";
    ConversationViewDetailsUnassigned = "conversation.view_details_unassigned", Conversation, Atendimentos,
        "Ver informações de atendimentos não assumidos", "See details of unassigned conversations";
    TagAttach = "tag.attach", Conversation, Atendimentos,
        "Vincular etiquetas", "Attach tags";
    TagDetach = "tag.detach", Conversation, Atendimentos,
        "Remover etiquetas", "Remove tags";
    ContactLink = "contact.link", Conversation, Atendimentos,
        "Vincular ou desvincular clientes", "Link or unlink contacts";
    WaitingViewDepartment = "conversations.waiting.view_department", Conversation, Atendimentos,
        "Atendimentos aguardando: departamento", "Waiting conversations: department";
    WaitingViewCompany = "conversations.waiting.view_company", Conversation, Atendimentos,
        "Atendimentos aguardando: empresa", "Waiting conversations: company";
    InProgressViewDepartment = "conversations.in_progress.view_department", Conversation, EmAndamento,
        "Atendimentos em andamento: departamento", "Conversations in progress: department";
    InProgressViewCompany = "conversations.in_progress.view_company", Conversation, EmAndamento,
        "Atendimentos em andamento: empresa", "Conversations in progress: company";
    FinishedViewDepartment = "conversations.finished.view_department", Conversation, Finalizados,
        "Atendimentos finalizados: departamento", "Finished conversations: department";
    FinishedViewCompany = "conversations.finished.view_company", Conversation, Finalizados,
        "Atendimentos finalizados: empresa", "Finished conversations: company";
    ConversationStartUnregistered = "conversation.start_unregistered", Account, Atendimentos,
        "Chamar contato não cadastrado", "Start a conversation with an unregistered contact";
    ContactsEdit = "contacts.edit", Account, Menu,
        "Editar contatos", "Edit contacts";
    ContactsDelete = "contacts.delete", Account, Menu,
        "Excluir contatos", "Delete contacts";
    ContactsView = "contacts.view", Account, Menu,
        "Leads/Contatos: ver a lista de contatos", "View the contacts list";
    QuickRepliesCompanyManage = "quick_replies.company.manage", Account, Menu,
        "Respostas rápidas da empresa", "Company quick replies";
    TemplatesManage = "templates.manage", Account, Integracoes,
        "Modelos de mensagem do WhatsApp", "WhatsApp message templates";
    DashboardGeneral = "dashboard.general", Account, Dashboards,
        "Dashboard geral", "General dashboard";
    DashboardClient = "dashboard.client", Account, Dashboards,
        "Dashboard cliente", "Client dashboard";
    DashboardAgents = "dashboard.agents", Account, Dashboards,
        "Painel de agentes", "Agents dashboard";
    BulkSend = "bulk_send", Account, Menu,
        "Envio em massa", "Bulk send";
    UsersManage = "users.manage", Account, Menu,
        "Usuários", "Manage users";
    RolesManage = "roles.manage", Account, Menu,
        "Permissões", "Manage roles and permissions";
    DepartmentsManage = "departments.manage", Account, Grupos,
        "Departamentos", "Manage departments";
    TagsCompanyManage = "tags.company.manage", Account, Menu,
        "Etiquetas da empresa", "Company tags";
    TagsUserManage = "tags.user.manage", Account, Menu,
        "Etiquetas de usuário", "User tags";
    SettingsCompany = "settings.company", Account, Menu,
        "Empresa", "Company settings";
    SettingsParameters = "settings.parameters", Account, Menu,
        "Parâmetros", "Parameters";
    SettingsHolidays = "settings.holidays", Account, Menu,
        "Feriados", "Holidays";
    SettingsIntegrations = "settings.integrations", Account, Integracoes,
        "Integrações", "Integrations";
    SettingsWebhooks = "settings.webhooks", Account, Integracoes,
        "Webhooks", "Webhooks";
    SettingsVirtualAgents = "settings.virtual_agents", Account, Menu,
        "Agentes virtuais", "Virtual agents";
    SettingsBackups = "settings.backups", Account, Integracoes,
        "Backups", "Backups";
    PasswordChangeWithoutCurrent = "user.password.change_without_current", Account, UsuariosESenhas,
        "Alterar senha sem a confirmação da senha atual", "Change own password without the current one";
    PasswordChangeOthers = "user.password.change_others", Account, UsuariosESenhas,
        "Alterar senha de todos os usuários", "Change other users' passwords";
    AuditView = "audit.view", Account, Menu,
        "Registro de auditoria", "Audit log";
    AccountManage = "account.manage", Account, Menu,
        "Gerenciar a conta", "Manage the account";
}

impl Permission {
    /// Stable id, such as `conversation.assume`.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// Where the permission takes effect.
    pub fn scope(self) -> PermissionScope {
        self.info().scope
    }

    fn bit(self) -> u64 {
        1u64 << (self as u8)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A set of permissions, as a bit set (the catalogue has fewer than 64 entries).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(u64);

impl PermissionSet {
    /// No permission.
    pub const EMPTY: PermissionSet = PermissionSet(0);

    /// Every permission of the catalogue.
    pub fn all() -> PermissionSet {
        Permission::ALL.iter().copied().collect()
    }

    /// Whether `p` is in the set.
    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    /// Adds `p`.
    pub fn insert(&mut self, p: Permission) {
        self.0 |= p.bit();
    }

    /// Removes `p`.
    pub fn remove(&mut self, p: Permission) {
        self.0 &= !p.bit();
    }

    /// The union of both sets.
    #[must_use]
    pub fn union(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 | other.0)
    }

    /// The permissions of `self` that are not in `other`.
    #[must_use]
    pub fn difference(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 & !other.0)
    }

    /// Whether every permission of `self` is in `other`.
    pub fn is_subset(self, other: PermissionSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Number of permissions in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The permissions, in catalogue order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = PermissionSet::EMPTY;
        for p in iter {
            set.insert(p);
        }
        set
    }
}

impl fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(Permission::id))
            .finish()
    }
}

/// The built-in roles every account has (ACCESS-MODEL.md, "Built-in roles").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BuiltinRole {
    /// Agent ("Consultor", OKLAC's "usuário").
    Agent,
    /// Admin ("Administrador de Dashboard"): everything but roles and the account.
    Admin,
    /// Owner (OKLAC's "administrador"): every permission.
    Owner,
}

impl BuiltinRole {
    /// The three built-in roles.
    pub const ALL: [BuiltinRole; 3] = [BuiltinRole::Agent, BuiltinRole::Admin, BuiltinRole::Owner];

    /// Stable id: `agent`, `admin`, `owner`.
    pub fn id(self) -> &'static str {
        match self {
            BuiltinRole::Agent => "agent",
            BuiltinRole::Admin => "admin",
            BuiltinRole::Owner => "owner",
        }
    }

    /// Looks a built-in role up by id.
    pub fn from_id(id: &str) -> Option<BuiltinRole> {
        BuiltinRole::ALL.into_iter().find(|r| r.id() == id)
    }

    /// Label in Portuguese (pt-BR).
    pub fn label_pt(self) -> &'static str {
        match self {
            BuiltinRole::Agent => "Atendente",
            BuiltinRole::Admin => "Administrador",
            BuiltinRole::Owner => "Proprietário",
        }
    }

    /// Label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            BuiltinRole::Agent => "Agent",
            BuiltinRole::Admin => "Admin",
            BuiltinRole::Owner => "Owner",
        }
    }

    /// The role's permissions.
    pub fn permissions(self) -> PermissionSet {
        use Permission as P;
        match self {
            // Zenvia: an agent answers conversations but neither edits nor deletes contacts.
            BuiltinRole::Agent => [
                P::ConversationAssume,
                P::ConversationTransfer,
                P::ConversationChangeDepartment,
                P::ConversationFinish,
                P::ConversationReopen,
                P::TagAttach,
                P::TagDetach,
                P::ContactLink,
                P::ConversationStartUnregistered,
            ]
            .into_iter()
            .collect(),
            // Zenvia's Admin has no access to "Grupos & usuários" structure of roles nor the account.
            BuiltinRole::Admin => {
                let mut set = PermissionSet::all();
                set.remove(P::RolesManage);
                set.remove(P::AccountManage);
                set
            }
            BuiltinRole::Owner => PermissionSet::all(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_in_variant_order_with_unique_ids() {
        assert_eq!(CATALOGUE.len(), Permission::ALL.len());
        assert!(CATALOGUE.len() < 64);
        for (i, info) in CATALOGUE.iter().enumerate() {
            assert_eq!(info.permission as usize, i);
            assert_eq!(Permission::from_id(info.id), Some(info.permission));
            assert_eq!(info.permission.info(), info);
            assert!(!info.label_pt.is_empty() && !info.label_en.is_empty());
        }
        let mut ids: Vec<_> = CATALOGUE.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOGUE.len());
    }

    #[test]
    fn builtin_roles_match_the_model() {
        let agent = BuiltinRole::Agent.permissions();
        assert_eq!(agent.len(), 9);
        assert!(!agent.contains(Permission::ContactsEdit));
        assert!(!agent.contains(Permission::ContactsDelete));
        assert!(!agent.contains(Permission::ConversationFinishInSurvey));
        let admin = BuiltinRole::Admin.permissions();
        assert_eq!(admin.len(), Permission::ALL.len() - 2);
        assert!(!admin.contains(Permission::RolesManage));
        assert!(!admin.contains(Permission::AccountManage));
        assert!(agent.is_subset(admin));
        assert!(admin.is_subset(BuiltinRole::Owner.permissions()));
        assert_eq!(BuiltinRole::Owner.permissions(), PermissionSet::all());
    }

    #[test]
    fn set_operations() {
        let a: PermissionSet = [Permission::TagAttach, Permission::AuditView]
            .into_iter()
            .collect();
        let b: PermissionSet = [Permission::TagAttach].into_iter().collect();
        assert!(b.is_subset(a));
        assert!(!a.is_subset(b));
        assert_eq!(
            a.difference(b).iter().collect::<Vec<_>>(),
            vec![Permission::AuditView]
        );
        assert_eq!(format!("{a:?}"), r#"{"tag.attach", "audit.view"}"#);
    }
}
