//! Contacts: one per phone however it was written (the one-time merge of older duplicates, and
//! arrivals that find the contact and its open conversation), listings compiled from the
//! engine's scope with search in any format and keyset pages, edits, merges, erasure and
//! all-or-nothing imports.

use access::{AccountId, AssigneeFilter, ContactScope, DeptSet, Plan, Settings, StatusClass, Term};
use store::{ChannelKind, ChannelWrite, ContactWrite, Inbound, NewConversation, Store};

async fn account(store: &Store, name: &str) -> (AccountId, access::DepartmentId) {
    let a = store
        .directory()
        .create_account(name, &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let d = store.directory().default_department(a).await.unwrap();
    (a, d)
}

fn all(a: AccountId) -> ContactScope {
    ContactScope {
        account: a,
        all: true,
        through: Plan {
            account: a,
            terms: vec![],
        },
    }
}

async fn names(store: &Store, scope: &ContactScope, q: Option<&str>) -> Vec<String> {
    let page = store.contacts().list(scope, q, None, 100).await.unwrap();
    page.items.into_iter().map(|c| c.name).collect()
}

async fn conversation(store: &Store, a: AccountId, d: access::DepartmentId, contact: i64) -> i64 {
    store
        .conversations()
        .create_conversation(&NewConversation {
            account: a,
            department: d,
            status: access::Status::InProgress,
            assignee: None,
            contact: Some(contact),
            channel: "whatsapp",
            at: 10,
        })
        .await
        .unwrap()
        .0
}

/// A database of its own, reached with plain SQL besides the store: the one-time step is
/// undone on it as if an older version had left it, which no other test may see.
pub(crate) enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    async fn exec(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            Raw::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
            Raw::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
        }
        .unwrap();
    }

    async fn id(&self, sql: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
            Raw::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        }
        .unwrap()
    }
}

