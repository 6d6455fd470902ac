//! Tests of the demo account (`demo.rs`).

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use access::{ConversationId, Principal, StatusClass, Tab};
use store::ConversationRecord;

use super::*;

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
const NOW: i64 = 1_760_000_000_000_000;

async fn fresh() -> Store {
    let store = Store::open_sqlite_memory().await.unwrap();
    store.migrate().await.unwrap();
    store
}

struct Demo {
    store: Store,
    account: AccountId,
    depts: BTreeMap<String, DepartmentId>,
    all: Vec<ConversationRecord>,
}

impl Demo {
    async fn new() -> (Demo, DemoSummary) {
        let store = fresh().await;
        let summary = fill(&store, HASH, NOW).await.unwrap();
        let account = summary.account;
        let config = store.directory().account_config(account).await.unwrap();
        let depts = config
            .departments
            .iter()
            .map(|d| (d.name.clone(), d.id))
            .collect();
        let mut demo = Demo {
            store,
            account,
            depts,
            all: Vec::new(),
        };
        // Every conversation, through the owner, who sees them all.
        let owner = demo.principal(OWNER_EMAIL).await;
        let mut ids = BTreeSet::new();
        for tab in [Tab::Waiting, Tab::Mine, Tab::Others, Tab::Finished] {
            ids.extend(demo.tab(&owner, tab).await);
        }
        for id in ids {
            let record = demo
                .store
                .conversations()
                .conversation(account, id)
                .await
                .unwrap()
                .unwrap();
            demo.all.push(record);
        }
        (demo, summary)
    }

    fn dept(&self, name: &str) -> DepartmentId {
        self.depts[name]
    }

    async fn user(&self, email: &str) -> UserId {
        self.store
            .auth()
            .credentials(email)
            .await
            .unwrap()
            .unwrap()
            .user
    }

    async fn principal(&self, email: &str) -> Principal {
        let id = self.user(email).await;
        let config = self
            .store
            .directory()
            .account_config(self.account)
            .await
            .unwrap();
        let user = self
            .store
            .directory()
            .user(self.account, id)
            .await
            .unwrap()
            .unwrap();
        Principal::resolve(&config, &user, IpAddr::V4(Ipv4Addr::LOCALHOST))
    }

    /// A tab's conversations, checking that the listing is newest first and that the
    /// counters agree with it.
    async fn tab(&self, p: &Principal, tab: Tab) -> BTreeSet<ConversationId> {
        let plan = p.plan(tab);
        let page = self
            .store
            .conversations()
            .list(&plan, None, 1000)
            .await
            .unwrap();
        let count = self.store.conversations().count(&plan).await.unwrap();
        assert_eq!(page.len() as u64, count, "count of {tab:?}");
        for pair in page.windows(2) {
            assert!(
                (pair[0].last_activity, pair[0].id) > (pair[1].last_activity, pair[1].id),
                "{tab:?} is not newest first"
            );
        }
        page.into_iter().map(|c| c.id).collect()
    }

    /// The conversations matching `f`.
    fn select(&self, f: impl Fn(&ConversationRecord) -> bool) -> BTreeSet<ConversationId> {
        self.all
            .iter()
            .filter(|r| f(r))
            .map(|r| r.conversation.id)
            .collect()
    }

    fn in_class(&self, class: StatusClass, depts: &[&str]) -> BTreeSet<ConversationId> {
        let ids: Vec<DepartmentId> = depts.iter().map(|d| self.dept(d)).collect();
        self.select(|r| {
            r.conversation.status.class() == class && ids.contains(&r.conversation.department)
        })
    }

    fn of_class(&self, class: StatusClass) -> BTreeSet<ConversationId> {
        self.select(|r| r.conversation.status.class() == class)
    }
}

