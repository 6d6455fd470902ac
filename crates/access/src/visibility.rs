//! `visible(U, C)` and `details_visible(U, C)` (ACCESS-MODEL.md, "Visibility" and "Details"):
//! a fast boolean form for hot paths and an explained form that lists every rule.

use crate::model::{AccessOption, Conversation, QueueAccess, Status, StatusClass};
use crate::principal::{Principal, Standing, company_view, department_view};
use crate::reason::{Decision, Reason, Rule, Unmet, Via};

/// The denial reasons shared by every conversation decision when the principal cannot act or the
/// conversation is in another account; `None` when neither applies.
pub(crate) fn gate(p: &Principal, c: &Conversation) -> Option<Reason> {
    if c.account != p.account {
        return Some(Reason::OtherAccount);
    }
    match p.standing {
        Standing::Active => None,
        Standing::Inactive => Some(Reason::UserInactive),
        Standing::NoActiveBinding => Some(Reason::NoActiveBinding),
    }
}

impl Principal {
    /// `visible(U, C)`: whether the user may see the conversation at all.
    pub fn visible(&self, c: &Conversation) -> bool {
        if c.account != self.account || self.standing != Standing::Active {
            return false;
        }
        let k = c.status.class();
        if c.assignee == Some(self.user) {
            match k {
                StatusClass::InProgress => return true, // V1
                StatusClass::Finished if self.settings.my_finished_queue => return true, // V2
                StatusClass::Waiting | StatusClass::Finished => {}
            }
        }
        if self.everywhere.get(k) {
            return true; // V5, company view at account scope
        }
        self.dept(c.department).is_some_and(|d| d.sees.get(k))
    }

    /// `visible(U, C)` with its reasons: every rule that granted, or every rule that did not.
    pub fn explain_visible(&self, c: &Conversation) -> Decision {
        if let Some(reason) = gate(self, c) {
            return Decision::not_found(vec![reason]);
        }
        let (grants, unmet): (Vec<_>, Vec<_>) = Rule::ALL
            .into_iter()
            .map(|r| self.rule(r, c))
            .partition(Result::is_ok);
        if grants.is_empty() {
            Decision::not_found(unmet.into_iter().filter_map(Result::err).collect())
        } else {
            Decision::allow(grants.into_iter().filter_map(Result::ok).collect())
        }
    }

    /// Evaluates one visibility rule for an operational principal in the conversation's account.
    fn rule(&self, rule: Rule, c: &Conversation) -> Result<Reason, Reason> {
        let k = c.status.class();
        let s = &self.settings;
        let d = self.dept(c.department);
        let member = d.is_some_and(|d| d.member);
        let access = d.map_or(AccessOption::default(), |d| d.access);
        let unmet = |why| Err(Reason::RuleNotMet(rule, why));
        let need_class = |needed: StatusClass| {
            if k == needed {
                Ok(())
            } else {
                Err(Reason::RuleNotMet(rule, Unmet::StatusClass(needed)))
            }
        };
        match rule {
            Rule::V1 => {
                need_class(StatusClass::InProgress)?;
                if c.assignee != Some(self.user) {
                    return unmet(Unmet::NotAssignee);
                }
                Ok(Reason::Rule(rule, Via::Assignee))
            }
            Rule::V2 => {
                need_class(StatusClass::Finished)?;
                if c.assignee != Some(self.user) {
                    return unmet(Unmet::NotAssignee);
                }
                if !s.my_finished_queue {
                    return unmet(Unmet::Setting("my_finished_queue"));
                }
                Ok(Reason::Rule(rule, Via::Assignee))
            }
            Rule::V3 => match d.and_then(|d| d.supervised_via) {
                Some(root) => Ok(Reason::Rule(rule, Via::Supervises(root))),
                None => unmet(Unmet::NotSupervised),
            },
            Rule::V4w => {
                need_class(StatusClass::Waiting)?;
                if s.waiting_queue == QueueAccess::Admins {
                    return unmet(Unmet::Setting("waiting_queue"));
                }
                if !member {
                    return unmet(Unmet::NotMember);
                }
                Ok(Reason::Rule(rule, Via::Member))
            }
            Rule::V4p => {
                need_class(StatusClass::InProgress)?;
                if !member {
                    return unmet(Unmet::NotMember);
                }
                match access {
                    AccessOption::All | AccessOption::Team => Ok(Reason::Rule(rule, Via::Member)),
                    AccessOption::Agent if s.shared_inbox => {
                        Ok(Reason::Rule(rule, Via::SharedInbox))
                    }
                    AccessOption::Agent => unmet(Unmet::Access(access)),
                }
            }
            Rule::V4f => {
                need_class(StatusClass::Finished)?;
                if s.finished_queue == QueueAccess::Admins {
                    return unmet(Unmet::Setting("finished_queue"));
                }
                match access {
                    AccessOption::All => Ok(Reason::Rule(rule, Via::AccessAll)),
                    AccessOption::Team if member => Ok(Reason::Rule(rule, Via::Member)),
                    AccessOption::Team => unmet(Unmet::NotMember),
                    AccessOption::Agent => unmet(Unmet::Access(access)),
                }
            }
            Rule::V5 => {
                let company = company_view(k);
                if let Some(b) = self.granting_binding(company, Some(c.department)) {
                    return Ok(Reason::Rule(rule, Via::Permission(company, b)));
                }
                let department = department_view(k);
                if let Some(b) = self
                    .granting_binding(department, Some(c.department))
                    .filter(|_| member)
                {
                    return Ok(Reason::Rule(rule, Via::Permission(department, b)));
                }
                unmet(Unmet::NoViewPermission(k))
            }
        }
    }

    /// `details_visible(U, C)`: whether the contact and messages may be shown (OmniChat (c)).
    pub fn details_visible(&self, c: &Conversation) -> bool {
        self.visible(c) && !self.details_hidden(c)
    }

    /// Why details are shown or hidden, for a visible conversation: when the setting hides a
    /// waiting conversation, what lifts it (supervision, the permission) or what is missing.
    pub(crate) fn details_reasons(
        &self,
        c: &Conversation,
        grants: &mut Vec<Reason>,
        missing: &mut Vec<Reason>,
    ) {
        if !self.settings.hide_details_until_assumed || c.status != Status::Waiting {
            return;
        }
        let p = crate::Permission::ConversationViewDetailsUnassigned;
        let supervised = self.dept(c.department).and_then(|d| d.supervised_via);
        let binding = self.granting_binding(p, Some(c.department));
        if let Some(root) = supervised {
            grants.push(Reason::Rule(Rule::V3, Via::Supervises(root)));
        }
        if let Some(b) = binding {
            grants.push(Reason::Permission(p, b));
        }
        if supervised.is_none() && binding.is_none() {
            missing.push(Reason::DetailsHidden);
            missing.push(Reason::MissingPermission(
                p,
                self.missing_note(p, Some(c.department)),
            ));
        }
    }

    /// The conversation is visible but its details are hidden until assumed.
    pub(crate) fn details_hidden(&self, c: &Conversation) -> bool {
        self.settings.hide_details_until_assumed
            && c.status == Status::Waiting
            && self
                .dept(c.department)
                .is_none_or(|d| d.supervised_via.is_none())
            && !self.has_in(
                crate::Permission::ConversationViewDetailsUnassigned,
                c.department,
            )
    }
}
