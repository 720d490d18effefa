//! Imports started from the web application, run in the background: the request that starts
//! one answers at once with a page that follows it (refreshed every two seconds, no script),
//! which shows the phase and how much is done, then the import's report — or, when the list
//! was refused, the preview again with the reason. Each import belongs to the user who started
//! it; finished ones are forgotten after an hour. Owns the jobs; the import is the registry's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a finished import's report stays to be read.
const KEEP: Duration = Duration::from_secs(60 * 60);

/// Where an import stands.
#[derive(Debug, Clone)]
pub enum Stage {
    Running { phase: String, total: Option<u64>, done: u64 },
    Done(Box<athar_registry::import::ImportReport>),
    Refused(String),
}

pub struct Job {
    pub owner: String,
    /// The upload and the form it was started with (to show the preview again if refused).
    pub upload: String,
    pub fields: FormFields,
    pub stage: Stage,
    started: Instant,
}

/// A form as sent: its fields in order.
pub type FormFields = Vec<(String, String)>;

#[derive(Default)]
pub struct Imports {
    jobs: Mutex<HashMap<String, Job>>,
}

impl Imports {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A new import, running, and its id; or, when this upload's import is running already (a
    /// second click), `Err` with that one's id: a list is never imported twice at once.
    pub fn start(&self, owner: &str, upload: &str, fields: FormFields) -> Result<String, String> {
        let id = crate::session::token();
        let mut jobs = self.lock();
        if let Some((running, _)) =
            jobs.iter().find(|(_, j)| j.upload == upload && matches!(j.stage, Stage::Running { .. }))
        {
            return Err(running.clone());
        }
        jobs.retain(|_, j| matches!(j.stage, Stage::Running { .. }) || j.started.elapsed() < KEEP);
        jobs.insert(
            id.clone(),
            Job {
                owner: owner.to_string(),
                upload: upload.to_string(),
                fields,
                stage: Stage::Running { phase: "reading".into(), total: None, done: 0 },
                started: Instant::now(),
            },
        );
        Ok(id)
    }

    /// Where import `id` stands, for its owner only.
    pub fn get(&self, id: &str, owner: &str) -> Option<(Stage, String, FormFields)> {
        let jobs = self.lock();
        let j = jobs.get(id).filter(|j| j.owner == owner)?;
        Some((j.stage.clone(), j.upload.clone(), j.fields.clone()))
    }

    pub fn finish(&self, id: &str, stage: Stage) {
        if let Some(j) = self.lock().get_mut(id) {
            j.stage = stage;
        }
    }
}

/// The registry's progress reports, kept for the page that follows the import.
pub struct Reporter {
    pub app: Arc<crate::App>,
    pub id: String,
}

impl athar_registry::Progress for Reporter {
    fn phase(&self, name: &str, total: Option<u64>) {
        if let Some(j) = self.app.imports.lock().get_mut(&self.id) {
            j.stage = Stage::Running { phase: name.to_string(), total, done: 0 };
        }
    }

    fn done(&self, count: u64) {
        if let Some(j) = self.app.imports.lock().get_mut(&self.id) {
            if let Stage::Running { done, .. } = &mut j.stage {
                *done = count;
            }
        }
    }
}
