//! Writing a change of the whole account computed in memory by the engine (a preset, or the
//! undoing of one) inside the administrative transaction that decided it: the settings, the
//! departments' access options, the roles created and changed, the users' role bindings (the
//! sessions of a user who lost a binding end), then the roles removed.

use std::collections::BTreeMap;

use access::{Account, RoleId};
use store::AdminTx;

use crate::error::ApiError;

/// Writes what differs between `before` and `after`. Roles of `after` that `before` lacks are
/// created (their ids in `after` are placeholders); answers each placeholder's real id.
pub(crate) async fn write(
    tx: &mut AdminTx,
    before: &Account,
    after: &Account,
    now: i64,
) -> Result<BTreeMap<RoleId, RoleId>, ApiError> {
    if before.config.settings != after.config.settings {
        tx.set_settings(&after.config.settings).await?;
    }
    for d in after.config.departments.iter() {
        if before
            .config
            .departments
            .get(d.id)
            .is_some_and(|b| b.access != d.access)
        {
            tx.update_department(d).await?;
        }
    }
    let mut real: BTreeMap<RoleId, RoleId> = BTreeMap::new();
    for r in after.config.roles.values() {
        match before.config.roles.get(&r.id) {
            None => {
                let id = tx
                    .create_role(&r.name, r.permissions, &r.allowed_networks)
                    .await?;
                real.insert(r.id, id);
            }
            Some(b) if b != r => tx.update_role(r).await?,
            Some(_) => {}
        }
    }
    for u in after.users.values() {
        let Some(b) = before.users.get(&u.id) else {
            continue;
        };
        if b == u {
            continue;
        }
        let mut u = u.clone();
        for binding in &mut u.bindings {
            if let Some(id) = real.get(&binding.role) {
                binding.role = *id;
            }
        }
        tx.set_user_access(&u).await?;
        let lost = b.bindings.iter().any(|x| !u.bindings.contains(x));
        if lost {
            tx.end_sessions(u.id, None, now).await?;
        }
    }
    for r in before.config.roles.keys() {
        if !after.config.roles.contains_key(r) {
            tx.delete_role(*r).await?;
        }
    }
    Ok(real)
}
