//! The compiler from the engine's visibility [`Plan`]s to SQL.
//!
//! A listing is one index-ordered, `LIMIT`ed branch per plan term and department (each seeks a
//! composite index `(account_id, class, department_id | assignee_id, last_activity DESC, id
//! DESC)`), merged by `UNION ALL … ORDER BY last_activity DESC, id DESC LIMIT n`: plan terms are
//! disjoint, so no row appears twice. Pages continue from a keyset cursor `(last_activity, id)`,
//! never an `OFFSET`. A count sums the `conversation_counts` rows the terms select.
//!
//! Ids are typed integers, so department sets are written inline; everything else is bound.

use access::{AssigneeFilter, ContactScope, Cursor, DeptSet, Plan, Term};

use crate::Backend;
use crate::codec::class_code;

/// Above this many departments a term reads the class index with an `IN` filter instead of one
/// branch per department.
pub const MAX_BRANCHES_PER_TERM: usize = 8;

/// SQL text and its bound integers, in `$N` order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compiled {
    /// The statement.
    pub sql: String,
    /// Values for `$1`, `$2`, ...
    pub binds: Vec<Value>,
}

/// Narrowing of a listing beyond its plan: a tag, a search in the contact's name or phone. The
/// store's filtered listings take it only with an [`access::DetailsPlan`], a plan that already
/// excludes what the caller may not see the details of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only conversations with this tag.
    pub tag: Option<String>,
    /// Only conversations whose contact's name or phone contains this text (case-insensitive).
    pub search: Option<String>,
}

/// A bound value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A text.
    Text(String),
}

struct Builder {
    binds: Vec<Value>,
}

impl Builder {
    fn bind(&mut self, v: i64) -> String {
        self.binds.push(Value::Int(v));
        format!("${}", self.binds.len())
    }

    fn bind_text(&mut self, v: &str) -> String {
        self.binds.push(Value::Text(v.to_owned()));
        format!("${}", self.binds.len())
    }
}

/// `%text%` for `LIKE … ESCAPE '\'`, lower-cased.
fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

fn filter_conditions(b: &mut Builder, plan: &Plan, f: &Filter, backend: Backend) -> Vec<String> {
    let mut w = Vec::new();
    if let Some(tag) = &f.tag {
        let (a, t) = (b.bind(plan.account.0), b.bind_text(tag));
        w.push(format!(
            "id IN (SELECT ct.conversation_id FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id WHERE t.account_id = {a} AND t.name = {t})"
        ));
    }
    if let Some(q) = &f.search {
        // The conversation's own account condition keeps other accounts' contacts out.
        w.push(search_condition(b, backend, "contact_id", q));
    }
    w
}

/// The text a search looks for in contacts' `search` keys: a phone's digits, or the folded text.
fn search_text(q: &str) -> String {
    phone::search_digits(q).unwrap_or_else(|| crate::contacts::fold(q))
}

/// The condition "contact `column` matches search `q`". On SQLite it asks the contacts' FTS5
/// trigram index (`contacts_search`, whose `LIKE` reads the index; a text with `%`, `_` or `\`
/// falls back to the escaped scan); on PostgreSQL the `search` column's pg_trgm GIN index
/// answers the escaped `LIKE`.
fn search_condition(b: &mut Builder, backend: Backend, column: &str, q: &str) -> String {
    let text = search_text(q);
    if backend == Backend::Sqlite && !text.contains(['%', '_', '\\']) {
        let pat = b.bind_text(&format!("%{text}%"));
        return format!("{column} IN (SELECT rowid FROM contacts_search WHERE search LIKE {pat})");
    }
    let pat = b.bind_text(&search_pattern(q));
    format!("{column} IN (SELECT id FROM contacts WHERE search LIKE {pat} ESCAPE '\\')")
}

/// The `LIKE` pattern of a search in contacts' `search` keys: a phone in any format as its
/// digits (`(85) 98851-1238` finds `+5585988511238`), anything else folded like the keys are
/// (`joão` finds `João`).
fn search_pattern(q: &str) -> String {
    match phone::search_digits(q) {
        Some(digits) => like_pattern(&digits),
        None => like_pattern(&crate::contacts::fold(q)),
    }
}

