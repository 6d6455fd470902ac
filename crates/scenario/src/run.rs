//! Running a scenario's expectations through a [`Backend`] and reporting failures in words.

use std::collections::BTreeSet;
use std::net::IpAddr;

use access::explain::{self, Lang};
use access::{ConversationId, Decision, Inbox, Principal, Tab, UserChange, UserId};

use crate::model::{Check, Expectation, Scenario, Subject};

/// What answers the questions of a scenario: the in-memory engine ([`Memory`]) or, later, the
/// store through SQL. Both must give the same answers.
pub trait Backend {
    /// The error a backend may meet (I/O for a database; none in memory).
    type Error: std::fmt::Display;

    /// The decision for a `can:` / `cannot:` question.
    fn decide(
        &mut self,
        user: UserId,
        from: IpAddr,
        subject: &Subject,
    ) -> Result<Decision, Self::Error>;

    /// The conversations `user` sees in `tab`, newest first.
    fn list(
        &mut self,
        user: UserId,
        from: IpAddr,
        tab: Tab,
    ) -> Result<Vec<ConversationId>, Self::Error>;

    /// Why `user` does or does not see a conversation (for failure messages).
    fn explain_visible(
        &mut self,
        user: UserId,
        from: IpAddr,
        conversation: ConversationId,
    ) -> Result<Decision, Self::Error>;
}

/// The in-memory engine over a parsed scenario.
pub struct Memory<'s> {
    scenario: &'s Scenario,
    inbox: Inbox,
}

/// An error the in-memory backend can meet: an id the scenario does not hold (never for a
/// parsed file).
#[derive(Debug, thiserror::Error)]
#[error("the scenario has no {0}")]
pub struct Missing(String);

impl<'s> Memory<'s> {
    /// Builds the in-memory account of a scenario.
    pub fn new(scenario: &'s Scenario) -> Memory<'s> {
        // Later conversations in the list count as newer activity.
        let inbox = Inbox::new(
            scenario
                .conversations
                .iter()
                .zip(1..)
                .map(|(c, at)| (*c, at)),
        );
        Memory { scenario, inbox }
    }

    /// The principal of `user` for a request from `from`.
    pub fn principal(&self, user: UserId, from: IpAddr) -> Result<Principal, Missing> {
        let u = self
            .scenario
            .account
            .users
            .get(&user)
            .ok_or_else(|| Missing(user.to_string()))?;
        Ok(Principal::resolve(&self.scenario.account.config, u, from))
    }

    fn conversation(&self, id: ConversationId) -> Result<&access::Conversation, Missing> {
        self.inbox.get(id).ok_or_else(|| Missing(id.to_string()))
    }
}

impl Backend for Memory<'_> {
    type Error = Missing;

    fn decide(
        &mut self,
        user: UserId,
        from: IpAddr,
        subject: &Subject,
    ) -> Result<Decision, Missing> {
        let p = self.principal(user, from)?;
        let account = &self.scenario.account;
        Ok(match subject {
            Subject::Action {
                action,
                conversation,
                to_user,
                to_department,
            } => {
                let c = self.conversation(*conversation)?;
                let target = to_user.and_then(|t| account.users.get(&t));
                let action = action
                    .with(target, *to_department)
                    .ok_or_else(|| Missing("to_department".into()))?;
                p.decide(c, action)
            }
            Subject::Login => p.decide_login(),
            Subject::ManageUser { target } => {
                p.decide_manage_user(account, UserChange::Touch(*target))
            }
            Subject::Permission {
                permission,
                conversation: None,
            } => p.decide_permission(*permission),
            Subject::Permission {
                permission,
                conversation: Some(c),
            } => p.decide_permission_in(*permission, self.conversation(*c)?),
        })
    }

    fn list(
        &mut self,
        user: UserId,
        from: IpAddr,
        tab: Tab,
    ) -> Result<Vec<ConversationId>, Missing> {
        let p = self.principal(user, from)?;
        Ok(self
            .inbox
            .list(&p.plan(tab), None, usize::MAX)
            .into_iter()
            .map(|k| k.id)
            .collect())
    }

