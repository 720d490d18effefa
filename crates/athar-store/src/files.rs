//! The files around a registry, and the rules that keep them safe.
//!
//! Owns: recognising a registry's own files (the database, its `-wal` / `-shm` / `-journal`,
//! its key file) and any Athar database or key file by its content, so that no output of a
//! command can overwrite one ([`check_output_path`]); writing a file whole or not at all
//! ([`AtomicFile`]: a private temporary file beside it, renamed over it when complete);
//! creating private files (mode 0600: the database, backups, outputs hold names and births in
//! clear); the process lock of a database ([`RegistryLock`]: every process that opens a
//! registry holds it shared, `restore` holds it alone); and the note of what long work is
//! running ([`Activity`]), so that "database is locked" can say who holds it. Does not know
//! tables or records.

use crate::StoreError;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The first 16 bytes of every SQLite database.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The magic numbers a SQLite write-ahead log starts with.
const WAL_MAGIC: [[u8; 4]; 2] = [[0x37, 0x7f, 0x06, 0x82], [0x37, 0x7f, 0x06, 0x83]];

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_path_buf(), source }
}

/// The files of a registry: the database, its side files, its key file.
pub fn registry_files(db: &Path, key_file: &Path) -> Vec<PathBuf> {
    let mut out = vec![db.to_path_buf()];
    for side in ["-wal", "-shm", "-journal"] {
        out.push(side_file(db, side));
    }
    out.push(key_file.to_path_buf());
    out
}

/// `<db><suffix>`, as SQLite names a database's side files (`athar.db-wal`).
pub fn side_file(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// What a file is, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A SQLite database (any: an Athar registry, a backup, another program's).
    Database,
    /// A SQLite write-ahead log.
    WriteAheadLog,
    /// An Athar key file (64 hexadecimal characters).
    KeyFile,
    Other,
}

/// Recognises a database, a write-ahead log or a key file by its first bytes. A file that
/// cannot be read is `Other` (the caller's own open will say why).
pub fn file_kind(path: &Path) -> FileKind {
    let Ok(mut f) = File::open(path) else { return FileKind::Other };
    let mut head = [0u8; 80];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return FileKind::Other,
        }
    }
    let head = &head[..n];
    if head.starts_with(SQLITE_HEADER) {
        return FileKind::Database;
    }
    if head.len() >= 4 && WAL_MAGIC.iter().any(|m| head.starts_with(m)) {
        return FileKind::WriteAheadLog;
    }
    let text = std::str::from_utf8(head).unwrap_or("").trim();
    if n <= 70 && text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return FileKind::KeyFile;
    }
    FileKind::Other
}

/// The same file on disk: same device and inode (a hard link or a symbolic link to it too).
#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// A path made absolute through its (existing) folder, for comparing paths of files that do
/// not exist yet.
fn resolved(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Some(parent.canonicalize().ok()?.join(name))
}

/// Checks that a command may write `path`: it is none of `protected` (a registry's files: see
/// [`registry_files`]) under any name, it is no database, write-ahead log or key file at all
/// (recognised by content, whatever its name — never replaced, even with `force`), it is not a
/// folder, and it does not exist unless `force`. Reads nothing of a protected file: identity is
/// checked first, by device and inode.
pub fn check_output_path(path: &Path, protected: &[PathBuf], force: bool) -> Result<(), StoreError> {
    let refuse = |why: String| Err(StoreError::Refused(format!("{}: {why}; nothing was written", path.display())));
    let target = std::fs::metadata(path).ok();
    let target_resolved = resolved(path);
    for p in protected {
        let hit = match (&target, std::fs::metadata(p).ok()) {
            (Some(t), Some(m)) => same_file(t, &m),
            _ => false,
        } || (target_resolved.is_some() && target_resolved == resolved(p));
        if hit {
            return refuse(format!(
                "this is the registry's own file ({}); choose another output file",
                p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            ));
        }
    }
    let Some(meta) = target else { return Ok(()) };
    if meta.is_dir() {
        return refuse("is a folder; give a file name".into());
    }
    match file_kind(path) {
        FileKind::Database => {
            return refuse("is a database (it starts with the SQLite header); Athar never writes over one".into())
        }
        FileKind::WriteAheadLog => {
            return refuse("is a database's write-ahead log; Athar never writes over one".into())
        }
        FileKind::KeyFile => return refuse("looks like an Athar key file; Athar never writes over a key file".into()),
        FileKind::Other => {}
    }
    if !force {
        return refuse("exists already; choose a new file, or pass --force to replace it".into());
    }
    Ok(())
}

/// Opens a new file for writing with mode 0600 (on Unix); fails if it exists.
pub fn create_private(path: &Path) -> Result<File, StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io(path))
}

