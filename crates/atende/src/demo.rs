//! The demo account ("Loja Demo"): departments, roles and users for each kind of user the access
//! model knows, and a few hundred conversations in Portuguese, filled into an empty database.
//!
//! Everything is deterministic: contacts, messages and times come from a small xorshift generator
//! seeded with a constant, and times are spread over the seven days before the `now` given. Every
//! demo user's password is the one the caller hashed (`demo`): the demo is for trying Atende out,
//! never for a server with real data.

use std::collections::BTreeMap;

use access::{
    AccessOption, AccountId, Binding, BuiltinRole, Department, DepartmentId, Membership,
    MembershipKind, Permission, PermissionSet, RoleId, Scope, Settings, Status, User, UserId,
};
use anyhow::{Context, Result, anyhow};
use store::{MessageKind, NewConversation, NewUser, Store};

pub mod media;
mod text;

use text::*;

/// The demo users' password, in clear: the caller hashes it once and passes the hash to [`fill`].
pub const PASSWORD: &str = "demo";

/// The demo account's name.
pub const ACCOUNT_NAME: &str = "Loja Demo";

/// The demo account's owner.
pub const OWNER_EMAIL: &str = "owner@demo.example";

/// How many conversations the demo creates.
pub const CONVERSATIONS: usize = 300;

/// What [`fill`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSummary {
    /// Whether the demo account was created now (`false`: the database already had an account,
    /// and nothing was changed).
    pub created: bool,
    /// The demo account, or the account that was already there.
    pub account: AccountId,
    /// Each demo user's email and, in one line of English, what they see. Also given when the
    /// demo account was already there; empty when another account was.
    pub logins: Vec<(String, String)>,
    /// How many conversations were created now.
    pub conversations: usize,
    /// The demo WhatsApp channel's id (its webhook is `/webhooks/whatsapp/{id}`).
    pub channel: Option<i64>,
    /// Conversations in progress created now, newest last, with their last message's time:
    /// where [`media::add`] puts the demo's photos, voice notes and documents.
    pub in_progress: Vec<(access::ConversationId, i64)>,
}

/// The demo WhatsApp channel's phone number id: the one of the recorded payloads in
/// `crates/server/tests/fixtures/whatsapp/`, so they can be posted to a demo server as they are.
pub const CHANNEL_NUMBER: &str = "106540352242922";
/// The demo channel's webhook verify token (demo only).
pub const CHANNEL_VERIFY_TOKEN: &str = "demo-verify-token";
/// The demo channel's app secret, which signs deliveries (demo only).
pub const CHANNEL_APP_SECRET: &str = "demo-app-secret";
/// Where the demo channel's replies go: nowhere (the demo number is not connected to Meta), so
/// replies show their delivery failing after the retries.
const CHANNEL_GRAPH: &str = "http://127.0.0.1:9/v21.0";

const MINUTE: i64 = 60 * 1_000_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A department of the demo.
struct DeptSpec {
    name: &'static str,
    parent: Option<&'static str>,
    access: AccessOption,
    /// Relative share of the conversations.
    weight: u64,
    /// What customers write about there.
    topic: Topic,
}

const GERAL: &str = "Geral";
const VENDAS: &str = "Vendas";
const SUPORTE: &str = "Suporte";
const SUPORTE_N1: &str = "Suporte N1";
const SUPORTE_N2: &str = "Suporte N2";
const FINANCEIRO: &str = "Financeiro";
const VIP: &str = "VIP";
const POS_VENDA: &str = "Pós-venda";

/// The departments, the default one (Geral) first, parents before children.
const DEPARTMENTS: &[DeptSpec] = &[
    DeptSpec {
        name: GERAL,
        parent: None,
        access: AccessOption::Team,
        weight: 30,
        topic: Topic::General,
    },
    DeptSpec {
        name: VENDAS,
        parent: None,
        access: AccessOption::Team,
        weight: 80,
        topic: Topic::Sales,
    },
    DeptSpec {
        name: SUPORTE,
        parent: None,
        access: AccessOption::Team,
        weight: 30,
        topic: Topic::Support,
    },
    DeptSpec {
        name: SUPORTE_N1,
        parent: Some(SUPORTE),
        access: AccessOption::Team,
        weight: 45,
        topic: Topic::Support,
    },
    DeptSpec {
        name: SUPORTE_N2,
        parent: Some(SUPORTE),
        access: AccessOption::Agent,
        weight: 35,
        topic: Topic::Support,
    },
    DeptSpec {
        name: FINANCEIRO,
        parent: None,
        access: AccessOption::Agent,
        weight: 30,
        topic: Topic::Billing,
    },
    DeptSpec {
        name: VIP,
        parent: None,
        access: AccessOption::Agent,
        weight: 15,
        topic: Topic::Sales,
    },
    DeptSpec {
        name: POS_VENDA,
        parent: None,
        access: AccessOption::All,
        weight: 35,
        topic: Topic::AfterSales,
    },
];

