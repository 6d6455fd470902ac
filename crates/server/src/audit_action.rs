//! The catalogue of audit actions: every `action` an audit row may carry, with its label in
//! both languages, built like the permission catalogue (`access::permission`). A capability
//! adds its actions here, in one line each; the administration screen reads the labels from
//! `GET /api/v1/audit/actions` instead of keeping its own list.

use serde::Serialize;
use utoipa::ToSchema;

/// One entry of the catalogue, as the API shows it.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct AuditActionInfo {
    /// Stable id, as stored in the audit log (`department.create`).
    pub id: &'static str,
    /// Label in Portuguese (pt-BR).
    pub label_pt: &'static str,
    /// Label in English.
    pub label_en: &'static str,
}

macro_rules! audit_actions {
    ($( $variant:ident = $id:literal, $pt:literal, $en:literal; )*) => {
        /// What an audit row records.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $(
                #[doc = $en]
                $variant,
            )*
        }

        impl AuditAction {
            /// Every action, in catalogue order.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The catalogue entry.
            pub const fn info(self) -> AuditActionInfo {
                match self {
                    $(AuditAction::$variant => AuditActionInfo { id: $id, label_pt: $pt, label_en: $en },)*
                }
            }

            /// Looks an action up by its stable id.
            pub fn from_id(id: &str) -> Option<AuditAction> {
                match id {
                    $($id => Some(AuditAction::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

impl AuditAction {
    /// The stable id stored in the audit log.
    pub const fn id(self) -> &'static str {
        self.info().id
    }
}

audit_actions! {
    AccountCreate = "account.create", "conta criada", "account created";
    AccountUpdate = "account.update", "conta alterada", "account changed";
    DepartmentCreate = "department.create", "departamento criado", "department created";
    DepartmentUpdate = "department.update", "departamento alterado", "department changed";
    DepartmentDelete = "department.delete", "departamento excluído", "department deleted";
    UserList = "user.list", "lista de usuários consultada", "user list read";
    UserCreate = "user.create", "usuário criado", "user created";
    UserUpdate = "user.update", "usuário alterado", "user changed";
    UserPasswordReset = "user.password.reset", "senha de usuário redefinida", "user's password reset";
    UserPasswordChange = "user.password.change", "senha própria alterada", "own password changed";
    UserRoutingRead = "user.routing.read", "limite de atendimentos consultado", "conversation limit read";
    UserRouting = "user.routing", "limite de atendimentos alterado", "conversation limit changed";
    RoleList = "role.list", "lista de papéis consultada", "role list read";
    RoleCreate = "role.create", "papel criado", "role created";
    RoleUpdate = "role.update", "papel alterado", "role changed";
    RoleDelete = "role.delete", "papel excluído", "role deleted";
    SettingsUpdate = "settings.update", "configurações alteradas", "settings changed";
    PresetApply = "preset.apply", "predefinição aplicada", "preset applied";
    PresetPreview = "preset.preview", "prévia de predefinição", "preset previewed";
    PresetUndo = "preset.undo", "predefinição desfeita", "preset undone";
    RoutingUpdate = "routing.update", "distribuição automática alterada", "automatic assignment changed";
    ChannelList = "channel.list", "lista de canais consultada", "channel list read";
    ChannelCreate = "channel.create", "canal criado", "channel created";
    ChannelUpdate = "channel.update", "canal alterado", "channel changed";
    ChannelDelete = "channel.delete", "canal excluído", "channel deleted";
    ChannelTest = "channel.test", "conexão do canal testada", "channel connection tested";
    WebhookList = "webhook.list", "lista de webhooks consultada", "webhook list read";
    WebhookCreate = "webhook.create", "webhook criado", "webhook created";
    WebhookUpdate = "webhook.update", "webhook alterado", "webhook changed";
    WebhookDelete = "webhook.delete", "webhook excluído", "webhook deleted";
    WebhookDeliveries = "webhook.deliveries", "entregas de webhook consultadas", "webhook deliveries read";
    WebhookTest = "webhook.test", "evento de teste enviado ao webhook", "test event sent to a webhook";
    WebhookRedeliver = "webhook.redeliver", "entrega de webhook reenviada", "webhook delivery sent again";
    TagCreate = "tag.create", "etiqueta da empresa criada", "company tag created";
    TagDelete = "tag.delete", "etiqueta da empresa removida", "company tag removed";
    TagUpdate = "tag.update", "etiqueta da empresa renomeada ou recolorida", "company tag renamed or recoloured";
    TagMerge = "tag.merge", "etiqueta da empresa mesclada com outra", "company tag merged into another";
    ContactCreate = "contact.create", "contato criado", "contact created";
    ContactUpdate = "contact.update", "contato alterado", "contact changed";
    ContactMerge = "contact.merge", "contatos mesclados", "contacts merged";
    ContactErase = "contact.erase", "dados pessoais de um contato apagados", "contact's personal data erased";
    ContactImport = "contact.import", "contatos importados (CSV)", "contacts imported (CSV)";
    ContactExport = "contact.export", "contatos exportados (CSV)", "contacts exported (CSV)";
    TokenCreate = "token.create", "token de API criado", "API token created";
    TokenRevoke = "token.revoke", "token de API revogado", "API token revoked";
    AuditList = "audit.list", "registro de auditoria consultado", "audit log read";
    AccessViewers = "access.viewers", "consulta: quem vê uma conversa", "query: who sees a conversation";
    AccessUserSees = "access.user_sees", "consulta: o que um usuário vê", "query: what a user sees";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_found_again() {
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert!(seen.insert(a.id()), "{} twice", a.id());
            assert_eq!(AuditAction::from_id(a.id()), Some(*a));
            assert!(!a.info().label_pt.is_empty() && !a.info().label_en.is_empty());
        }
        assert_eq!(AuditAction::from_id("nothing.such"), None);
    }
}