    fn explain_visible(
        &mut self,
        user: UserId,
        from: IpAddr,
        conversation: ConversationId,
    ) -> Result<Decision, Missing> {
        let p = self.principal(user, from)?;
        Ok(p.explain_visible(self.conversation(conversation)?))
    }
}

/// One failed expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// 1-based index in `expect:`.
    pub index: usize,
    /// Line of the expectation.
    pub line: usize,
    /// What was expected, what the engine decided and why.
    pub message: String,
}

/// The result of running one scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Expectations that held.
    pub passed: usize,
    /// Expectations that did not.
    pub failed: Vec<Failure>,
}

fn reasons(lang: Lang, s: &Scenario, d: &Decision) -> String {
    let rs: Vec<String> = d
        .reasons()
        .iter()
        .map(|r| format!("[{}] {}", r.code(), explain::reason(lang, &s.names, r)))
        .collect();
    if rs.is_empty() {
        "no reason given".to_owned()
    } else {
        rs.join("; ")
    }
}

fn describe(s: &Scenario, e: &Expectation, subject: &Subject, allowed: bool) -> String {
    let verb = if allowed { "can" } else { "cannot" };
    format!(
        "{} {verb} {} from {}",
        s.names.user_name(e.user),
        subject.describe(&s.names),
        e.from
    )
}

/// Runs every expectation of `scenario` through `backend`; failure messages in `lang`.
pub fn run<B: Backend>(
    scenario: &Scenario,
    backend: &mut B,
    lang: Lang,
) -> Result<Report, B::Error> {
    let mut report = Report::default();
    for e in &scenario.expectations {
        let failure = match &e.check {
            Check::Decision {
                subject,
                allowed,
                because,
            } => {
                let d = backend.decide(e.user, e.from, subject)?;
                let expected = describe(scenario, e, subject, *allowed);
                if d.is_allowed() != *allowed {
                    let got = if d.is_allowed() { "allowed" } else { "denied" };
                    Some(format!(
                        "expected {expected}; the engine {got}: {}",
                        reasons(lang, scenario, &d)
                    ))
                } else {
                    because.filter(|b| !d.mentions(b.code())).map(|b| {
                        format!(
                            "expected {expected} because {}; the engine agreed but for other reasons: {}",
                            b.code(),
                            reasons(lang, scenario, &d)
                        )
                    })
                }
            }
            Check::Tab { tab, sees } => {
                let got: BTreeSet<ConversationId> =
                    backend.list(e.user, e.from, *tab)?.into_iter().collect();
                let want: BTreeSet<ConversationId> = sees.iter().copied().collect();
                if got == want {
                    None
                } else {
                    let n = &scenario.names;
                    let mut parts = Vec::new();
                    for c in want.difference(&got) {
                        let why = backend.explain_visible(e.user, e.from, *c)?;
                        parts.push(format!(
                            "missing {} ({})",
                            n.conversation_name(*c),
                            reasons(lang, scenario, &why)
                        ));
                    }
                    for c in got.difference(&want) {
                        let why = backend.explain_visible(e.user, e.from, *c)?;
                        parts.push(format!(
                            "unexpected {} ({})",
                            n.conversation_name(*c),
                            reasons(lang, scenario, &why)
                        ));
                    }
                    let list = |set: &BTreeSet<ConversationId>| {
                        set.iter()
                            .map(|c| n.conversation_name(*c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    Some(format!(
                        "expected {} to see [{}] in tab {}; the engine lists [{}]: {}",
                        n.user_name(e.user),
                        list(&want),
                        tab.id(),
                        list(&got),
                        parts.join("; ")
                    ))
                }
            }
        };
        match failure {
            Some(message) => report.failed.push(Failure {
                index: e.index,
                line: e.line,
                message,
            }),
            None => report.passed += 1,
        }
    }
    Ok(report)
}
