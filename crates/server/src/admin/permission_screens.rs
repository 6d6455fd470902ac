//! Which screen each permission opens or governs, and whether that screen exists in this
//! version: the role editor groups permissions by screen, and says plainly which ones govern a
//! feature still to come (reports, campaigns, automation...), instead of offering them as if
//! they did something today.

use access::Permission;

/// The screens, in the order the role editor shows them (those still to come last).
pub const SCREENS: &[(&str, bool)] = &[
    ("inbox", true),
    ("contacts", true),
    ("users", true),
    ("roles", true),
    ("departments", true),
    ("tags", true),
    ("settings", true),
    ("channels", true),
    ("audit", true),
    ("webhooks", true),
    ("templates", false),
    ("quick_replies", false),
    ("user_tags", false),
    ("automatic_messages", false),
    ("reports", false),
    ("campaigns", false),
    ("automation", false),
    ("hours", false),
    ("backups", false),
    ("accounts", false),
];

/// The screen `p` opens or governs.
pub fn screen(p: Permission) -> &'static str {
    use Permission as P;
    match p {
        P::ContactsView | P::ContactsEdit | P::ContactsDelete => "contacts",
        P::UsersManage | P::PasswordChangeWithoutCurrent | P::PasswordChangeOthers => "users",
        P::RolesManage => "roles",
        P::DepartmentsManage => "departments",
        P::TagsCompanyManage => "tags",
        P::TagsUserManage => "user_tags",
        P::SettingsCompany => "settings",
        P::SettingsParameters => "automatic_messages",
        P::SettingsIntegrations => "channels",
        P::SettingsWebhooks => "webhooks",
        P::TemplatesManage => "templates",
        P::QuickRepliesCompanyManage => "quick_replies",
        P::DashboardGeneral | P::DashboardClient | P::DashboardAgents => "reports",
        P::BulkSend => "campaigns",
        P::SettingsVirtualAgents => "automation",
        P::SettingsHolidays => "hours",
        P::SettingsBackups => "backups",
        P::AuditView => "audit",
        P::AccountManage => "accounts",
        _ => "inbox",
    }
}

/// Whether the screen `p` governs exists in this version.
pub fn available(p: Permission) -> bool {
    let s = screen(p);
    SCREENS.iter().any(|(id, there)| *id == s && *there)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_has_a_listed_screen() {
        for info in access::CATALOGUE {
            let s = screen(info.permission);
            assert!(SCREENS.iter().any(|(id, _)| *id == s), "{}: {s}", info.id);
        }
    }

    #[test]
    fn every_screen_has_a_name_in_both_languages() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/admin-i18n.js");
        let file = std::fs::read_to_string(path).unwrap();
        let (pt, en) = file.split_once("const en = {").unwrap();
        for (id, _) in SCREENS {
            let key = format!("'adm.screen.{id}':");
            assert!(pt.contains(&key) && en.contains(&key), "{key}");
        }
    }
}