const ROLE_COMPANY_SUPERVISOR: &str = "Supervisor Opa (empresa)";
const ROLE_DEPARTMENT_AGENT: &str = "Atendente Opa (departamento)";

/// The role a demo user is bound to.
#[derive(Clone, Copy)]
enum RoleRef {
    Builtin(BuiltinRole),
    Custom(&'static str),
}

/// A demo user.
struct UserSpec {
    email: &'static str,
    name: &'static str,
    role: RoleRef,
    /// The binding's scope: a department's subtree, or the account (`None`).
    scope: Option<&'static str>,
    members_of: &'static [&'static str],
    supervisor_of: &'static [&'static str],
    active: bool,
    sees: &'static str,
}

const USERS: &[UserSpec] = &[
    UserSpec {
        email: OWNER_EMAIL,
        name: "Olívia Ramos",
        role: RoleRef::Builtin(BuiltinRole::Owner),
        scope: None,
        members_of: &[],
        supervisor_of: &[],
        active: true,
        sees: "owner: every conversation of every department in every tab, and every administration screen",
    },
    UserSpec {
        email: "admin@demo.example",
        name: "Paulo Mendes",
        role: RoleRef::Builtin(BuiltinRole::Admin),
        scope: None,
        members_of: &[],
        supervisor_of: &[],
        active: true,
        sees: "admin: every conversation in every tab; manages users, departments and settings, but not roles nor the account",
    },
    UserSpec {
        email: "supervisora@demo.example",
        name: "Sílvia Rocha",
        role: RoleRef::Builtin(BuiltinRole::Agent),
        scope: None,
        members_of: &[],
        supervisor_of: &[SUPORTE],
        active: true,
        sees: "agent, supervisor of Suporte: every conversation of Suporte, Suporte N1 and Suporte N2, in every status",
    },
    UserSpec {
        email: "ana@demo.example",
        name: "Ana Souza",
        role: RoleRef::Builtin(BuiltinRole::Agent),
        scope: None,
        members_of: &[VENDAS],
        supervisor_of: &[],
        active: true,
        sees: "agent in Vendas (team access): Vendas' waiting queue, her team's conversations in progress and finished, her own",
    },
    UserSpec {
        email: "bruno@demo.example",
        name: "Bruno Lima",
        role: RoleRef::Builtin(BuiltinRole::Agent),
        scope: None,
        members_of: &[VENDAS],
        supervisor_of: &[],
        active: true,
        sees: "agent in Vendas (team access): like Ana, Vendas' queue and team conversations",
    },
    UserSpec {
        email: "carla@demo.example",
        name: "Carla Dias",
        role: RoleRef::Builtin(BuiltinRole::Agent),
        scope: None,
        members_of: &[SUPORTE_N1],
        supervisor_of: &[],
        active: true,
        sees: "agent in Suporte N1 (team access): its waiting queue and its team's conversations; nothing of Suporte or N2",
    },
    UserSpec {
        email: "davi@demo.example",
        name: "Davi Martins",
        role: RoleRef::Builtin(BuiltinRole::Agent),
        scope: None,
        members_of: &[SUPORTE_N2],
        supervisor_of: &[],
        active: true,
        sees: "agent in Suporte N2 (agent access): its waiting queue and only the conversations assigned to him",
    },
    UserSpec {
        email: "elisa@demo.example",
        name: "Elisa Ferreira",
        role: RoleRef::Builtin(BuiltinRole::Agent),
        scope: None,
        members_of: &[FINANCEIRO],
        supervisor_of: &[],
        active: true,
        sees: "agent in Financeiro (agent access): its waiting queue and only the conversations assigned to her",
    },
    UserSpec {
        email: "fabio@demo.example",
        name: "Fábio Gomes",
        role: RoleRef::Custom(ROLE_DEPARTMENT_AGENT),
        scope: None,
        members_of: &[VENDAS, POS_VENDA],
        supervisor_of: &[],
        active: true,
        sees: "Opa! department viewer in Vendas and Pós-venda: every conversation of those two departments, in every status",
    },
    UserSpec {
        email: "gabi@demo.example",
        name: "Gabriela Alves",
        role: RoleRef::Custom(ROLE_COMPANY_SUPERVISOR),
        scope: None,
        members_of: &[],
        supervisor_of: &[],
        active: true,
        sees: "Opa! company supervisor in no department: every conversation of the company in the waiting, others and finished tabs",
    },
    UserSpec {
        email: "helena@demo.example",
        name: "Helena Barros",
        role: RoleRef::Builtin(BuiltinRole::Agent),
        scope: Some(SUPORTE),
        members_of: &[SUPORTE],
        supervisor_of: &[],
        active: true,
        sees: "agent bound to the Suporte subtree, member of Suporte: Suporte's queue and team conversations (not N1's nor N2's); acts only inside Suporte",
    },
    UserSpec {
        email: "inativo@demo.example",
        name: "Igor Nunes",
        role: RoleRef::Builtin(BuiltinRole::Agent),
        scope: None,
        members_of: &[VENDAS],
        supervisor_of: &[],
        active: false,
        sees: "inactive agent of Vendas: cannot log in and sees nothing",
    },
];

