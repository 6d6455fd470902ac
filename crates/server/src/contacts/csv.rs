//! Contacts in and out as CSV.
//!
//! **Import** (`POST /api/v1/contacts/import`, the file as the body): the first line names the
//! columns (`name`/`nome`, `phone`/`telefone`/`celular`/`whatsapp`, `email`/`e-mail`,
//! `tags`/`etiquetas` separated by `;` or `|`, `attributes` as a JSON object, and any other
//! column becomes a custom attribute of that name). Commas or semicolons separate the columns
//! (spreadsheets set to Portuguese write semicolons). Without `commit=true` nothing is written:
//! the answer is a preview (the first rows as they would be stored) and every row's errors.
//! With `commit=true` the rows are written all or none: any error answers 422 with the same
//! report and nothing is imported. A row whose phone belongs to a contact updates it.
//!
//! **Export** (`GET /api/v1/contacts/export`): every contact the caller sees, streamed page by
//! page (memory stays flat whatever the size), audited. Cells that a spreadsheet would run as a
//! formula (starting `=`, `+`, `-`, `@`) are written with a leading `'`, which the import
//! removes again.

use crate::error_codes as codes;
use std::collections::{BTreeMap, HashMap};

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::write::check;
use crate::app::contacts as uc;
use crate::attempt::Attempt;
use crate::audit_action::AuditAction;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::input::Query;
use crate::state::AppState;

/// Largest CSV file imported at once (about 200,000 rows).
pub const IMPORT_LIMIT: usize = 32 * 1024 * 1024;
/// Most rows of one import.
pub const MAX_IMPORT_ROWS: usize = 200_000;
/// Rows shown in a preview.
const PREVIEW_ROWS: usize = 20;
/// Row errors reported at most (the count is always whole).
const MAX_REPORTED_ERRORS: usize = 500;
/// Contacts read per page while exporting.
const EXPORT_PAGE: u32 = 1000;

/// How an import is asked.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `true`: write the rows (all or none); otherwise only check them and answer a preview.
    pub commit: Option<bool>,
}

/// One row's problem.
#[derive(Serialize, ToSchema)]
pub struct RowError {
    /// The line of the file (the header is line 1).
    pub line: u64,
    /// The column, when one is at fault.
    pub column: Option<String>,
    /// Stable code (`bad_phone`, `bad_email`, `duplicate_phone`, `unknown_tag`...).
    pub code: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// A row as it would be stored.
#[derive(Serialize, ToSchema)]
pub struct PreviewRow {
    /// The line of the file.
    pub line: u64,
    /// Name.
    pub name: String,
    /// Phone in E.164.
    pub phone: Option<String>,
    /// Phone as shown.
    pub phone_display: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Custom attributes.
    pub attributes: BTreeMap<String, String>,
}

/// The import's report.
#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    /// Rows read (the header not counted).
    pub rows: u64,
    /// Rows without errors.
    pub valid: u64,
    /// Every row's errors (the first 500).
    pub errors: Vec<RowError>,
    /// How many errors there are in all.
    pub error_count: u64,
    /// The first rows as they would be stored.
    pub preview: Vec<PreviewRow>,
    /// Whether the rows were written.
    pub committed: bool,
    /// New contacts (when committed).
    pub created: u64,
    /// Contacts updated by phone (when committed).
    pub updated: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Phone,
    Email,
    Tags,
    Attributes,
    Attribute,
}

fn column_of(header: &str) -> Column {
    match crate::contacts::csv::fold_header(header).as_str() {
        "name" | "nome" | "nome completo" | "full name" => Column::Name,
        "phone" | "telefone" | "celular" | "whatsapp" | "fone" | "mobile" => Column::Phone,
        "email" | "e-mail" | "mail" => Column::Email,
        "tags" | "etiquetas" | "tag" | "etiqueta" => Column::Tags,
        "attributes" | "atributos" => Column::Attributes,
        _ => Column::Attribute,
    }
}

fn fold_header(h: &str) -> String {
    store::fold(h.trim().trim_start_matches('\u{feff}'))
}

