//! Hand-written cases for the account-level actions: login with networks, account permissions
//! with department-scoped bindings, `has(U, p, C)`, passwords, `manage_user`, role editing.

use access::{
    Binding, MissingNote, Outcome, Permission, PermissionSet, Principal, Reason, Role, RoleChange,
    RoleId, Scope, User, UserChange, UserId,
};
use rstest::rstest;

use crate::fixture::{
    BOSS, COLLEAGUE, CUSTOM, Fx, INACTIVE, L2, ME, NORTH, SALES, SUPPORT, Who, conv, permissions,
    user,
};
use crate::world::{ADMIN, AGENT, OTHER_ACC, OWNER};

#[rustfmt::skip]
#[rstest]
#[case::no_networks(&[], "custom", "127.0.0.1", true, "active_binding")]
#[case::inside(&["10.0.0.0/8"], "custom", "10.1.2.3", true, "active_binding")]
#[case::inside_edge(&["10.0.0.0/8"], "custom", "10.255.255.255", true, "active_binding")]
#[case::outside(&["10.0.0.0/8"], "custom", "11.0.0.1", false, "no_active_binding")]
#[case::outside_public(&["10.0.0.0/8"], "custom", "203.0.113.5", false, "no_active_binding")]
#[case::ipv4_mapped_inside(&["10.0.0.0/8"], "custom", "::ffff:10.1.2.3", true, "active_binding")]
#[case::ipv4_mapped_outside(&["10.0.0.0/8"], "custom", "::ffff:11.1.2.3", false, "no_active_binding")]
#[case::ipv6_client_v4_network(&["10.0.0.0/8"], "custom", "2001:db8::1", false, "no_active_binding")]
#[case::ipv6_network(&["2001:db8::/32"], "custom", "2001:db8:1::5", true, "active_binding")]
#[case::ipv6_network_v4_client(&["2001:db8::/32"], "custom", "10.1.2.3", false, "no_active_binding")]
#[case::mapped_network(&["::ffff:10.0.0.0/104"], "custom", "10.1.2.3", true, "active_binding")]
#[case::host(&["203.0.113.5"], "custom", "203.0.113.5", true, "active_binding")]
#[case::host_other(&["203.0.113.5"], "custom", "203.0.113.6", false, "no_active_binding")]
#[case::second_network(&["192.168.0.0/16", "203.0.113.0/24"], "custom", "203.0.113.5", true, "active_binding")]
#[case::another_binding_from_anywhere(&["10.0.0.0/8"], "agent custom", "203.0.113.5", true, "active_binding")]
#[case::unknown_address(&["10.0.0.0/8"], "custom", "unknown", false, "no_active_binding")]
#[case::unknown_address_every_network(&["0.0.0.0/0", "::/0"], "custom", "unknown", false, "no_active_binding")]
#[case::unknown_address_no_networks(&[], "custom", "unknown", true, "active_binding")]
#[case::unknown_address_another_binding(&["10.0.0.0/8"], "agent custom", "unknown", true, "active_binding")]
#[case::inactive(&[], "agent inactive", "127.0.0.1", false, "inactive")]
#[case::no_binding(&[], "member:1", "127.0.0.1", false, "no_active_binding")]
fn login(
    #[case] nets: &[&str],
    #[case] me: &str,
    #[case] addr: &str,
    #[case] allowed: bool,
    #[case] code: &str,
) {
    let fx = Fx::new(me).custom("tag.attach").networks(CUSTOM, nets);
    let p = fx.principal_of(ME, addr);
    let d = p.decide_login();
    assert_eq!(d.is_allowed(), allowed, "{d:?}");
    assert_eq!(p.is_operational(), allowed);
    assert!(d.mentions(code), "{d:?} should mention {code}");
    if !allowed {
        assert_eq!(d.outcome(), Outcome::Forbidden);
        for tab in access::Tab::ALL {
            assert!(p.plan(*tab).is_empty());
        }
    }
}

