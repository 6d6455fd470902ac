//! v2 `contact_visible(U, K)` (ACCESS-MODEL.md, "Contacts"): the contacts list's permission,
//! or a conversation of the contact whose details the user sees. Anything that names a contact
//! (linking, profile, history, search, export) asks this and answers "not found" when it is
//! false, exactly as for a contact that does not exist.

use crate::model::Conversation;
use crate::permission::Permission;
use crate::principal::Principal;

impl Principal {
    /// `contact_visible(U, K)`, given every conversation of the contact K (of any account:
    /// those of another account never count).
    pub fn contact_visible<'a>(
        &self,
        conversations: impl IntoIterator<Item = &'a Conversation>,
    ) -> bool {
        self.has(Permission::ContactsView)
            || conversations.into_iter().any(|c| self.details_visible(c))
    }
}

/// Which contacts a principal may see, as the store compiles it: the whole account with
/// `contacts.view`, else the contacts of the conversations whose details it sees (the terms of
/// [`Principal::details_plan`] over every tab: the tabs split all conversations by status and
/// assignee, so their union is `details_visible`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactScope {
    /// The account.
    pub account: crate::AccountId,
    /// Every contact of the account (`contacts.view`).
    pub all: bool,
    /// Otherwise, the conversations that make a contact visible.
    pub through: crate::Plan,
}

impl ContactScope {
    /// Whether a contact with these conversations (of any account) is in the scope: the same
    /// answer as [`Principal::contact_visible`], from the plan.
    pub fn matches<'a>(&self, conversations: impl IntoIterator<Item = &'a Conversation>) -> bool {
        self.all || conversations.into_iter().any(|c| self.through.matches(c))
    }

    /// Whether no contact can be in the scope.
    pub fn is_empty(&self) -> bool {
        !self.all && self.through.is_empty()
    }
}

impl Principal {
    /// The contacts this principal sees, as a scope the store compiles.
    pub fn contact_scope(&self) -> ContactScope {
        let all = self.has(Permission::ContactsView);
        let mut terms = Vec::new();
        if !all {
            for tab in [
                crate::Tab::Mine,
                crate::Tab::Waiting,
                crate::Tab::Others,
                crate::Tab::Finished,
            ] {
                terms.extend(self.details_plan(tab).plan().terms.iter().cloned());
            }
        }
        ContactScope {
            account: self.account,
            all,
            through: crate::Plan {
                account: self.account,
                terms,
            },
        }
    }
}
