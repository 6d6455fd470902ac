//! What the web screens may offer a user, decided by the engine on the server: the web UI shows
//! a section, a button or a form only when its id is in `GET /api/v1/me`'s `may`, as the
//! conversation pane shows exactly the actions the server lists in `actions`. The browser keeps
//! no table of permissions; this one is the only one, and each entry is answered by
//! `Principal::decide_permission` (an allowed network, an inactive user or a missing binding
//! take an entry away as they take the permission).

use access::{Permission, Principal};

/// One thing the screens may offer, and the permissions that each allow it (any of them).
struct Offer {
    id: &'static str,
    any_of: &'static [Permission],
}

/// Every offer, in the order the administration shows its sections.
const OFFERS: &[Offer] = &[
    Offer {
        id: "admin",
        any_of: &[
            Permission::UsersManage,
            Permission::RolesManage,
            Permission::DepartmentsManage,
            Permission::TagsCompanyManage,
            Permission::SettingsCompany,
            Permission::AccountManage,
            Permission::AuditView,
            Permission::SettingsIntegrations,
            Permission::SettingsWebhooks,
        ],
    },
    Offer {
        id: "departments.edit",
        any_of: &[Permission::DepartmentsManage],
    },
    Offer {
        id: "users.open",
        any_of: &[Permission::UsersManage],
    },
    Offer {
        id: "users.password_reset",
        any_of: &[Permission::PasswordChangeOthers],
    },
    Offer {
        id: "roles.open",
        any_of: &[Permission::UsersManage, Permission::RolesManage],
    },
    Offer {
        id: "roles.edit",
        any_of: &[Permission::RolesManage],
    },
    Offer {
        id: "tags.open",
        any_of: &[Permission::TagsCompanyManage],
    },
    Offer {
        id: "settings.open",
        any_of: &[Permission::SettingsCompany, Permission::AccountManage],
    },
    Offer {
        id: "settings.edit",
        any_of: &[Permission::SettingsCompany],
    },
    Offer {
        id: "account.edit",
        any_of: &[Permission::AccountManage],
    },
    Offer {
        id: "channels.open",
        any_of: &[Permission::SettingsIntegrations],
    },
    Offer {
        id: "webhooks.open",
        any_of: &[Permission::SettingsWebhooks],
    },
    Offer {
        id: "audit.open",
        any_of: &[Permission::AuditView],
    },
    Offer {
        id: "viewers.open",
        any_of: &[Permission::UsersManage],
    },
    Offer {
        id: "conversations.start",
        any_of: &[Permission::ConversationStartUnregistered],
    },
    Offer {
        id: "contacts.open",
        any_of: &[Permission::ContactsView],
    },
    Offer {
        id: "contacts.edit",
        any_of: &[Permission::ContactsEdit],
    },
    Offer {
        id: "contacts.delete",
        any_of: &[Permission::ContactsDelete],
    },
];

/// What `principal` may be offered, in [`OFFERS`] order.
pub fn may(principal: &Principal) -> Vec<&'static str> {
    OFFERS
        .iter()
        .filter(|o| {
            o.any_of
                .iter()
                .any(|p| principal.decide_permission(*p).is_allowed())
        })
        .map(|o| o.id)
        .collect()
}