/// Agent from anywhere, admin only from the office (the model's reading of "Redes permitidas").
#[rustfmt::skip]
#[rstest]
#[case::office("10.1.2.3", true)]
#[case::office_mapped("::ffff:10.1.2.3", true)]
#[case::home("203.0.113.5", false)]
fn admin_only_from_the_office(#[case] addr: &str, #[case] admin: bool) {
    let fx = Fx::new("agent admin").networks(ADMIN, &["10.0.0.0/8"]);
    let p = fx.principal_of(ME, addr);
    assert!(p.decide_login().is_allowed());
    let d = p.decide_permission(Permission::UsersManage);
    assert_eq!(d.is_allowed(), admin);
    if !admin {
        assert_eq!(
            d.reasons(),
            &[Reason::MissingPermission(
                Permission::UsersManage,
                MissingNote::OutsideAllowedNetworks
            )]
        );
    }
    // Agent permissions hold either way.
    assert!(
        p.decide_permission(Permission::ConversationStartUnregistered)
            .is_allowed()
    );
    // And the admin's company views follow the network.
    let c = conv(1, SUPPORT, access::Status::InProgress, Who::Other);
    assert_eq!(p.visible(&c), admin);
    // "Holds" for no escalation counts the blocked binding too.
    assert!(p.held_permissions().contains(Permission::UsersManage));
}

/// Something that acts for a user with no client address (an outbound webhook): only roles
/// without allowed networks act, whatever the networks (even one containing every address).
#[rustfmt::skip]
#[rstest]
#[case::no_networks(&[], true)]
#[case::office(&["10.0.0.0/8"], false)]
#[case::every_ipv4_address(&["0.0.0.0/0"], false)]
#[case::every_address(&["0.0.0.0/0", "::/0"], false)]
fn unaddressed_principal_ignores_network_roles(#[case] nets: &[&str], #[case] admin: bool) {
    let fx = Fx::new("agent admin").networks(ADMIN, nets);
    let p = Principal::resolve_unaddressed(&fx.account.config, fx.user(ME));
    assert!(p.decide_login().is_allowed(), "the agent role acts from anywhere");
    assert_eq!(p.decide_permission(Permission::UsersManage).is_allowed(), admin);
    let c = conv(1, SUPPORT, access::Status::InProgress, Who::Other);
    assert_eq!(p.visible(&c), admin);
    // Only network-restricted roles: no binding acts.
    let only = Fx::new("custom").custom("settings.webhooks").networks(CUSTOM, nets);
    let p = Principal::resolve_unaddressed(&only.account.config, only.user(ME));
    assert_eq!(p.is_operational(), nets.is_empty());
    // An inactive user acts in nothing.
    let p = Principal::resolve_unaddressed(&fx.account.config, fx.user(INACTIVE));
    assert_eq!(p.standing(), access::Standing::Inactive);
}

#[test]
fn network_blocked_account_permission_is_named() {
    let fx = Fx::new("custom")
        .custom("audit.view")
        .networks(CUSTOM, &["10.0.0.0/8"]);
    let p = fx.principal_of(ME, "203.0.113.5");
    let d = p.decide_permission(Permission::AuditView);
    assert!(!d.is_allowed());
    assert!(
        d.mentions("no_active_binding") && d.mentions("audit.view"),
        "{d:?}"
    );
    assert!(d.reasons().contains(&Reason::MissingPermission(
        Permission::AuditView,
        MissingNote::OutsideAllowedNetworks
    )));
}

