//! The bound on password hashing. One argon2id hash takes 19 MiB and tens of milliseconds of a
//! core, and a login needs no authentication: unbounded, a flood of logins takes every core and
//! 19 MiB per attempt in flight. Every hash and verification of a request runs here instead, on
//! a few threads of its own (as many as the machine has cores, by default), at most one job per
//! thread queued or running. A request waits for a free thread at most [`Hasher::wait`] and is
//! then answered 503 `busy` with `Retry-After`. Memory for hashing is at most threads × 19 MiB
//! whatever the flood, and it is always the same threads that hash, so the allocator keeps
//! reusing their memory rather than growing.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::secret;

type Job = Box<dyn FnOnce() + Send>;

/// Why a hash was not computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// Every hashing thread stayed busy for the whole wait.
    #[error("every password hashing thread is busy")]
    Busy,
    /// The hash could not be computed.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// The hashing threads and their permits (one per thread).
pub struct Hasher {
    jobs: Mutex<Sender<(Job, OwnedSemaphorePermit)>>,
    permits: Arc<Semaphore>,
    wait: Duration,
    threads: usize,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("threads", &self.threads)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

/// As many hashing threads as the machine has cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

fn work(jobs: &Mutex<Receiver<(Job, OwnedSemaphorePermit)>>) {
    loop {
        // The lock is held only while waiting for the next job, never while running one.
        let next = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        // Every sender gone: the server's state was dropped.
        let Ok((job, permit)) = next else { return };
        // A job that panics loses its answer (the request gets a 500), not the thread.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
        // The permit is returned only now, when the thread is free again, even if the request
        // that queued the job was abandoned meanwhile.
        drop(permit);
    }
}

impl Hasher {
    /// Starts `threads` hashing threads (at least one); a request waits at most `wait` for one.
    pub fn new(threads: usize, wait: Duration) -> std::io::Result<Hasher> {
        let threads = threads.max(1);
        let (tx, rx) = std::sync::mpsc::channel();
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..threads {
            let rx = Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("atende-hash-{n}"))
                .spawn(move || work(&rx))?;
        }
        Ok(Hasher {
            jobs: Mutex::new(tx),
            permits: Arc::new(Semaphore::new(threads)),
            wait,
            threads,
        })
    }

    /// How many hashes run at once.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// How long a request waits for a free thread before it is answered `busy`.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// Runs `f` on a hashing thread once one is free (within [`Hasher::wait`]).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = match tokio::time::timeout(
            self.wait,
            Arc::clone(&self.permits).acquire_owned(),
        )
        .await
        {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Err(HashError::Failed(e.to_string())),
            Err(_) => return Err(HashError::Busy),
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs
            .lock()
            .map_err(|e| HashError::Failed(e.to_string()))?
            .send((job, permit))
            .map_err(|e| HashError::Failed(e.to_string()))?;
        rx.await
            .map_err(|_| HashError::Failed("the hashing thread stopped".to_owned()))
    }

    /// Whether `password` matches the PHC `hash`; gives the password back (to rehash it).
    pub async fn verify(
        &self,
        hash: String,
        password: String,
    ) -> Result<(bool, String), HashError> {
        self.run(move || (secret::verify_password(&hash, &password), password))
            .await
    }

    /// A new PHC hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move || secret::hash_password(&password))
            .await?
            .map_err(HashError::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two threads: two jobs run at once, a third waits for one of them, and a fourth that cannot
    /// get a thread within the wait is `Busy`; an abandoned request keeps its thread until its
    /// job ends.
    #[tokio::test]
    async fn at_most_one_job_per_thread() {
        let hasher = Arc::new(Hasher::new(2, Duration::from_millis(300)).unwrap());
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let job = |ms: u64| {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            move || {
                use std::sync::atomic::Ordering::SeqCst;
                let now = running.fetch_add(1, SeqCst) + 1;
                most.fetch_max(now, SeqCst);
                std::thread::sleep(Duration::from_millis(ms));
                running.fetch_sub(1, SeqCst);
                ms
            }
        };
        let mut tasks = Vec::new();
        for ms in [100, 100, 100] {
            let (h, j) = (Arc::clone(&hasher), job(ms));
            tasks.push(tokio::spawn(async move { h.run(j).await }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(100));
        }
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 2);
        // Both threads held for a second, by requests abandoned at once: the next request
        // still finds no thread within its wait.
        for _ in 0..2 {
            let (h, j) = (Arc::clone(&hasher), job(1000));
            let t = tokio::spawn(async move { h.run(j).await });
            tokio::time::sleep(Duration::from_millis(50)).await;
            t.abort();
        }
        assert_eq!(hasher.run(|| 1).await, Err(HashError::Busy));
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 2);
        tokio::time::sleep(Duration::from_millis(1000)).await;
        // A panicking job loses its answer, not its thread.
        let failed = hasher.run(|| -> u8 { panic!("boom") }).await;
        assert!(matches!(failed, Err(HashError::Failed(_))), "{failed:?}");
        for _ in 0..4 {
            assert_eq!(hasher.run(|| 7).await, Ok(7));
        }
        let (ok, back) = hasher
            .verify(secret::hash_password("x").unwrap(), "x".to_owned())
            .await
            .unwrap();
        assert!(ok && back == "x");
    }
}