/// The demo logins: each user's email and what they see.
pub fn logins() -> Vec<(String, String)> {
    USERS
        .iter()
        .map(|u| (u.email.to_owned(), u.sees.to_owned()))
        .collect()
}

/// Fills the demo account into an empty database: the account, its departments, roles and
/// users (every password hash is `password_hash`, the hash of [`PASSWORD`]) and
/// [`CONVERSATIONS`] conversations whose activity is spread over the seven days before
/// `now_micros` (µs since the epoch).
///
/// When the database already has an account, nothing is changed and the summary says
/// `created: false` (with the demo logins when that account is the demo's).
pub async fn fill(store: &Store, password_hash: &str, now_micros: i64) -> Result<DemoSummary> {
    if let Some(existing) = existing_account(store).await? {
        return Ok(existing);
    }
    let now = now_micros;
    let settings = Settings {
        // Finishing passes through the satisfaction survey, so the survey status shows.
        satisfaction_survey: true,
        ..Settings::default()
    };
    let account = store
        .directory()
        .create_account(ACCOUNT_NAME, &settings, GERAL, now)
        .await
        .context("creating the demo account")?;

    // Departments.
    let mut depts: BTreeMap<&'static str, DepartmentId> = BTreeMap::new();
    for spec in DEPARTMENTS {
        let parent = match spec.parent {
            Some(p) => Some(dept_id(&depts, p)?),
            None => None,
        };
        let id = if spec.name == GERAL {
            let id = store.directory().default_department(account).await?;
            store
                .directory()
                .update_department(
                    account,
                    &Department {
                        id,
                        name: spec.name.to_owned(),
                        parent,
                        access: spec.access,
                    },
                )
                .await?;
            id
        } else {
            store
                .directory()
                .create_department(account, spec.name, parent, spec.access)
                .await
                .with_context(|| format!("creating the demo department {}", spec.name))?
        };
        depts.insert(spec.name, id);
    }

    // Roles.
    let agent = BuiltinRole::Agent.permissions();
    let company: PermissionSet = [
        Permission::WaitingViewCompany,
        Permission::InProgressViewCompany,
        Permission::FinishedViewCompany,
        Permission::ConversationFinishInSurvey,
    ]
    .into_iter()
    .collect();
    let department: PermissionSet = [
        Permission::WaitingViewDepartment,
        Permission::InProgressViewDepartment,
        Permission::FinishedViewDepartment,
    ]
    .into_iter()
    .collect();
    let mut custom: BTreeMap<&'static str, RoleId> = BTreeMap::new();
    for (name, permissions) in [
        (ROLE_COMPANY_SUPERVISOR, agent.union(company)),
        (ROLE_DEPARTMENT_AGENT, agent.union(department)),
    ] {
        let id = store
            .directory()
            .create_role(account, name, permissions, &[])
            .await
            .with_context(|| format!("creating the demo role {name}"))?;
        custom.insert(name, id);
    }
    let config = store.directory().account_config(account).await?;

    // Users.
    let mut users: Vec<(UserId, &UserSpec)> = Vec::new();
    for spec in USERS {
        let id = store
            .directory()
            .create_user(
                account,
                &NewUser {
                    email: spec.email,
                    name: spec.name,
                    password_hash: Some(password_hash),
                    active: spec.active,
                },
                now,
            )
            .await
            .with_context(|| format!("creating the demo user {}", spec.email))?;
        let role = match spec.role {
            RoleRef::Builtin(b) => config
                .builtin_role(b)
                .ok_or_else(|| anyhow!("the demo account has no built-in role {}", b.id()))?,
            RoleRef::Custom(name) => *custom
                .get(name)
                .ok_or_else(|| anyhow!("the demo role {name} was not created"))?,
        };
        let scope = match spec.scope {
            Some(d) => Scope::Department(dept_id(&depts, d)?),
            None => Scope::Account,
        };
        let mut memberships = Vec::new();
        for (names, kind) in [
            (spec.members_of, MembershipKind::Member),
            (spec.supervisor_of, MembershipKind::Supervisor),
        ] {
            for d in names {
                memberships.push(Membership {
                    department: dept_id(&depts, d)?,
                    kind,
                });
            }
        }
        let user = User {
            id,
            account,
            active: spec.active,
            memberships,
            bindings: vec![Binding { role, scope }],
        };
        store
            .directory()
            .set_user_access(account, &user)
            .await
            .with_context(|| format!("giving the demo user {} its access", spec.email))?;
        users.push((id, spec));
    }

    // The company's tags, then conversations.
    for (tag, colour) in COMPANY_TAGS {
        store
            .tags()
            .create(account, tag, colour)
            .await
            .context("creating a demo tag")?;
    }
    let mut rng = Rng::new();
    let total_weight: u64 = DEPARTMENTS.iter().map(|d| d.weight).sum();
    let mut contacts: Vec<(i64, String)> = Vec::new();
    let mut in_progress = Vec::new();
    for n in 0..CONVERSATIONS {
        let spec = pick_department(&mut rng, total_weight)?;
        let department = dept_id(&depts, spec.name)?;
        let active_members: Vec<UserId> = members(&users, spec.name, true);
        let all_members: Vec<UserId> = members(&users, spec.name, false);
        let status = if active_members.is_empty() {
            // Nobody works this department (Geral, VIP): its conversations wait for someone.
            Status::Waiting
        } else {
            match rng.below(100) {
                0..25 => Status::Waiting,
                25..55 => Status::InProgress,
                55..65 => Status::Survey,
                _ => Status::Finished,
            }
        };
        let assignee = match status {
            Status::Waiting => None,
            // A finished conversation may have been had by someone who has left since.
            Status::Finished => rng.pick(&all_members),
            Status::InProgress | Status::Survey => rng.pick(&active_members),
        };

        // Some customers come back; the others are new contacts.
        let (contact, contact_name) = match rng.pick_ref(&contacts) {
            Some((id, name)) if rng.chance(12) => (*id, name.clone()),
            _ => {
                let name = format!("{} {}", rng.pick_str(FIRST_NAMES), rng.pick_str(SURNAMES));
                (0, name)
            }
        };
        let first_name = contact_name
            .split(' ')
            .next()
            .unwrap_or(&contact_name)
            .to_owned();
        let order = 1000 + rng.below(9000);
        let script = script(&mut rng, spec.topic, status, assignee, order, &first_name);

        // Activity is spread over the last seven days, in the order of creation; messages go
        // back a few minutes each from the last one.
        let slot = (7 * DAY - 6 * HOUR) / CONVERSATIONS as i64;
        let last = now - 7 * DAY + 6 * HOUR - MINUTE + n as i64 * slot + rng.below_i64(slot);
        let mut times = Vec::with_capacity(script.len());
        let mut t = last;
        for _ in &script {
            times.push(t);
            t -= MINUTE + rng.below_i64(45 * MINUTE);
        }
        times.reverse();
        let start = times.first().copied().unwrap_or(last);

        let contact = if contact != 0 {
            contact
        } else {
            // A Brazilian mobile: 9, then a digit 6 to 9, then seven digits.
            let phone = format!(
                "+55{}9{}{:07}",
                rng.pick_str(AREA_CODES),
                6 + rng.below(4),
                rng.below(10_000_000)
            );
            let email = rng
                .chance(40)
                .then(|| format!("{}@cliente.example", ascii_slug(&contact_name)));
            let id = store
                .inbox()
                .create_contact(
                    account,
                    &contact_name,
                    Some(&phone),
                    email.as_deref(),
                    start,
                )
                .await
                .context("creating a demo contact")?;
            contacts.push((id, contact_name));
            id
        };
        let conversation = store
            .conversations()
            .create_conversation(&NewConversation {
                account,
                department,
                status,
                assignee,
                contact: Some(contact),
                channel: "whatsapp",
                at: start,
            })
            .await
            .with_context(|| format!("creating demo conversation {n}"))?;
        for ((kind, author, body), at) in script.iter().zip(&times) {
            store
                .inbox()
                .add_message(account, conversation, *kind, *author, body, None, *at)
                .await
                .context("adding a demo message")?;
        }
        if status == Status::InProgress {
            in_progress.push((conversation, times.last().copied().unwrap_or(start)));
        }
        for tag in tags(&mut rng, spec) {
            store
                .inbox()
                .tag(account, conversation, tag, None, start)
                .await
                .context("tagging a demo conversation")?;
        }
    }

    // A WhatsApp channel into the default department, for trying the webhook.
    let mut tx = store.directory().begin_admin(account).await?;
    let channel = tx
        .create_channel(
            store::ChannelKind::WhatsApp,
            &store::ChannelWrite {
                name: "WhatsApp (demo)",
                phone_number_id: Some(CHANNEL_NUMBER),
                verify_token: Some(CHANNEL_VERIFY_TOKEN),
                app_secret: Some(CHANNEL_APP_SECRET),
                access_token: Some("demo-access-token"),
                graph_base_url: Some(CHANNEL_GRAPH),
                active: true,
                ..store::ChannelWrite::default()
            },
            now,
        )
        .await
        .context("creating the demo WhatsApp channel")?;
    tx.commit().await?;

    Ok(DemoSummary {
        created: true,
        account,
        logins: logins(),
        conversations: CONVERSATIONS,
        channel: Some(channel),
        in_progress,
    })
}