/// `decide_permission` is `has(U, p)`: only account-scoped bindings count.
#[rustfmt::skip]
#[rstest]
#[case::admin_account("admin", Permission::UsersManage, true, None)]
#[case::admin_department("admin@1", Permission::UsersManage, false, Some(MissingNote::OnlyDepartmentScoped))]
#[case::agent_and_admin_department("agent admin@1", Permission::UsersManage, false, Some(MissingNote::OnlyDepartmentScoped))]
#[case::owner_department("agent owner@3", Permission::AccountManage, false, Some(MissingNote::OnlyDepartmentScoped))]
#[case::owner_department_conversation_permission("agent owner@3", Permission::ConversationManageAny, false, Some(MissingNote::OnlyDepartmentScoped))]
#[case::agent("agent", Permission::UsersManage, false, Some(MissingNote::NotGranted))]
#[case::agent_contacts_edit("agent", Permission::ContactsEdit, false, Some(MissingNote::NotGranted))]
#[case::agent_start_unregistered("agent", Permission::ConversationStartUnregistered, true, None)]
#[case::admin_roles("admin", Permission::RolesManage, false, Some(MissingNote::NotGranted))]
#[case::admin_account_manage("admin", Permission::AccountManage, false, Some(MissingNote::NotGranted))]
#[case::owner_account_manage("owner", Permission::AccountManage, true, None)]
#[case::admin_conversation_permission("admin", Permission::ConversationAssume, true, None)]
fn account_permission(
    #[case] me: &str,
    #[case] perm: Permission,
    #[case] allowed: bool,
    #[case] note: Option<MissingNote>,
) {
    let fx = Fx::new(me);
    let p = fx.me();
    let d = p.decide_permission(perm);
    assert_eq!(d.is_allowed(), allowed, "{d:?}");
    assert_eq!(p.has(perm), allowed);
    assert!(d.mentions(perm.id()));
    match note {
        None => assert!(matches!(d.reasons(), [Reason::Permission(q, _)] if *q == perm)),
        Some(note) => assert_eq!(d.reasons(), &[Reason::MissingPermission(perm, note)]),
    }
}

/// `has(U, p, C)`: a department-scoped binding grants inside its subtree only.
#[rustfmt::skip]
#[rstest]
#[case::scope_root("admin@1", SALES, true, None)]
#[case::scope_child("admin@1", NORTH, true, None)]
#[case::scope_elsewhere("admin@1", SUPPORT, false, Some(MissingNote::OtherDepartments))]
#[case::scope_not_upward("admin@2", SALES, false, Some(MissingNote::OtherDepartments))]
#[case::scope_grandchild_tree("admin@3", L2, true, None)]
#[case::account_scope("admin", L2, true, None)]
#[case::not_granted("custom", SALES, false, Some(MissingNote::NotGranted))]
fn permission_in_conversation(
    #[case] me: &str,
    #[case] dept: access::DepartmentId,
    #[case] allowed: bool,
    #[case] note: Option<MissingNote>,
) {
    let fx = Fx::new(me);
    let p = fx.me();
    let c = conv(1, dept, access::Status::Waiting, Who::Nobody);
    let d = p.decide_permission_in(Permission::TagAttach, &c);
    assert_eq!(d.is_allowed(), allowed, "{d:?}");
    if let Some(note) = note {
        assert_eq!(d.outcome(), Outcome::Forbidden);
        assert_eq!(
            d.reasons(),
            &[Reason::MissingPermission(Permission::TagAttach, note)]
        );
    }
}

#[rustfmt::skip]
#[rstest]
#[case::current_given("agent", true, "127.0.0.1", true, "current_password")]
#[case::agent_without_current("agent", false, "127.0.0.1", false, "current_password_required")]
#[case::agent_names_the_permission("agent", false, "127.0.0.1", false, "user.password.change_without_current")]
#[case::admin_without_current("admin", false, "127.0.0.1", true, "user.password.change_without_current")]
#[case::department_admin_without_current("agent admin@1", false, "127.0.0.1", false, "current_password_required")]
#[case::inactive_with_current("admin inactive", true, "127.0.0.1", false, "inactive")]
#[case::network_inside("agent custom", false, "10.1.2.3", true, "user.password.change_without_current")]
#[case::network_outside("agent custom", false, "203.0.113.5", false, "current_password_required")]
fn own_password(
    #[case] me: &str,
    #[case] current: bool,
    #[case] addr: &str,
    #[case] allowed: bool,
    #[case] code: &str,
) {
    let fx = Fx::new(me)
        .custom("user.password.change_without_current")
        .networks(CUSTOM, &["10.0.0.0/8"]);
    let d = fx.principal_of(ME, addr).decide_own_password(current);
    assert_eq!(d.is_allowed(), allowed, "{d:?}");
    assert!(d.mentions(code), "{d:?} should mention {code}");
}

