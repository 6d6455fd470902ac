//! An independent, deliberately plain implementation of ACCESS-MODEL.md, rule by rule, written
//! from the specification's tables and not from the engine: the property tests compare the
//! engine against it. It reads only the world's raw data (departments with parents, roles,
//! users); it does not use the engine's tree walks, principal or `IpNet::contains`.

use std::collections::BTreeSet;
use std::net::IpAddr;

use access::{
    AccessOption, Action, Binding, Conversation, Department, DepartmentId, IpNet, MembershipKind,
    Permission, PermissionSet, QueueAccess, Role, Rule, Scope, Status, User,
};

use crate::world::{ACC, World};

/// The model's `visible`/`has`/`owns`, for one world and one client address.
pub struct Oracle<'w> {
    pub w: &'w World,
    pub addr: IpAddr,
    /// Every binding counts, whatever its networks: what a user *holds* (v2 no escalation).
    pub every_network: bool,
}

/// CIDR containment from first principles; IPv4-mapped IPv6 addresses count as IPv4.
pub fn net_contains(net: &IpNet, addr: IpAddr) -> bool {
    let addr = match addr {
        IpAddr::V6(v6) => {
            let o = v6.octets();
            if o[..10].iter().all(|b| *b == 0) && o[10] == 0xff && o[11] == 0xff {
                IpAddr::V4(std::net::Ipv4Addr::new(o[12], o[13], o[14], o[15]))
            } else {
                IpAddr::V6(v6)
            }
        }
        v4 => v4,
    };
    let prefix = u32::from(net.prefix());
    match (net.addr(), addr) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let bits = |x: std::net::Ipv4Addr| u32::from(x).checked_shr(32 - prefix).unwrap_or(0);
            prefix == 0 || bits(n) == bits(a)
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let bits = |x: std::net::Ipv6Addr| u128::from(x).checked_shr(128 - prefix).unwrap_or(0);
            prefix == 0 || bits(n) == bits(a)
        }
        _ => false,
    }
}

/// Union of the permissions of every binding, whatever its scope or networks ("holds").
pub fn held(w: &World, u: &User) -> PermissionSet {
    u.bindings
        .iter()
        .filter_map(|b| w.config().roles.get(&b.role))
        .fold(PermissionSet::EMPTY, |acc, r| acc.union(r.permissions))
}

/// Active user with an account-scoped binding of a role granting `account.manage` (any network).
pub fn is_account_manager(
    roles: &std::collections::BTreeMap<access::RoleId, Role>,
    u: &User,
) -> bool {
    u.active
        && u.bindings.iter().any(|b| {
            b.scope == Scope::Account
                && roles
                    .get(&b.role)
                    .is_some_and(|r| r.permissions.contains(Permission::AccountManage))
        })
}

fn view_permissions(status: Status) -> (Permission, Permission) {
    match status {
        Status::Waiting => (
            Permission::WaitingViewCompany,
            Permission::WaitingViewDepartment,
        ),
        Status::InProgress | Status::Survey => (
            Permission::InProgressViewCompany,
            Permission::InProgressViewDepartment,
        ),
        Status::Finished => (
            Permission::FinishedViewCompany,
            Permission::FinishedViewDepartment,
        ),
    }
}