/// Grows the demo account to `total` conversations by copying its conversations, each copy a
/// week older than the last (same departments, statuses, assignees and contacts; no messages),
/// for measuring the inbox at scale. Returns how many conversations it has, or `None` when the
/// database has no demo account.
pub async fn scale(store: &Store, total: i64) -> Result<Option<i64>> {
    match existing_account(store).await? {
        Some(demo) if !demo.logins.is_empty() => Ok(Some(
            store
                .conversations()
                .bench_replicate(demo.account, total, 7 * DAY)
                .await
                .context("copying the demo conversations")?,
        )),
        _ => Ok(None),
    }
}

/// The summary to give when the database already has an account, or `None` when it is empty.
async fn existing_account(store: &Store) -> Result<Option<DemoSummary>> {
    if let Some(owner) = store.auth().credentials(OWNER_EMAIL).await? {
        return Ok(Some(DemoSummary {
            created: false,
            account: owner.account,
            logins: logins(),
            conversations: 0,
            in_progress: Vec::new(),
            channel: store
                .channels()
                .list(owner.account)
                .await?
                .iter()
                .find(|c| c.phone_number_id.as_deref() == Some(CHANNEL_NUMBER))
                .map(|c| c.id),
        }));
    }
    Ok(store
        .directory()
        .first_account()
        .await?
        .map(|account| DemoSummary {
            created: false,
            account,
            logins: Vec::new(),
            conversations: 0,
            in_progress: Vec::new(),
            channel: None,
        }))
}

fn dept_id(depts: &BTreeMap<&'static str, DepartmentId>, name: &str) -> Result<DepartmentId> {
    depts
        .get(name)
        .copied()
        .ok_or_else(|| anyhow!("the demo department {name} was not created"))
}

/// The users with a membership (member or supervisor) in `department`; only active ones when
/// `active_only`.
fn members(users: &[(UserId, &UserSpec)], department: &str, active_only: bool) -> Vec<UserId> {
    users
        .iter()
        .filter(|(_, u)| u.active || !active_only)
        .filter(|(_, u)| {
            u.members_of.contains(&department) || u.supervisor_of.contains(&department)
        })
        .map(|(id, _)| *id)
        .collect()
}

fn pick_department(rng: &mut Rng, total_weight: u64) -> Result<&'static DeptSpec> {
    let mut roll = rng.below(total_weight);
    for spec in DEPARTMENTS {
        if roll < spec.weight {
            return Ok(spec);
        }
        roll -= spec.weight;
    }
    Err(anyhow!("no demo department for weight {roll}"))
}

#[cfg(test)]
#[path = "demo_tests.rs"]
mod tests;