#[rustfmt::skip]
#[rstest]
#[case::admin_on_agent("admin", "", COLLEAGUE, Outcome::Allow, &["user.password.change_others", "users.manage", "no_escalation"])]
#[case::admin_on_inactive_agent("admin", "", INACTIVE, Outcome::Allow, &["no_escalation"])]
#[case::admin_on_self("admin", "", ME, Outcome::Allow, &["no_escalation"])]
#[case::admin_on_owner("admin", "", BOSS, Outcome::Forbidden, &["escalation", "roles.manage", "account.manage"])]
#[case::owner_on_owner("owner", "", BOSS, Outcome::Allow, &["user.password.change_others"])]
#[case::agent_on_agent("agent", "", COLLEAGUE, Outcome::Forbidden, &["users.manage", "user.password.change_others"])]
#[case::manager_without_change_others("agent custom", "users.manage", COLLEAGUE, Outcome::Forbidden, &["user.password.change_others"])]
#[case::change_others_without_manage("custom", "user.password.change_others", COLLEAGUE, Outcome::Forbidden, &["users.manage", "escalation", "conversation.assume"])]
#[case::department_admin("agent admin@1", "", COLLEAGUE, Outcome::Forbidden, &["users.manage", "user.password.change_others"])]
#[case::unknown_target("admin", "", UserId(99), Outcome::NotFound, &["target_not_found"])]
#[case::other_account_target("admin", "", UserId(50), Outcome::NotFound, &["target_not_found"])]
fn password_of(
    #[case] me: &str,
    #[case] custom: &str,
    #[case] target: UserId,
    #[case] outcome: Outcome,
    #[case] codes: &[&str],
) {
    let mut fx = Fx::new(me).custom(custom);
    // A user of another account that somehow sits in the map: still not found.
    let mut stranger = user(UserId(50), "agent");
    stranger.account = OTHER_ACC;
    fx.account.users.insert(stranger.id, stranger);
    let d = fx.me().decide_password_of(&fx.account, target);
    assert_eq!(d.outcome(), outcome, "{d:?}");
    for code in codes {
        assert!(d.mentions(code), "{d:?} should mention {code}");
    }
}

/// A user edited into `spec`.
fn edited(fx: &Fx, id: UserId, spec: &str) -> User {
    User {
        memberships: fx.user(id).memberships.clone(),
        ..user(id, spec)
    }
}

