//! Lists uploaded through the web application, waiting to be imported: each in a private
//! folder of its own beside the registry (removed when imported, dropped, or after an hour),
//! under a name made safe (no path, no control characters), owned by the user who uploaded it.
//! Owns the staging; reading and importing the list is the registry's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an upload waits for its import.
const KEEP: Duration = Duration::from_secs(60 * 60);
/// Uploads waiting at most (per server).
const MAX_STAGED: usize = 50;

pub struct Staged {
    pub owner: String,
    pub file: PathBuf,
    pub original_name: String,
    created: Instant,
    _dir: tempfile::TempDir,
}

#[derive(Default)]
pub struct Uploads {
    staged: Mutex<HashMap<String, Staged>>,
}

/// A file name as a browser sent it, made safe to write: its last path component, letters
/// (any script), digits, `.`, `-` and `_` only, no leading dot, at most 100 characters.
pub fn safe_name(sent: &str) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect::<String>()
        .trim_start_matches('.')
        .chars()
        .take(100)
        .collect();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.' || c == '_') {
        "upload".into()
    } else {
        cleaned
    }
}

impl Uploads {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Staged>> {
        self.staged.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes `bytes` as `name` in a new private folder beside `registry_db`; returns its id.
    pub fn stage(&self, registry_db: &Path, owner: &str, name: &str, bytes: &[u8]) -> std::io::Result<String> {
        let parent = registry_db.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        {
            let mut map = self.lock();
            map.retain(|_, s| s.created.elapsed() < KEEP);
            if map.len() >= MAX_STAGED {
                return Err(std::io::Error::other("too many uploads wait for their import; import or wait an hour"));
            }
        }
        let dir = tempfile::Builder::new().prefix(".athar-upload-").tempdir_in(parent)?;
        let safe = safe_name(name);
        let file = dir.path().join(&safe);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        std::io::Write::write_all(&mut options.open(&file)?, bytes)?;
        let id = crate::session::token();
        let staged = Staged { owner: owner.to_string(), file, original_name: safe, created: Instant::now(), _dir: dir };
        self.lock().insert(id.clone(), staged);
        Ok(id)
    }

    /// The file of upload `id` if `owner` uploaded it and it has not expired.
    pub fn file(&self, id: &str, owner: &str) -> Option<(PathBuf, String)> {
        let map = self.lock();
        let s = map.get(id).filter(|s| s.owner == owner && s.created.elapsed() < KEEP)?;
        Some((s.file.clone(), s.original_name.clone()))
    }

    /// Removes upload `id` (its folder goes with it).
    pub fn drop_upload(&self, id: &str) {
        self.lock().remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_name_never_leaves_its_folder() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(safe_name("قائمة صيدنايا.xlsx"), "قائمة_صيدنايا.xlsx");
        assert_eq!(safe_name(".."), "upload");
        assert_eq!(safe_name(".hidden.csv"), "hidden.csv");
        assert_eq!(safe_name("a\u{0}b\nc.csv"), "a_b_c.csv");
        assert_eq!(safe_name(""), "upload");
    }

    #[test]
    fn an_upload_is_its_owners_only_and_its_folder_goes_with_it() {
        let dir = tempfile::tempdir().expect("temp");
        let uploads = Uploads::default();
        let id = uploads.stage(&dir.path().join("r.db"), "ivan", "../x.csv", b"a,b\n1,2\n").expect("stage");
        let (file, name) = uploads.file(&id, "ivan").expect("staged");
        assert!(file.starts_with(dir.path()) && name == "x.csv", "{file:?}");
        assert!(uploads.file(&id, "cora").is_none(), "another user cannot use it");
        uploads.drop_upload(&id);
        assert!(!file.exists(), "removed with its folder");
    }
}
