//! `atende policy test` and `atende policy explain`.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use access::explain::{self, Lang};
use access::{ActionKind, Permission, Tab};
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use scenario::{Backend, Memory, Scenario, Subject};

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run access test files: one line per failed expectation, then `N passed, N failed`.
    Test(TestArgs),
    /// Explain one decision of an access test file's account in plain words.
    Explain(Box<ExplainArgs>),
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Access test files (YAML); a directory stands for the `.yaml` / `.yml` files inside it.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Language of the reasons in failure lines: pt or en.
    #[arg(long, default_value = "en", value_parser = parse_lang)]
    lang: Lang,
    /// Also print one line per file with its counts.
    #[arg(long, short)]
    verbose: bool,
    /// Where the expectations are answered: the engine in memory, or the store (each file in a
    /// fresh SQLite database in memory, or a fresh account of the PostgreSQL database).
    #[arg(long, value_enum, default_value_t = BackendKind::Memory)]
    backend: BackendKind,
    /// PostgreSQL URL for `--backend postgres`.
    #[arg(long, env = "ATENDE_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

/// The backends `policy test` can check through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendKind {
    /// The access engine in memory.
    Memory,
    /// The store on SQLite: tabs through the compiled SQL, principals from stored rows.
    Sqlite,
    /// The store on PostgreSQL.
    Postgres,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The access test file describing the account.
    file: PathBuf,
    /// The user whose access is explained (an id of the file).
    #[arg(long)]
    user: String,
    /// A conversation (with --action, or alone for `view`; with --permission for has(U, p, C)).
    #[arg(long)]
    conversation: Option<String>,
    /// An action (view, assume, transfer, ...), `login`, `manage_user`, or a permission id.
    #[arg(long, conflicts_with_all = ["tab", "permission"])]
    action: Option<String>,
    /// A tab: mine, waiting, others, finished, my_finished.
    #[arg(long, conflicts_with_all = ["permission", "conversation"])]
    tab: Option<String>,
    /// A permission id, decided for the account (or for --conversation's department).
    #[arg(long)]
    permission: Option<String>,
    /// The transfer target (with --action transfer).
    #[arg(long)]
    to_user: Option<String>,
    /// The new department (with --action change_department).
    #[arg(long)]
    to_department: Option<String>,
    /// The user to manage (with --action manage_user).
    #[arg(long)]
    target: Option<String>,
    /// The client address the request comes from.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    from: IpAddr,
    /// Language: pt (default) or en.
    #[arg(long, default_value = "pt", value_parser = parse_lang)]
    lang: Lang,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::from_id(s).ok_or_else(|| format!("unknown language `{s}`: use pt or en"))
}

pub fn run(cmd: PolicyCommand) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::Test(args) => test(&args),
        PolicyCommand::Explain(args) => explain_cmd(&args),
    }
}

fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read directory {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// Loads and parses a file; problems are printed and `None` returned.
fn load(path: &Path, out: &mut impl Write) -> Result<Option<Scenario>> {
    let shown = path.display();
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                writeln!(out, "{shown}: invalid file: it is not UTF-8 text")?;
                return Ok(None);
            }
        },
        Err(e) => {
            writeln!(out, "{shown}: invalid file: cannot read it: {e}")?;
            return Ok(None);
        }
    };
    match scenario::parse(&text) {
        Ok(s) => Ok(Some(s)),
        Err(problems) => {
            for p in problems {
                writeln!(out, "{shown}:{}: invalid file: {}", p.line, p.message)?;
            }
            Ok(None)
        }
    }
}

