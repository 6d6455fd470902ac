//! Contacts, the use cases (ACCESS-MODEL v2, "Contacts"). Every read asks the engine's
//! `contact_visible` (a contact the user may not see is "not found", exactly like one that does
//! not exist); every change asks its permission: `contacts.edit` to edit, merge or import,
//! `contacts.delete` to erase.
//!
//! Decisions of this implementation where the model is silent (docs/contacts.md):
//! - Creating a contact, importing, and giving a contact a phone need `contacts.view` besides
//!   `contacts.edit`: a phone names a person in the whole account, so a conflict with another
//!   contact's phone would reveal a contact the user may not see. With the list, every contact
//!   is visible and the conflict names it.
//! - Merging needs both contacts visible; the one kept is the one asked on.

use crate::error_codes as codes;
use access::{ConversationId, Permission};
use store::{ContactRecord, ContactWrite, StoreError};

use super::{Acting, Ctx};
use crate::error::{ApiError, require};

/// The contact `id` as `who` may see it, or "not found".
pub async fn visible(ctx: &Ctx<'_>, who: Acting<'_>, id: i64) -> Result<ContactRecord, ApiError> {
    let conversations = ctx
        .store
        .inbox()
        .contact_conversations(who.account, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !who.principal.contact_visible(&conversations) {
        return Err(ApiError::not_found());
    }
    ctx.store
        .contacts()
        .get(who.account, id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// The conversations of a visible contact that `who` sees, newest activity first.
pub async fn history(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    id: i64,
) -> Result<Vec<store::ConversationRow>, ApiError> {
    visible(ctx, who, id).await?;
    let conversations = ctx
        .store
        .inbox()
        .contact_conversations(who.account, id)
        .await?
        .unwrap_or_default();
    let ids: Vec<ConversationId> = conversations
        .iter()
        .filter(|c| who.principal.visible(c))
        .map(|c| c.id)
        .collect();
    let mut rows = ctx
        .store
        .conversations()
        .conversation_rows(who.account, &ids)
        .await?;
    rows.sort_by_key(|r| std::cmp::Reverse((r.record.last_activity, r.record.conversation.id.0)));
    Ok(rows)
}

/// A stored conflict in words: another contact has the phone, or a tag is unknown.
fn write_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict {
            code: "phone_taken",
            ..
        } => ApiError::conflict_because(
            codes::PHONE_TAKEN,
            "another contact has this phone: open it, or merge the two contacts",
        ),
        StoreError::NotFound("tag") => ApiError::bad_request(
            codes::UNKNOWN_TAG,
            "`tags` names a tag the account does not have: create it under Tags first",
        ),
        other => other.into(),
    }
}

/// A new contact: `contacts.edit` and `contacts.view`.
pub async fn create(ctx: &Ctx<'_>, who: Acting<'_>, c: &ContactWrite) -> Result<i64, ApiError> {
    require(&who.principal.decide_permission(Permission::ContactsEdit))?;
    require(&who.principal.decide_permission(Permission::ContactsView))?;
    let now = ctx.clock.now_micros();
    ctx.store
        .contacts()
        .create(who.account, c, now)
        .await
        .map_err(write_error)
}

/// Whether `who` may change contacts (`contacts.edit`), asked before the body is read.
pub fn may_edit(who: Acting<'_>) -> Result<(), ApiError> {
    require(&who.principal.decide_permission(Permission::ContactsEdit))
}

/// Whether `who` may erase contacts (`contacts.delete`).
pub fn may_delete(who: Acting<'_>) -> Result<(), ApiError> {
    require(&who.principal.decide_permission(Permission::ContactsDelete))
}

/// Changes a visible contact (`contacts.edit`; a new phone also `contacts.view`). Answers the
/// contact before the change.
pub async fn update(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    id: i64,
    c: &ContactWrite,
) -> Result<ContactRecord, ApiError> {
    let before = visible(ctx, who, id).await?;
    may_edit(who)?;
    if c.phone.is_some() && c.phone != before.phone {
        require(&who.principal.decide_permission(Permission::ContactsView))?;
    }
    let now = ctx.clock.now_micros();
    ctx.store
        .contacts()
        .update(who.account, id, c, now)
        .await
        .map_err(write_error)?;
    Ok(before)
}

/// Merges the visible contact `from` into the visible contact `keep` (`contacts.edit`).
pub async fn merge(ctx: &Ctx<'_>, who: Acting<'_>, keep: i64, from: i64) -> Result<(), ApiError> {
    visible(ctx, who, keep).await?;
    visible(ctx, who, from).await?;
    may_edit(who)?;
    if keep == from {
        return Err(ApiError::bad_request(
            codes::SAME_CONTACT,
            "a contact cannot be merged into itself: choose another contact",
        ));
    }
    let now = ctx.clock.now_micros();
    ctx.store
        .contacts()
        .merge(who.account, keep, from, now)
        .await
        .map_err(write_error)
}

/// Erases a visible contact's personal data (`contacts.delete`), its files included (deleted
/// from the file store once the erasure is committed; a file that cannot be deleted is logged
/// and left to the operator, the database no longer names it). Answers the contact as it was.
pub async fn erase(ctx: &Ctx<'_>, who: Acting<'_>, id: i64) -> Result<ContactRecord, ApiError> {
    let before = visible(ctx, who, id).await?;
    may_delete(who)?;
    let now = ctx.clock.now_micros();
    let keys = ctx.store.contacts().erase(who.account, id, now).await?;
    for key in keys {
        if let Err(e) = ctx.files.delete(&key).await {
            tracing::warn!(error = %e, key, "an erased contact's file could not be deleted from the file store");
        }
    }
    Ok(before)
}

/// Imports checked rows, all or nothing (`contacts.edit` and `contacts.view`).
pub async fn import(
    ctx: &Ctx<'_>,
    who: Acting<'_>,
    rows: &[ContactWrite],
) -> Result<store::Imported, ApiError> {
    require(&who.principal.decide_permission(Permission::ContactsEdit))?;
    require(&who.principal.decide_permission(Permission::ContactsView))?;
    let now = ctx.clock.now_micros();
    ctx.store
        .contacts()
        .import(who.account, rows, now)
        .await
        .map_err(write_error)
}