#[tokio::test]
async fn fills_an_empty_database_once() {
    let (demo, summary) = Demo::new().await;
    assert!(summary.created);
    assert_eq!(summary.conversations, CONVERSATIONS);
    assert_eq!(demo.all.len(), CONVERSATIONS);
    let emails: Vec<&str> = summary.logins.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        emails,
        [
            "owner@demo.example",
            "admin@demo.example",
            "supervisora@demo.example",
            "ana@demo.example",
            "bruno@demo.example",
            "carla@demo.example",
            "davi@demo.example",
            "elisa@demo.example",
            "fabio@demo.example",
            "gabi@demo.example",
            "helena@demo.example",
            "inativo@demo.example",
        ]
    );
    for (email, sees) in &summary.logins {
        assert!(!sees.is_empty() && !sees.contains('\n'), "{email}: {sees}");
        let c = demo.store.auth().credentials(email).await.unwrap().unwrap();
        assert_eq!(c.account, demo.account);
        assert_eq!(c.password_hash.as_deref(), Some(HASH));
        assert_eq!(c.active, email != "inativo@demo.example");
    }

    // Departments, their tree and access options.
    let config = demo
        .store
        .directory()
        .account_config(demo.account)
        .await
        .unwrap();
    assert_eq!(config.departments.len(), DEPARTMENTS.len());
    assert_eq!(config.departments.default_department(), demo.dept(GERAL));
    for spec in DEPARTMENTS {
        let d = config.departments.get(demo.dept(spec.name)).unwrap();
        assert_eq!(d.access, spec.access, "{}", spec.name);
        assert_eq!(d.parent, spec.parent.map(|p| demo.dept(p)), "{}", spec.name);
    }
    assert!(config.settings.satisfaction_survey);

    // Every status and department is represented; assignees are members of the department.
    for status in [
        Status::Waiting,
        Status::InProgress,
        Status::Survey,
        Status::Finished,
    ] {
        assert!(
            demo.all.iter().any(|r| r.conversation.status == status),
            "{status:?}"
        );
    }
    for spec in DEPARTMENTS {
        assert!(
            demo.all
                .iter()
                .any(|r| r.conversation.department == demo.dept(spec.name)),
            "{}",
            spec.name
        );
    }
    let account = demo.store.directory().account(demo.account).await.unwrap();
    for r in &demo.all {
        let c = &r.conversation;
        match c.assignee {
            None => assert_eq!(c.status, Status::Waiting),
            Some(u) => {
                assert_ne!(c.status, Status::Waiting);
                assert!(account.users[&u].is_member_of(c.department), "{c:?}");
            }
        }
    }

    // Activity spread over the seven days before now.
    let times: Vec<i64> = demo.all.iter().map(|r| r.last_activity).collect();
    assert!(times.iter().all(|t| *t < NOW && *t > NOW - 7 * DAY));
    assert!(times.iter().any(|t| *t > NOW - DAY));
    assert!(times.iter().any(|t| *t < NOW - 6 * DAY));

    // Messages (1 to 6, the first from the customer, ending at the activity time), contacts
    // and tags.
    let mut tagged = BTreeSet::new();
    for r in &demo.all {
        let id = r.conversation.id;
        let messages = demo
            .store
            .inbox()
            .messages(demo.account, id, 0, 100)
            .await
            .unwrap();
        assert!(
            (1..=6).contains(&messages.len()),
            "{id}: {}",
            messages.len()
        );
        assert_eq!(messages[0].kind, MessageKind::In);
        assert_eq!(messages.last().unwrap().at, r.last_activity);
        match r.conversation.status {
            Status::Waiting => assert!(messages.iter().all(|m| m.kind == MessageKind::In)),
            Status::Survey | Status::Finished => {
                assert!(messages.len() >= 3);
                assert_eq!(messages.last().unwrap().kind, MessageKind::Out);
            }
            Status::InProgress => {}
        }
        for m in &messages {
            if m.kind != MessageKind::In {
                assert_eq!(m.author, r.conversation.assignee);
            }
            assert!(!m.body.contains('{'), "{}", m.body);
        }
        let contact = demo
            .store
            .inbox()
            .conversation_contact(demo.account, id)
            .await
            .unwrap()
            .unwrap();
        assert!(contact.phone.as_deref().unwrap().starts_with("+55"));
        tagged.extend(demo.store.inbox().tags(demo.account, id).await.unwrap());
    }
    for tag in ["urgente", "reclamação", "orçamento", "vip"] {
        assert!(tagged.contains(tag), "{tag}");
    }

    // A second fill changes nothing.
    let again = fill(&demo.store, "other", NOW + DAY).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.account, demo.account);
    assert_eq!(again.conversations, 0);
    assert_eq!(again.logins, summary.logins);
    let owner = demo.principal(OWNER_EMAIL).await;
    let mut total = 0;
    for tab in [Tab::Waiting, Tab::Mine, Tab::Others, Tab::Finished] {
        total += demo.tab(&owner, tab).await.len();
    }
    assert_eq!(total, CONVERSATIONS);
    let c = demo
        .store
        .auth()
        .credentials(OWNER_EMAIL)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.password_hash.as_deref(), Some(HASH));
}

#[tokio::test]
async fn the_same_demo_every_time() {
    let (a, _) = Demo::new().await;
    let (b, _) = Demo::new().await;
    let shape = |d: &Demo| -> Vec<_> {
        d.all
            .iter()
            .map(|r| {
                (
                    r.conversation.status,
                    r.conversation.department,
                    r.last_activity,
                )
            })
            .collect()
    };
    assert_eq!(shape(&a), shape(&b));
}