fn test(args: &TestArgs) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut passed, mut failed, mut invalid) = (0usize, 0usize, 0usize);
    let runtime = match args.backend {
        BackendKind::Memory => None,
        BackendKind::Sqlite | BackendKind::Postgres => Some(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?,
        ),
    };
    for path in expand(&args.files)? {
        let Some(s) = load(&path, &mut out)? else {
            invalid += 1;
            continue;
        };
        let report = match (args.backend, &runtime) {
            (BackendKind::Memory, _) | (_, None) => {
                scenario::run(&s, &mut Memory::new(&s), args.lang)
                    .map_err(|e| anyhow!("{}: {e}", path.display()))?
            }
            (kind, Some(rt)) => {
                let store = rt.block_on(async {
                    let store = match kind {
                        BackendKind::Postgres => {
                            let url = args.database_url.as_deref().context(
                                "--backend postgres needs --database-url or ATENDE_DATABASE_URL (postgres://user@host/database)",
                            )?;
                            store::Store::open_postgres(url).await?
                        }
                        BackendKind::Sqlite | BackendKind::Memory => store::Store::open_sqlite_memory().await?,
                    };
                    store.migrate().await?;
                    anyhow::Ok(store)
                })?;
                let (account, remapped) = rt
                    .block_on(scenario_store::load(&store, &s))
                    .with_context(|| format!("{}: loading into the database", path.display()))?;
                let mut backend = scenario_store::StoreBackend::new(store.clone(), account, rt);
                let report = scenario::run(&remapped, &mut backend, args.lang)
                    .map_err(|e| anyhow!("{}: {e}", path.display()))?;
                rt.block_on(store.close());
                report
            }
        };
        for f in &report.failed {
            writeln!(
                out,
                "{}: expectation #{} (line {}): {}",
                path.display(),
                f.index,
                f.line,
                f.message
            )?;
        }
        if args.verbose {
            writeln!(
                out,
                "{}: {} — {} passed, {} failed",
                path.display(),
                s.name,
                report.passed,
                report.failed.len()
            )?;
        }
        passed += report.passed;
        failed += report.failed.len();
    }
    if invalid > 0 {
        writeln!(
            out,
            "{invalid} invalid file(s): their expectations did not run"
        )?;
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    out.flush()?;
    Ok(if failed == 0 && invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn id<T: Copy>(map: &BTreeMap<String, T>, kind: &str, text: &str) -> Result<T> {
    map.get(text).copied().ok_or_else(|| {
        let known = map.keys().cloned().collect::<Vec<_>>().join(", ");
        anyhow!("unknown {kind} `{text}` in this file (declared: {known})")
    })
}

fn explain_cmd(a: &ExplainArgs) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let Some(s) = load(&a.file, &mut out)? else {
        bail!("{} is not a valid access test file", a.file.display());
    };
    let n = &s.names;
    let user = id(&n.users, "user", &a.user)?;
    let conversation = a
        .conversation
        .as_deref()
        .map(|c| id(&n.conversations, "conversation", c))
        .transpose()?;
    let mut backend = Memory::new(&s);
    let lang = a.lang;
    let pt = lang == Lang::Pt;
    let principal = backend.principal(user, a.from)?;

    if let Some(tab) = &a.tab {
        let tab = Tab::from_id(tab).ok_or_else(|| {
            anyhow!("unknown tab `{tab}`: use mine, waiting, others, finished or my_finished")
        })?;
        let plan = principal.plan(tab);
        let header = if pt {
            format!(
                "Aba {} de {} (a partir de {}): vê",
                tab.id(),
                a.user,
                a.from
            )
        } else {
            format!("Tab {} of {} (from {}): sees", tab.id(), a.user, a.from)
        };
        writeln!(out, "{header}")?;
        for line in explain::plan(lang, n, &plan) {
            writeln!(out, "{line}")?;
        }
        let listed = backend.list(user, a.from, tab)?;
        writeln!(
            out,
            "{}",
            if pt {
                format!("{} atendimento(s):", listed.len())
            } else {
                format!("{} conversation(s):", listed.len())
            }
        )?;
        for c in listed {
            let d = backend.explain_visible(user, a.from, c)?;
            let why: Vec<String> = d
                .reasons()
                .iter()
                .map(|r| explain::reason(lang, n, r))
                .collect();
            writeln!(out, "  {}: {}", n.conversation_name(c), why.join("; "))?;
        }
        return Ok(ExitCode::SUCCESS);
    }

    let subject = match (&a.action, &a.permission) {
        (Some(_), Some(_)) => bail!("give --action or --permission, not both"),
        (None, Some(p)) => Subject::Permission {
            permission: Permission::from_id(p)
                .ok_or_else(|| anyhow!("`{p}` is not a permission of the catalogue"))?,
            conversation,
        },
        (action, None) => {
            let action = action.as_deref().unwrap_or("view");
            match action {
                "login" => Subject::Login,
                "manage_user" => Subject::ManageUser {
                    target: id(
                        &n.users,
                        "user",
                        a.target
                            .as_deref()
                            .ok_or_else(|| anyhow!("manage_user needs --target"))?,
                    )?,
                },
                other => {
                    if let Some(permission) = Permission::from_id(other) {
                        Subject::Permission {
                            permission,
                            conversation,
                        }
                    } else {
                        let kind = ActionKind::from_id(other).ok_or_else(|| anyhow!("`{other}` is neither an action, login, manage_user nor a permission"))?;
                        let conversation = conversation
                            .ok_or_else(|| anyhow!("the action {other} needs --conversation"))?;
                        let to_user = match (kind, &a.to_user) {
                            (ActionKind::Transfer, Some(u)) => Some(id(&n.users, "user", u)?),
                            (ActionKind::Transfer, None) => bail!("transfer needs --to-user"),
                            _ => None,
                        };
                        let to_department = match (kind, &a.to_department) {
                            (ActionKind::ChangeDepartment, Some(d)) => {
                                Some(id(&n.departments, "department", d)?)
                            }
                            (ActionKind::ChangeDepartment, None) => {
                                bail!("change_department needs --to-department")
                            }
                            _ => None,
                        };
                        Subject::Action {
                            action: kind,
                            conversation,
                            to_user,
                            to_department,
                        }
                    }
                }
            }
        }
    };
    reject_unused(a, &subject)?;
    let decision = backend.decide(user, a.from, &subject)?;
    let question = describe(n, &a.user, a.from, &subject, pt);
    writeln!(out, "{question}")?;
    for line in explain::decision(lang, n, &decision) {
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(n: &scenario::Names, user: &str, from: IpAddr, subject: &Subject, pt: bool) -> String {
    let what = subject.describe(n);
    if pt {
        format!("{user} pode {what}? (a partir de {from})")
    } else {
        format!("Can {user} {what}? (from {from})")
    }
}

/// Options that do not belong to the question are errors, as they are in access test files:
/// answering another question than the one asked would mislead.
fn reject_unused(a: &ExplainArgs, subject: &Subject) -> Result<()> {
    let (transfer, change, manage, conversation) = match subject {
        Subject::Action { action, .. } => (
            *action == ActionKind::Transfer,
            *action == ActionKind::ChangeDepartment,
            false,
            true,
        ),
        Subject::Login => (false, false, false, false),
        Subject::ManageUser { .. } => (false, false, true, false),
        Subject::Permission { permission, .. } => (
            false,
            false,
            false,
            permission.scope() == access::PermissionScope::Conversation,
        ),
    };
    let checks = [
        (
            a.to_user.is_some() && !transfer,
            "--to-user goes with --action transfer only",
        ),
        (
            a.to_department.is_some() && !change,
            "--to-department goes with --action change_department only",
        ),
        (
            a.target.is_some() && !manage,
            "--target goes with --action manage_user only",
        ),
        (
            a.conversation.is_some() && !conversation,
            "--conversation does not apply to this question (login, manage_user and account permissions are decided for the whole account)",
        ),
    ];
    match checks.iter().find(|(bad, _)| *bad) {
        Some((_, message)) => bail!("{message}"),
        None => Ok(()),
    }
}