/// A cell as written by the export (a leading `'` before a formula character removed).
fn cell(s: &str) -> &str {
    let s = s.trim();
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => s,
    }
}

/// Reads the file into rows to write, and the report of what is wrong.
fn parse(bytes: &[u8], known_tags: &[String]) -> (Vec<(u64, store::ContactWrite)>, ImportReport) {
    let mut report = ImportReport {
        rows: 0,
        valid: 0,
        errors: Vec::new(),
        error_count: 0,
        preview: Vec::new(),
        committed: false,
        created: 0,
        updated: 0,
    };
    let error = |report: &mut ImportReport,
                 line: u64,
                 column: Option<&str>,
                 code: &str,
                 message: String| {
        report.error_count += 1;
        if report.errors.len() < MAX_REPORTED_ERRORS {
            report.errors.push(RowError {
                line,
                column: column.map(str::to_owned),
                code: code.to_owned(),
                message,
            });
        }
    };
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let semicolons = first_line.iter().filter(|b| **b == b';').count();
    let commas = first_line.iter().filter(|b| **b == b',').count();
    let delimiter = if semicolons > commas { b';' } else { b',' };
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|s| s.trim().trim_start_matches('\u{feff}').to_owned())
            .collect(),
        Err(e) => {
            error(
                &mut report,
                1,
                None,
                "bad_csv",
                format!("the first line cannot be read as CSV ({e}): save the file as CSV (UTF-8)"),
            );
            return (Vec::new(), report);
        }
    };
    let columns: Vec<Column> = headers.iter().map(|h| column_of(h)).collect();
    if !columns.contains(&Column::Name) {
        error(
            &mut report,
            1,
            None,
            "missing_name_column",
            "the first line must name a `name` (or `nome`) column".to_owned(),
        );
        return (Vec::new(), report);
    }
    let mut rows = Vec::new();
    let mut phones: HashMap<String, u64> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        report.rows += 1;
        if report.rows as usize > MAX_IMPORT_ROWS {
            error(
                &mut report,
                line,
                None,
                "too_many_rows",
                format!("at most {MAX_IMPORT_ROWS} rows at once: split the file"),
            );
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                error(
                    &mut report,
                    line,
                    None,
                    "bad_csv",
                    format!("the line cannot be read as CSV: {e}"),
                );
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            report.rows -= 1;
            continue;
        }
        if record.len() > headers.len() {
            error(
                &mut report,
                line,
                None,
                "extra_cells",
                format!(
                    "the line has {} cells, the first line names {}",
                    record.len(),
                    headers.len()
                ),
            );
            continue;
        }
        let (mut name, mut phone, mut email) = ("", None, None);
        let mut tags: Vec<String> = Vec::new();
        let mut attributes = BTreeMap::new();
        let mut bad = false;
        for ((value, column), header) in record.iter().zip(&columns).zip(&headers) {
            let value = cell(value);
            match column {
                Column::Name => name = value,
                Column::Phone => phone = Some(value),
                Column::Email => email = Some(value),
                Column::Tags => tags.extend(
                    value
                        .split([';', '|'])
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned),
                ),
                Column::Attributes if value.is_empty() => {}
                Column::Attributes => match serde_json::from_str::<BTreeMap<String, String>>(value)
                {
                    Ok(a) => attributes.extend(a),
                    Err(_) => {
                        error(&mut report, line, Some(header), "bad_attributes", "`attributes` must be a JSON object of texts, such as {\"cpf\": \"123\"}".to_owned());
                        bad = true;
                    }
                },
                Column::Attribute if value.is_empty() => {}
                Column::Attribute => {
                    attributes.insert(header.clone(), value.to_owned());
                }
            }
        }
        for t in &tags {
            if !known_tags.iter().any(|k| k == t) {
                error(
                    &mut report,
                    line,
                    Some("tags"),
                    "unknown_tag",
                    format!(
                        "the tag `{t}` does not exist: create it under Tags first, or remove it from the row"
                    ),
                );
                bad = true;
            }
        }
        match check(name, phone, email, &attributes, &tags) {
            Err((code, message)) => {
                let column = match code.as_str() {
                    "bad_contact_name" => Some("name"),
                    "bad_phone" => Some("phone"),
                    "bad_email" => Some("email"),
                    _ => None,
                };
                error(&mut report, line, column, code.as_str(), message);
            }
            Ok(w) if !bad => {
                if let Some(first) = w
                    .phone
                    .as_ref()
                    .and_then(|p| phones.insert(p.clone(), line))
                {
                    error(
                        &mut report,
                        line,
                        Some("phone"),
                        "duplicate_phone",
                        format!("line {first} has the same phone: keep one of the two lines"),
                    );
                    continue;
                }
                report.valid += 1;
                if report.preview.len() < PREVIEW_ROWS {
                    report.preview.push(PreviewRow {
                        line,
                        name: w.name.clone(),
                        phone_display: w.phone.as_deref().map(phone::display_key),
                        phone: w.phone.clone(),
                        email: w.email.clone(),
                        tags: w.tags.clone(),
                        attributes: w.attributes.clone(),
                    });
                }
                rows.push((line, w));
            }
            Ok(_) => {}
        }
    }
    (rows, report)
}

