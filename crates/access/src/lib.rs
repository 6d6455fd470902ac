//! The Atende access engine: the access model of ACCESS-MODEL.md as a pure library.
//!
//! What belongs here: the model's objects ([`model`]), the permission catalogue
//! ([`permission`]), the resolved [`Principal`], decisions with reasons ([`Decision`]) for every
//! conversation action, account-level action and permission, visibility [`Plan`]s for the tabs,
//! an in-memory [`Inbox`] that lists by plan, explanations in plain words ([`explain`]) and the
//! five platform [`preset`]s. What does not: I/O, async, clocks, database types. The store
//! compiles plans to SQL; the server maps [`Outcome`]s to HTTP.
//!
//! Data flows one way: resolve the principal once per request with [`Principal::resolve`], then
//! ask it ([`Principal::visible`], [`Principal::decide`], [`Principal::plan`], ...).

pub mod action;
pub mod admin;
mod contact;
pub mod explain;
pub mod ids;
pub mod inbox;
mod meet;
pub mod model;
pub mod net;
pub mod permission;
pub mod plan;
pub mod preset;
pub mod principal;
pub mod reason;
mod visibility;

pub use action::{Action, ActionKind, Transition};
pub use admin::{RoleChange, UserChange};
pub use contact::ContactScope;
pub use ids::{AccountId, ConversationId, DepartmentId, RoleId, UserId};
pub use inbox::{Cursor, Inbox};
pub use model::{
    AccessOption, Account, AccountConfig, Assignment, Binding, Conversation, Department,
    DepartmentTree, Membership, MembershipKind, QueueAccess, Role, Scope, Settings, Status,
    StatusClass, TreeError, User,
};
pub use net::{IpNet, IpNetError};
pub use permission::{
    BuiltinRole, CATALOGUE, Permission, PermissionGroup, PermissionInfo, PermissionScope,
    PermissionSet,
};
pub use plan::{AssigneeFilter, DeptSet, DetailsPlan, Plan, Tab, Term};
pub use principal::{Principal, Standing};
pub use reason::{BindingRef, Decision, MissingNote, Outcome, Reason, Rule, Unmet, Via};
