//! Decisions in plain words, in Portuguese or English, for administrators
//! (`atende policy explain`, the access explorer).

use crate::ids::{DepartmentId, RoleId, UserId};
use crate::model::{Scope, Status, StatusClass};
use crate::permission::Permission;
use crate::plan::{AssigneeFilter, DeptSet, Plan, Term};
use crate::reason::{BindingRef, Decision, MissingNote, Reason, Rule, Unmet, Via};

/// The language of an explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Português (Brasil), the default.
    #[default]
    Pt,
    /// English.
    En,
}

impl Lang {
    /// Reads `pt`, `pt-BR` or `en`.
    pub fn from_id(id: &str) -> Option<Lang> {
        match id.to_ascii_lowercase().as_str() {
            "pt" | "pt-br" | "pt_br" => Some(Lang::Pt),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
}

/// Display names of the objects reasons refer to.
pub trait Names {
    /// A user's name.
    fn user(&self, id: UserId) -> String;
    /// A department's name.
    fn department(&self, id: DepartmentId) -> String;
    /// A role's name.
    fn role(&self, id: RoleId) -> String;
}

fn pick(lang: Lang, pt: String, en: String) -> String {
    match lang {
        Lang::Pt => pt,
        Lang::En => en,
    }
}

/// A permission's label alone, for sentences.
fn label(lang: Lang, p: Permission) -> String {
    let info = p.info();
    match lang {
        Lang::Pt => format!("“{}”", info.label_pt),
        Lang::En => format!("“{}”", info.label_en),
    }
}

/// What a visibility rule lets see, in words (no rule code).
fn rule_plain(lang: Lang, r: Rule) -> &'static str {
    match (lang, r) {
        (Lang::Pt, Rule::V1) => "o responsável vê o atendimento",
        (Lang::Pt, Rule::V2) => "quem atendeu vê os seus atendimentos finalizados",
        (Lang::Pt, Rule::V3) => "o supervisor vê os atendimentos do departamento",
        (Lang::Pt, Rule::V4w) => "a equipe vê a fila de aguardando do departamento",
        (Lang::Pt, Rule::V4p) => "a equipe vê os atendimentos em andamento do departamento",
        (Lang::Pt, Rule::V4f) => "a equipe vê os atendimentos finalizados do departamento",
        (Lang::Pt, Rule::V5) => "essa permissão dá essa visão",
        (Lang::En, Rule::V1) => "the assignee sees the conversation",
        (Lang::En, Rule::V2) => "whoever handled it sees their finished conversations",
        (Lang::En, Rule::V3) => "a supervisor sees the department's conversations",
        (Lang::En, Rule::V4w) => "the team sees the department's waiting queue",
        (Lang::En, Rule::V4p) => "the team sees the department's conversations in progress",
        (Lang::En, Rule::V4f) => "the team sees the department's finished conversations",
        (Lang::En, Rule::V5) => "that permission gives this view",
    }
}

/// Why a user sees a conversation (or does not), in one sentence a manager reads: no rule
/// codes, no permission ids (those stay in [`decision`]'s lines, for whoever asks).
pub fn sentence(lang: Lang, names: &dyn Names, user: &str, d: &Decision) -> String {
    let reasons = d.reasons();
    if d.is_allowed() {
        let why = reasons.iter().find_map(|r| match r {
            Reason::Rule(rule, v) => {
                let how = match v {
                    Via::Permission(p, b) => pick(
                        lang,
                        format!(
                            "tem a permissão {} pelo {}",
                            label(lang, *p),
                            binding(lang, names, *b)
                        ),
                        format!(
                            "holds {} through the {}",
                            label(lang, *p),
                            binding(lang, names, *b)
                        ),
                    ),
                    v => via(lang, names, *v),
                };
                Some((how, rule_plain(lang, *rule)))
            }
            _ => None,
        });
        return match why {
            Some((how, rule)) => pick(
                lang,
                format!("{user} vê porque {how}, e {rule}."),
                format!("{user} sees it because the user {how}, and {rule}."),
            ),
            None => pick(lang, format!("{user} vê."), format!("{user} sees it.")),
        };
    }
    let mut why: Vec<String> = Vec::new();
    for r in reasons {
        let line = match r {
            Reason::RuleNotMet(_, u) => unmet(lang, *u),
            Reason::MissingPermission(p, _) => pick(
                lang,
                format!("não tem a permissão {}", label(lang, *p)),
                format!("lacks {}", label(lang, *p)),
            ),
            r => reason(lang, names, r),
        };
        if !why.contains(&line) {
            why.push(line);
        }
    }
    if why.is_empty() {
        return pick(
            lang,
            format!("{user} não vê."),
            format!("{user} does not see it."),
        );
    }
    let why = why.join("; ");
    pick(
        lang,
        format!("{user} não vê: {why}."),
        format!("{user} does not see it: {why}."),
    )
}

/// A permission's label with its id.
pub fn permission(lang: Lang, p: Permission) -> String {
    let info = p.info();
    let label = match lang {
        Lang::Pt => info.label_pt,
        Lang::En => info.label_en,
    };
    format!("“{label}” ({})", info.id)
}

fn binding(lang: Lang, names: &dyn Names, b: BindingRef) -> String {
    let role = names.role(b.role);
    match b.scope {
        Scope::Account => pick(
            lang,
            format!("papel {role} na conta inteira"),
            format!("role {role} on the whole account"),
        ),
        Scope::Department(d) => {
            let d = names.department(d);
            pick(
                lang,
                format!("papel {role} no departamento {d} e subdepartamentos"),
                format!("role {role} in department {d} and its subdepartments"),
            )
        }
    }
}

fn status(lang: Lang, s: Status) -> &'static str {
    match (lang, s) {
        (Lang::Pt, Status::Waiting) => "aguardando",
        (Lang::Pt, Status::InProgress) => "em andamento",
        (Lang::Pt, Status::Survey) => "em pesquisa de satisfação",
        (Lang::Pt, Status::Finished) => "finalizado",
        (Lang::En, Status::Waiting) => "waiting",
        (Lang::En, Status::InProgress) => "in progress",
        (Lang::En, Status::Survey) => "in satisfaction survey",
        (Lang::En, Status::Finished) => "finished",
    }
}

