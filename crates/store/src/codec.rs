//! How the engine's values are written in columns, and read back strictly: a value the code
//! does not know is [`StoreError::Corrupt`], never a silent default.

use access::{
    AccessOption, Assignment, BuiltinRole, IpNet, MembershipKind, Permission, PermissionSet,
    QueueAccess, Status, StatusClass,
};

use crate::StoreError;

pub(crate) fn status_code(s: Status) -> i64 {
    match s {
        Status::Waiting => 0,
        Status::InProgress => 1,
        Status::Survey => 2,
        Status::Finished => 3,
    }
}

pub(crate) fn status_from(code: i64) -> Result<Status, StoreError> {
    match code {
        0 => Ok(Status::Waiting),
        1 => Ok(Status::InProgress),
        2 => Ok(Status::Survey),
        3 => Ok(Status::Finished),
        other => Err(StoreError::corrupt(
            "conversations",
            format!("status {other}"),
        )),
    }
}

pub(crate) fn class_code(k: StatusClass) -> i64 {
    match k {
        StatusClass::Waiting => 0,
        StatusClass::InProgress => 1,
        StatusClass::Finished => 2,
    }
}

pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}

pub(crate) fn permissions_text(set: PermissionSet) -> String {
    set.iter().map(Permission::id).collect::<Vec<_>>().join(" ")
}

pub(crate) fn permissions_from(text: &str) -> Result<PermissionSet, StoreError> {
    text.split_whitespace()
        .map(|id| {
            Permission::from_id(id)
                .ok_or_else(|| StoreError::corrupt("roles", format!("permission `{id}`")))
        })
        .collect()
}

pub(crate) fn networks_text(nets: &[IpNet]) -> String {
    nets.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn networks_from(text: &str) -> Result<Vec<IpNet>, StoreError> {
    text.split_whitespace()
        .map(|n| {
            n.parse::<IpNet>()
                .map_err(|e| StoreError::corrupt("roles", e.to_string()))
        })
        .collect()
}

pub(crate) fn access_from(text: &str) -> Result<AccessOption, StoreError> {
    AccessOption::from_id(text)
        .ok_or_else(|| StoreError::corrupt("departments", format!("access `{text}`")))
}

pub(crate) fn queue_from(text: &str) -> Result<QueueAccess, StoreError> {
    QueueAccess::from_id(text)
        .ok_or_else(|| StoreError::corrupt("accounts", format!("queue access `{text}`")))
}

pub(crate) fn assignment_from(text: &str) -> Result<Assignment, StoreError> {
    Assignment::from_id(text)
        .ok_or_else(|| StoreError::corrupt("accounts", format!("assignment `{text}`")))
}

pub(crate) fn builtin_from(text: Option<&str>) -> Result<Option<BuiltinRole>, StoreError> {
    text.map(|t| {
        BuiltinRole::from_id(t)
            .ok_or_else(|| StoreError::corrupt("roles", format!("builtin `{t}`")))
    })
    .transpose()
}

pub(crate) fn membership_from(text: &str) -> Result<MembershipKind, StoreError> {
    MembershipKind::from_id(text)
        .ok_or_else(|| StoreError::corrupt("memberships", format!("kind `{text}`")))
}
