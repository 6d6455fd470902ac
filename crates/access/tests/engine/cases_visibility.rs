//! Hand-written cases for every row of the visibility table (V1..V5), both ways, for the gates
//! (account, inactive, no active binding, networks) and for `details_visible`.

// Table rows are wide: one column per condition of the rule.
#![allow(clippy::too_many_arguments)]

use access::{
    AccessOption, Action, Conversation, ConversationId, Outcome, Reason, Rule, Status, StatusClass,
    Unmet,
};
use rstest::rstest;

use crate::fixture::{CUSTOM, Fx, L2, ME, NORTH, SALES, SUPPORT, Who, conv};
use crate::world::OTHER_ACC;

/// Rules from their ids, space separated.
fn rules(spec: &str) -> Vec<Rule> {
    spec.split_whitespace()
        .map(|id| Rule::from_id(id).unwrap())
        .collect()
}

#[rustfmt::skip]
#[rstest]
// V1 assignee: in progress or survey, assigned to me, wherever.
#[case::v1_in_progress("", "", "agent", NORTH, Status::InProgress, Who::Me, "V1")]
#[case::v1_survey("", "", "agent", NORTH, Status::Survey, Who::Me, "V1")]
#[case::v1_and_team("", "", "member:1 agent", SALES, Status::InProgress, Who::Me, "V1 V4p")]
// V2 my finished.
#[case::v2_my_finished("", "", "agent", NORTH, Status::Finished, Who::Me, "V2")]
// V3 supervision: the subtree, any status, whatever the queues.
#[case::v3_child_of_supervised("", "", "supervisor:1 agent", NORTH, Status::InProgress, Who::Other, "V3")]
#[case::v3_supervised_itself("", "", "supervisor:2 agent", NORTH, Status::Survey, Who::Other, "V3")]
#[case::v3_waiting_admins_queue("waiting_queue=admins", "", "supervisor:3 agent", L2, Status::Waiting, Who::Nobody, "V3")]
#[case::v3_finished_admins_queue("finished_queue=admins my_finished_queue=false", "", "supervisor:1 agent", NORTH, Status::Finished, Who::Other, "V3")]
#[case::v3_supervisor_is_a_member("", "", "supervisor:2 agent", NORTH, Status::Waiting, Who::Nobody, "V3 V4w")]
// V4w waiting queue.
#[case::v4w_member("", "", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, "V4w")]
// V4p team in progress.
#[case::v4p_team("", "", "member:1 agent", SALES, Status::InProgress, Who::Other, "V4p")]
#[case::v4p_all("", "", "member:3 agent", SUPPORT, Status::Survey, Who::Other, "V4p")]
#[case::v4p_shared_inbox_opens_agent("shared_inbox=true", "", "member:2 agent", NORTH, Status::InProgress, Who::Other, "V4p")]
// V4f team finished.
#[case::v4f_all_for_everyone("", "", "agent", SUPPORT, Status::Finished, Who::Other, "V4f")]
#[case::v4f_all_unassigned("", "", "agent", SUPPORT, Status::Finished, Who::Nobody, "V4f")]
#[case::v4f_team_member("", "", "member:1 agent", SALES, Status::Finished, Who::Other, "V4f")]
#[case::v4f_and_v2("", "", "member:1 agent", SALES, Status::Finished, Who::Me, "V2 V4f")]
// V5 scoped views.
#[case::v5_waiting_company("waiting_queue=admins", "conversations.waiting.view_company", "custom", NORTH, Status::Waiting, Who::Nobody, "V5")]
#[case::v5_waiting_department_member("waiting_queue=admins", "conversations.waiting.view_department", "member:2 custom", NORTH, Status::Waiting, Who::Nobody, "V5")]
#[case::v5_company_scoped_to_subtree("", "conversations.in_progress.view_company", "custom@1", NORTH, Status::InProgress, Who::Other, "V5")]
#[case::v5_department_scoped_to_subtree("waiting_queue=admins", "conversations.waiting.view_department", "member:2 custom@1", NORTH, Status::Waiting, Who::Nobody, "V5")]
#[case::v5_survey_is_in_progress_class("", "conversations.in_progress.view_company", "custom", NORTH, Status::Survey, Who::Other, "V5")]
#[case::v5_finished_department("finished_queue=admins", "conversations.finished.view_department", "member:2 custom", NORTH, Status::Finished, Who::Other, "V5")]
#[case::v5_admin_sees_admins_waiting_queue("waiting_queue=admins", "", "admin", L2, Status::Waiting, Who::Nobody, "V5")]
#[case::v5_owner_sees_admins_finished_queue("finished_queue=admins", "", "owner", NORTH, Status::Finished, Who::Nobody, "V5")]
#[case::v5_and_v4p("", "", "member:1 admin", SALES, Status::InProgress, Who::Other, "V4p V5")]
fn visible_by(
    #[case] settings: &str,
    #[case] custom: &str,
    #[case] me: &str,
    #[case] dept: access::DepartmentId,
    #[case] status: Status,
    #[case] assignee: Who,
    #[case] granting: &str,
) {
    let fx = Fx::new(me).settings(settings).custom(custom);
    let p = fx.me();
    let c = conv(1, dept, status, assignee);
    assert!(p.visible(&c), "{me} should see {c:?}");
    let d = p.explain_visible(&c);
    assert_eq!(d.outcome(), Outcome::Allow);
    let mut got: Vec<Rule> = d
        .reasons()
        .iter()
        .map(|r| match r {
            Reason::Rule(rule, _) => *rule,
            other => panic!("not a rule: {other:?}"),
        })
        .collect();
    got.sort();
    assert_eq!(got, rules(granting), "{d:?}");
    for r in rules(granting) {
        assert!(d.mentions(r.id()));
    }
    assert!(p.decide(&c, Action::View).is_allowed());
    // The tab of the conversation lists it.
    let tab = match (status.class(), assignee) {
        (StatusClass::Waiting, _) => access::Tab::Waiting,
        (StatusClass::InProgress, Who::Me) => access::Tab::Mine,
        (StatusClass::InProgress, _) => access::Tab::Others,
        (StatusClass::Finished, _) => access::Tab::Finished,
    };
    assert!(p.plan(tab).matches(&c));
}