fn class(lang: Lang, k: StatusClass) -> &'static str {
    match (lang, k) {
        (Lang::Pt, StatusClass::Waiting) => "aguardando",
        (Lang::Pt, StatusClass::InProgress) => "em andamento (ou em pesquisa)",
        (Lang::Pt, StatusClass::Finished) => "finalizados",
        (Lang::En, StatusClass::Waiting) => "waiting",
        (Lang::En, StatusClass::InProgress) => "in progress (or in survey)",
        (Lang::En, StatusClass::Finished) => "finished",
    }
}

fn via(lang: Lang, names: &dyn Names, v: Via) -> String {
    match v {
        Via::Assignee => pick(
            lang,
            "é o responsável pelo atendimento".into(),
            "is the conversation's assignee".into(),
        ),
        Via::Supervises(d) => {
            let d = names.department(d);
            pick(
                lang,
                format!("supervisiona o departamento {d} (e seus subdepartamentos)"),
                format!("supervises department {d} (and its subdepartments)"),
            )
        }
        Via::Member => pick(
            lang,
            "é membro do departamento do atendimento".into(),
            "is a member of the conversation's department".into(),
        ),
        Via::SharedInbox => pick(
            lang,
            "é membro do departamento e a caixa de entrada compartilhada está ligada".into(),
            "is a member of the department and the shared inbox is on".into(),
        ),
        Via::AccessAll => pick(
            lang,
            "o departamento tem acesso “Todos”".into(),
            "the department's access is “all”".into(),
        ),
        Via::Permission(p, b) => pick(
            lang,
            format!(
                "tem a permissão {} pelo {}",
                permission(lang, p),
                binding(lang, names, b)
            ),
            format!(
                "holds {} through the {}",
                permission(lang, p),
                binding(lang, names, b)
            ),
        ),
    }
}

fn rule_name(lang: Lang, r: Rule) -> &'static str {
    match (lang, r) {
        (Lang::Pt, Rule::V1) => "V1 (responsável)",
        (Lang::Pt, Rule::V2) => "V2 (meus finalizados)",
        (Lang::Pt, Rule::V3) => "V3 (supervisão)",
        (Lang::Pt, Rule::V4w) => "V4w (fila aguardando)",
        (Lang::Pt, Rule::V4p) => "V4p (equipe em andamento)",
        (Lang::Pt, Rule::V4f) => "V4f (equipe finalizados)",
        (Lang::Pt, Rule::V5) => "V5 (visões por permissão)",
        (Lang::En, Rule::V1) => "V1 (assignee)",
        (Lang::En, Rule::V2) => "V2 (my finished)",
        (Lang::En, Rule::V3) => "V3 (supervision)",
        (Lang::En, Rule::V4w) => "V4w (waiting queue)",
        (Lang::En, Rule::V4p) => "V4p (team in progress)",
        (Lang::En, Rule::V4f) => "V4f (team finished)",
        (Lang::En, Rule::V5) => "V5 (scoped views)",
    }
}

