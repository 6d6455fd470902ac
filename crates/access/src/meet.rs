//! Plans of two principals at once, for the access explorer's "what does this user see?":
//! everything a principal sees as one plan ([`Principal::visible_plan`]) and the conversations
//! two plans both list ([`Plan::meet`]), still as disjoint index-shaped terms the store
//! compiles like any tab.

use crate::ids::DepartmentId;
use crate::plan::{AssigneeFilter, DeptSet, Plan, Tab, Term};
use crate::principal::Principal;

impl Principal {
    /// Every conversation the principal sees, whatever the tab: Meus, Aguardando, Outros and
    /// Concluídos together (their terms are disjoint; Meus finalizados is inside Concluídos).
    pub fn visible_plan(&self) -> Plan {
        let mut plan = Plan {
            account: self.account,
            terms: Vec::new(),
        };
        for tab in [Tab::Mine, Tab::Waiting, Tab::Others, Tab::Finished] {
            plan.terms.extend(self.plan(tab).terms);
        }
        plan
    }
}

/// `a \ b` among the account's departments `all` (sorted).
fn minus(a: &DeptSet, b: &DeptSet, all: &[DepartmentId]) -> DeptSet {
    match (a, b) {
        (_, DeptSet::Any) => DeptSet::Only(Vec::new()),
        (DeptSet::Any, DeptSet::Only(y)) => DeptSet::Only(
            all.iter()
                .copied()
                .filter(|d| y.binary_search(d).is_err())
                .collect(),
        ),
        (DeptSet::Only(x), DeptSet::Only(y)) => DeptSet::Only(
            x.iter()
                .copied()
                .filter(|d| y.binary_search(d).is_err())
                .collect(),
        ),
    }
}

/// The terms of `plan` with every pair "assigned to u in A" / "not assigned to u in B" of one
/// status class rewritten as "anyone in A ∩ B", "u in A \ B", "not u in B \ A": the same
/// conversations, still disjoint, and (the engine's plans always give "u" every department) no
/// "not assigned to" left, so that meeting another plan stays one term per pair.
fn without_is_not(plan: &Plan, all: &[DepartmentId]) -> Vec<Term> {
    let mut terms = plan.terms.clone();
    let mut out = Vec::new();
    while let Some(t) = terms.pop() {
        let AssigneeFilter::IsNot(u) = t.assignee else {
            out.push(t);
            continue;
        };
        let partner = |x: &Term| x.class == t.class && x.assignee == AssigneeFilter::Is(u);
        let found = match terms.iter().position(partner) {
            Some(i) => Some(terms.swap_remove(i)),
            None => out.iter().position(partner).map(|i| out.swap_remove(i)),
        };
        let Some(is) = found else {
            out.push(t);
            continue;
        };
        let split = [
            (
                is.departments.intersect(&t.departments),
                AssigneeFilter::Any,
            ),
            (minus(&is.departments, &t.departments, all), is.assignee),
            (minus(&t.departments, &is.departments, all), t.assignee),
        ];
        out.extend(split.into_iter().filter(|(d, _)| !d.is_empty()).map(
            |(departments, assignee)| Term {
                class: t.class,
                departments,
                assignee,
            },
        ));
    }
    out
}

/// Both assignee conditions; `None` when none passes both, and when the pair is "not u" and
/// "not v" for two users (not one index-shaped term; the engine's plans never meet so after
/// [`without_is_not`], and leaving it out can only list less).
fn meet_assignee(a: AssigneeFilter, b: AssigneeFilter) -> Option<AssigneeFilter> {
    use AssigneeFilter::{Any, Is, IsNot};
    match (a, b) {
        (Any, x) | (x, Any) => Some(x),
        (Is(u), Is(v)) => (u == v).then_some(Is(u)),
        (Is(u), IsNot(v)) | (IsNot(v), Is(u)) => (u != v).then_some(Is(u)),
        (IsNot(u), IsNot(v)) => (u == v).then_some(IsNot(u)),
    }
}

impl Plan {
    /// The conversations both plans list, as disjoint terms. `departments` are the account's
    /// departments (what "every department but these" means). An empty plan when the accounts
    /// differ.
    #[must_use]
    pub fn meet(&self, other: &Plan, departments: &[DepartmentId]) -> Plan {
        let mut all = departments.to_vec();
        all.sort_unstable();
        all.dedup();
        let mut plan = Plan {
            account: self.account,
            terms: Vec::new(),
        };
        if self.account != other.account {
            return plan;
        }
        let mine = without_is_not(self, &all);
        let theirs = without_is_not(other, &all);
        for a in &mine {
            for b in &theirs {
                if a.class != b.class {
                    continue;
                }
                let departments = a.departments.intersect(&b.departments);
                if departments.is_empty() {
                    continue;
                }
                if let Some(assignee) = meet_assignee(a.assignee, b.assignee) {
                    plan.terms.push(Term {
                        class: a.class,
                        departments,
                        assignee,
                    });
                }
            }
        }
        plan
    }
}
