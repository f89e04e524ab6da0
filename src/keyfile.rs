//! Secret files made once and shared (SSH host keys, the cookie key): several `serve` nodes may
//! start at the same moment on one `keys/` folder, so a new file is written under a temporary
//! name, synced, and linked into place without replacing; whoever loses the race loads the
//! winner's file, so every node ends up with the same key.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether [`load_or_publish`] read an existing file or published a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Loaded,
    Made,
}

/// Reads `path` with `load`, or, when it does not exist, makes a value with `make` (the value and
/// the file text) and publishes it with mode 0600. If another process publishes first, its file
/// is loaded instead and ours is thrown away. `write_err` names the path in the caller's error.
pub fn load_or_publish<T, E, S: AsRef<[u8]>>(
    path: &Path,
    load: impl Fn(&Path) -> Result<T, E>,
    make: impl FnOnce() -> Result<(T, S), E>,
    write_err: impl Fn(std::io::Error) -> E,
) -> Result<(T, Source), E> {
    if path.exists() {
        return Ok((load(path)?, Source::Loaded));
    }
    let (value, text) = make()?;
    let temp = temp_name(path);
    let written = write_synced(&temp, text.as_ref());
    // link(2) never replaces: exactly one racer's file lands at `path`, always complete.
    let linked = written.and_then(|()| std::fs::hard_link(&temp, path));
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => {
            sync_dir(path);
            Ok((value, Source::Made))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok((load(path)?, Source::Loaded))
        }
        Err(e) => Err(write_err(e)),
    }
}

/// A name next to `path` that no other process uses (same folder, so the link stays on one
/// file system).
fn temp_name(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let unique = format!(
        ".{}.{}.{:016x}.tmp",
        name.unwrap_or_default(),
        std::process::id(),
        rand::random::<u64>()
    );
    path.with_file_name(unique)
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes the new name durable; best effort, as not every file system can sync a folder.
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(path: &Path) -> Result<String, std::io::Error> {
        std::fs::read_to_string(path)
    }

    #[test]
    fn racing_threads_all_get_the_one_published_value() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("secret");
            let start = std::sync::Barrier::new(8);
            let results: Vec<(String, Source)> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|i| {
                        let (path, start) = (&path, &start);
                        s.spawn(move || {
                            start.wait();
                            load_or_publish(
                                path,
                                load,
                                || Ok((format!("value {i}"), format!("value {i}"))),
                                |e| e,
                            )
                            .expect("load or publish")
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("thread"))
                    .collect()
            });
            let on_disk = load(&path).expect("published");
            assert!(results.iter().all(|(v, _)| *v == on_disk), "{results:?}");
            let made = results.iter().filter(|(_, s)| *s == Source::Made).count();
            assert_eq!(made, 1, "exactly one racer publishes: {results:?}");
            let names: Vec<_> = std::fs::read_dir(dir.path())
                .expect("list")
                .map(|e| e.expect("entry").file_name())
                .collect();
            assert_eq!(names, ["secret"], "no temporary files left behind");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_published_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret");
        let (_, source) =
            load_or_publish(&path, load, || Ok(("x".into(), "x")), |e| e).expect("make");
        assert_eq!(source, Source::Made);
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let (_, source) =
            load_or_publish(&path, load, || Ok((String::new(), "")), |e| e).expect("load");
        assert_eq!(source, Source::Loaded);
    }
}
