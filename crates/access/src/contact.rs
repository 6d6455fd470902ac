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
