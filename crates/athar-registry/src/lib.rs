//! # athar-registry
//!
//! The application layer: every use-case of Athar — import a list, link records into persons,
//! search with a live index, inquiries that keep searching, judgements, persons, exports, the
//! audit trail — as a typed call over the store and the engines. The command line and the web
//! application are thin front doors over it: they parse input, call the [`Registry`], and show
//! what it returns. Owns the use-cases, the acting party's permissions (see [`actor`]) and the
//! live search index; not argument parsing, printing or HTTP, and no I/O of its own beyond the
//! store's and the lists it is asked to read.
//!
//! A [`Registry`] is `Send + Sync` and serves many threads: reads run at once, each on a
//! connection of its own; writes are serialised on one connection, each in one transaction
//! (a write that fails leaves nothing). The search index lives in it and follows the writes
//! made through it; writes made by another process are caught up before a search answers.
//!
//! ```no_run
//! # fn main() -> Result<(), athar_registry::RegistryError> {
//! use athar_registry::{Actor, Registry};
//! let registry = Registry::open("athar.db".as_ref(), "athar.key".as_ref())?;
//! let me = Actor::local("caseworker-1");
//! let query = athar_search::Query { name: Some("محمد الحلبي".into()), ..Default::default() };
//! for m in registry.search(&me, &query, 10)?.results {
//!     println!("{} {:.3}", m.person_id, m.probability);
//! }
//! # Ok(()) }
//! ```

pub mod actor;
mod admin;
pub mod consent;
pub mod dashboard;
pub mod derive;
mod error;
pub mod eval;
pub mod exports;
pub mod import;
mod inquiries;
pub mod link;
mod persons;
pub mod progress;
pub mod purge;
pub mod reports;
mod review;
pub mod search;
pub mod sensitivity;
pub mod sites;
pub mod status;
pub mod tokens;
mod users;

pub use actor::{Action, Actor, Role};
pub use admin::{AuditReport, ReindexReport};
pub use error::{RegistryError, Result};
pub use inquiries::{InquiryDetail, NewInquiry};
pub use persons::{ExportRecord, FoundPerson, PersonSummary, PersonView, PersonsPage, SplitReport};
pub use progress::{Progress, Silent};
pub use review::{Explanation, JudgeReport, RecordCard, ReviewFilter, ReviewItem, ReviewQueue};
pub use search::SearchPurpose;
pub use users::{needs_second_factor, password_problem, Enrolment, PasswordChecked, UserSummary, MIN_PASSWORD};

// What a front door needs of the layers below comes through the registry: the store's plain
// values and its rule for files written beside a registry, the search's query and answers.
pub use athar_search::{Ambiguity, Explained, PersonMatch, Query, SearchResults, AMBIGUOUS_BITS};
pub use athar_store::{
    check_actor, default_key_path, escape_control, files, AuditEntry, AuditVerdict, Enquirer, InitReport, InquiryRow,
    JudgementRow, Lead, LineageEvent, QuarantineRow, RecordView, RestoreReport, SourceSummary, Stats, StoreError,
};

/// The decisions a person makes about two records (`athar judge A B same`).
pub use athar_store::linkage::DECISIONS;
use athar_store::Store;

/// A count with its noun in words a person reads: "1 record", "3 records".
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock};

/// A registry: its database and key file, a connection that writes, connections that read,
/// what it knows of names (the name engine, the gazetteer with its users' sites, the scanner),
/// and the live search index.
pub struct Registry {
    db: PathBuf,
    key: PathBuf,
    writer: Mutex<Store>,
    readers: Mutex<Vec<Store>>,
    /// Built at first use, and again when sites are added (see [`Registry::names`]).
    names: RwLock<Option<std::sync::Arc<sites::Names>>>,
    search: RwLock<Option<search::LiveIndex>>,
    /// How many times the search index was built from the whole store.
    index_builds: std::sync::atomic::AtomicUsize,
    /// The dashboard's counts, with the store's state they were counted in.
    dashboard: Mutex<Option<(athar_store::ChangeStamp, dashboard::Dashboard)>>,
    /// Audit entries waiting for the next group commit (see [`Registry::audit`]).
    audits: AuditQueue,
}

/// Audit entries waiting to be written, by ticket: the calls' order of arrival. Batches are
/// taken whole and in order, so every ticket below `done_before` has been written, but those
/// in `failed`.
#[derive(Default)]
struct AuditQueue {
    state: Mutex<AuditQueueState>,
    done: std::sync::Condvar,
}

/// Ends a batch of the audit queue when dropped: its tickets done (failed but the leader's
/// own, unless `ok`), the next leader free to start, the waiters woken.
struct BatchDone<'a> {
    queue: &'a AuditQueue,
    tickets: std::ops::Range<u64>,
    own: u64,
    ok: bool,
}

impl Drop for BatchDone<'_> {
    fn drop(&mut self) {
        let mut state = lock(&self.queue.state);
        state.writing = false;
        if !self.ok {
            let own = self.own;
            state.failed.extend(self.tickets.clone().filter(|t| *t != own));
        }
        state.done_before = self.tickets.end;
        drop(state);
        self.queue.done.notify_all();
    }
}

#[derive(Default)]
struct AuditQueueState {
    pending: Vec<athar_store::AuditRequest>,
    next_ticket: u64,
    done_before: u64,
    writing: bool,
    failed: std::collections::HashSet<u64>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("db", &self.db).finish_non_exhaustive()
    }
}

