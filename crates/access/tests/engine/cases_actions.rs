//! Hand-written cases for every row of the Actions table, both ways, and for the Effects
//! column.

// Table rows are wide: one column per condition of the rule.
#![allow(clippy::too_many_arguments)]

use access::{
    Action, ConversationId, DepartmentId, Outcome, Reason, Status, Transition, User, UserId,
};
use rstest::rstest;

use crate::fixture::{BOSS, COLLEAGUE, Fx, INACTIVE, ME, NORTH, SALES, SUPPORT, Who, conv, user};
use crate::world::OTHER_ACC;

/// An action as a table writes it (targets by id; `Stranger` is a user of another account).
#[derive(Clone, Copy, Debug)]
enum A {
    View,
    ViewDetails,
    Assume,
    Reply,
    Note,
    Transfer(UserId),
    TransferToStranger,
    ChangeDepartment(DepartmentId),
    Finish,
    FinishInSurvey,
    Reopen,
    Tag,
    Untag,
    LinkContact,
}

fn stranger() -> User {
    User {
        account: OTHER_ACC,
        ..user(UserId(50), "member:1 member:2 agent")
    }
}

fn action<'a>(fx: &'a Fx, stranger: &'a User, a: A) -> Action<'a> {
    match a {
        A::View => Action::View,
        A::ViewDetails => Action::ViewDetails,
        A::Assume => Action::Assume,
        A::Reply => Action::Reply,
        A::Note => Action::Note,
        A::Transfer(id) => Action::Transfer(fx.account.users.get(&id)),
        A::TransferToStranger => Action::Transfer(Some(stranger)),
        A::ChangeDepartment(d) => Action::ChangeDepartment(d),
        A::Finish => Action::Finish,
        A::FinishInSurvey => Action::FinishInSurvey,
        A::Reopen => Action::Reopen,
        A::Tag => Action::Tag,
        A::Untag => Action::Untag,
        A::LinkContact => Action::LinkContact,
    }
}

const ALLOW: Outcome = Outcome::Allow;
const FORBIDDEN: Outcome = Outcome::Forbidden;
const NOT_FOUND: Outcome = Outcome::NotFound;