#[rustfmt::skip]
#[rstest]
#[case::v1_someone_else("", "", "agent", NORTH, Status::InProgress, Who::Other, Rule::V1, Unmet::NotAssignee)]
#[case::v1_not_for_waiting("", "", "agent", NORTH, Status::Waiting, Who::Nobody, Rule::V1, Unmet::StatusClass(StatusClass::InProgress))]
#[case::v2_setting_off("my_finished_queue=false", "", "agent", NORTH, Status::Finished, Who::Me, Rule::V2, Unmet::Setting("my_finished_queue"))]
#[case::v2_someone_else("", "", "agent", NORTH, Status::Finished, Who::Other, Rule::V2, Unmet::NotAssignee)]
#[case::v2_unassigned("", "", "agent", NORTH, Status::Finished, Who::Nobody, Rule::V2, Unmet::NotAssignee)]
#[case::v3_does_not_flow_up("", "", "supervisor:2 agent", SALES, Status::InProgress, Who::Other, Rule::V3, Unmet::NotSupervised)]
#[case::v3_sibling_tree("", "", "supervisor:3 agent", NORTH, Status::InProgress, Who::Other, Rule::V3, Unmet::NotSupervised)]
#[case::v3_membership_does_not_flow_down("", "", "member:1 agent", NORTH, Status::InProgress, Who::Other, Rule::V4p, Unmet::NotMember)]
#[case::v4w_admins_queue("waiting_queue=admins", "", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, Rule::V4w, Unmet::Setting("waiting_queue"))]
#[case::v4w_member_of_parent_only("", "", "member:1 agent", NORTH, Status::Waiting, Who::Nobody, Rule::V4w, Unmet::NotMember)]
#[case::v4p_access_agent("", "", "member:2 agent", NORTH, Status::InProgress, Who::Other, Rule::V4p, Unmet::Access(AccessOption::Agent))]
#[case::v4p_all_needs_membership("", "", "agent", SUPPORT, Status::InProgress, Who::Other, Rule::V4p, Unmet::NotMember)]
#[case::v4p_shared_inbox_needs_membership("shared_inbox=true", "", "agent", NORTH, Status::InProgress, Who::Other, Rule::V4p, Unmet::NotMember)]
#[case::v4f_team_non_member("", "", "agent", SALES, Status::Finished, Who::Other, Rule::V4f, Unmet::NotMember)]
#[case::v4f_access_agent("", "", "member:2 agent", NORTH, Status::Finished, Who::Other, Rule::V4f, Unmet::Access(AccessOption::Agent))]
#[case::v4f_admins_queue("finished_queue=admins", "", "agent", SUPPORT, Status::Finished, Who::Other, Rule::V4f, Unmet::Setting("finished_queue"))]
#[case::v4f_shared_inbox_does_not_open_finished("shared_inbox=true", "", "member:2 agent", NORTH, Status::Finished, Who::Other, Rule::V4f, Unmet::Access(AccessOption::Agent))]
#[case::v5_department_view_needs_membership("waiting_queue=admins", "conversations.waiting.view_department", "custom", NORTH, Status::Waiting, Who::Nobody, Rule::V5, Unmet::NoViewPermission(StatusClass::Waiting))]
#[case::v5_other_class("", "conversations.finished.view_company conversations.in_progress.view_company", "custom", NORTH, Status::Waiting, Who::Nobody, Rule::V5, Unmet::NoViewPermission(StatusClass::Waiting))]
#[case::v5_scope_elsewhere("", "conversations.in_progress.view_company", "custom@1", L2, Status::InProgress, Who::Other, Rule::V5, Unmet::NoViewPermission(StatusClass::InProgress))]
#[case::v5_scope_is_not_upward("", "conversations.in_progress.view_company", "custom@2", SALES, Status::InProgress, Who::Other, Rule::V5, Unmet::NoViewPermission(StatusClass::InProgress))]
#[case::v5_agent_has_no_view("waiting_queue=admins", "", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, Rule::V5, Unmet::NoViewPermission(StatusClass::Waiting))]
fn not_visible(
    #[case] settings: &str,
    #[case] custom: &str,
    #[case] me: &str,
    #[case] dept: access::DepartmentId,
    #[case] status: Status,
    #[case] assignee: Who,
    #[case] rule: Rule,
    #[case] unmet: Unmet,
) {
    let fx = Fx::new(me).settings(settings).custom(custom);
    let p = fx.me();
    let c = conv(1, dept, status, assignee);
    assert!(!p.visible(&c), "{me} should not see {c:?}");
    let d = p.explain_visible(&c);
    assert_eq!(d.outcome(), Outcome::NotFound);
    assert!(
        d.reasons().contains(&Reason::RuleNotMet(rule, unmet)),
        "expected {rule:?}: {unmet:?} among {d:?}"
    );
    // Every rule says why it did not apply.
    for r in Rule::ALL {
        assert!(
            d.reasons()
                .iter()
                .any(|x| matches!(x, Reason::RuleNotMet(q, _) if *q == r)),
            "{r:?} missing from {d:?}"
        );
    }
    assert_eq!(p.decide(&c, Action::View).outcome(), Outcome::NotFound);
    for tab in access::Tab::ALL {
        assert!(!p.plan(*tab).matches(&c));
    }
}