/// Checks a CSV file of contacts and, with `commit=true`, imports it all or nothing
/// (`contacts.edit` and `contacts.view`).
#[utoipa::path(post, path = "/api/v1/contacts/import", tag = "contacts", params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses((status = 200, body = ImportReport, description = "The preview, or what was imported"),
              (status = 400, body = crate::error::ErrorBody, description = "An empty file, an upload that broke off"),
              (status = 422, body = ImportReport, description = "`commit=true` and some rows are wrong: nothing was imported"),
              (status = 403, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ImportQuery>,
    body: Body,
) -> Result<Response, ApiError> {
    // The decision first: a caller without the right learns nothing from the file.
    let at = Attempt::new(&state, &caller, AuditAction::ContactImport, "contacts");
    let granted = at.gate(access::Permission::ContactsEdit).await?;
    crate::error::require(
        &caller
            .principal
            .decide_permission(access::Permission::ContactsView),
    )?;
    let mut bytes = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request(
                codes::UPLOAD_INTERRUPTED,
                "the file did not arrive whole: send it again",
            )
        })?;
        if bytes.len() + chunk.len() > IMPORT_LIMIT {
            return Err(ApiError::payload_too_large_because(
                codes::FILE_TOO_LARGE,
                format!(
                    "the file is larger than {}: split it",
                    crate::limits::size_text(IMPORT_LIMIT as u64)
                ),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    let known = state.store.tags().names(caller.owner.account).await?;
    let (rows, mut report) = parse(&bytes, &known);
    if report.rows == 0 && report.error_count == 0 {
        return Err(ApiError::bad_request(
            codes::EMPTY_FILE,
            "the file has no rows below its first line",
        ));
    }
    if q.commit != Some(true) {
        return Ok(axum::Json(report).into_response());
    }
    if report.error_count > 0 {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::Json(report)).into_response());
    }
    let writes: Vec<store::ContactWrite> = rows.into_iter().map(|(_, w)| w).collect();
    let done = uc::import(&state.ctx(), caller.acting(), &writes).await?;
    report.committed = true;
    report.created = done.created;
    report.updated = done.updated;
    let summary =
        serde_json::json!({"rows": report.rows, "created": done.created, "updated": done.updated});
    at.record_change(&granted, None, Some(&summary)).await?;
    Ok(axum::Json(report).into_response())
}

