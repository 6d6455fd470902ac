//! Decisions and their reasons. Every allow names what granted it (a visibility rule, a
//! permission and the binding that carries it); every deny names what was missing.

use crate::ids::{DepartmentId, RoleId, UserId};
use crate::model::{AccessOption, Scope, Status, StatusClass};
use crate::permission::{Permission, PermissionSet};

/// The visibility rules of ACCESS-MODEL.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// V1 assignee: in progress or survey, assigned to the user.
    V1,
    /// V2 my finished: finished, assigned to the user, `my_finished_queue` on.
    V2,
    /// V3 supervision: the department is in the user's supervised subtree.
    V3,
    /// V4w waiting queue: waiting, member of the department, `waiting_queue = members`.
    V4w,
    /// V4p team in progress: member, and access `all`/`team` or `shared_inbox`.
    V4p,
    /// V4f team finished: `finished_queue = members` and access `all`, or `team` and member.
    V4f,
    /// V5 scoped views: the status class's company or department view permission.
    V5,
}

impl Rule {
    /// Every rule in the model's order.
    pub const ALL: [Rule; 7] = [
        Rule::V1,
        Rule::V2,
        Rule::V3,
        Rule::V4w,
        Rule::V4p,
        Rule::V4f,
        Rule::V5,
    ];

    /// The rule id, as `because:` writes it.
    pub fn id(self) -> &'static str {
        match self {
            Rule::V1 => "V1",
            Rule::V2 => "V2",
            Rule::V3 => "V3",
            Rule::V4w => "V4w",
            Rule::V4p => "V4p",
            Rule::V4f => "V4f",
            Rule::V5 => "V5",
        }
    }

    /// Reads a rule id.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }
}

/// A role binding, as reasons name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BindingRef {
    /// The role.
    pub role: RoleId,
    /// The scope.
    pub scope: Scope,
}

/// How a visibility rule applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Via {
    /// The user is the assignee (V1, V2).
    Assignee,
    /// The user supervises this department, an ancestor of (or) the conversation's (V3).
    Supervises(DepartmentId),
    /// The user is a member of the conversation's department (V4w, V4p, V4f with `team`).
    Member,
    /// V4p through the shared inbox.
    SharedInbox,
    /// V4f: the department's access is `all`.
    AccessAll,
    /// V5: a view permission, from a binding (department variants also need membership).
    Permission(Permission, BindingRef),
}

/// Why a visibility rule did not apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unmet {
    /// The rule is about another status class.
    StatusClass(StatusClass),
    /// The conversation is assigned to someone else or to nobody.
    NotAssignee,
    /// The setting named is off (or `admins`).
    Setting(&'static str),
    /// The department is not in the user's supervised subtree.
    NotSupervised,
    /// The user is not a member of the department.
    NotMember,
    /// The department's access option excludes the rule.
    Access(AccessOption),
    /// Neither the company nor the department view permission of the class (with membership).
    NoViewPermission(StatusClass),
}

/// What a caller should answer for a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Go ahead.
    Allow,
    /// The object is not visible to the user: answer exactly as for an object that does not exist.
    NotFound,
    /// The object is visible but the action is refused.
    Forbidden,
}

/// Why a permission that was asked for is not held at account level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MissingNote {
    /// No binding of the user grants it.
    NotGranted,
    /// Only a department-scoped binding grants it, which does not count at account level.
    OnlyDepartmentScoped,
    /// A department-scoped binding grants it, but for other departments than the conversation's.
    OtherDepartments,
    /// A binding grants it, but its role's allowed networks exclude the client address.
    OutsideAllowedNetworks,
}

/// One reason of a decision.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    // ----- what granted -----
    /// A visibility rule granted the conversation.
    Rule(Rule, Via),
    /// A permission, held through a binding.
    Permission(Permission, BindingRef),
    /// `owns(U, C)` held.
    Owns(Via),
    /// An active binding (for `login`).
    ActiveBinding(BindingRef),
    /// The current password was given (own password change).
    CurrentPasswordGiven,
    /// The target's permissions are all held by the actor.
    WithinActorPermissions,

    // ----- what was missing -----
    /// The object belongs to another account (or does not exist).
    OtherAccount,
    /// The user is not active.
    UserInactive,
    /// No binding of the user is active from this address.
    NoActiveBinding,
    /// A visibility rule did not apply, and why.
    RuleNotMet(Rule, Unmet),
    /// A permission is missing.
    MissingPermission(Permission, MissingNote),
    /// The conversation's status does not allow the action.
    WrongStatus {
        /// The conversation's status.
        actual: Status,
        /// The statuses the action needs.
        needed: &'static [Status],
    },
    /// `owns(U, C)` does not hold: not the assignee, not a supervisor, no `conversation.manage_any`.
    NotOwner,
    /// Details are hidden until the conversation is assumed (OmniChat (c)).
    DetailsHidden,
    /// The transfer target is not a user of the account.
    TargetNotFound,
    /// The transfer target is inactive.
    TargetInactive(UserId),
    /// The transfer target is not a member of the conversation's department.
    TargetNotMember(UserId, DepartmentId),
    /// The transfer target already has the conversation.
    TargetIsAssignee(UserId),
    /// The new department is not a department of the account.
    DepartmentNotFound,
    /// The new department is the current one.
    SameDepartment(DepartmentId),
    /// The target user holds (before or after the change) permissions the actor does not.
    Escalation(PermissionSet),
    /// The change adds a membership or supervision in these departments, which the actor does
    /// not see whole (every status, with details).
    MembershipBeyondView(Vec<DepartmentId>),
    /// The target user sees (before or after the change) conversations of these departments
    /// that the actor does not.
    VisibilityEscalation(Vec<DepartmentId>),
    /// The change would leave the account without an active `account.manage` holder.
    LastAccountManager,
    /// Built-in roles cannot be changed or removed.
    BuiltinRole,
    /// Changing one's own password needs the current one.
    CurrentPasswordRequired,
}

