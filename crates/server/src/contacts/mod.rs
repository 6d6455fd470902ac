//! Contacts: the address book, a capability of its own, readable alone.
//! - [`read`]: `GET /api/v1/contacts` (search and pages), one contact, and a contact's
//!   conversations (their history, only those the caller sees);
//! - [`write`]: create, change, merge, erase;
//! - [`start`]: a conversation started with a contact or a number (the agent writes first);
//! - [`csv`]: import (a preview with every row's errors, then all rows or none) and the
//!   streamed, audited export.
//!
//! Access (ACCESS-MODEL v2, "Contacts") is the engine's: [`crate::app::contacts`] asks
//! `contact_visible` for anything that names a contact and answers "not found" otherwise, and
//! the listing is compiled from the principal's contact scope. Phones are E.164 (`atende-phone`)
//! and shown formatted (`phone_display`).

pub mod csv;
pub mod read;
pub mod start;
pub mod write;

use crate::error_codes as codes;
use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// A contact.
#[derive(Serialize, ToSchema)]
pub struct ContactView {
    /// Contact id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Phone in E.164 (`+5585988511238`), or the generic channel's id of the contact.
    pub phone: Option<String>,
    /// The phone as people read it (`+55 85 98851-1238`).
    pub phone_display: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Custom attributes.
    pub attributes: BTreeMap<String, String>,
    /// Contact tags.
    pub tags: Vec<String>,
    /// Created, µs since the epoch.
    pub created_at: i64,
    /// Last changed by a user, µs since the epoch.
    pub updated_at: Option<i64>,
}

impl From<store::ContactRecord> for ContactView {
    fn from(c: store::ContactRecord) -> ContactView {
        let phone_display = c.phone.as_deref().map(phone::display_key);
        ContactView {
            id: c.id,
            name: phone::shown_name(c.name, c.phone.as_deref()),
            phone_display,
            phone: c.phone,
            email: c.email,
            attributes: c.attributes,
            tags: c.tags,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// The audit view of a contact (what changed, for the log).
pub(crate) fn audit_view(c: &ContactView) -> serde_json::Value {
    serde_json::json!({
        "id": c.id, "name": c.name, "phone": c.phone, "email": c.email,
        "attributes": c.attributes, "tags": c.tags,
    })
}

/// A page cursor: `<id>.<folded name, base64url>`.
pub(crate) fn encode_cursor(c: &store::ContactCursor) -> String {
    format!(
        "{}.{}",
        c.id,
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(c.sort_name.as_bytes())
    )
}

pub(crate) fn decode_cursor(s: &str) -> Result<store::ContactCursor, ApiError> {
    let bad = || {
        ApiError::bad_request(
            codes::BAD_CURSOR,
            "`cursor` must be a `next_cursor` given by a previous page",
        )
    };
    let (id, name) = s.split_once('.').ok_or_else(bad)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(name)
        .map_err(|_| bad())?;
    Ok(store::ContactCursor {
        id: id.parse().map_err(|_| bad())?,
        sort_name: String::from_utf8(bytes).map_err(|_| bad())?,
    })
}

/// The contacts routes, registered once in [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(read::list, write::create))
        .routes(utoipa_axum::routes!(read::get, write::update, write::erase))
        .routes(utoipa_axum::routes!(read::history, start::with_contact))
        .routes(utoipa_axum::routes!(start::with_number))
        .routes(utoipa_axum::routes!(write::merge))
        .routes(utoipa_axum::routes!(csv::import))
        .routes(utoipa_axum::routes!(csv::export))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let c = store::ContactCursor {
            sort_name: "joão. da silva".to_owned(),
            id: 42,
        };
        assert_eq!(decode_cursor(&encode_cursor(&c)).unwrap(), c);
        for bad in ["", "x", "1.%%%", "a.bWFyaWE"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