#[test]
fn inactive_user_sees_nothing() {
    let fx = Fx::new("member:1 owner inactive");
    let p = fx.me();
    let c = conv(1, SALES, Status::InProgress, Who::Me);
    assert!(!p.visible(&c));
    let d = p.explain_visible(&c);
    assert_eq!(d.outcome(), Outcome::NotFound);
    assert_eq!(d.reasons(), &[Reason::UserInactive]);
    assert!(d.mentions("inactive"));
}

#[test]
fn no_active_binding_sees_nothing() {
    let fx = Fx::new("member:1 custom")
        .custom("conversations.in_progress.view_company")
        .networks(CUSTOM, &["10.0.0.0/8"]);
    let c = conv(1, SALES, Status::InProgress, Who::Me);
    let outside = fx.principal_of(ME, "203.0.113.5");
    assert!(!outside.visible(&c));
    assert_eq!(
        outside.explain_visible(&c).reasons(),
        &[Reason::NoActiveBinding]
    );
    assert!(outside.explain_visible(&c).mentions("no_active_binding"));
    let inside = fx.principal_of(ME, "10.1.2.3");
    assert!(inside.visible(&c));
    let mapped = fx.principal_of(ME, "::ffff:10.1.2.3");
    assert!(mapped.visible(&c));
}

/// A role restricted to the office counts only from the office; another binding still works
/// from anywhere (Opa!'s "Redes permitidas" reading).
#[rustfmt::skip]
#[rstest]
#[case::inside("10.1.2.3", true)]
#[case::mapped_inside("::ffff:10.1.2.3", true)]
#[case::outside("203.0.113.5", false)]
#[case::loopback("127.0.0.1", false)]
#[case::ipv6("2001:db8::1", false)]
fn view_permission_from_a_network(#[case] addr: &str, #[case] visible: bool) {
    let fx = Fx::new("agent custom")
        .settings("waiting_queue=admins")
        .custom("conversations.waiting.view_company")
        .networks(CUSTOM, &["10.0.0.0/8"]);
    let p = fx.principal_of(ME, addr);
    assert!(p.is_operational(), "the agent binding works from anywhere");
    let c = conv(1, NORTH, Status::Waiting, Who::Nobody);
    assert_eq!(p.visible(&c), visible);
    assert_eq!(p.plan(access::Tab::Waiting).matches(&c), visible);
}