#[rustfmt::skip]
#[rstest]
// view / note: visibility is the whole requirement.
#[case::view("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::View, ALLOW, "V4w")]
#[case::view_not_visible("", "agent", NORTH, Status::Waiting, Who::Nobody, A::View, NOT_FOUND, "V4w")]
#[case::note_on_finished("", "agent", NORTH, Status::Finished, Who::Me, A::Note, ALLOW, "V2")]
#[case::note_without_any_permission("", "member:2 custom", NORTH, Status::Waiting, Who::Nobody, A::Note, ALLOW, "V4w")]
#[case::note_not_visible("", "agent", NORTH, Status::InProgress, Who::Other, A::Note, NOT_FOUND, "V1")]
// assume
#[case::assume("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::Assume, ALLOW, "conversation.assume")]
#[case::assume_in_progress("", "member:1 agent", SALES, Status::InProgress, Who::Other, A::Assume, FORBIDDEN, "status")]
#[case::assume_finished("", "agent", NORTH, Status::Finished, Who::Me, A::Assume, FORBIDDEN, "status")]
#[case::assume_without_permission("", "member:2 custom", NORTH, Status::Waiting, Who::Nobody, A::Assume, FORBIDDEN, "conversation.assume")]
#[case::assume_not_visible("", "member:1 agent", NORTH, Status::Waiting, Who::Nobody, A::Assume, NOT_FOUND, "V4w")]
// reply
#[case::reply_assignee("", "agent", NORTH, Status::InProgress, Who::Me, A::Reply, ALLOW, "owns")]
#[case::reply_supervisor("", "supervisor:1 agent", NORTH, Status::InProgress, Who::Other, A::Reply, ALLOW, "owns")]
#[case::reply_manage_any("conversation.manage_any", "member:1 custom", SALES, Status::InProgress, Who::Other, A::Reply, ALLOW, "conversation.manage_any")]
#[case::reply_team_colleague("", "member:1 agent", SALES, Status::InProgress, Who::Other, A::Reply, FORBIDDEN, "not_owner")]
#[case::reply_manage_any_elsewhere("conversation.manage_any", "member:1 agent custom@3", SALES, Status::InProgress, Who::Other, A::Reply, FORBIDDEN, "not_owner")]
#[case::reply_survey("", "agent", NORTH, Status::Survey, Who::Me, A::Reply, FORBIDDEN, "status")]
#[case::reply_waiting("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::Reply, FORBIDDEN, "status")]
#[case::reply_not_visible("", "agent", NORTH, Status::InProgress, Who::Other, A::Reply, NOT_FOUND, "V3")]
// transfer
#[case::transfer_waiting("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::Transfer(COLLEAGUE), ALLOW, "conversation.transfer")]
#[case::transfer_waiting_to_self("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::Transfer(ME), ALLOW, "conversation.transfer")]
#[case::transfer_waiting_to_self_needs_assume("conversation.transfer", "member:2 custom", NORTH, Status::Waiting, Who::Nobody, A::Transfer(ME), FORBIDDEN, "conversation.assume")]
#[case::transfer_waiting_to_colleague_without_assume("conversation.transfer", "member:2 custom", NORTH, Status::Waiting, Who::Nobody, A::Transfer(COLLEAGUE), ALLOW, "conversation.transfer")]
#[case::transfer_own("", "member:2 agent", NORTH, Status::InProgress, Who::Me, A::Transfer(COLLEAGUE), ALLOW, "owns")]
#[case::transfer_as_supervisor("", "supervisor:1 agent", NORTH, Status::InProgress, Who::Other, A::Transfer(ME), FORBIDDEN, "target_not_member")]
#[case::transfer_supervisor_member("", "supervisor:2 agent", NORTH, Status::InProgress, Who::Other, A::Transfer(ME), ALLOW, "owns")]
#[case::transfer_to_inactive("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::Transfer(INACTIVE), FORBIDDEN, "target_inactive")]
#[case::transfer_to_non_member("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::Transfer(BOSS), FORBIDDEN, "target_not_member")]
#[case::transfer_to_assignee("", "supervisor:1 agent", NORTH, Status::InProgress, Who::Other, A::Transfer(COLLEAGUE), FORBIDDEN, "target_is_assignee")]
#[case::transfer_not_owner("", "member:1 agent", SALES, Status::InProgress, Who::Other, A::Transfer(ME), FORBIDDEN, "not_owner")]
#[case::transfer_survey("", "member:2 agent", NORTH, Status::Survey, Who::Me, A::Transfer(COLLEAGUE), FORBIDDEN, "status")]
#[case::transfer_finished("", "member:2 agent", NORTH, Status::Finished, Who::Me, A::Transfer(COLLEAGUE), FORBIDDEN, "status")]
#[case::transfer_unknown_target("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::Transfer(UserId(99)), FORBIDDEN, "target_not_found")]
#[case::transfer_other_account("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::TransferToStranger, FORBIDDEN, "target_not_found")]
#[case::transfer_without_permission("", "member:2 custom", NORTH, Status::Waiting, Who::Nobody, A::Transfer(COLLEAGUE), FORBIDDEN, "conversation.transfer")]
#[case::transfer_not_visible("", "member:1 agent", NORTH, Status::Waiting, Who::Nobody, A::Transfer(COLLEAGUE), NOT_FOUND, "V4w")]
// change_department
#[case::change_department_waiting("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::ChangeDepartment(SUPPORT), ALLOW, "conversation.change_department")]
#[case::change_department_own("", "agent", NORTH, Status::InProgress, Who::Me, A::ChangeDepartment(SUPPORT), ALLOW, "owns")]
#[case::change_department_same("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::ChangeDepartment(NORTH), FORBIDDEN, "same_department")]
#[case::change_department_unknown("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::ChangeDepartment(DepartmentId(99)), FORBIDDEN, "department_not_found")]
#[case::change_department_not_owner("", "member:1 agent", SALES, Status::InProgress, Who::Other, A::ChangeDepartment(SUPPORT), FORBIDDEN, "not_owner")]
#[case::change_department_survey("", "agent", NORTH, Status::Survey, Who::Me, A::ChangeDepartment(SUPPORT), FORBIDDEN, "status")]
#[case::change_department_finished("", "agent", NORTH, Status::Finished, Who::Me, A::ChangeDepartment(SUPPORT), FORBIDDEN, "status")]
#[case::change_department_without_permission("tag.attach", "custom", NORTH, Status::InProgress, Who::Me, A::ChangeDepartment(SUPPORT), FORBIDDEN, "conversation.change_department")]
// finish
#[case::finish_own("", "agent", NORTH, Status::InProgress, Who::Me, A::Finish, ALLOW, "conversation.finish")]
#[case::finish_as_supervisor("", "supervisor:1 agent", NORTH, Status::InProgress, Who::Other, A::Finish, ALLOW, "owns")]
#[case::finish_not_owner("", "member:1 agent", SALES, Status::InProgress, Who::Other, A::Finish, FORBIDDEN, "not_owner")]
#[case::finish_without_permission("conversation.assume", "custom", NORTH, Status::InProgress, Who::Me, A::Finish, FORBIDDEN, "conversation.finish")]
#[case::finish_survey("", "agent", NORTH, Status::Survey, Who::Me, A::Finish, FORBIDDEN, "status")]
// finish_in_survey
#[case::finish_in_survey("conversation.finish_in_survey", "custom", NORTH, Status::Survey, Who::Me, A::FinishInSurvey, ALLOW, "conversation.finish_in_survey")]
#[case::finish_in_survey_seen_by_team("conversation.finish_in_survey", "member:1 custom", SALES, Status::Survey, Who::Other, A::FinishInSurvey, ALLOW, "conversation.finish_in_survey")]
#[case::finish_in_survey_agent("", "agent", NORTH, Status::Survey, Who::Me, A::FinishInSurvey, FORBIDDEN, "conversation.finish_in_survey")]
#[case::finish_in_survey_in_progress("conversation.finish_in_survey", "custom", NORTH, Status::InProgress, Who::Me, A::FinishInSurvey, FORBIDDEN, "status")]
// reopen
#[case::reopen("", "agent", SUPPORT, Status::Finished, Who::Other, A::Reopen, ALLOW, "conversation.reopen")]
#[case::reopen_waiting("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::Reopen, FORBIDDEN, "status")]
#[case::reopen_without_permission("tag.attach", "custom", NORTH, Status::Finished, Who::Me, A::Reopen, FORBIDDEN, "conversation.reopen")]
#[case::reopen_not_visible("", "agent", SALES, Status::Finished, Who::Other, A::Reopen, NOT_FOUND, "V4f")]
// tag / untag / link_contact
#[case::tag("", "agent", NORTH, Status::InProgress, Who::Me, A::Tag, ALLOW, "tag.attach")]
#[case::tag_without("tag.detach", "custom", NORTH, Status::InProgress, Who::Me, A::Tag, FORBIDDEN, "tag.attach")]
#[case::tag_scoped_here("tag.attach", "custom@1", NORTH, Status::InProgress, Who::Me, A::Tag, ALLOW, "tag.attach")]
#[case::tag_scoped_elsewhere("tag.attach", "custom@3", NORTH, Status::InProgress, Who::Me, A::Tag, FORBIDDEN, "tag.attach")]
#[case::untag("", "agent", NORTH, Status::Finished, Who::Me, A::Untag, ALLOW, "tag.detach")]
#[case::untag_without("tag.attach", "custom", NORTH, Status::InProgress, Who::Me, A::Untag, FORBIDDEN, "tag.detach")]
#[case::link_contact("", "agent", NORTH, Status::Waiting, Who::Nobody, A::LinkContact, NOT_FOUND, "V4w")]
#[case::link_contact_member("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::LinkContact, ALLOW, "contact.link")]
#[case::link_contact_without("tag.attach", "custom", NORTH, Status::InProgress, Who::Me, A::LinkContact, FORBIDDEN, "contact.link")]
#[case::view_details("", "member:2 agent", NORTH, Status::Waiting, Who::Nobody, A::ViewDetails, ALLOW, "V4w")]
fn action_row(
    #[case] custom: &str,
    #[case] me: &str,
    #[case] dept: DepartmentId,
    #[case] status: Status,
    #[case] assignee: Who,
    #[case] a: A,
    #[case] outcome: Outcome,
    #[case] code: &str,
) {
    let fx = Fx::new(me).custom(custom);
    let stranger = stranger();
    let p = fx.me();
    let c = conv(1, dept, status, assignee);
    let act = action(&fx, &stranger, a);
    let d = p.decide(&c, act);
    assert_eq!(d.outcome(), outcome, "{a:?} by {me} on {c:?}: {d:?}");
    assert!(d.mentions(code), "{d:?} should mention {code}");
    if d.is_allowed() {
        assert!(d.reasons().iter().all(Reason::is_grant), "{d:?}");
    } else {
        assert!(!d.reasons().iter().any(Reason::is_grant), "{d:?}");
    }
}

