//! Visibility plans: for a principal and a tab, `visible ∧ tab filter` as a small disjunction of
//! index-shaped terms (status class × department set × assignee). An in-memory matcher evaluates
//! a plan; the store compiles each term to one index-ordered SQL branch.
//!
//! The terms of a plan are disjoint, so a listing may concatenate branches (`UNION ALL`) and a
//! count may add them.

use crate::ids::{AccountId, DepartmentId, UserId};
use crate::model::named_enum;
use crate::model::{Conversation, Status, StatusClass};
use crate::principal::Principal;

named_enum!(
    /// The inbox tabs (ACCESS-MODEL.md, "Tabs").
    Tab {
        /// Meus: in progress or survey, assigned to me.
        Mine = "mine",
        /// Aguardando / Não atribuídos.
        Waiting = "waiting",
        /// Outros: in progress or survey, assigned to someone else.
        Others = "others",
        /// Concluídos / Finalizados.
        Finished = "finished",
        /// Meus finalizados.
        MyFinished = "my_finished",
    }
);

impl Tab {
    /// The tab's filter, for user `u`, before visibility.
    pub fn filter(self, c: &Conversation, u: UserId) -> bool {
        let mine = c.assignee == Some(u);
        match self {
            Tab::Mine => c.status.class() == StatusClass::InProgress && mine,
            Tab::Waiting => c.status == Status::Waiting,
            Tab::Others => c.status.class() == StatusClass::InProgress && !mine,
            Tab::Finished => c.status == Status::Finished,
            Tab::MyFinished => c.status == Status::Finished && mine,
        }
    }
}

/// A set of departments.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DeptSet {
    /// Every department of the account.
    Any,
    /// These departments (sorted, without duplicates).
    Only(Vec<DepartmentId>),
}

impl DeptSet {
    /// Whether `d` is in the set.
    pub fn contains(&self, d: DepartmentId) -> bool {
        match self {
            DeptSet::Any => true,
            DeptSet::Only(ds) => ds.binary_search(&d).is_ok(),
        }
    }
}

impl DeptSet {
    /// The departments in both sets.
    #[must_use]
    pub fn intersect(&self, other: &DeptSet) -> DeptSet {
        match (self, other) {
            (DeptSet::Any, x) | (x, DeptSet::Any) => x.clone(),
            (DeptSet::Only(a), DeptSet::Only(b)) => DeptSet::Only(
                a.iter()
                    .copied()
                    .filter(|d| b.binary_search(d).is_ok())
                    .collect(),
            ),
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        matches!(self, DeptSet::Only(ds) if ds.is_empty())
    }
}

/// A condition on the assignee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssigneeFilter {
    /// Any assignee, or none.
    Any,
    /// Assigned to this user.
    Is(UserId),
    /// Not assigned to this user (unassigned included).
    IsNot(UserId),
}

impl AssigneeFilter {
    /// Whether `assignee` passes.
    pub fn accepts(self, assignee: Option<UserId>) -> bool {
        match self {
            AssigneeFilter::Any => true,
            AssigneeFilter::Is(u) => assignee == Some(u),
            AssigneeFilter::IsNot(u) => assignee != Some(u),
        }
    }
}

/// One index-shaped term: a status class, a department set and an assignee condition.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Term {
    /// The status class.
    pub class: StatusClass,
    /// The departments.
    pub departments: DeptSet,
    /// The assignee condition.
    pub assignee: AssigneeFilter,
}

impl Term {
    /// Whether the conversation satisfies the term (account not checked).
    pub fn matches(&self, c: &Conversation) -> bool {
        c.status.class() == self.class
            && self.departments.contains(c.department)
            && self.assignee.accepts(c.assignee)
    }
}

/// `visible ∧ tab` for one principal, as disjoint terms inside one account. No term: nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Plan {
    /// The account every term is confined to.
    pub account: AccountId,
    /// The terms, pairwise disjoint.
    pub terms: Vec<Term>,
}

impl Plan {
    /// Whether the conversation is listed.
    pub fn matches(&self, c: &Conversation) -> bool {
        c.account == self.account && self.terms.iter().any(|t| t.matches(c))
    }

    /// Whether nothing can match.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

impl Plan {
    /// The plan narrowed to conversations in `departments` (a listing filter): narrowing can
    /// only remove conversations, never add one.
    #[must_use]
    pub fn within(&self, departments: &DeptSet) -> Plan {
        let terms = self
            .terms
            .iter()
            .map(|t| Term {
                departments: t.departments.intersect(departments),
                ..t.clone()
            })
            .filter(|t| !t.departments.is_empty())
            .collect();
        Plan {
            account: self.account,
            terms,
        }
    }
}

impl Principal {
    /// The departments where a department-shaped rule (V3, V4, V5) grants status class `k`.
    fn class_departments(&self, k: StatusClass) -> DeptSet {
        if self.everywhere.get(k) {
            DeptSet::Any
        } else {
            DeptSet::Only(
                self.departments
                    .iter()
                    .filter(|d| d.sees.get(k))
                    .map(|d| d.id)
                    .collect(),
            )
        }
    }