/// The contacts of `scope` (not erased), matching `search` when given, by folded name, after
/// the cursor: up to `limit` rows of the contacts module's columns. The scope's conversation
/// terms become one `OR` inside `id IN (SELECT contact_id FROM conversations …)`, each term the
/// same conditions a listing branch has. `None` when the scope is empty.
pub fn contact_listing(
    scope: &ContactScope,
    search: Option<&str>,
    after: Option<&crate::ContactCursor>,
    limit: u32,
    backend: Backend,
) -> Option<Compiled> {
    if scope.is_empty() {
        return None;
    }
    let mut b = Builder { binds: Vec::new() };
    let mut w = vec![
        format!("account_id = {}", b.bind(scope.account.0)),
        "erased_at IS NULL".to_owned(),
    ];
    if !scope.all {
        let mut terms = Vec::new();
        for t in &scope.through.terms {
            let mut c = term_conditions(&mut b, &scope.through, t, false);
            if let DeptSet::Only(ds) = &t.departments {
                c.push(format!("department_id IN ({})", in_list(ds)));
            }
            terms.push(format!("({})", c.join(" AND ")));
        }
        w.push(format!(
            "id IN (SELECT contact_id FROM conversations WHERE contact_id IS NOT NULL AND ({}))",
            terms.join(" OR ")
        ));
    }
    if let Some(q) = search.map(str::trim).filter(|q| !q.is_empty()) {
        w.push(search_condition(&mut b, backend, "id", q));
    }
    if let Some(c) = after {
        let (n1, i, n2) = (
            b.bind_text(&c.sort_name),
            b.bind(c.id),
            b.bind_text(&c.sort_name),
        );
        w.push(format!(
            "(sort_name > {n1} OR (sort_name = {n2} AND id > {i}))"
        ));
    }
    let lim = b.bind(i64::from(limit));
    Some(Compiled {
        sql: format!(
            "SELECT id, name, phone, email, attributes, created_at, updated_at, sort_name FROM contacts \
             WHERE {} ORDER BY sort_name, id LIMIT {lim}",
            w.join(" AND ")
        ),
        binds: b.binds,
    })
}