/// `manage_user` T: `users.manage` at account level and no escalation. The custom role is
/// restricted to 10.0.0.0/8; rows act from `addr`.
#[rustfmt::skip]
#[rstest]
#[case::admin_promotes_agent_to_admin("admin", "", "127.0.0.1", COLLEAGUE, "admin", Outcome::Allow, &["no_escalation", "users.manage"])]
#[case::admin_deactivates_agent("admin", "", "127.0.0.1", COLLEAGUE, "agent inactive", Outcome::Allow, &["no_escalation"])]
#[case::admin_scopes_agent("admin", "", "127.0.0.1", COLLEAGUE, "agent@1 admin@2", Outcome::Allow, &["no_escalation"])]
#[case::admin_promotes_to_owner("admin", "", "127.0.0.1", COLLEAGUE, "owner", Outcome::Forbidden, &["escalation", "account.manage", "roles.manage"])]
#[case::admin_promotes_to_department_owner("admin", "", "127.0.0.1", COLLEAGUE, "agent owner@4", Outcome::Forbidden, &["escalation", "account.manage"])]
#[case::admin_demotes_owner("admin", "", "127.0.0.1", BOSS, "agent", Outcome::Forbidden, &["escalation", "account.manage"])]
#[case::admin_cannot_touch_inactive_owner("admin", "", "127.0.0.1", INACTIVE, "agent inactive", Outcome::Forbidden, &["escalation", "account.manage"])]
#[case::owner_demotes_other_owner("owner", "", "127.0.0.1", BOSS, "agent", Outcome::Allow, &["no_escalation"])]
#[case::department_admin("agent admin@1", "", "127.0.0.1", COLLEAGUE, "agent", Outcome::Forbidden, &["users.manage"])]
#[case::target_holds_a_blocked_role("admin", "account.manage", "203.0.113.5", COLLEAGUE, "agent custom", Outcome::Forbidden, &["escalation", "account.manage"])]
#[case::actor_holds_a_blocked_role("admin custom", "roles.manage account.manage", "203.0.113.5", BOSS, "agent", Outcome::Allow, &["no_escalation"])]
#[case::manager_role_outside_its_network("custom", "users.manage", "203.0.113.5", COLLEAGUE, "agent", Outcome::Forbidden, &["users.manage", "escalation"])]
#[case::custom_manager_sees_less("custom", AGENT_PERMS_AND_MANAGE, "10.1.2.3", COLLEAGUE, "agent@2", Outcome::Forbidden, &["visibility_escalation"])]
#[case::custom_manager("custom supervisor:1 supervisor:3", AGENT_PERMS_AND_MANAGE, "10.1.2.3", COLLEAGUE, "agent@2", Outcome::Allow, &["no_escalation"])]
#[case::custom_manager_cannot_give_admin("custom", AGENT_PERMS_AND_MANAGE, "10.1.2.3", COLLEAGUE, "agent admin@2", Outcome::Forbidden, &["escalation", "audit.view"])]
#[case::unknown_target("admin", "", "127.0.0.1", UserId(99), "agent", Outcome::NotFound, &["target_not_found"])]
fn manage_user(
    #[case] me: &str,
    #[case] custom: &str,
    #[case] addr: &str,
    #[case] target: UserId,
    #[case] after: &str,
    #[case] outcome: Outcome,
    #[case] codes: &[&str],
) {
    let fx = Fx::new(me)
        .custom(custom)
        .networks(CUSTOM, &["10.0.0.0/8"])
        .with_user(INACTIVE, "owner inactive");
    let after = if fx.account.users.contains_key(&target) {
        edited(&fx, target, after)
    } else {
        user(target, after)
    };
    let p = fx.principal_of(ME, addr);
    let d = p.decide_manage_user(
        &fx.account,
        UserChange::Edit {
            target,
            after: &after,
        },
    );
    assert_eq!(d.outcome(), outcome, "{d:?}");
    for code in codes {
        assert!(d.mentions(code), "{d:?} should mention {code}");
    }
}