/// Makes an existing file private (mode 0600) if it is readable by others; a file that is not
/// ours to change is left as it is.
pub fn make_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path) {
            if m.permissions().mode() & 0o077 != 0 {
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// A file written whole or not at all: the bytes go to a private temporary file in the same
/// folder, which [`AtomicFile::commit`] renames over the destination. Dropped without a
/// commit, the temporary file is removed and the destination is untouched.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    tmp: PathBuf,
    dest: PathBuf,
}

impl AtomicFile {
    /// A temporary file beside `dest`. Checks nothing about `dest`: see [`check_output_path`].
    pub fn create(dest: &Path) -> Result<AtomicFile, StoreError> {
        let tmp = temporary_beside(dest)?;
        let file = create_private(&tmp)?;
        Ok(AtomicFile { file: Some(file), tmp, dest: dest.to_path_buf() })
    }

    /// The temporary file's path (for writers that need a path, such as SQLite's backup).
    pub fn temporary_path(&self) -> &Path {
        &self.tmp
    }

    pub fn destination(&self) -> &Path {
        &self.dest
    }

    /// Flushes to disk and renames the file into place.
    pub fn commit(mut self) -> Result<(), StoreError> {
        if let Some(f) = self.file.take() {
            f.sync_all().map_err(io(&self.tmp))?;
        }
        std::fs::rename(&self.tmp, &self.dest).map_err(io(&self.dest))?;
        self.tmp = PathBuf::new();
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("the file was already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        self.file.take();
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// A new, unused name in the folder of `dest`: `.<name>.athar-<pid>-<random>.tmp`.
fn temporary_beside(dest: &Path) -> Result<PathBuf, StoreError> {
    let name = dest
        .file_name()
        .ok_or_else(|| StoreError::Invalid(format!("{} is not a file name", dest.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(StoreError::Invalid(format!(
            "the folder {} does not exist; create it or choose another path",
            parent.display()
        )));
    }
    let mut r = [0u8; 6];
    getrandom::getrandom(&mut r).map_err(|e| StoreError::Crypto(format!("no randomness: {e}")))?;
    Ok(parent.join(format!(".{name}.athar-{}-{}.tmp", std::process::id(), hex::encode(r))))
}

/// The process lock of a registry: an advisory lock on the database file itself, shared by
/// every process that has the registry open and exclusive for `restore`, which replaces the
/// file. Held until dropped. The lock's file handle is kept open for as long as the lock is
/// held, and dropped after SQLite's connection (closing another handle to the database early
/// would release SQLite's own locks).
#[derive(Debug)]
pub struct RegistryLock {
    _file: File,
}

/// How long an open waits for a restore to finish before giving up.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl RegistryLock {
    /// A shared lock on an existing database file, waiting up to ten seconds while a restore
    /// holds it. The file is checked to be still the one at `db` once locked (a restore
    /// replaces it).
    pub fn shared(db: &Path) -> Result<RegistryLock, StoreError> {
        let started = std::time::Instant::now();
        loop {
            let file = File::open(db).map_err(io(db))?;
            match file.try_lock_shared() {
                Ok(()) => {
                    // A restore may have put another file at this path while we waited.
                    let still = match (file.metadata(), std::fs::metadata(db)) {
                        (Ok(a), Ok(b)) => same_file(&a, &b) || cfg!(not(unix)),
                        _ => false,
                    };
                    if still {
                        return Ok(RegistryLock { _file: file });
                    }
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    if started.elapsed() > LOCK_WAIT {
                        return Err(StoreError::Busy(format!(
                            "{} is being restored from a backup by another process{}; try again when it has \
                             finished",
                            db.display(),
                            Activity::current(db).map(|a| format!(" ({a})")).unwrap_or_default()
                        )));
                    }
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(db)(e)),
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// The lock alone, or an error saying that another process has the registry open.
    pub fn exclusive(db: &Path) -> Result<RegistryLock, StoreError> {
        let file = File::open(db).map_err(io(db))?;
        match file.try_lock() {
            Ok(()) => Ok(RegistryLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Busy(format!(
                "another process has {} open{}; restore replaces the whole database, so it needs the database \
                 to itself: stop the server and wait for imports and links to end, then try again",
                db.display(),
                Activity::current(db).map(|a| format!(" ({a})")).unwrap_or_default()
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(io(db)(e)),
        }
    }
}

/// Long work running on a registry, noted in a small private file beside the database
/// (`<db>-activity`) while it runs, so that another process told "database is locked" can say
/// what holds it. The note holds the kind of work, the process id and the start time — no
/// names. Removed when dropped; a note left by a killed process is ignored (its process is
/// gone).
#[derive(Debug)]
pub struct Activity {
    path: PathBuf,
}

impl Activity {
    /// Notes that `work` (e.g. "an import", "a link") runs now. Best effort: a note that cannot
    /// be written changes nothing else.
    pub fn begin(db: &Path, work: &str) -> Activity {
        let path = side_file(db, "-activity");
        let text = format!(
            "{}\n{}\n{}\n",
            work.replace('\n', " "),
            std::process::id(),
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
        );
        let tmp = side_file(db, &format!("-activity.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        if let Ok(mut f) = create_private(&tmp) {
            if f.write_all(text.as_bytes()).is_ok() {
                let _ = std::fs::rename(&tmp, &path);
            }
        }
        let _ = std::fs::remove_file(&tmp);
        Activity { path }
    }

    /// What the note beside `db` says runs, if its process is alive: "an import, process 123,
    /// since 2026-12-05 17:02:11 UTC".
    pub fn current(db: &Path) -> Option<String> {
        let text = std::fs::read_to_string(side_file(db, "-activity")).ok()?;
        let mut lines = text.lines();
        let (work, pid, since) = (lines.next()?, lines.next()?, lines.next()?);
        let pid: u32 = pid.trim().parse().ok()?;
        if pid == std::process::id() || !process_alive(pid) {
            return None;
        }
        let work: String = work.chars().filter(|c| !c.is_control()).take(60).collect();
        let since: String = since.chars().filter(|c| !c.is_control()).take(40).collect();
        Some(format!("{work}, process {pid}, since {since}"))
    }
}

impl Drop for Activity {
    fn drop(&mut self) {
        // Only our own note: another process may have begun its own since.
        let ours = std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|t| t.lines().nth(1).map(|p| p.trim() == std::process::id().to_string()))
            .unwrap_or(false);
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn process_alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        Path::new(&format!("/proc/{pid}")).exists()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_file_is_refused_under_any_name_and_by_content() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("r.db");
        let key = dir.path().join("r.key");
        std::fs::write(&db, b"SQLite format 3\0rest of a page").expect("db");
        std::fs::write(&key, format!("{}\n", "ab".repeat(32))).expect("key");
        let protected = registry_files(&db, &key);
        for p in [&db, &key, &side_file(&db, "-wal"), &side_file(&db, "-shm")] {
            let e = check_output_path(p, &protected, true).expect_err("own file refused");
            assert!(e.to_string().contains("registry's own file"), "{e}");
        }
        // Another name for the same file, and another folder's spelling of the path.
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&db, &link).expect("symlink");
            assert!(check_output_path(&link, &protected, true).is_err());
        }
        let dotted = dir.path().join(".").join("r.db");
        assert!(check_output_path(&dotted, &protected, true).is_err());
        // Any other database or key file, by content, even with --force.
        let other_db = dir.path().join("other.csv");
        std::fs::write(&other_db, b"SQLite format 3\0xyz").expect("other db");
        let e = check_output_path(&other_db, &protected, true).expect_err("a database");
        assert!(e.to_string().contains("is a database"), "{e}");
        let other_key = dir.path().join("k.txt");
        std::fs::write(&other_key, "cd".repeat(32)).expect("other key");
        assert!(check_output_path(&other_key, &protected, true).is_err());
        // An ordinary existing file: only with force; a new one: yes.
        let plain = dir.path().join("old.csv");
        std::fs::write(&plain, "a,b\n").expect("plain");
        assert!(check_output_path(&plain, &protected, false).is_err());
        assert!(check_output_path(&plain, &protected, true).is_ok());
        assert!(check_output_path(&dir.path().join("new.csv"), &protected, false).is_ok());
        assert!(check_output_path(dir.path(), &protected, true).is_err(), "a folder");
    }

    #[test]
    fn an_atomic_file_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().expect("temp dir");
        let dest = dir.path().join("out.csv");
        {
            let mut f = AtomicFile::create(&dest).expect("create");
            f.write_all(b"half").expect("write");
        }
        assert!(!dest.exists(), "dropped without commit: nothing");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0, "no temporary file left");
        let mut f = AtomicFile::create(&dest).expect("create");
        f.write_all(b"whole").expect("write");
        f.commit().expect("commit");
        assert_eq!(std::fs::read(&dest).expect("read"), b"whole");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dest).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn restore_cannot_lock_a_registry_another_holder_has_open() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("r.db");
        std::fs::write(&db, b"").expect("db");
        let held = RegistryLock::shared(&db).expect("shared");
        let e = RegistryLock::exclusive(&db).expect_err("held by another");
        assert!(e.to_string().contains("needs the database"), "{e}");
        drop(held);
        let alone = RegistryLock::exclusive(&db).expect("exclusive once free");
        drop(alone);
    }
}