/// Locks a mutex whose holder may have panicked: a store's transaction rolls back when its
/// holder unwinds, so what is behind the lock is whole.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Registry {
    /// Opens the registry at `db` with its key file. A missing database is refused, naming the
    /// path: a mistyped path must never answer "not found" from a new, empty registry. Only
    /// [`Registry::init`] and [`Registry::open_or_create`] (an import) create one.
    pub fn open(db: &Path, key: &Path) -> Result<Registry> {
        let empty = std::fs::metadata(db).map(|m| m.len() == 0).unwrap_or(true);
        if !db.exists() || db.is_dir() || empty {
            return Err(RegistryError::NotFound(format!(
                "there is no registry at {}: {}. Check --db (or ATHAR_DB); to start a new registry there, run \
                 athar init, or import a first list with athar import FILE --source NAME",
                db.display(),
                if db.is_dir() {
                    "it is a folder"
                } else if db.exists() {
                    "the file is empty"
                } else {
                    "the file does not exist"
                }
            )));
        }
        let store = Store::open(db, key)?;
        Ok(Registry::around(store, db, key))
    }

    /// Opens the registry at `db`, creating it (and its key file) when it does not exist: for
    /// the first import into a new registry.
    pub fn open_or_create(db: &Path, key: &Path) -> Result<Registry> {
        let store = Store::open(db, key)?;
        Ok(Registry::around(store, db, key))
    }

    /// Creates what is missing (database, key file), checks they belong together, and notes
    /// the call in the audit chain. Idempotent.
    pub fn init(db: &Path, key: &Path, actor: &Actor) -> Result<(Registry, athar_store::InitReport)> {
        let (store, report) = Store::init(db, key)?;
        store.audit(&actor.name, "init", None, None, None)?;
        Ok((Registry::around(store, db, key), report))
    }

    fn around(store: Store, db: &Path, key: &Path) -> Registry {
        Registry {
            db: db.to_path_buf(),
            key: key.to_path_buf(),
            writer: Mutex::new(store),
            readers: Mutex::new(Vec::new()),
            names: RwLock::new(None),
            search: RwLock::new(None),
            index_builds: std::sync::atomic::AtomicUsize::new(0),
            dashboard: Mutex::new(None),
            audits: AuditQueue::default(),
        }
    }

    pub fn database(&self) -> &Path {
        &self.db
    }

    pub fn key_file(&self) -> &Path {
        &self.key
    }

    /// The registry's own files (database, side files, key file): what no output may replace.
    pub fn own_files(&self) -> Vec<PathBuf> {
        athar_store::files::registry_files(&self.db, &self.key)
    }

    /// How many times this registry built its search index from the whole store (once, when
    /// writes keep it current in place).
    pub fn index_builds(&self) -> usize {
        self.index_builds.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `f` on a reading connection of this thread's own (from a pool; opened when none is
    /// free). Reads on other threads run at the same time.
    fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        let store = match lock(&self.readers).pop() {
            Some(s) => s,
            None => Store::open(&self.db, &self.key)?,
        };
        let out = f(&store);
        // A connection left inside a transaction would answer later reads from its old
        // snapshot (a revoked token still in force): it is closed, not kept.
        if !store.inside_transaction() {
            lock(&self.readers).push(store);
        }
        out
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db
    }

    /// Runs `f` on the one writing connection: writes are serialised.
    fn write<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut store = lock(&self.writer);
        f(&mut store)
    }

    /// Notes a call in the audit chain (before what it shows is shown). On a reading
    /// connection: the entry waits only for SQLite's write lock, not for this process's writer.
    ///
    /// Group commit: the entries of calls made at the same moment are written by one of them in
    /// one transaction (one sync to the disk), while the others wait for it in this process
    /// instead of polling SQLite's lock — which, under a few hundred searches a second, left
    /// some of them waiting seconds (p99 8.9 s at 300/s on a million records) and some failing
    /// as "busy". Each call still returns only once its own entry is on the disk.
    fn audit(
        &self,
        actor: &Actor,
        action: &str,
        target: Option<&str>,
        count: Option<i64>,
        detail: Option<&str>,
    ) -> Result<()> {
        self.audit_as(&actor.name, action, target, count, detail)
    }

    /// As [`Registry::audit`], under a name that may be no user's ("someone" signing in).
    fn audit_as(
        &self,
        actor: &str,
        action: &str,
        target: Option<&str>,
        count: Option<i64>,
        detail: Option<&str>,
    ) -> Result<()> {
        let request = athar_store::AuditRequest {
            actor: actor.to_string(),
            action: action.to_string(),
            target: target.map(str::to_string),
            count,
            detail: detail.map(str::to_string),
        };
        let queue = &self.audits;
        let mut state = lock(&queue.state);
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.pending.push(request.clone());
        loop {
            if ticket < state.done_before {
                // Written (or failed) by another call's batch.
                let failed = state.failed.remove(&ticket);
                drop(state);
                if !failed {
                    return Ok(());
                }
                // The batch failed (its leader has the error): this entry is written on its
                // own, so that its caller gets its own answer.
                break;
            }
            if !state.writing {
                // This call writes every entry waiting, its own among them.
                state.writing = true;
                let batch = std::mem::take(&mut state.pending);
                let first = state.done_before;
                drop(state);
                // Should the write unwind, the batch is marked failed and the waiters wake.
                let mut finish =
                    BatchDone { queue, tickets: first..first + batch.len() as u64, own: ticket, ok: false };
                let result = self.read(|s| Ok(s.audit_all(&batch)?));
                finish.ok = result.is_ok();
                return result;
            }
            state = queue.done.wait(state).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        self.read(|s| Ok(s.audit_all(std::slice::from_ref(&request))?))
    }
}