/// A denied action lists every failed requirement, not only the first.
#[test]
fn deny_lists_every_missing_requirement() {
    let fx = Fx::new("member:1 custom").custom("conversations.finished.view_company");
    let p = fx.me();
    let c = conv(1, SALES, Status::Finished, Who::Other);
    let d = p.decide(&c, Action::Transfer(Some(fx.user(INACTIVE))));
    assert_eq!(d.outcome(), Outcome::Forbidden);
    for code in [
        "status",
        "conversation.transfer",
        "not_owner",
        "target_inactive",
    ] {
        assert!(d.mentions(code), "{d:?} should mention {code}");
    }
    let c = conv(2, SALES, Status::InProgress, Who::Other);
    let p = Fx::new("member:1 custom")
        .custom("conversations.in_progress.view_company")
        .me();
    let d = p.decide(&c, Action::Finish);
    assert!(
        d.mentions("not_owner") && d.mentions("conversation.finish"),
        "{d:?}"
    );
}

/// An allow names what granted it, and not what did not take part.
#[test]
fn allow_names_only_what_granted() {
    let fx = Fx::new("member:1 agent");
    let p = fx.me();
    let c = conv(1, SALES, Status::InProgress, Who::Me);
    let d = p.decide(&c, Action::Finish);
    assert!(d.is_allowed());
    for code in ["V1", "V4p", "owns", "conversation.finish"] {
        assert!(d.mentions(code), "{d:?} should mention {code}");
    }
    for code in [
        "V3",
        "V5",
        "conversation.manage_any",
        "conversation.assume",
        "status",
    ] {
        assert!(!d.mentions(code), "{d:?} should not mention {code}");
    }
    assert!(d.reasons().contains(&Reason::Owns(access::Via::Assignee)));
}