impl Oracle<'_> {
    pub fn new(w: &World, addr: IpAddr) -> Oracle<'_> {
        Oracle {
            w,
            addr,
            every_network: false,
        }
    }

    /// The model for what users hold: every binding active, whatever its networks.
    pub fn holding(w: &World) -> Oracle<'_> {
        Oracle {
            w,
            addr: IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            every_network: true,
        }
    }

    fn dept(&self, id: DepartmentId) -> Option<&Department> {
        self.w.depts.iter().find(|d| d.id == id)
    }

    /// `d` is `root` or below it (walks parents; the generator builds a forest).
    pub fn in_subtree(&self, d: DepartmentId, root: DepartmentId) -> bool {
        let mut cur = self.dept(d).map(|x| x.id);
        for _ in 0..=self.w.depts.len() {
            match cur {
                Some(x) if x == root => return true,
                Some(x) => cur = self.dept(x).and_then(|x| x.parent),
                None => return false,
            }
        }
        false
    }

    fn binding_active(&self, b: &Binding) -> bool {
        self.w.config().roles.get(&b.role).is_some_and(|r| {
            self.every_network
                || r.allowed_networks.is_empty()
                || r.allowed_networks
                    .iter()
                    .any(|n| net_contains(n, self.addr))
        })
    }

    /// Active, of the account, with at least one active binding (what `login` needs).
    pub fn operational(&self, u: &User) -> bool {
        u.account == ACC && u.active && u.bindings.iter().any(|b| self.binding_active(b))
    }

    fn grants(&self, b: &Binding, p: Permission) -> bool {
        self.binding_active(b) && self.w.config().roles[&b.role].permissions.contains(p)
    }

    /// `has(U, p, C)` for a conversation in department `d` (active user of the account).
    pub fn has(&self, u: &User, p: Permission, d: DepartmentId) -> bool {
        self.operational(u)
            && u.bindings.iter().any(|b| {
                self.grants(b, p)
                    && match b.scope {
                        Scope::Account => true,
                        Scope::Department(root) => self.in_subtree(d, root),
                    }
            })
    }

    /// `has(U, p)`: an active account-scoped binding.
    pub fn has_account(&self, u: &User, p: Permission) -> bool {
        self.operational(u)
            && u.bindings
                .iter()
                .any(|b| b.scope == Scope::Account && self.grants(b, p))
    }

    /// `U in members(D)`.
    pub fn member(&self, u: &User, d: DepartmentId) -> bool {
        u.account == ACC && u.memberships.iter().any(|m| m.department == d)
    }

    /// `D in supervised(U)`.
    pub fn supervised(&self, u: &User, d: DepartmentId) -> bool {
        u.account == ACC
            && u.memberships
                .iter()
                .any(|m| m.kind == MembershipKind::Supervisor && self.in_subtree(d, m.department))
    }

    /// The rules of the visibility table that grant `C` to `U` (empty: not visible).
    pub fn granting_rules(&self, u: &User, c: &Conversation) -> BTreeSet<Rule> {
        let mut rules = BTreeSet::new();
        if c.account != ACC || !self.operational(u) {
            return rules;
        }
        let s = self.w.config().settings;
        let d = c.department;
        let access = self.dept(d).map(|x| x.access);
        let member = self.member(u, d);
        let mine = c.assignee == Some(u.id);
        let in_progress = matches!(c.status, Status::InProgress | Status::Survey);
        if in_progress && mine {
            rules.insert(Rule::V1);
        }
        if c.status == Status::Finished && mine && s.my_finished_queue {
            rules.insert(Rule::V2);
        }
        if self.supervised(u, d) {
            rules.insert(Rule::V3);
        }
        if c.status == Status::Waiting && member && s.waiting_queue == QueueAccess::Members {
            rules.insert(Rule::V4w);
        }
        if in_progress
            && member
            && (matches!(access, Some(AccessOption::All | AccessOption::Team)) || s.shared_inbox)
        {
            rules.insert(Rule::V4p);
        }
        if c.status == Status::Finished
            && s.finished_queue == QueueAccess::Members
            && (access == Some(AccessOption::All) || (access == Some(AccessOption::Team) && member))
        {
            rules.insert(Rule::V4f);
        }
        let (company, department) = view_permissions(c.status);
        if self.has(u, company, d) || (self.has(u, department, d) && member) {
            rules.insert(Rule::V5);
        }
        rules
    }

    pub fn visible(&self, u: &User, c: &Conversation) -> bool {
        !self.granting_rules(u, c).is_empty()
    }

    pub fn details_visible(&self, u: &User, c: &Conversation) -> bool {
        let hidden = self.w.config().settings.hide_details_until_assumed
            && c.status == Status::Waiting
            && !self.supervised(u, c.department)
            && !self.has(
                u,
                Permission::ConversationViewDetailsUnassigned,
                c.department,
            );
        self.visible(u, c) && !hidden
    }

    pub fn owns(&self, u: &User, c: &Conversation) -> bool {
        c.assignee == Some(u.id)
            || self.supervised(u, c.department)
            || self.has(u, Permission::ConversationManageAny, c.department)
    }

    /// The Actions table: whether `U` may do `a` on `C`.
    pub fn allowed(&self, u: &User, c: &Conversation, a: &Action<'_>) -> bool {
        if !self.visible(u, c) {
            return false;
        }
        let st = c.status;
        let d = c.department;
        let has = |p| self.has(u, p, d);
        let open = matches!(st, Status::Waiting | Status::InProgress);
        let waiting_or_owns = st == Status::Waiting || self.owns(u, c);
        match a {
            Action::View | Action::Note => true,
            Action::ViewDetails => self.details_visible(u, c),
            Action::Assume => st == Status::Waiting && has(Permission::ConversationAssume),
            Action::Reply => st == Status::InProgress && self.owns(u, c),
            Action::Transfer(t) => {
                open && has(Permission::ConversationTransfer)
                    && waiting_or_owns
                    && t.is_some_and(|t| {
                        // docs/access-model.md: taking a waiting conversation for oneself is an
                        // assume, so it needs conversation.assume too.
                        (t.id != u.id
                            || st != Status::Waiting
                            || has(Permission::ConversationAssume))
                            && t.account == ACC
                            && t.active
                            && self.member(t, d)
                            && c.assignee != Some(t.id)
                    })
            }
            Action::ChangeDepartment(to) => {
                open && has(Permission::ConversationChangeDepartment)
                    && waiting_or_owns
                    && self.dept(*to).is_some()
                    && *to != d
            }
            Action::Finish => {
                st == Status::InProgress && self.owns(u, c) && has(Permission::ConversationFinish)
            }
            Action::FinishInSurvey => {
                st == Status::Survey && has(Permission::ConversationFinishInSurvey)
            }
            Action::Reopen => st == Status::Finished && has(Permission::ConversationReopen),
            Action::Tag => has(Permission::TagAttach),
            Action::Untag => has(Permission::TagDetach),
            Action::LinkContact => has(Permission::ContactLink),
        }
    }
}