/// v2: memberships and supervision are decided like permissions. "Me" holds `users.manage`
/// (and the agent's permissions) through the custom role and supervises Sales (so sees Sales and
/// Sales North whole); user 30 is created, or "me" edits themself, with the memberships given.
#[rustfmt::skip]
#[rstest]
#[case::member_where_i_see_all("agent member:1", "", true, &["no_escalation"])]
#[case::supervisor_where_i_see_all("agent supervisor:1", "", true, &["no_escalation"])]
#[case::member_elsewhere("agent member:3", "", false, &["membership_escalation", "visibility_escalation"])]
#[case::supervisor_of_the_subtree_below("agent supervisor:2", "", true, &["no_escalation"])]
#[case::member_of_agent_department_elsewhere("agent member:4", "", false, &["membership_escalation"])]
#[case::myself_supervisor_elsewhere("", "custom supervisor:1 supervisor:3", false, &["membership_escalation", "visibility_escalation"])]
#[case::myself_supervisor_below("", "custom supervisor:1 supervisor:2", true, &["no_escalation"])]
#[case::myself_dropping_supervision("", "custom member:1", true, &["no_escalation"])]
fn memberships_are_decided_like_permissions(
    #[case] new: &str,
    #[case] myself_after: &str,
    #[case] allowed: bool,
    #[case] codes: &[&str],
) {
    let fx = Fx::new("custom supervisor:1")
        .custom(AGENT_PERMS_AND_MANAGE)
        .settings("hide_details_until_assumed=true");
    let p = fx.me();
    let d = if myself_after.is_empty() {
        p.decide_manage_user(&fx.account, UserChange::Create(&user(UserId(30), new)))
    } else {
        let after = user(ME, myself_after);
        p.decide_manage_user(&fx.account, UserChange::Edit { target: ME, after: &after })
    };
    assert_eq!(d.is_allowed(), allowed, "{d:?}");
    for code in codes {
        assert!(d.mentions(code), "{d:?} should mention {code}");
    }
}

/// The agent's permissions and `users.manage`.
const AGENT_PERMS_AND_MANAGE: &str = "conversation.assume conversation.transfer conversation.change_department conversation.finish conversation.reopen tag.attach tag.detach contact.link conversation.start_unregistered users.manage";

#[test]
fn agent_perms_and_manage_is_what_it_says() {
    let mut expected = access::BuiltinRole::Agent.permissions();
    expected.insert(Permission::UsersManage);
    assert_eq!(permissions(AGENT_PERMS_AND_MANAGE), expected);
}

/// The account keeps an active `account.manage` holder (account-scoped binding, any network).
#[rustfmt::skip]
#[rstest]
#[case::demote_the_only_owner("agent", BOSS, "agent", false)]
#[case::deactivate_the_only_owner("agent", BOSS, "owner inactive", false)]
#[case::scope_the_only_owner("agent", BOSS, "owner@1", false)]
#[case::department_owner_does_not_count("owner@1 agent", BOSS, "agent", false)]
#[case::second_owner("owner", BOSS, "agent", true)]
#[case::second_owner_from_the_office_counts("owner-office", BOSS, "agent", true)]
#[case::inactive_second_owner_does_not_count("owner inactive", BOSS, "agent", false)]
#[case::keep_owner("agent", BOSS, "owner agent", true)]
fn last_account_manager(
    #[case] me: &str,
    #[case] target: UserId,
    #[case] after: &str,
    #[case] allowed: bool,
) {
    // `owner-office`: an owner through a custom role restricted to 10.0.0.0/8.
    let fx = match me {
        "owner-office" => {
            let all: Vec<&str> = PermissionSet::all().iter().map(Permission::id).collect();
            Fx::new("custom")
                .custom(&all.join(" "))
                .networks(CUSTOM, &["10.0.0.0/8"])
        }
        other => Fx::new(other),
    };
    let after = edited(&fx, target, after);
    // The only owner acts on themself.
    let p = fx.principal_of(BOSS, "127.0.0.1");
    let d = p.decide_manage_user(
        &fx.account,
        UserChange::Edit {
            target,
            after: &after,
        },
    );
    assert_eq!(d.is_allowed(), allowed, "{d:?}");
    assert_eq!(d.mentions("last_account_manager"), !allowed, "{d:?}");
}

/// A user of another account is never managed from this one.
#[test]
fn manage_user_of_another_account_is_not_found() {
    let fx = Fx::new("owner");
    let mut after = fx.user(COLLEAGUE).clone();
    after.account = OTHER_ACC;
    let d = fx.me().decide_manage_user(
        &fx.account,
        UserChange::Edit {
            target: COLLEAGUE,
            after: &after,
        },
    );
    assert_eq!(d.outcome(), Outcome::NotFound);
    let d = fx
        .me()
        .decide_manage_user(&fx.account, UserChange::Create(&after));
    assert_eq!(d.outcome(), Outcome::NotFound);
}