#[test]
fn another_accounts_conversation_is_not_found() {
    let fx = Fx::new("member:1 supervisor:1 owner");
    let p = fx.me();
    let c = Conversation {
        id: ConversationId(9),
        account: OTHER_ACC,
        department: SALES,
        status: access::Status::InProgress,
        assignee: Some(ME),
    };
    assert!(!p.visible(&c));
    let d = p.explain_visible(&c);
    assert_eq!(d.outcome(), Outcome::NotFound);
    assert_eq!(d.reasons(), &[Reason::OtherAccount]);
    assert!(d.mentions("not_found"));
    for tab in access::Tab::ALL {
        assert!(!p.plan(*tab).matches(&c));
    }
}

/// A conversation of a department the account does not have (a stale id) is seen only through
/// rules that do not need the department: V1/V2 and an account-scoped company view.
#[rustfmt::skip]
#[rstest]
#[case::assignee("member:1 agent", Status::InProgress, Who::Me, true)]
#[case::company_view("admin", Status::Waiting, Who::Nobody, true)]
#[case::member_elsewhere("member:1 supervisor:3 agent", Status::Waiting, Who::Nobody, false)]
fn unknown_department(
    #[case] me: &str,
    #[case] status: Status,
    #[case] who: Who,
    #[case] visible: bool,
) {
    let fx = Fx::new(me);
    let p = fx.me();
    let c = conv(1, access::DepartmentId(77), status, who);
    assert_eq!(p.visible(&c), visible);
    assert_eq!(p.explain_visible(&c).is_allowed(), visible);
}

#[rustfmt::skip]
#[rstest]
#[case::setting_off("", "", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, true, "V4w")]
#[case::hidden_while_waiting("hide_details_until_assumed=true", "", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, false, "details_hidden")]
#[case::hidden_names_the_permission("hide_details_until_assumed=true", "", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, false, "conversation.view_details_unassigned")]
#[case::supervisor_sees_details("hide_details_until_assumed=true", "", "supervisor:1 agent", NORTH, Status::Waiting, Who::Nobody, true, "V3")]
#[case::permission_lifts_it("hide_details_until_assumed=true", "conversation.view_details_unassigned", "member:2 custom", NORTH, Status::Waiting, Who::Nobody, true, "conversation.view_details_unassigned")]
#[case::admin_lifts_it("hide_details_until_assumed=true", "", "admin", NORTH, Status::Waiting, Who::Nobody, true, "conversation.view_details_unassigned")]
#[case::permission_scoped_elsewhere("hide_details_until_assumed=true", "conversation.view_details_unassigned", "member:2 agent custom@3", NORTH, Status::Waiting, Who::Nobody, false, "details_hidden")]
#[case::permission_scoped_here("hide_details_until_assumed=true", "conversation.view_details_unassigned", "member:2 agent custom@1", NORTH, Status::Waiting, Who::Nobody, true, "conversation.view_details_unassigned")]
#[case::assumed_shows_details("hide_details_until_assumed=true", "", "member:1 agent", SALES, Status::InProgress, Who::Other, true, "V4p")]
#[case::survey_shows_details("hide_details_until_assumed=true", "", "agent", NORTH, Status::Survey, Who::Me, true, "V1")]
#[case::finished_shows_details("hide_details_until_assumed=true", "", "agent", SUPPORT, Status::Finished, Who::Nobody, true, "V4f")]
#[case::not_visible_no_details("", "", "agent", NORTH, Status::Waiting, Who::Nobody, false, "V4w")]
fn details(
    #[case] settings: &str,
    #[case] custom: &str,
    #[case] me: &str,
    #[case] dept: access::DepartmentId,
    #[case] status: Status,
    #[case] assignee: Who,
    #[case] shown: bool,
    #[case] code: &str,
) {
    let fx = Fx::new(me).settings(settings).custom(custom);
    let p = fx.me();
    let c = conv(1, dept, status, assignee);
    assert_eq!(p.details_visible(&c), shown);
    let d = p.decide(&c, Action::ViewDetails);
    assert_eq!(d.is_allowed(), shown, "{d:?}");
    let expected = if shown {
        Outcome::Allow
    } else if p.visible(&c) {
        Outcome::Forbidden
    } else {
        Outcome::NotFound
    };
    assert_eq!(d.outcome(), expected);
    assert!(d.mentions(code), "{d:?} should mention {code}");
}