#[test]
fn v5_grant_names_its_view_permission() {
    let fx = Fx::new("custom")
        .settings("waiting_queue=admins")
        .custom("conversations.waiting.view_company");
    let d = fx
        .me()
        .explain_visible(&conv(1, NORTH, Status::Waiting, Who::Nobody));
    assert!(d.is_allowed());
    assert!(d.mentions("V5") && d.mentions("conversations.waiting.view_company"));
    assert!(!d.mentions("conversations.waiting.view_department"));
}

/// The Effects column.
#[rustfmt::skip]
#[rstest]
#[case::assume("", "member:2 agent", Status::Waiting, Who::Nobody, A::Assume, Some((Status::InProgress, Some(ME), NORTH)))]
#[case::reopen("", "supervisor:1 agent", Status::Finished, Who::Other, A::Reopen, Some((Status::InProgress, Some(ME), NORTH)))]
#[case::reopen_unassigned("", "supervisor:2 agent", Status::Finished, Who::Nobody, A::Reopen, Some((Status::InProgress, Some(ME), NORTH)))]
#[case::transfer_waiting("", "member:2 agent", Status::Waiting, Who::Nobody, A::Transfer(COLLEAGUE), Some((Status::InProgress, Some(COLLEAGUE), NORTH)))]
#[case::transfer_own("", "member:2 agent", Status::InProgress, Who::Me, A::Transfer(COLLEAGUE), Some((Status::InProgress, Some(COLLEAGUE), NORTH)))]
#[case::change_department("", "agent", Status::InProgress, Who::Me, A::ChangeDepartment(SUPPORT), Some((Status::Waiting, None, SUPPORT)))]
#[case::change_department_waiting("", "member:2 agent", Status::Waiting, Who::Nobody, A::ChangeDepartment(SALES), Some((Status::Waiting, None, SALES)))]
#[case::finish("", "agent", Status::InProgress, Who::Me, A::Finish, Some((Status::Finished, Some(ME), NORTH)))]
#[case::finish_to_survey("satisfaction_survey=true", "agent", Status::InProgress, Who::Me, A::Finish, Some((Status::Survey, Some(ME), NORTH)))]
#[case::finish_by_supervisor_keeps_assignee("", "supervisor:2 agent", Status::InProgress, Who::Other, A::Finish, Some((Status::Finished, Some(COLLEAGUE), NORTH)))]
#[case::finish_in_survey("satisfaction_survey=true", "agent custom", Status::Survey, Who::Me, A::FinishInSurvey, Some((Status::Finished, Some(ME), NORTH)))]
#[case::view("", "agent", Status::InProgress, Who::Me, A::View, None)]
#[case::note("", "agent", Status::InProgress, Who::Me, A::Note, None)]
#[case::reply("", "agent", Status::InProgress, Who::Me, A::Reply, None)]
#[case::tag("", "agent", Status::InProgress, Who::Me, A::Tag, None)]
#[case::untag("", "agent", Status::InProgress, Who::Me, A::Untag, None)]
#[case::link_contact("", "agent", Status::InProgress, Who::Me, A::LinkContact, None)]
fn effects(
    #[case] settings: &str,
    #[case] me: &str,
    #[case] status: Status,
    #[case] assignee: Who,
    #[case] a: A,
    #[case] after: Option<(Status, Option<UserId>, DepartmentId)>,
) {
    let fx = Fx::new(me)
        .settings(settings)
        .custom("conversation.finish_in_survey");
    let stranger = stranger();
    let p = fx.me();
    let c = conv(1, NORTH, status, assignee);
    let act = action(&fx, &stranger, a);
    assert!(p.decide(&c, act).is_allowed(), "{:?}", p.decide(&c, act));
    let expected = after.map(|(status, assignee, department)| Transition {
        status,
        assignee,
        department,
    });
    assert_eq!(p.transition(&c, act), expected);
}

/// Denied actions on conversations of another account are NotFound even for the owner who
/// "supervises" departments with the same ids.
#[test]
fn other_account_actions_are_not_found() {
    let fx = Fx::new("supervisor:1 supervisor:3 owner");
    let stranger = stranger();
    let p = fx.me();
    let c = access::Conversation {
        id: ConversationId(5),
        account: OTHER_ACC,
        department: SALES,
        status: Status::InProgress,
        assignee: Some(ME),
    };
    for a in [
        A::View,
        A::ViewDetails,
        A::Assume,
        A::Reply,
        A::Note,
        A::Transfer(COLLEAGUE),
        A::TransferToStranger,
        A::ChangeDepartment(SUPPORT),
        A::Finish,
        A::FinishInSurvey,
        A::Reopen,
        A::Tag,
        A::Untag,
        A::LinkContact,
    ] {
        let d = p.decide(&c, action(&fx, &stranger, a));
        assert_eq!(d.outcome(), Outcome::NotFound, "{a:?}");
        assert_eq!(d.reasons(), &[Reason::OtherAccount]);
    }
}