/// A cell as exported: a formula character at the start is neutralised.
fn safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn csv_rows(items: &[store::ContactRecord], header: bool) -> Result<Vec<u8>, ::csv::Error> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    if header {
        w.write_record(["name", "phone", "email", "tags", "attributes", "created_at"])?;
    }
    for c in items {
        let attributes = if c.attributes.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&c.attributes).unwrap_or_default()
        };
        w.write_record([
            safe(&c.name),
            safe(c.phone.as_deref().unwrap_or_default()),
            safe(c.email.as_deref().unwrap_or_default()),
            safe(&c.tags.join(";")),
            attributes,
            c.created_at.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Every contact of the account as CSV (UTF-8), streamed, by name (`contacts.view`); audited.
#[utoipa::path(get, path = "/api/v1/contacts/export", tag = "contacts",
    responses((status = 200, content_type = "text/csv", body = String, description = "name, phone, email, tags, attributes, created_at"),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn export(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let scope = caller.principal.contact_scope();
    let at = Attempt::new(&state, &caller, AuditAction::ContactExport, "contacts");
    // ACCESS-MODEL v2: exporting the contacts list needs `contacts.view`, and is audited.
    let granted = at.gate(access::Permission::ContactsView).await?;
    at.record_change(&granted, None, Some(&serde_json::json!({"all": scope.all})))
        .await?;
    let store = state.store.clone();
    // (cursor, first page, finished)
    let pages = futures_util::stream::unfold((None, true, false), move |(after, first, done)| {
        let store = store.clone();
        let scope = scope.clone();
        async move {
            if done {
                return None;
            }
            let page = match store
                .contacts()
                .list(&scope, None, after.as_ref(), EXPORT_PAGE)
                .await
            {
                Ok(p) => p,
                Err(e) => return Some((Err(std::io::Error::other(e)), (None, false, true))),
            };
            let chunk = csv_rows(&page.items, first).map_err(std::io::Error::other);
            let finished = page.next.is_none();
            Some((chunk, (page.next, false, finished)))
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"contatos.csv\"",
            ),
        ],
        Body::from_stream(pages),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "a test fails loudly"
    )]
    use super::*;

    #[test]
    fn a_spreadsheet_in_portuguese_with_errors_per_row() {
        let file = "\u{feff}Nome;Telefone;E-mail;Etiquetas;CPF\n\
                    Maria;(85) 98851-1238;maria@example.com;vip;123\n\
                    João;85 8851-1238;;;\n\
                    ;11 98765-4321;;;\n\
                    Ana;abc;ana@;nope;\n\
                    ;;;;\n";
        let (rows, report) = parse(file.as_bytes(), &["vip".to_owned()]);
        assert_eq!(report.rows, 4);
        assert_eq!(report.valid, 1);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].1.phone.as_deref(), Some("+5585988511238"));
        assert_eq!(
            rows[0].1.attributes.get("CPF").map(String::as_str),
            Some("123")
        );
        let codes: Vec<(u64, &str)> = report
            .errors
            .iter()
            .map(|e| (e.line, e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                (3, "duplicate_phone"),
                (4, "bad_contact_name"),
                (5, "unknown_tag"),
                (5, "bad_phone")
            ]
        );
        assert_eq!(
            report.preview[0].phone_display.as_deref(),
            Some("+55 85 98851-1238")
        );
    }

    #[test]
    fn export_round_trips_through_import() {
        let c = store::ContactRecord {
            id: 1,
            name: "=cmd()".to_owned(),
            phone: Some("+5585988511238".to_owned()),
            email: None,
            attributes: [("cpf".to_owned(), "1".to_owned())].into(),
            tags: vec!["vip".to_owned()],
            created_at: 5,
            updated_at: None,
        };
        let bytes = csv_rows(&[c], true).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.contains("'=cmd()") && text.contains("'+5585988511238"),
            "{text}"
        );
        let (rows, report) = parse(&bytes, &["vip".to_owned()]);
        assert_eq!(
            report.error_count,
            0,
            "{:?}",
            report.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        );
        assert_eq!(rows[0].1.name, "=cmd()");
        assert_eq!(rows[0].1.phone.as_deref(), Some("+5585988511238"));
        assert_eq!(rows[0].1.tags, ["vip"]);
        assert_eq!(
            rows[0].1.attributes.get("cpf").map(String::as_str),
            Some("1")
        );
    }

    #[test]
    fn a_file_without_a_name_column_says_so() {
        let (_, report) = parse(b"phone\n5585988511238\n", &[]);
        assert_eq!(report.errors[0].code, "missing_name_column");
    }
}