/// A fresh SQLite file and the store on it.
pub(crate) async fn own_sqlite(dir: &std::path::Path) -> (Store, Raw) {
    let path = dir.join("contacts.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    store.migrate().await.unwrap();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    (store, Raw::Sqlite(raw))
}

/// A fresh PostgreSQL database on the test server and the store on it.
pub(crate) async fn own_postgres(url: &str) -> (Store, Raw) {
    let admin = sqlx::PgPool::connect(url).await.unwrap();
    let name = format!("atende_contacts_{}", std::process::id());
    let drop = format!("DROP DATABASE IF EXISTS {name}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
        .execute(&admin)
        .await
        .unwrap();
    let create = format!("CREATE DATABASE {name}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&admin)
        .await
        .unwrap();
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    let own = format!("{base}/{name}");
    let store = Store::open_postgres(&own).await.unwrap();
    store.migrate().await.unwrap();
    let raw = sqlx::PgPool::connect(&own).await.unwrap();
    (store, Raw::Postgres(raw))
}

/// Contacts stored by older versions under several forms of one phone are merged into the
/// oldest by the one-time step, conversations and tags included.
pub(crate) async fn duplicates_merge(store: &Store, raw: &Raw) {
    let (a, d) = account(store, "contacts-merge").await;
    raw.exec("DELETE FROM data_migrations").await;
    raw.exec("DROP INDEX contacts_phone_unique").await;
    let mut ids = Vec::new();
    for (name, phone) in [
        ("+5585988511238", "+5585988511238"),
        ("Maria Souza", "5585988511238"),
        ("Maria", "558588511238"),
        ("Outra", "+5511987654321"),
    ] {
        raw.exec(&format!(
            "INSERT INTO contacts (account_id, name, phone, created_at) VALUES ({}, '{name}', '{phone}', 0)",
            a.0
        ))
        .await;
        ids.push(raw.id("SELECT MAX(id) FROM contacts").await);
    }
    store.tags().create(a, "vip", "gray").await.unwrap();
    raw.exec(&format!(
        "INSERT INTO contact_tags (account_id, contact_id, tag_id) SELECT {}, {}, id FROM tags WHERE name = 'vip'",
        a.0, ids[2]
    ))
    .await;
    let c1 = conversation(store, a, d, ids[1]).await;
    let c2 = conversation(store, a, d, ids[2]).await;
    store.migrate().await.unwrap();
    let oldest = store.contacts().get(a, ids[0]).await.unwrap().unwrap();
    assert_eq!(oldest.phone.as_deref(), Some("+5585988511238"));
    // The oldest had only its phone as a name: it takes the first real one.
    assert_eq!(oldest.name, "Maria Souza");
    assert_eq!(oldest.tags, ["vip"]);
    assert_eq!(store.contacts().get(a, ids[1]).await.unwrap(), None);
    assert_eq!(store.contacts().get(a, ids[2]).await.unwrap(), None);
    for c in [c1, c2] {
        let k = store
            .inbox()
            .conversation_contact(a, access::ConversationId(c))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(k.id, ids[0]);
    }
    assert_eq!(names(store, &all(a), None).await, ["Maria Souza", "Outra"]);
    assert_eq!(names(store, &all(a), Some("maria")).await, ["Maria Souza"]);
    // Once only: a second start changes nothing, and a second contact with the phone is refused.
    store.migrate().await.unwrap();
    let again = store
        .contacts()
        .create(
            a,
            &ContactWrite {
                name: "Dup".into(),
                phone: Some("+5585988511238".into()),
                ..ContactWrite::default()
            },
            5,
        )
        .await;
    assert!(
        matches!(
            &again,
            Err(store::StoreError::Conflict {
                code: "phone_taken",
                ..
            })
        ),
        "{again:?}"
    );
}

/// A WhatsApp message from a Brazilian mobile written without its ninth digit continues the
/// open conversation of the contact stored with it; listings, searches and changes.
pub(crate) async fn contacts(store: &Store) {
    let (a, d) = account(store, "contacts").await;
    let (other, _) = account(store, "contacts-other").await;
    let number = format!("66{}{}", std::process::id(), a.0);
    let mut tx = store.directory().begin_admin(a).await.unwrap();
    let ch = tx
        .create_channel(
            ChannelKind::WhatsApp,
            &ChannelWrite {
                name: "w",
                phone_number_id: Some(&number),
                active: true,
                ..ChannelWrite::default()
            },
            0,
        )
        .await
        .unwrap();
    let ch = tx.channel(ch).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    let maria = store
        .inbox()
        .create_contact(a, "Maria", Some("+5585988511238"), None, 0)
        .await
        .unwrap();
    let open = conversation(store, a, d, maria).await;
    let got = store
        .channels()
        .receive(
            &ch,
            &[Inbound {
                external_id: "wamid.1",
                from: "558588511238",
                profile_name: Some("Maria WhatsApp"),
                body: "oi",
                at: 20,
                media: None,
                quoted: None,
            }],
        )
        .await
        .unwrap();
    match got[0] {
        store::Received::Stored { conversation, .. } => assert_eq!(conversation.0, open),
        other => panic!("{other:?}"),
    }
    // An edited name is kept; the same phone in another account is another contact.
    assert_eq!(
        store.contacts().get(a, maria).await.unwrap().unwrap().name,
        "Maria"
    );
    let elsewhere = store
        .inbox()
        .create_contact(other, "Maria", Some("5585988511238"), None, 0)
        .await
        .unwrap();
    assert_ne!(elsewhere, maria);

    // Create, with attributes and tags; search by name without accents, by email, and by
    // phone in any format.
    store.tags().create(a, "vip", "gray").await.unwrap();
    let joao = store
        .contacts()
        .create(
            a,
            &ContactWrite {
                name: "João da Silva".into(),
                phone: Some("+5511987654321".into()),
                email: Some("joao@example.com".into()),
                attributes: [("cpf".to_owned(), "123".to_owned())].into(),
                tags: vec!["vip".into()],
            },
            30,
        )
        .await
        .unwrap();
    let unknown_tag = store
        .contacts()
        .create(
            a,
            &ContactWrite {
                name: "X".into(),
                tags: vec!["nope".into()],
                ..ContactWrite::default()
            },
            30,
        )
        .await;
    assert!(matches!(
        unknown_tag,
        Err(store::StoreError::NotFound("tag"))
    ));
    let scope = all(a);
    assert_eq!(names(store, &scope, None).await, ["João da Silva", "Maria"]);
    for q in [
        "joao",
        "JOÃO",
        "example.com",
        "(11) 98765-4321",
        "98765",
        "+55 11 98765 4321",
    ] {
        assert_eq!(
            names(store, &scope, Some(q)).await,
            ["João da Silva"],
            "{q}"
        );
    }
    assert_eq!(names(store, &scope, Some("85 8851-1238")).await, ["Maria"]);
    assert_eq!(
        names(store, &scope, Some("ninguém")).await,
        Vec::<String>::new()
    );
    let j = store.contacts().get(a, joao).await.unwrap().unwrap();
    assert_eq!(j.tags, ["vip"]);
    assert_eq!(j.attributes.get("cpf").map(String::as_str), Some("123"));
    assert_eq!(store.contacts().get(other, joao).await.unwrap(), None);

    // Paging by cursor walks every contact once, in name order.
    for i in 0..5 {
        store
            .inbox()
            .create_contact(a, &format!("Zé {i}"), None, None, 40)
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .contacts()
            .list(&scope, None, after.as_ref(), 2)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|c| c.name.clone()));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert_eq!(seen.first().map(String::as_str), Some("João da Silva"));

    // A scope through conversations sees only the contacts of those conversations.
    let through = ContactScope {
        account: a,
        all: false,
        through: Plan {
            account: a,
            terms: vec![Term {
                class: StatusClass::InProgress,
                departments: DeptSet::Only(vec![d]),
                assignee: AssigneeFilter::Any,
            }],
        },
    };
    assert_eq!(names(store, &through, None).await, ["Maria"]);
    assert_eq!(
        names(store, &through, Some("joão")).await,
        Vec::<String>::new()
    );

    // Edit; a phone taken by another contact is a conflict; merge; erase.
    let mut w = ContactWrite {
        name: "Maria Souza".into(),
        phone: Some("+5585988511238".into()),
        email: Some("maria@example.com".into()),
        ..ContactWrite::default()
    };
    store.contacts().update(a, maria, &w, 50).await.unwrap();
    w.phone = Some("+5511987654321".into());
    let taken = store.contacts().update(a, maria, &w, 50).await;
    assert!(matches!(
        &taken,
        Err(store::StoreError::Conflict {
            code: "phone_taken",
            ..
        })
    ));
    store.contacts().merge(a, maria, joao, 60).await.unwrap();
    let merged = store.contacts().get(a, maria).await.unwrap().unwrap();
    assert_eq!(merged.name, "Maria Souza");
    assert_eq!(merged.email.as_deref(), Some("maria@example.com"));
    assert_eq!(merged.tags, ["vip"]);
    assert_eq!(
        merged.attributes.get("cpf").map(String::as_str),
        Some("123")
    );
    assert_eq!(store.contacts().get(a, joao).await.unwrap(), None);
    assert!(store.contacts().merge(a, maria, maria, 60).await.is_err());
    let keys = store.contacts().erase(a, maria, 70).await.unwrap();
    assert!(keys.is_empty());
    assert_eq!(store.contacts().get(a, maria).await.unwrap(), None);
    let messages = store
        .inbox()
        .messages(a, access::ConversationId(open), 0, 50)
        .await
        .unwrap();
    assert!(messages.iter().all(|m| m.body.is_empty()), "{messages:?}");
    assert_eq!(
        store
            .inbox()
            .conversation_contact(a, access::ConversationId(open))
            .await
            .unwrap()
            .map(|k| k.name),
        Some(String::new())
    );
    // The erased phone is free again: a new message from it makes a new contact.
    assert_eq!(
        store
            .contacts()
            .by_phone(a, "+5585988511238")
            .await
            .unwrap(),
        None
    );

    // Import: all rows or none; a row with a known phone updates that contact.
    let rows = vec![
        ContactWrite {
            name: "Importada".into(),
            phone: Some("+5521912345678".into()),
            tags: vec!["vip".into()],
            ..ContactWrite::default()
        },
        ContactWrite {
            name: "Zé 0 Novo".into(),
            phone: Some("+5531912345678".into()),
            ..ContactWrite::default()
        },
    ];
    let done = store.contacts().import(a, &rows, 80).await.unwrap();
    assert_eq!((done.created, done.updated), (2, 0));
    let again = store.contacts().import(a, &rows[..1], 81).await.unwrap();
    assert_eq!((again.created, again.updated), (0, 1));
    assert_eq!(names(store, &scope, Some("importada")).await, ["Importada"]);
}
