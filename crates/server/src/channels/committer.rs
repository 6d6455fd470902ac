//! Group commit of arrivals: concurrent webhook requests hand their messages to one task,
//! which stores everything that queued up while the previous commit was running in one
//! transaction, and answers each request only after that commit. One fsync then acknowledges
//! many messages. Should a shared transaction fail, its requests are stored one by one, so that
//! only a faulty one fails.

use std::sync::Mutex;

use store::{Channel, Inbound, Received};
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use crate::error::ApiError;

/// Requests stored in one transaction, at most.
const BATCH: usize = 256;
/// Requests waiting for the committer, at most (then senders wait).
const QUEUE: usize = 4096;

/// A message as a request hands it over.
#[derive(Clone, Debug)]
pub struct Arrival {
    /// See [`Inbound::external_id`].
    pub external_id: String,
    /// See [`Inbound::from`].
    pub from: String,
    /// See [`Inbound::profile_name`].
    pub profile_name: Option<String>,
    /// See [`Inbound::body`].
    pub body: String,
    /// See [`Inbound::at`].
    pub at: i64,
    /// See [`Inbound::media`].
    pub media: Option<ArrivalMedia>,
    /// See [`Inbound::quoted`].
    pub quoted: Option<String>,
}

/// A file announced with an arrival (see [`store::InboundMedia`]).
#[derive(Clone, Debug)]
pub struct ArrivalMedia {
    /// Its kind.
    pub kind: store::AttachmentKind,
    /// Voice note.
    pub voice: bool,
    /// Where the downloader fetches the file: WhatsApp's media id, the generic channel's URL.
    pub source: String,
    /// MIME type.
    pub mime_type: String,
    /// File name.
    pub file_name: Option<String>,
    /// The announced SHA-256.
    pub sha256: Option<String>,
}

impl Arrival {
    /// The store's view of it.
    pub(crate) fn inbound(&self) -> Inbound<'_> {
        Inbound {
            external_id: &self.external_id,
            from: &self.from,
            profile_name: self.profile_name.as_deref(),
            body: &self.body,
            at: self.at,
            media: self.media.as_ref().map(|m| store::InboundMedia {
                kind: m.kind,
                voice: m.voice,
                source: &m.source,
                mime_type: &m.mime_type,
                file_name: m.file_name.as_deref(),
                sha256: m.sha256.as_deref(),
            }),
            quoted: self.quoted.as_deref(),
        }
    }
}

struct Job {
    channel: Channel,
    arrivals: Vec<Arrival>,
    reply: oneshot::Sender<Result<Vec<Received>, ApiError>>,
}

/// The node's committer: cheap to share; [`run`] is its task.
pub struct Committer {
    tx: mpsc::Sender<Job>,
    rx: Mutex<Option<mpsc::Receiver<Job>>>,
}

impl Default for Committer {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        Committer {
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }
}

impl std::fmt::Debug for Committer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Committer").finish_non_exhaustive()
    }
}

impl Committer {
    /// Stores the arrivals of one request; returns once they are durable.
    pub async fn submit(
        &self,
        channel: Channel,
        arrivals: Vec<Arrival>,
    ) -> Result<Vec<Received>, ApiError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            channel,
            arrivals,
            reply,
        };
        self.tx
            .send(job)
            .await
            .map_err(|_| ApiError::internal(&"the committer has stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal(&"the committer dropped a request"))?
    }

    /// Takes the receiving end (once: the task that runs it).
    fn take(&self) -> Option<mpsc::Receiver<Job>> {
        self.rx.lock().ok().and_then(|mut r| r.take())
    }
}

async fn commit(store: &store::Store, jobs: Vec<Job>) {
    let items: Vec<(&Channel, Inbound<'_>)> = jobs
        .iter()
        .flat_map(|j| j.arrivals.iter().map(move |a| (&j.channel, a.inbound())))
        .collect();
    match store.channels().receive_many(&items).await {
        Ok(results) => {
            let mut results = results.into_iter();
            for job in jobs {
                let mine: Vec<Received> = results.by_ref().take(job.arrivals.len()).collect();
                // The request may have gone (client disconnected): its messages are stored.
                let _ = job.reply.send(Ok(mine));
            }
        }
        Err(_) if jobs.len() > 1 => {
            // One of them broke the shared transaction: each on its own.
            for job in jobs {
                let items: Vec<Inbound<'_>> = job.arrivals.iter().map(Arrival::inbound).collect();
                let result = store
                    .channels()
                    .receive(&job.channel, &items)
                    .await
                    .map_err(ApiError::from);
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            let err = ApiError::from(e);
            for job in jobs {
                let _ = job.reply.send(Err(err.clone()));
            }
        }
    }
}

/// The distinct channel ids of a batch, for its span.
fn channels_of(jobs: &[Job]) -> Vec<i64> {
    let mut ids: Vec<i64> = jobs.iter().map(|j| j.channel.id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The committer's task: runs until the node stops.
pub async fn run(store: store::Store, committer: std::sync::Arc<Committer>) {
    let Some(mut rx) = committer.take() else {
        return;
    };
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        // Everything that arrived while the last commit ran goes in this one.
        while jobs.len() < BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let span = tracing::debug_span!(
            "commit",
            requests = jobs.len(),
            channels = ?channels_of(&jobs),
        );
        commit(&store, jobs).instrument(span).await;
    }
}
