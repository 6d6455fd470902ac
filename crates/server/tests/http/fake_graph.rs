//! A fake Graph API (WhatsApp Cloud API) on loopback, serving the tests' nodes: it records the
//! messages sent to it and answers them as scripted, confirms the numbers a token may use, and
//! serves files customers "sent" (`GET /{media_id}` → their URL, `GET /files/{media_id}` → the
//! bytes, with the token checked), which a gate can hold back to prove that arrivals never wait
//! for downloads.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// A file the fake serves: bytes, MIME type, the token that may read it.
type ServedFile = (Vec<u8>, String, String);

/// What the fake Graph API received, and what it will answer next.
pub(crate) struct Fake {
    pub(crate) received: Mutex<Vec<(String, String, Value)>>,
    /// Answers to give, in order (status, body); when empty: 200 with a new wamid.
    pub(crate) script: Mutex<Vec<(u16, String)>>,
    /// (phone number id, access token) pairs the fake confirms (`GET /v21.0/{number}`).
    pub(crate) grants: Mutex<Vec<(String, String)>>,
    /// Every `GET` of a number: (number, `Authorization`).
    pub(crate) asked: Mutex<Vec<(String, String)>>,
    /// Files customers sent, by media id: (bytes, MIME type, the token that may read them).
    pub(crate) media: Mutex<HashMap<String, ServedFile>>,
    /// Answers to `GET /files/{id}` to give first, in order (HTTP status), before the file.
    pub(crate) file_failures: Mutex<Vec<u16>>,
    /// File downloads served (bytes answered).
    pub(crate) files_served: Mutex<Vec<String>>,
    /// Files uploaded (`POST /{number}/media`): (`Content-Type` of the request, its body).
    pub(crate) uploads: Mutex<Vec<(String, Vec<u8>)>>,
    /// While closed, file downloads wait.
    pub(crate) gate: tokio::sync::Semaphore,
}

impl Default for Fake {
    fn default() -> Self {
        Fake {
            received: Mutex::default(),
            script: Mutex::default(),
            grants: Mutex::default(),
            asked: Mutex::default(),
            media: Mutex::default(),
            file_failures: Mutex::default(),
            files_served: Mutex::default(),
            uploads: Mutex::default(),
            gate: tokio::sync::Semaphore::new(tokio::sync::Semaphore::MAX_PERMITS),
        }
    }
}

impl Fake {
    /// Serves `bytes` as media `id` to holders of `token`.
    pub(crate) fn file(&self, id: &str, bytes: &[u8], mime: &str, token: &str) {
        self.media.lock().unwrap().insert(
            id.to_owned(),
            (bytes.to_vec(), mime.to_owned(), token.to_owned()),
        );
    }

    /// Holds file downloads until [`Fake::open_gate`].
    pub(crate) fn close_gate(&self) {
        self.gate
            .forget_permits(tokio::sync::Semaphore::MAX_PERMITS);
    }

    /// Lets file downloads go on.
    pub(crate) fn open_gate(&self) {
        self.gate.add_permits(tokio::sync::Semaphore::MAX_PERMITS);
    }

    /// Lets `token` use `number` (the proof asked when a channel is connected).
    pub(crate) fn grant(&self, number: &str, token: &str) {
        self.grants
            .lock()
            .unwrap()
            .push((number.to_owned(), token.to_owned()));
    }
}

/// `GET /v21.0/{number}?fields=id,display_phone_number`: the number with a granted token, else
/// Meta's answer for an object the token may not read.
async fn fake_number(
    State(fake): State<Arc<Fake>>,
    axum::extract::Path(number): axum::extract::Path<String>,
    headers: HeaderMap,
) -> axum::response::Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let file = fake.media.lock().unwrap().get(&number).cloned();
    if let Some((bytes, mime, token)) = file {
        if auth != format!("Bearer {token}") {
            return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}))).into_response();
        }
        use base64::Engine as _;
        use sha2::Digest as _;
        let host = headers
            .get("host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        return axum::Json(json!({
            "messaging_product": "whatsapp",
            "url": format!("http://{host}/files/{number}"),
            "mime_type": mime,
            "sha256": base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&bytes)),
            "file_size": bytes.len(),
            "id": number,
        }))
        .into_response();
    }
    fake.asked
        .lock()
        .unwrap()
        .push((number.clone(), auth.clone()));
    let granted = fake
        .grants
        .lock()
        .unwrap()
        .iter()
        .any(|(n, t)| *n == number && auth == format!("Bearer {t}"));
    if granted {
        axum::Json(json!({"id": number, "display_phone_number": "+55 11 4000-0000"}))
            .into_response()
    } else {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": {"message": format!("Unsupported get request. Object with ID '{number}' does not exist, cannot be loaded due to missing permissions"), "type": "GraphMethodException", "code": 100, "error_subcode": 33}})),
        )
            .into_response()
    }
}

async fn fake_graph(
    State(fake): State<Arc<Fake>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> axum::response::Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let n = {
        let mut r = fake.received.lock().unwrap();
        r.push((
            uri.path().to_owned(),
            auth,
            serde_json::from_str(&body).unwrap(),
        ));
        r.len()
    };
    let next = {
        let mut s = fake.script.lock().unwrap();
        (!s.is_empty()).then(|| s.remove(0))
    };
    match next {
        Some((status, body)) => (StatusCode::from_u16(status).unwrap(), body).into_response(),
        None => axum::Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": "x", "wa_id": "x"}],
            "messages": [{"id": format!("wamid.fake.{n}")}]
        }))
        .into_response(),
    }
}

/// `GET /files/{id}`: the bytes of a file, to the token that may read it, once the gate is open
/// and the scripted failures are spent.
async fn fake_file(
    State(fake): State<Arc<Fake>>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> axum::response::Response {
    let _pass = fake.gate.acquire().await.unwrap();
    let failure = {
        let mut f = fake.file_failures.lock().unwrap();
        (!f.is_empty()).then(|| f.remove(0))
    };
    if let Some(status) = failure {
        return StatusCode::from_u16(status).unwrap().into_response();
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let file = fake.media.lock().unwrap().get(&id).cloned();
    match file {
        Some((bytes, mime, token)) if auth == format!("Bearer {token}") => {
            fake.files_served.lock().unwrap().push(id);
            ([(axum::http::header::CONTENT_TYPE, mime)], bytes).into_response()
        }
        Some(_) => StatusCode::UNAUTHORIZED.into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `POST /v21.0/{number}/media`: a file uploaded for sending (multipart, kept whole); its id.
async fn fake_upload(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let kind = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let n = {
        let mut u = fake.uploads.lock().unwrap();
        u.push((kind, body.to_vec()));
        u.len()
    };
    axum::Json(json!({"id": format!("uploaded-{n}")})).into_response()
}

/// A fake Graph API on 127.0.0.1 (which the tests' nodes allow); its base URL is
/// `http://{addr}/v21.0`.
pub(crate) async fn start_fake() -> (SocketAddr, Arc<Fake>) {
    start_fake_on("127.0.0.1").await
}

/// [`start_fake`] on another loopback address.
pub(crate) async fn start_fake_on(ip: &str) -> (SocketAddr, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let app = axum::Router::new()
        .route("/v21.0/{number}/messages", axum::routing::post(fake_graph))
        .route("/v21.0/{number}/media", axum::routing::post(fake_upload))
        .route("/v21.0/{number}", axum::routing::get(fake_number))
        .route("/files/{id}", axum::routing::get(fake_file))
        .with_state(Arc::clone(&fake));
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, fake)
}
