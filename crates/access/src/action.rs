//! Actions on a conversation (ACCESS-MODEL.md, "Actions on a conversation"): the decision with
//! its reasons, and the state transition an allowed action makes.

use crate::ids::{DepartmentId, UserId};
use crate::model::named_enum;
use crate::model::{Conversation, Status, User};
use crate::permission::Permission;
use crate::principal::Principal;
use crate::reason::{Decision, Reason, Via};

named_enum!(
    /// The actions on a conversation, by id.
    ActionKind {
        /// Read the conversation.
        View = "view",
        /// Read its contact and messages.
        ViewDetails = "view_details",
        /// Take a waiting conversation.
        Assume = "assume",
        /// Send a message to the contact.
        Reply = "reply",
        /// Write an internal note.
        Note = "note",
        /// Give the conversation to a colleague.
        Transfer = "transfer",
        /// Move the conversation to another department.
        ChangeDepartment = "change_department",
        /// Finish (or send to the survey).
        Finish = "finish",
        /// Finish a conversation in survey.
        FinishInSurvey = "finish_in_survey",
        /// Reopen a finished conversation.
        Reopen = "reopen",
        /// Attach a tag.
        Tag = "tag",
        /// Remove a tag.
        Untag = "untag",
        /// Link or unlink the contact record.
        LinkContact = "link_contact",
    }
);

/// An action with its argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action<'a> {
    /// `view`.
    View,
    /// `view_details`.
    ViewDetails,
    /// `assume`.
    Assume,
    /// `reply`.
    Reply,
    /// `note`.
    Note,
    /// `transfer` to a user; `None` when the target id names no user of the account.
    Transfer(Option<&'a User>),
    /// `change_department` to a department id (checked against the account's departments).
    ChangeDepartment(DepartmentId),
    /// `finish`.
    Finish,
    /// `finish_in_survey`.
    FinishInSurvey,
    /// `reopen`.
    Reopen,
    /// `tag`.
    Tag,
    /// `untag`.
    Untag,
    /// `link_contact`.
    LinkContact,
}

impl Action<'_> {
    /// The action's id.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::View => ActionKind::View,
            Action::ViewDetails => ActionKind::ViewDetails,
            Action::Assume => ActionKind::Assume,
            Action::Reply => ActionKind::Reply,
            Action::Note => ActionKind::Note,
            Action::Transfer(_) => ActionKind::Transfer,
            Action::ChangeDepartment(_) => ActionKind::ChangeDepartment,
            Action::Finish => ActionKind::Finish,
            Action::FinishInSurvey => ActionKind::FinishInSurvey,
            Action::Reopen => ActionKind::Reopen,
            Action::Tag => ActionKind::Tag,
            Action::Untag => ActionKind::Untag,
            Action::LinkContact => ActionKind::LinkContact,
        }
    }
}

impl ActionKind {
    /// The action of this kind, with the target it needs: a transfer's user (`None`: a user
    /// who does not exist, which the decision names), a department change's department. `None`
    /// when a department change is not given its department. The one place that maps a kind
    /// (as the API, access test files and the store's scenario backend name it) to an action.
    pub fn with<'a>(
        self,
        to_user: Option<&'a User>,
        to_department: Option<DepartmentId>,
    ) -> Option<Action<'a>> {
        Some(match self {
            ActionKind::View => Action::View,
            ActionKind::ViewDetails => Action::ViewDetails,
            ActionKind::Assume => Action::Assume,
            ActionKind::Reply => Action::Reply,
            ActionKind::Note => Action::Note,
            ActionKind::Transfer => Action::Transfer(to_user),
            ActionKind::ChangeDepartment => Action::ChangeDepartment(to_department?),
            ActionKind::Finish => Action::Finish,
            ActionKind::FinishInSurvey => Action::FinishInSurvey,
            ActionKind::Reopen => Action::Reopen,
            ActionKind::Tag => Action::Tag,
            ActionKind::Untag => Action::Untag,
            ActionKind::LinkContact => Action::LinkContact,
        })
    }
}

/// What an allowed action does to the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// New status.
    pub status: Status,
    /// New assignee.
    pub assignee: Option<UserId>,
    /// New department.
    pub department: DepartmentId,
}

const WAITING: &[Status] = &[Status::Waiting];
const IN_PROGRESS: &[Status] = &[Status::InProgress];
const SURVEY: &[Status] = &[Status::Survey];
const FINISHED: &[Status] = &[Status::Finished];
const OPEN: &[Status] = &[Status::Waiting, Status::InProgress];

/// Collects an action's requirements: grants on one side, what is missing on the other.
struct Check<'p> {
    p: &'p Principal,
    c: &'p Conversation,
    grants: Vec<Reason>,
    missing: Vec<Reason>,
}

impl Check<'_> {
    fn status(&mut self, needed: &'static [Status]) {
        if !needed.contains(&self.c.status) {
            self.missing.push(Reason::WrongStatus {
                actual: self.c.status,
                needed,
            });
        }
    }

    fn permission(&mut self, perm: Permission) {
        match self
            .p
            .has_in(perm, self.c.department)
            .then(|| self.p.granting_binding(perm, Some(self.c.department)))
            .flatten()
        {
            Some(b) => self.grants.push(Reason::Permission(perm, b)),
            None => self.missing.push(Reason::MissingPermission(
                perm,
                self.p.missing_note(perm, Some(self.c.department)),
            )),
        }
    }

    fn owns(&mut self) {
        match self.p.owns(self.c) {
            Some(via) => self.grants.push(Reason::Owns(via)),
            None => self.missing.push(Reason::NotOwner),
        }
    }

    /// "status `waiting` or `owns(U, C)`" of transfer and change_department.
    fn waiting_or_owns(&mut self) {
        if self.c.status != Status::Waiting {
            self.owns();
        }
    }

    fn require(&mut self, ok: bool, missing: Reason) {
        if !ok {
            self.missing.push(missing);
        }
    }
}