#[tokio::test]
async fn does_nothing_when_another_account_exists() {
    let store = fresh().await;
    let other = store
        .directory()
        .create_account("Outra Loja", &Settings::default(), "Geral", NOW)
        .await
        .unwrap();
    let summary = fill(&store, HASH, NOW).await.unwrap();
    assert!(!summary.created);
    assert_eq!(summary.account, other);
    assert!(summary.logins.is_empty());
    assert!(
        store
            .auth()
            .credentials(OWNER_EMAIL)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn each_user_sees_what_their_role_implies() {
    let (demo, _) = Demo::new().await;
    use StatusClass::{Finished, InProgress, Waiting};
    let everything = [
        GERAL, VENDAS, SUPORTE, SUPORTE_N1, SUPORTE_N2, FINANCEIRO, VIP, POS_VENDA,
    ];

    // Owner and admin: everything, in every tab. Nothing is assigned to them.
    for email in [OWNER_EMAIL, "admin@demo.example"] {
        let p = demo.principal(email).await;
        assert_eq!(
            demo.tab(&p, Tab::Waiting).await,
            demo.of_class(Waiting),
            "{email}"
        );
        assert_eq!(
            demo.tab(&p, Tab::Others).await,
            demo.of_class(InProgress),
            "{email}"
        );
        assert_eq!(
            demo.tab(&p, Tab::Finished).await,
            demo.of_class(Finished),
            "{email}"
        );
        assert!(demo.tab(&p, Tab::Mine).await.is_empty());
        assert!(demo.tab(&p, Tab::MyFinished).await.is_empty());
        assert_eq!(demo.in_class(Waiting, &everything), demo.of_class(Waiting));
    }

    // Gabi, Opa! company supervisor in no department: the whole company.
    let gabi = demo.principal("gabi@demo.example").await;
    assert_eq!(demo.tab(&gabi, Tab::Waiting).await, demo.of_class(Waiting));
    assert_eq!(
        demo.tab(&gabi, Tab::Others).await,
        demo.of_class(InProgress)
    );
    assert_eq!(
        demo.tab(&gabi, Tab::Finished).await,
        demo.of_class(Finished)
    );

    // Ana, agent in Vendas: Vendas' waiting queue, not Financeiro's.
    let ana_id = demo.user("ana@demo.example").await;
    let ana = demo.principal("ana@demo.example").await;
    let ana_waiting = demo.tab(&ana, Tab::Waiting).await;
    assert!(!ana_waiting.is_empty());
    assert_eq!(ana_waiting, demo.in_class(Waiting, &[VENDAS]));
    let financeiro_waiting = demo.in_class(Waiting, &[FINANCEIRO]);
    assert!(!financeiro_waiting.is_empty());
    assert!(ana_waiting.is_disjoint(&financeiro_waiting));
    let mine = demo.select(|r| {
        r.conversation.status.class() == InProgress && r.conversation.assignee == Some(ana_id)
    });
    assert!(!mine.is_empty());
    assert_eq!(demo.tab(&ana, Tab::Mine).await, mine);
    let team: BTreeSet<_> = demo
        .in_class(InProgress, &[VENDAS])
        .difference(&mine)
        .copied()
        .collect();
    assert_eq!(demo.tab(&ana, Tab::Others).await, team);
    // Finished: her team's (access team) and Pós-venda's (access all), none of Financeiro's.
    let finished = demo.tab(&ana, Tab::Finished).await;
    assert_eq!(finished, demo.in_class(Finished, &[VENDAS, POS_VENDA]));

    // The supervisor of Suporte oversees Suporte, N1 and N2, in every status.
    let supervisora = demo.principal("supervisora@demo.example").await;
    let n2_in_progress = demo.in_class(InProgress, &[SUPORTE_N2]);
    assert!(!n2_in_progress.is_empty());
    let support = [SUPORTE, SUPORTE_N1, SUPORTE_N2];
    let sup_id = demo.user("supervisora@demo.example").await;
    let others = demo.tab(&supervisora, Tab::Others).await;
    assert!(n2_in_progress.is_subset(&others));
    let support_in_progress = demo.in_class(InProgress, &support);
    let sup_mine = demo.select(|r| {
        r.conversation.status.class() == InProgress && r.conversation.assignee == Some(sup_id)
    });
    assert_eq!(
        others,
        support_in_progress.difference(&sup_mine).copied().collect()
    );
    assert_eq!(
        demo.tab(&supervisora, Tab::Waiting).await,
        demo.in_class(Waiting, &support)
    );
    assert_eq!(
        demo.tab(&supervisora, Tab::Finished).await,
        demo.in_class(Finished, &[SUPORTE, SUPORTE_N1, SUPORTE_N2, POS_VENDA])
    );

    // Carla (N1, team access) and Helena (Suporte): their own department's queue only.
    let carla = demo.principal("carla@demo.example").await;
    assert_eq!(
        demo.tab(&carla, Tab::Waiting).await,
        demo.in_class(Waiting, &[SUPORTE_N1])
    );
    let helena = demo.principal("helena@demo.example").await;
    assert_eq!(
        demo.tab(&helena, Tab::Waiting).await,
        demo.in_class(Waiting, &[SUPORTE])
    );

    // Davi (N2) and Elisa (Financeiro), access "agent": the queue and their own only.
    for (email, dept) in [
        ("davi@demo.example", SUPORTE_N2),
        ("elisa@demo.example", FINANCEIRO),
    ] {
        let id = demo.user(email).await;
        let p = demo.principal(email).await;
        assert_eq!(
            demo.tab(&p, Tab::Waiting).await,
            demo.in_class(Waiting, &[dept]),
            "{email}"
        );
        assert!(demo.tab(&p, Tab::Others).await.is_empty(), "{email}");
        let own_finished = demo.select(|r| {
            r.conversation.status == Status::Finished && r.conversation.assignee == Some(id)
        });
        let expected: BTreeSet<_> = own_finished
            .union(&demo.in_class(Finished, &[POS_VENDA]))
            .copied()
            .collect();
        assert_eq!(demo.tab(&p, Tab::Finished).await, expected, "{email}");
        assert_eq!(demo.tab(&p, Tab::MyFinished).await, own_finished, "{email}");
    }

    // Fábio, Opa! department viewer in Vendas and Pós-venda: both departments, every status.
    let fabio_id = demo.user("fabio@demo.example").await;
    let fabio = demo.principal("fabio@demo.example").await;
    let his = [VENDAS, POS_VENDA];
    assert_eq!(
        demo.tab(&fabio, Tab::Waiting).await,
        demo.in_class(Waiting, &his)
    );
    let fabio_mine = demo.select(|r| {
        r.conversation.status.class() == InProgress && r.conversation.assignee == Some(fabio_id)
    });
    assert_eq!(
        demo.tab(&fabio, Tab::Others).await,
        demo.in_class(InProgress, &his)
            .difference(&fabio_mine)
            .copied()
            .collect()
    );
    assert_eq!(
        demo.tab(&fabio, Tab::Finished).await,
        demo.in_class(Finished, &his)
    );

    // The inactive user sees nothing.
    let inativo = demo.principal("inativo@demo.example").await;
    assert!(!inativo.is_operational());
    for tab in [
        Tab::Mine,
        Tab::Waiting,
        Tab::Others,
        Tab::Finished,
        Tab::MyFinished,
    ] {
        assert!(demo.tab(&inativo, tab).await.is_empty(), "{tab:?}");
        assert_eq!(
            demo.store
                .conversations()
                .count(&inativo.plan(tab))
                .await
                .unwrap(),
            0
        );
    }
}

#[tokio::test]
async fn scales_to_many_conversations_with_the_same_shape() {
    let (demo, _) = Demo::new().await;
    let ana = demo.principal("ana@demo.example").await;
    let before: Vec<u64> = {
        let mut v = Vec::new();
        for tab in Tab::ALL {
            v.push(
                demo.store
                    .conversations()
                    .count(&ana.plan(*tab))
                    .await
                    .unwrap(),
            );
        }
        v
    };
    let total = i64::try_from(CONVERSATIONS).unwrap() * 3 + 7;
    assert_eq!(scale(&demo.store, total).await.unwrap(), Some(total));
    // Again: nothing more.
    assert_eq!(scale(&demo.store, total).await.unwrap(), Some(total));
    let owner = demo.principal(OWNER_EMAIL).await;
    let mut all = 0;
    for tab in [Tab::Waiting, Tab::Mine, Tab::Others, Tab::Finished] {
        all += demo
            .store
            .conversations()
            .count(&owner.plan(tab))
            .await
            .unwrap();
    }
    assert_eq!(
        all,
        u64::try_from(total).unwrap(),
        "the counters were rebuilt"
    );
    // Each of ana's tabs grew about threefold (two full copies and a few more), and the first
    // page is still the newest: the demo's own conversations, not the older copies.
    for (tab, n) in Tab::ALL.iter().zip(before) {
        let after = demo
            .store
            .conversations()
            .count(&ana.plan(*tab))
            .await
            .unwrap();
        assert!(
            after >= 3 * n && after <= 3 * n + 7,
            "{tab:?}: {n} → {after}"
        );
        let first = demo
            .store
            .conversations()
            .list(&ana.plan(*tab), None, 1)
            .await
            .unwrap();
        if let Some(c) = first.first() {
            assert!(
                demo.all.iter().any(|r| r.conversation.id == c.id),
                "{tab:?}"
            );
        }
    }
}