fn unmet(lang: Lang, u: Unmet) -> String {
    match u {
        Unmet::StatusClass(k) => pick(
            lang,
            format!("só vale para atendimentos {}", class(lang, k)),
            format!("applies only to {} conversations", class(lang, k)),
        ),
        Unmet::NotAssignee => pick(
            lang,
            "não é o responsável pelo atendimento".into(),
            "is not the conversation's assignee".into(),
        ),
        Unmet::Setting(s) => pick(
            lang,
            format!("a configuração {s} não permite"),
            format!("the setting {s} does not allow it"),
        ),
        Unmet::NotSupervised => pick(
            lang,
            "não supervisiona o departamento".into(),
            "does not supervise the department".into(),
        ),
        Unmet::NotMember => pick(
            lang,
            "não é membro do departamento".into(),
            "is not a member of the department".into(),
        ),
        Unmet::Access(a) => pick(
            lang,
            format!("o acesso do departamento é “{a}”"),
            format!("the department's access is “{a}”"),
        ),
        Unmet::NoViewPermission(k) => pick(
            lang,
            format!(
                "não tem a permissão de ver atendimentos {} da empresa, nem a do departamento sendo membro dele",
                class(lang, k)
            ),
            format!(
                "holds neither the company view of {} conversations nor the department view as a member",
                class(lang, k)
            ),
        ),
    }
}

/// One reason as a sentence about the user.
pub fn reason(lang: Lang, names: &dyn Names, r: &Reason) -> String {
    match r {
        Reason::Rule(rule, v) => format!("{}: {}", rule_name(lang, *rule), via(lang, names, *v)),
        Reason::Permission(p, b) => pick(
            lang,
            format!("tem a permissão {} pelo {}", permission(lang, *p), binding(lang, names, *b)),
            format!("holds {} through the {}", permission(lang, *p), binding(lang, names, *b)),
        ),
        Reason::Owns(v) => pick(lang, format!("é dono do atendimento: {}", via(lang, names, *v)), format!("owns the conversation: {}", via(lang, names, *v))),
        Reason::ActiveBinding(b) => pick(lang, format!("vínculo ativo: {}", binding(lang, names, *b)), format!("active binding: {}", binding(lang, names, *b))),
        Reason::CurrentPasswordGiven => pick(lang, "informou a senha atual".into(), "gave the current password".into()),
        Reason::WithinActorPermissions => pick(
            lang,
            "o usuário alvo não tem nenhuma permissão que o autor não tenha".into(),
            "the target holds no permission the actor lacks".into(),
        ),
        Reason::OtherAccount => pick(lang, "não encontrado nesta conta".into(), "not found in this account".into()),
        Reason::UserInactive => pick(lang, "o usuário está inativo".into(), "the user is inactive".into()),
        Reason::NoActiveBinding => pick(
            lang,
            "nenhum papel do usuário vale a partir deste endereço (redes permitidas)".into(),
            "none of the user's roles applies from this address (allowed networks)".into(),
        ),
        Reason::RuleNotMet(rule, u) => pick(
            lang,
            format!("{} não se aplica: {}", rule_name(lang, *rule), unmet(lang, *u)),
            format!("{} does not apply: {}", rule_name(lang, *rule), unmet(lang, *u)),
        ),
        Reason::MissingPermission(p, note) => {
            let (pt, en) = match note {
                MissingNote::NotGranted => ("", ""),
                MissingNote::OnlyDepartmentScoped => (
                    " (só a tem num papel restrito a um departamento, que não vale para a conta)",
                    " (held only through a department-scoped binding, which does not count for the account)",
                ),
                MissingNote::OtherDepartments => (
                    " (só a tem em outros departamentos)",
                    " (held only in other departments)",
                ),
                MissingNote::OutsideAllowedNetworks => (
                    " (o papel que a concede não vale a partir deste endereço)",
                    " (the role granting it does not apply from this address)",
                ),
            };
            pick(lang, format!("falta a permissão {}{pt}", permission(lang, *p)), format!("lacks {}{en}", permission(lang, *p)))
        }
        Reason::WrongStatus { actual, needed } => {
            let list = needed.iter().map(|s| status(lang, *s)).collect::<Vec<_>>().join(" / ");
            pick(lang, format!("o atendimento está {}, e a ação pede {list}", status(lang, *actual)), format!("the conversation is {}, and the action needs {list}", status(lang, *actual)))
        }
        Reason::NotOwner => pick(
            lang,
            "não é o responsável, nem supervisor do departamento, nem tem “Gerenciar qualquer atendimento”".into(),
            "is neither the assignee, nor a supervisor of the department, nor holds “manage any conversation”".into(),
        ),
        Reason::DetailsHidden => pick(
            lang,
            "as informações ficam ocultas até o atendimento ser assumido".into(),
            "details stay hidden until the conversation is assumed".into(),
        ),
        Reason::TargetNotFound => pick(lang, "o usuário de destino não foi encontrado".into(), "the target user was not found".into()),
        Reason::TargetInactive(u) => {
            let u = names.user(*u);
            pick(lang, format!("o destino {u} está inativo"), format!("the target {u} is inactive"))
        }
        Reason::TargetNotMember(u, d) => {
            let (u, d) = (names.user(*u), names.department(*d));
            pick(lang, format!("o destino {u} não é membro do departamento {d}"), format!("the target {u} is not a member of department {d}"))
        }
        Reason::TargetIsAssignee(u) => {
            let u = names.user(*u);
            pick(lang, format!("{u} já é o responsável"), format!("{u} already has the conversation"))
        }
        Reason::DepartmentNotFound => pick(lang, "o departamento de destino não foi encontrado".into(), "the target department was not found".into()),
        Reason::SameDepartment(d) => {
            let d = names.department(*d);
            pick(lang, format!("o atendimento já está no departamento {d}"), format!("the conversation is already in department {d}"))
        }
        Reason::Escalation(missing) => {
            let list = missing.iter().map(|p| permission(lang, p)).collect::<Vec<_>>().join(", ");
            pick(lang, format!("o alvo teria permissões que o autor não tem: {list}"), format!("the target would hold permissions the actor lacks: {list}"))
        }
        Reason::MembershipBeyondView(ds) => {
            let list = ds.iter().map(|d| names.department(*d)).collect::<Vec<_>>().join(", ");
            pick(lang, format!("o autor não vê todos os atendimentos (em todos os status, com detalhes) de {list}, então não pode incluir membros ou supervisores ali"), format!("the actor does not see every conversation (every status, with details) of {list}, so cannot add members or supervisors there"))
        }
        Reason::VisibilityEscalation(ds) => {
            let list = ds.iter().map(|d| names.department(*d)).collect::<Vec<_>>().join(", ");
            pick(lang, format!("o alvo veria atendimentos que o autor não vê, em {list}"), format!("the target would see conversations the actor does not, in {list}"))
        }
        Reason::LastAccountManager => pick(
            lang,
            "a conta ficaria sem nenhum usuário ativo com “Gerenciar a conta”".into(),
            "the account would be left with no active user holding “manage the account”".into(),
        ),
        Reason::BuiltinRole => pick(lang, "papéis padrão não podem ser alterados".into(), "built-in roles cannot be changed".into()),
        Reason::CurrentPasswordRequired => pick(lang, "é preciso informar a senha atual".into(), "the current password is required".into()),
    }
}