fn in_list(ds: &[access::DepartmentId]) -> String {
    ds.iter()
        .map(|d| d.0.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `WHERE` conditions shared by a term's branches (account, class, assignee). The counters
/// hold 0 for "unassigned", conversations hold `NULL`.
fn term_conditions(b: &mut Builder, plan: &Plan, t: &Term, counters: bool) -> Vec<String> {
    let mut w = vec![
        format!("account_id = {}", b.bind(plan.account.0)),
        format!("class = {}", b.bind(class_code(t.class))),
    ];
    match t.assignee {
        AssigneeFilter::Any => {}
        AssigneeFilter::Is(u) => w.push(format!("assignee_id = {}", b.bind(u.0))),
        AssigneeFilter::IsNot(u) => {
            let p = b.bind(u.0);
            w.push(if counters {
                format!("assignee_id <> {p}")
            } else {
                format!("(assignee_id IS NULL OR assignee_id <> {p})")
            });
        }
    }
    w
}

/// The department condition of each branch of a term: one per department when the term's index
/// is the department one and the set is small, else one branch for the whole set.
fn branch_departments(t: &Term) -> Vec<Option<String>> {
    match (&t.departments, t.assignee) {
        (DeptSet::Any, _) => vec![None],
        (DeptSet::Only(ds), AssigneeFilter::Is(_)) => {
            vec![Some(format!("department_id IN ({})", in_list(ds)))]
        }
        (DeptSet::Only(ds), _) if ds.len() <= MAX_BRANCHES_PER_TERM => ds
            .iter()
            .map(|d| Some(format!("department_id = {}", d.0)))
            .collect(),
        (DeptSet::Only(ds), _) => vec![Some(format!("department_id IN ({})", in_list(ds)))],
    }
}

const ORDER: &str = "ORDER BY last_activity DESC, id DESC";

/// A page of the plan: up to `limit` `(id, last_activity)` rows older than `after`, newest
/// first. `None` when the plan is empty (nothing to ask the database).
pub fn list(
    plan: &Plan,
    after: Option<Cursor>,
    limit: u32,
    filter: &Filter,
    backend: Backend,
) -> Option<Compiled> {
    let mut b = Builder { binds: Vec::new() };
    let mut branches = Vec::new();
    let limit_param = |b: &mut Builder| b.bind(i64::from(limit));
    for t in &plan.terms {
        for dept in branch_departments(t) {
            let mut w = term_conditions(&mut b, plan, t, false);
            w.extend(dept);
            w.extend(filter_conditions(&mut b, plan, filter, backend));
            if let Some(c) = after {
                let (at, id) = (b.bind(c.last_activity), b.bind(c.id.0));
                w.push(format!("(last_activity, id) < ({at}, {id})"));
            }
            let lim = limit_param(&mut b);
            branches.push(format!(
                "SELECT id, last_activity FROM conversations WHERE {} {ORDER} LIMIT {lim}",
                w.join(" AND ")
            ));
        }
    }
    let sql = match branches.len() {
        0 => return None,
        1 => branches.pop().unwrap_or_default(),
        _ => {
            let lim = limit_param(&mut b);
            let parts: Vec<String> = branches
                .iter()
                .enumerate()
                .map(|(i, s)| format!("SELECT id, last_activity FROM ({s}) AS b{i}"))
                .collect();
            format!("{} {ORDER} LIMIT {lim}", parts.join(" UNION ALL "))
        }
    };
    Some(Compiled {
        sql,
        binds: b.binds,
    })
}

/// The number of conversations the plan lists, from the counters. `None` when the plan is empty.
pub fn count(plan: &Plan) -> Option<Compiled> {
    let mut b = Builder { binds: Vec::new() };
    let mut parts = Vec::new();
    for t in &plan.terms {
        let mut w = term_conditions(&mut b, plan, t, true);
        if let DeptSet::Only(ds) = &t.departments {
            w.push(format!("department_id IN ({})", in_list(ds)));
        }
        parts.push(format!(
            "SELECT n FROM conversation_counts WHERE {}",
            w.join(" AND ")
        ));
    }
    if parts.is_empty() {
        return None;
    }
    Some(Compiled {
        sql: format!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ({}) AS t",
            parts.join(" UNION ALL ")
        ),
        binds: b.binds,
    })
}

/// How many conversations of the plan carry each tag: `(name, n)` rows for the tags some
/// listed conversation carries. The plan's terms become one `OR` inside `conversation_id IN
/// (SELECT id FROM conversations …)`, each term the conditions a listing branch has. `None`
/// when the plan is empty.
pub fn tag_counts(plan: &Plan) -> Option<Compiled> {
    if plan.terms.is_empty() {
        return None;
    }
    let mut b = Builder { binds: Vec::new() };
    let a = b.bind(plan.account.0);
    let mut terms = Vec::new();
    for t in &plan.terms {
        let mut c = term_conditions(&mut b, plan, t, false);
        if let DeptSet::Only(ds) = &t.departments {
            c.push(format!("department_id IN ({})", in_list(ds)));
        }
        terms.push(format!("({})", c.join(" AND ")));
    }
    Some(Compiled {
        sql: format!(
            "SELECT t.name, CAST(COUNT(*) AS BIGINT) FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id \
             WHERE ct.account_id = {a} AND ct.conversation_id IN (SELECT id FROM conversations WHERE {}) \
             GROUP BY t.name ORDER BY t.name",
            terms.join(" OR ")
        ),
        binds: b.binds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use access::{AccountId, DepartmentId, StatusClass, UserId};

    fn plan(terms: Vec<Term>) -> Plan {
        Plan {
            account: AccountId(7),
            terms,
        }
    }

    #[test]
    fn empty_plan_compiles_to_nothing() {
        assert_eq!(
            list(&plan(vec![]), None, 50, &Filter::default(), Backend::Sqlite),
            None
        );
        assert_eq!(count(&plan(vec![])), None);
    }

    #[test]
    fn one_branch_per_department_merged_by_union_all() {
        let p = plan(vec![Term {
            class: StatusClass::InProgress,
            departments: DeptSet::Only(vec![DepartmentId(3), DepartmentId(4)]),
            assignee: AssigneeFilter::IsNot(UserId(9)),
        }]);
        let c = list(
            &p,
            Some(Cursor {
                last_activity: 100,
                id: access::ConversationId(5),
            }),
            50,
            &Filter::default(),
            Backend::Postgres,
        )
        .unwrap();
        assert_eq!(c.sql.matches("UNION ALL").count(), 1);
        assert!(c.sql.contains("department_id = 3") && c.sql.contains("department_id = 4"));
        assert!(
            c.sql
                .ends_with("ORDER BY last_activity DESC, id DESC LIMIT $13"),
            "{}",
            c.sql
        );
        assert_eq!(
            c.binds,
            [7, 1, 9, 100, 5, 50, 7, 1, 9, 100, 5, 50, 50]
                .map(Value::Int)
                .to_vec()
        );
    }

    #[test]
    fn mine_is_a_single_assignee_branch() {
        let p = plan(vec![Term {
            class: StatusClass::InProgress,
            departments: DeptSet::Any,
            assignee: AssigneeFilter::Is(UserId(2)),
        }]);
        let c = list(&p, None, 20, &Filter::default(), Backend::Sqlite).unwrap();
        assert_eq!(
            c.sql,
            "SELECT id, last_activity FROM conversations WHERE account_id = $1 AND class = $2 AND assignee_id = $3 ORDER BY last_activity DESC, id DESC LIMIT $4"
        );
        assert_eq!(c.binds, [7, 1, 2, 20].map(Value::Int).to_vec());
    }

    #[test]
    fn search_patterns_escape_wildcards() {
        assert_eq!(like_pattern("Ana_%"), "%ana\\_\\%%");
        assert_eq!(search_pattern("(85) 98851-1238"), "%5585988511238%");
        assert_eq!(search_pattern(" João_ "), "%joao\\_%");
    }

    #[test]
    fn contacts_of_a_scope() {
        let scope = |all, terms| ContactScope {
            account: AccountId(7),
            all,
            through: plan(terms),
        };
        assert_eq!(
            contact_listing(&scope(false, vec![]), None, None, 10, Backend::Sqlite),
            None
        );
        let c =
            contact_listing(&scope(true, vec![]), Some("Ana"), None, 10, Backend::Sqlite).unwrap();
        assert_eq!(
            c.sql,
            "SELECT id, name, phone, email, attributes, created_at, updated_at, sort_name FROM contacts \
             WHERE account_id = $1 AND erased_at IS NULL AND id IN (SELECT rowid FROM contacts_search WHERE search LIKE $2) \
             ORDER BY sort_name, id LIMIT $3"
        );
        assert_eq!(c.binds[1], Value::Text("%ana%".to_owned()));
        let c =
            contact_listing(&scope(true, vec![]), Some("a_b"), None, 10, Backend::Sqlite).unwrap();
        assert!(
            c.sql
                .contains("id IN (SELECT id FROM contacts WHERE search LIKE $2 ESCAPE"),
            "{}",
            c.sql
        );
        let c = contact_listing(
            &scope(true, vec![]),
            Some("ana"),
            None,
            10,
            Backend::Postgres,
        )
        .unwrap();
        assert!(
            c.sql
                .contains("id IN (SELECT id FROM contacts WHERE search LIKE $2 ESCAPE"),
            "{}",
            c.sql
        );
        let through = scope(
            false,
            vec![Term {
                class: StatusClass::Waiting,
                departments: DeptSet::Only(vec![DepartmentId(3)]),
                assignee: AssigneeFilter::Any,
            }],
        );
        let after = crate::ContactCursor {
            sort_name: "bia".to_owned(),
            id: 4,
        };
        let c = contact_listing(&through, None, Some(&after), 10, Backend::Postgres).unwrap();
        assert!(
            c.sql.contains(
                "id IN (SELECT contact_id FROM conversations WHERE contact_id IS NOT NULL AND \
                 ((account_id = $2 AND class = $3 AND department_id IN (3))))"
            ),
            "{}",
            c.sql
        );
        assert!(
            c.sql
                .contains("(sort_name > $4 OR (sort_name = $6 AND id > $5))"),
            "{}",
            c.sql
        );
    }

    #[test]
    fn counts_read_the_counters() {
        let p = plan(vec![Term {
            class: StatusClass::Finished,
            departments: DeptSet::Only(vec![DepartmentId(1)]),
            assignee: AssigneeFilter::IsNot(UserId(4)),
        }]);
        let c = count(&p).unwrap();
        assert!(c.sql.contains("FROM conversation_counts WHERE account_id = $1 AND class = $2 AND assignee_id <> $3 AND department_id IN (1)"), "{}", c.sql);
    }
}