#[rustfmt::skip]
#[rstest]
#[case::admin_creates_agent("admin", "agent", true, "no_escalation")]
#[case::admin_creates_owner("admin", "owner", false, "account.manage")]
#[case::agent_creates_agent("agent", "agent", false, "users.manage")]
fn create_user(#[case] me: &str, #[case] new: &str, #[case] allowed: bool, #[case] code: &str) {
    let fx = Fx::new(me);
    let new = user(UserId(30), new);
    let d = fx
        .me()
        .decide_manage_user(&fx.account, UserChange::Create(&new));
    assert_eq!(d.is_allowed(), allowed, "{d:?}");
    assert!(d.mentions(code), "{d:?}");
}

fn role(id: RoleId, perms: &str) -> Role {
    Role {
        id,
        name: format!("role{}", id.0),
        builtin: None,
        permissions: permissions(perms),
        allowed_networks: Vec::new(),
    }
}

#[derive(Clone, Copy, Debug)]
enum R {
    Create(&'static str),
    EditCustom(&'static str),
    EditBuiltin(RoleId),
    DeleteCustom,
    DeleteBuiltin(RoleId),
    Unknown,
}

#[rustfmt::skip]
#[rstest]
#[case::owner_creates("owner", "", R::Create("audit.view tag.attach"), Outcome::Allow, &["roles.manage", "no_escalation"])]
#[case::admin_has_no_roles_manage("admin", "", R::Create("tag.attach"), Outcome::Forbidden, &["roles.manage"])]
#[case::within_own_permissions("custom", "roles.manage tag.attach", R::Create("tag.attach"), Outcome::Allow, &["no_escalation"])]
#[case::beyond_own_permissions("custom", "roles.manage tag.attach", R::Create("tag.attach audit.view"), Outcome::Forbidden, &["escalation", "audit.view"])]
#[case::edit_own_role_to_add("custom", "roles.manage tag.attach", R::EditCustom("roles.manage tag.attach audit.view"), Outcome::Forbidden, &["escalation", "audit.view"])]
#[case::edit_own_role_to_remove("custom", "roles.manage tag.attach", R::EditCustom("roles.manage"), Outcome::Allow, &["no_escalation"])]
#[case::held_through_another_binding("custom agent", "roles.manage", R::Create("tag.attach contact.link"), Outcome::Allow, &["no_escalation"])]
#[case::held_through_a_department_binding("custom admin@1", "roles.manage", R::Create("audit.view"), Outcome::Allow, &["no_escalation"])]
#[case::edit_agent("owner", "", R::EditBuiltin(AGENT), Outcome::Forbidden, &["builtin_role"])]
#[case::edit_owner("owner", "", R::EditBuiltin(OWNER), Outcome::Forbidden, &["builtin_role"])]
#[case::delete_admin("owner", "", R::DeleteBuiltin(ADMIN), Outcome::Forbidden, &["builtin_role"])]
#[case::delete_custom("owner", "tag.attach", R::DeleteCustom, Outcome::Allow, &["no_escalation"])]
#[case::department_roles_manage("agent custom@1", "roles.manage", R::Create("tag.attach"), Outcome::Forbidden, &["roles.manage"])]
#[case::unknown_role("owner", "", R::Unknown, Outcome::NotFound, &["target_not_found"])]
fn role_change(
    #[case] me: &str,
    #[case] custom: &str,
    #[case] change: R,
    #[case] outcome: Outcome,
    #[case] codes: &[&str],
) {
    let fx = Fx::new(me).custom(custom);
    let roles = &fx.account.config.roles;
    let (created, edit);
    let change = match change {
        R::Create(perms) => {
            created = role(RoleId(20), perms);
            RoleChange::Create(&created)
        }
        R::EditCustom(perms) => {
            edit = role(CUSTOM, perms);
            RoleChange::Edit(&edit)
        }
        R::EditBuiltin(id) => {
            let mut r = roles[&id].clone();
            r.permissions.remove(Permission::TagAttach);
            edit = r;
            RoleChange::Edit(&edit)
        }
        R::DeleteCustom => RoleChange::Delete(CUSTOM),
        R::DeleteBuiltin(id) => RoleChange::Delete(id),
        R::Unknown => RoleChange::Delete(RoleId(404)),
    };
    let d = fx.me().decide_role_change(&fx.account, change);
    assert_eq!(d.outcome(), outcome, "{d:?}");
    for code in codes {
        assert!(d.mentions(code), "{d:?} should mention {code}");
    }
}

/// Editing or deleting the role that makes the only `account.manage` holder is refused.
#[rustfmt::skip]
#[rstest]
#[case::edit_away(true, false)]
#[case::delete(false, false)]
#[case::edit_keeps_it(true, true)]
fn role_change_keeps_an_account_manager(#[case] edit: bool, #[case] keep: bool) {
    let fx = Fx::new("custom")
        .custom("roles.manage account.manage tag.attach")
        .with_user(BOSS, "agent");
    let after = role(
        CUSTOM,
        if keep {
            "roles.manage account.manage"
        } else {
            "roles.manage tag.attach"
        },
    );
    let change = if edit {
        RoleChange::Edit(&after)
    } else {
        RoleChange::Delete(CUSTOM)
    };
    let d = fx.me().decide_role_change(&fx.account, change);
    assert_eq!(d.is_allowed(), keep, "{d:?}");
    assert_eq!(d.mentions("last_account_manager"), !keep);
}

/// A user binding to a role that does not exist grants nothing and does not count as active.
#[test]
fn binding_to_a_missing_role() {
    let mut fx = Fx::new("agent");
    if let Some(u) = fx.account.users.get_mut(&ME) {
        u.bindings = vec![Binding {
            role: RoleId(404),
            scope: Scope::Account,
        }];
    }
    let p = fx.me();
    assert!(!p.decide_login().is_allowed());
    assert!(p.held_permissions().is_empty());
}

/// A network-blocked binding is named as the cause only when it would grant the permission from
/// inside the network (docs/access-model.md: "for a permission that a network-restricted role
/// would grant"). A department-scoped admin never grants `users.manage` at account level, from
/// anywhere, so the note should say so rather than send the user to the office.
///
/// Fails today: `Principal::missing_note` (principal.rs) checks `network_blocked` without
/// looking at the blocked binding's scope, and answers `OutsideAllowedNetworks`.
#[test]
fn blocked_department_binding_is_not_an_account_level_network_miss() {
    let fx = Fx::new("agent admin@1").networks(ADMIN, &["10.0.0.0/8"]);
    let inside = fx
        .principal_of(ME, "10.1.2.3")
        .decide_permission(Permission::UsersManage);
    assert_eq!(
        inside.reasons(),
        &[Reason::MissingPermission(
            Permission::UsersManage,
            MissingNote::OnlyDepartmentScoped
        )]
    );
    let outside = fx
        .principal_of(ME, "203.0.113.5")
        .decide_permission(Permission::UsersManage);
    assert!(!outside.is_allowed());
    assert_ne!(
        outside.reasons(),
        &[Reason::MissingPermission(
            Permission::UsersManage,
            MissingNote::OutsideAllowedNetworks
        )],
        "from the office it would still be denied"
    );
    // Same for a conversation outside the blocked binding's subtree.
    let c = conv(1, SUPPORT, access::Status::InProgress, Who::Me);
    let d = fx
        .principal_of(ME, "203.0.113.5")
        .decide_permission_in(Permission::AuditView, &c);
    assert_ne!(
        d.reasons(),
        &[Reason::MissingPermission(
            Permission::AuditView,
            MissingNote::OutsideAllowedNetworks
        )]
    );
}