/// A decision as a verdict line followed by one line per reason.
pub fn decision(lang: Lang, names: &dyn Names, d: &Decision) -> Vec<String> {
    let verdict = match (lang, d.outcome()) {
        (Lang::Pt, crate::Outcome::Allow) => "PERMITIDO",
        (Lang::Pt, crate::Outcome::Forbidden) => "NEGADO",
        (Lang::Pt, crate::Outcome::NotFound) => {
            "NEGADO (para este usuário o atendimento não existe: resposta “não encontrado”)"
        }
        (Lang::En, crate::Outcome::Allow) => "ALLOWED",
        (Lang::En, crate::Outcome::Forbidden) => "DENIED",
        (Lang::En, crate::Outcome::NotFound) => {
            "DENIED (to this user the conversation does not exist: answered “not found”)"
        }
    };
    let mut lines = vec![verdict.to_owned()];
    lines.extend(
        d.reasons()
            .iter()
            .map(|r| format!("  - {}", reason(lang, names, r))),
    );
    lines
}

fn term(lang: Lang, names: &dyn Names, t: &Term) -> String {
    let depts = match &t.departments {
        DeptSet::Any => pick(
            lang,
            "de qualquer departamento".into(),
            "in any department".into(),
        ),
        DeptSet::Only(ds) => {
            let list = ds
                .iter()
                .map(|d| names.department(*d))
                .collect::<Vec<_>>()
                .join(", ");
            pick(
                lang,
                format!("dos departamentos {list}"),
                format!("in departments {list}"),
            )
        }
    };
    let assignee = match t.assignee {
        AssigneeFilter::Any => String::new(),
        AssigneeFilter::Is(u) => pick(
            lang,
            format!(", com responsável {}", names.user(u)),
            format!(", assigned to {}", names.user(u)),
        ),
        AssigneeFilter::IsNot(u) => pick(
            lang,
            format!(", com responsável diferente de {}", names.user(u)),
            format!(", not assigned to {}", names.user(u)),
        ),
    };
    pick(
        lang,
        format!("atendimentos {} {depts}{assignee}", class(lang, t.class)),
        format!("{} conversations {depts}{assignee}", class(lang, t.class)),
    )
}

/// A plan as one line per term.
pub fn plan(lang: Lang, names: &dyn Names, p: &Plan) -> Vec<String> {
    if p.terms.is_empty() {
        return vec![pick(
            lang,
            "nenhum atendimento".into(),
            "no conversation".into(),
        )];
    }
    p.terms
        .iter()
        .map(|t| format!("  - {}", term(lang, names, t)))
        .collect()
}