impl Principal {
    /// `owns(U, C)`: the assignee, a supervisor of its department, or `conversation.manage_any`.
    pub fn owns(&self, c: &Conversation) -> Option<Via> {
        if c.account != self.account || !self.is_operational() {
            return None;
        }
        if c.assignee == Some(self.user) {
            return Some(Via::Assignee);
        }
        if let Some(root) = self.dept(c.department).and_then(|d| d.supervised_via) {
            return Some(Via::Supervises(root));
        }
        let p = Permission::ConversationManageAny;
        if self.has_in(p, c.department) {
            return self
                .granting_binding(p, Some(c.department))
                .map(|b| Via::Permission(p, b));
        }
        None
    }

    /// Decides an action on a conversation. A conversation the user may not see is
    /// [`Outcome::NotFound`](crate::Outcome::NotFound) whatever the action.
    pub fn decide(&self, c: &Conversation, action: Action<'_>) -> Decision {
        let seen = self.explain_visible(c);
        if !seen.is_allowed() {
            return seen;
        }
        let mut check = Check {
            p: self,
            c,
            grants: seen.reasons().to_vec(),
            missing: Vec::new(),
        };
        match action {
            // Visibility is the whole requirement.
            Action::View | Action::Note => {}
            Action::ViewDetails => self.details_reasons(c, &mut check.grants, &mut check.missing),
            Action::Assume => {
                check.status(WAITING);
                check.permission(Permission::ConversationAssume);
            }
            Action::Reply => {
                check.status(IN_PROGRESS);
                check.owns();
            }
            Action::Transfer(target) => {
                check.status(OPEN);
                check.permission(Permission::ConversationTransfer);
                check.waiting_or_owns();
                match target {
                    Some(t) if t.account == c.account => {
                        // Taking a waiting conversation for oneself is assuming it: it needs the
                        // permission to assume too (docs/access-model.md).
                        if t.id == self.user && c.status == Status::Waiting {
                            check.permission(Permission::ConversationAssume);
                        }
                        check.require(t.active, Reason::TargetInactive(t.id));
                        check.require(
                            t.is_member_of(c.department),
                            Reason::TargetNotMember(t.id, c.department),
                        );
                        check.require(c.assignee != Some(t.id), Reason::TargetIsAssignee(t.id));
                    }
                    // Another account's user is answered exactly like an unknown one.
                    Some(_) | None => check.missing.push(Reason::TargetNotFound),
                }
            }
            Action::ChangeDepartment(to) => {
                check.status(OPEN);
                check.permission(Permission::ConversationChangeDepartment);
                check.waiting_or_owns();
                if self.dept(to).is_none() {
                    check.missing.push(Reason::DepartmentNotFound);
                } else {
                    check.require(to != c.department, Reason::SameDepartment(to));
                }
            }
            Action::Finish => {
                check.status(IN_PROGRESS);
                check.owns();
                check.permission(Permission::ConversationFinish);
            }
            Action::FinishInSurvey => {
                check.status(SURVEY);
                check.permission(Permission::ConversationFinishInSurvey);
            }
            Action::Reopen => {
                check.status(FINISHED);
                check.permission(Permission::ConversationReopen);
            }
            Action::Tag => check.permission(Permission::TagAttach),
            Action::Untag => check.permission(Permission::TagDetach),
            Action::LinkContact => check.permission(Permission::ContactLink),
        }
        if check.missing.is_empty() {
            Decision::allow(check.grants)
        } else {
            Decision::deny(check.missing)
        }
    }

    /// The state an allowed action leads to; `None` for actions that leave status, assignee and
    /// department as they are (view, note, tags, contact link). Call it only after [`decide`]
    /// allowed the action.
    ///
    /// [`decide`]: Principal::decide
    pub fn transition(&self, c: &Conversation, action: Action<'_>) -> Option<Transition> {
        let keep = Transition {
            status: c.status,
            assignee: c.assignee,
            department: c.department,
        };
        match action {
            Action::View
            | Action::ViewDetails
            | Action::Note
            | Action::Reply
            | Action::Tag
            | Action::Untag
            | Action::LinkContact => None,
            Action::Assume | Action::Reopen => Some(Transition {
                status: Status::InProgress,
                assignee: Some(self.user),
                ..keep
            }),
            Action::Transfer(target) => target.map(|t| Transition {
                status: Status::InProgress,
                assignee: Some(t.id),
                ..keep
            }),
            Action::ChangeDepartment(to) => Some(Transition {
                status: Status::Waiting,
                assignee: None,
                department: to,
            }),
            Action::Finish => Some(Transition {
                status: if self.settings.satisfaction_survey {
                    Status::Survey
                } else {
                    Status::Finished
                },
                ..keep
            }),
            Action::FinishInSurvey => Some(Transition {
                status: Status::Finished,
                ..keep
            }),
        }
    }
}
