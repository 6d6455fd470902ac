//! Writes decided on a conversation's version (hardening round 2, finding 9): a reply, note,
//! tag, untag or contact link decided on version `v` is written only while the conversation
//! is still at `v`; after a concurrent transition it is `Conflict` and nothing is written. A
//! message does not move the version (a customer's message never refuses an agent's reply).

use access::{AccountId, ConversationId, Settings, Status, Transition, UserId};

use store::{MessageKind, NewConversation, Store, StoreError};

async fn fresh_conversation(store: &Store, a: AccountId, agent: UserId) -> ConversationId {
    let d = store.directory().default_department(a).await.unwrap();
    store
        .conversations()
        .create_conversation(&NewConversation {
            account: a,
            department: d,
            status: Status::InProgress,
            assignee: Some(agent),
            contact: None,
            channel: "api",
            at: 1,
        })
        .await
        .unwrap()
}

async fn count(store: &Store, a: AccountId, c: ConversationId) -> usize {
    store.inbox().messages(a, c, 0, 100).await.unwrap().len()
}

fn conflict<T: std::fmt::Debug>(r: store::Result<T>, what: &str) {
    assert!(
        matches!(
            r,
            Err(StoreError::Conflict {
                code: "conflict",
                ..
            })
        ),
        "{what} after the conversation changed: {r:?}"
    );
}

pub(crate) async fn versioned_writes(store: &Store) {
    store.migrate().await.unwrap();
    let a = store
        .directory()
        .create_account("versions", &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    store.tags().create(a, "vip", "gray").await.unwrap();
    let contact = store
        .inbox()
        .create_contact(a, "K", None, None, 0)
        .await
        .unwrap();
    let email = format!("agente.{}.{}@versions.example", std::process::id(), a.0);
    let agent = store
        .directory()
        .create_user(
            a,
            &store::NewUser {
                email: &email,
                name: "Agente",
                password_hash: None,
                active: true,
            },
            0,
        )
        .await
        .unwrap();
    let c = fresh_conversation(store, a, agent).await;
    let decided = store
        .conversations()
        .conversation(a, c)
        .await
        .unwrap()
        .unwrap();
    let v = Some(decided.version);
    // A customer's message meanwhile does not move the version.
    store
        .inbox()
        .add_message(a, c, MessageKind::In, None, "oi", None, 2)
        .await
        .unwrap();
    store
        .inbox()
        .add_message(a, c, MessageKind::Out, Some(agent), "olá", v, 3)
        .await
        .unwrap();
    // A finish lands between the decision and the writes.
    let finish = Transition {
        status: Status::Finished,
        assignee: decided.conversation.assignee,
        department: decided.conversation.department,
    };
    store
        .conversations()
        .apply_transition(&decided, &finish, 4)
        .await
        .unwrap();
    let before = count(store, a, c).await;
    conflict(
        store
            .inbox()
            .add_message(a, c, MessageKind::Out, Some(agent), "tarde", v, 5)
            .await,
        "reply",
    );
    conflict(
        store
            .inbox()
            .add_message(a, c, MessageKind::Note, Some(agent), "nota", v, 5)
            .await,
        "note",
    );
    conflict(store.inbox().tag(a, c, "vip", v, 5).await, "tag");
    conflict(store.inbox().untag(a, c, "vip", v, 5).await, "untag");
    conflict(
        store.inbox().link_contact(a, c, Some(contact), v, 5).await,
        "link",
    );
    assert_eq!(count(store, a, c).await, before, "a refused write wrote");
    assert!(store.inbox().tags(a, c).await.unwrap().is_empty());
    assert!(
        store
            .inbox()
            .conversation_contact(a, c)
            .await
            .unwrap()
            .is_none()
    );
    // Decided again on the current version: written.
    let now = Some(decided.version + 1);
    store.inbox().tag(a, c, "vip", now, 6).await.unwrap();
    store
        .inbox()
        .add_message(a, c, MessageKind::Note, Some(agent), "nota", now, 6)
        .await
        .unwrap();
    assert_eq!(
        store.inbox().tags(a, c).await.unwrap(),
        vec!["vip".to_owned()]
    );
    // A tag that is not the company's is never created by attaching it.
    assert!(matches!(
        store.inbox().tag(a, c, "nova", now, 7).await,
        Err(StoreError::NotFound("tag"))
    ));
    // No such conversation: not found, not a conflict.
    let nowhere = ConversationId(987_654_321);
    assert!(matches!(
        store.inbox().tag(a, nowhere, "vip", Some(1), 7).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .inbox()
            .add_message(a, nowhere, MessageKind::Note, None, "x", Some(1), 7)
            .await,
        Err(StoreError::NotFound(_))
    ));
}
