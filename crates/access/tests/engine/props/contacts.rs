//! Property test of the contacts scope: the plan the store compiles for the contacts list says
//! exactly what `contact_visible` says, for every user, address and contact.

use super::*;

proptest! {
    #![proptest_config(config(256))]

    /// Every conversation stands for a contact of its own, and the contact of all of them and
    /// the contact without conversations are asked too: `contact_scope().matches` equals
    /// `contact_visible`, and the scope holds the whole account only with `contacts.view`.
    #[test]
    fn contact_scope_equals_contact_visible(w in world()) {
        let all: Vec<&access::Conversation> = w.all_convs().collect();
        for u in w.users() {
            for addr in addrs() {
                let p = w.principal(u, addr);
                let scope = p.contact_scope();
                prop_assert_eq!(scope.account, ACC);
                prop_assert_eq!(scope.all, p.has(Permission::ContactsView));
                for c in &all {
                    prop_assert_eq!(
                        scope.matches([*c]),
                        p.contact_visible([*c]),
                        "user {:?} from {} conversation {:?} scope {:?}", u, addr, c, scope
                    );
                }
                prop_assert_eq!(scope.matches(all.iter().copied()), p.contact_visible(all.iter().copied()));
                prop_assert_eq!(scope.matches([]), p.contact_visible([]));
                if scope.is_empty() {
                    prop_assert!(all.iter().all(|c| !p.contact_visible([*c])));
                }
            }
        }
    }
}