impl Reason {
    /// Whether this reason grants (true) or is something missing (false).
    pub fn is_grant(&self) -> bool {
        matches!(
            self,
            Reason::Rule(..)
                | Reason::Permission(..)
                | Reason::Owns(..)
                | Reason::ActiveBinding(..)
                | Reason::CurrentPasswordGiven
                | Reason::WithinActorPermissions
        )
    }

    /// The stable code of the reason, as `because:` and the API write it: a rule id (`V3`), a
    /// permission id, or one of the codes documented in `docs/access-model.md`.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Rule(rule, _) | Reason::RuleNotMet(rule, _) => rule.id(),
            Reason::Permission(p, _) | Reason::MissingPermission(p, _) => p.id(),
            Reason::Owns(_) => "owns",
            Reason::ActiveBinding(_) => "active_binding",
            Reason::CurrentPasswordGiven => "current_password",
            Reason::WithinActorPermissions => "no_escalation",
            Reason::OtherAccount => "not_found",
            Reason::UserInactive => "inactive",
            Reason::NoActiveBinding => "no_active_binding",
            Reason::WrongStatus { .. } => "status",
            Reason::NotOwner => "not_owner",
            Reason::DetailsHidden => "details_hidden",
            Reason::TargetNotFound => "target_not_found",
            Reason::TargetInactive(_) => "target_inactive",
            Reason::TargetNotMember(..) => "target_not_member",
            Reason::TargetIsAssignee(_) => "target_is_assignee",
            Reason::DepartmentNotFound => "department_not_found",
            Reason::SameDepartment(_) => "same_department",
            Reason::Escalation(_) => "escalation",
            Reason::MembershipBeyondView(_) => "membership_escalation",
            Reason::VisibilityEscalation(_) => "visibility_escalation",
            Reason::LastAccountManager => "last_account_manager",
            Reason::BuiltinRole => "builtin_role",
            Reason::CurrentPasswordRequired => "current_password_required",
        }
    }

    /// The codes of the reasons that are neither a rule nor a permission.
    pub const OTHER_CODES: &'static [&'static str] = &[
        "owns",
        "active_binding",
        "current_password",
        "no_escalation",
        "not_found",
        "inactive",
        "no_active_binding",
        "status",
        "not_owner",
        "details_hidden",
        "target_not_found",
        "target_inactive",
        "target_not_member",
        "target_is_assignee",
        "department_not_found",
        "same_department",
        "escalation",
        "membership_escalation",
        "visibility_escalation",
        "last_account_manager",
        "builtin_role",
        "current_password_required",
    ];

    /// Whether `code` names this reason: its own code, the permission it carries (a V5 grant
    /// names its view permission; `owns` through `conversation.manage_any` names that), or a
    /// permission an escalation found missing.
    pub fn mentions(&self, code: &str) -> bool {
        if self.code() == code {
            return true;
        }
        match self {
            Reason::Rule(_, Via::Permission(p, _)) | Reason::Owns(Via::Permission(p, _)) => {
                p.id() == code
            }
            Reason::Escalation(missing) => missing.iter().any(|p| p.id() == code),
            _ => false,
        }
    }
}

/// An allow or a deny, with its reasons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    allowed: bool,
    not_found: bool,
    reasons: Vec<Reason>,
}

impl Decision {
    /// An allow with what granted it.
    pub fn allow(reasons: Vec<Reason>) -> Decision {
        Decision {
            allowed: true,
            not_found: false,
            reasons,
        }
    }

    /// A deny on a visible object: the caller may say "forbidden".
    pub fn deny(reasons: Vec<Reason>) -> Decision {
        Decision {
            allowed: false,
            not_found: false,
            reasons,
        }
    }

    /// A deny on an object the user may not see: the caller must say "not found".
    pub fn not_found(reasons: Vec<Reason>) -> Decision {
        Decision {
            allowed: false,
            not_found: true,
            reasons,
        }
    }

    /// Whether the decision allows.
    pub fn is_allowed(&self) -> bool {
        self.allowed
    }

    /// What the caller answers.
    pub fn outcome(&self) -> Outcome {
        match (self.allowed, self.not_found) {
            (true, _) => Outcome::Allow,
            (false, true) => Outcome::NotFound,
            (false, false) => Outcome::Forbidden,
        }
    }

    /// The reasons: grants for an allow, what was missing for a deny.
    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
    }

    /// Whether some reason mentions `code` (see [`Reason::mentions`]).
    pub fn mentions(&self, code: &str) -> bool {
        self.reasons.iter().any(|r| r.mentions(code))
    }
}