    /// The plan listing `tab` for this principal.
    pub fn plan(&self, tab: Tab) -> Plan {
        let mut plan = Plan {
            account: self.account,
            terms: Vec::new(),
        };
        if !self.is_operational() {
            return plan;
        }
        let u = self.user;
        let mut push = |class, departments: DeptSet, assignee| {
            if departments != DeptSet::Only(Vec::new()) {
                plan.terms.push(Term {
                    class,
                    departments,
                    assignee,
                });
            }
        };
        let v2 = self.settings.my_finished_queue;
        match tab {
            // V1 grants every in-progress conversation assigned to U.
            Tab::Mine => push(StatusClass::InProgress, DeptSet::Any, AssigneeFilter::Is(u)),
            Tab::Waiting => push(
                StatusClass::Waiting,
                self.class_departments(StatusClass::Waiting),
                AssigneeFilter::Any,
            ),
            Tab::Others => {
                push(
                    StatusClass::InProgress,
                    self.class_departments(StatusClass::InProgress),
                    AssigneeFilter::IsNot(u),
                );
            }
            Tab::Finished => match self.class_departments(StatusClass::Finished) {
                DeptSet::Any => push(StatusClass::Finished, DeptSet::Any, AssigneeFilter::Any),
                depts if v2 => {
                    push(StatusClass::Finished, DeptSet::Any, AssigneeFilter::Is(u));
                    push(StatusClass::Finished, depts, AssigneeFilter::IsNot(u));
                }
                depts => push(StatusClass::Finished, depts, AssigneeFilter::Any),
            },
            Tab::MyFinished => {
                let depts = if v2 {
                    DeptSet::Any
                } else {
                    self.class_departments(StatusClass::Finished)
                };
                push(StatusClass::Finished, depts, AssigneeFilter::Is(u));
            }
        }
        plan
    }

    /// `plan(tab)` narrowed to the conversations whose details the principal may see
    /// (`details_visible`): what a search by contact or a filter by tag may look into, so that
    /// neither reveals what hide-until-assumed hides.
    pub fn details_plan(&self, tab: Tab) -> DetailsPlan {
        DetailsPlan(self.details_terms(tab))
    }

    /// Every conversation the principal sees, whatever the tab, narrowed to those whose details
    /// it may see: what a figure about conversations' contents (how many carry a tag) may
    /// count.
    pub fn visible_details_plan(&self) -> DetailsPlan {
        let mut plan = Plan {
            account: self.account,
            terms: Vec::new(),
        };
        for tab in [Tab::Mine, Tab::Waiting, Tab::Others, Tab::Finished] {
            plan.terms.extend(self.details_terms(tab).terms);
        }
        DetailsPlan(plan)
    }

    fn details_terms(&self, tab: Tab) -> Plan {
        let plan = self.plan(tab);
        if !self.settings.hide_details_until_assumed {
            return plan;
        }
        let p = crate::Permission::ConversationViewDetailsUnassigned;
        let open = if self.account_permissions.contains(p) {
            DeptSet::Any
        } else {
            DeptSet::Only(
                self.departments
                    .iter()
                    .filter(|d| d.supervised_via.is_some() || d.permissions.contains(p))
                    .map(|d| d.id)
                    .collect(),
            )
        };
        let terms = plan
            .terms
            .into_iter()
            .map(|t| match t.class {
                // Only waiting conversations hide their details.
                StatusClass::Waiting => Term {
                    departments: t.departments.intersect(&open),
                    ..t
                },
                StatusClass::InProgress | StatusClass::Finished => t,
            })
            .filter(|t| !t.departments.is_empty())
            .collect();
        Plan {
            account: plan.account,
            terms,
        }
    }
}

/// A plan narrowed to the conversations whose details its principal may see: the only plan a
/// search in what a conversation contains (its contact, its tags, later its messages) may look
/// into. Made only by [`Principal::details_plan`]; the store's filtered listings take nothing
/// else, so a search cannot be run over a plan that shows hidden details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetailsPlan(Plan);

impl DetailsPlan {
    /// The plan itself.
    pub fn plan(&self) -> &Plan {
        &self.0
    }

    /// Restricted to departments (still within the details).
    pub fn within(self, departments: &DeptSet) -> DetailsPlan {
        DetailsPlan(self.0.within(departments))
    }
}

impl std::ops::Deref for DetailsPlan {
    type Target = Plan;

    fn deref(&self) -> &Plan {
        &self.0
    }
}
