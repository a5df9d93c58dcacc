//! The on-disk cache of compiled (pre-initialised) guest modules.
//!
//! Compiling the guest takes most of a second; loading a compiled artifact takes about a
//! millisecond. Artifacts are native code, so the cache is only trusted when nobody else
//! can write it: the directory and the file must belong to this user and be writable by
//! nobody else. Entries are written to a temporary file and renamed into place, so a
//! reader never sees half a file. Any failure (no home, wrong owner, full disk, stale or
//! corrupt entry) falls back to compiling; the cache never makes a load fail.
//!
//! Location: `$KOBAKO_MODULE_CACHE` if set (`off` or empty disables the cache), else
//! `$XDG_CACHE_HOME/kobako/modules`, else `~/.cache/kobako/modules`.

use std::fs::{self, DirBuilder, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use wasmtime::{Engine, Module};

/// The wasmtime release the extension is built against (pinned in ext/kobako/Cargo.toml;
/// a unit test keeps the two equal).
pub const WASMTIME_VERSION: &str = "48.0.8";
/// Bumped whenever the pre-initialisation rewrite changes what it produces.
pub const FORMAT_VERSION: u32 = 1;

/// What the cache did for one load (reported by `Kobako::Runtime#module_info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// The compiled module came from the cache.
    Hit,
    /// The module was compiled and the result written to the cache.
    Stored,
    /// The cache is switched off or has no usable location.
    Disabled(String),
    /// The cache could not be used this time (the module was compiled instead).
    Failed(String),
}

impl CacheOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            CacheOutcome::Hit => "hit",
            CacheOutcome::Stored => "stored",
            CacheOutcome::Disabled(_) => "disabled",
            CacheOutcome::Failed(_) => "failed",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            CacheOutcome::Disabled(r) | CacheOutcome::Failed(r) => Some(r),
            _ => None,
        }
    }
}

pub use kobako_guest::digest::digest;

/// The cache file name for `guest` compiled by `engine`: the guest digest plus everything
/// that makes an artifact unusable elsewhere (wasmtime version, engine settings, fuel
/// metering, our rewrite format). `metered` is hashed on its own as well, so the plain and
/// the metered artifacts never share a name whatever the engine hash covers.
pub fn entry_name(engine: &Engine, metered: bool, guest: &[u8]) -> String {
    let mut settings = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut settings);
    if metered {
        "fuel".hash(&mut settings); // the plain engine's name stays what it was
    }
    WASMTIME_VERSION.hash(&mut settings);
    FORMAT_VERSION.hash(&mut settings);
    format!("{:032x}-{:016x}.cwasm", digest(guest), settings.finish())
}

/// The cache file name for `guest` pre-initialised (wasm, not native code): the same for
/// both engines, so the second one compiles it without pre-initialising again.
pub fn rewrite_name(guest: &[u8]) -> String {
    let mut settings = std::collections::hash_map::DefaultHasher::new();
    "preinitialized".hash(&mut settings);
    WASMTIME_VERSION.hash(&mut settings);
    FORMAT_VERSION.hash(&mut settings);
    format!("{:032x}-{:016x}.wasm", digest(guest), settings.finish())
}

/// The cache directory, or why there is none.
pub fn directory() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("KOBAKO_MODULE_CACHE") {
        if dir.is_empty() || dir == "off" {
            return Err("KOBAKO_MODULE_CACHE switches it off".into());
        }
        return Ok(PathBuf::from(dir));
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").filter(|d| Path::new(d).is_absolute()) {
        return Ok(PathBuf::from(xdg).join("kobako").join("modules"));
    }
    match std::env::var_os("HOME").filter(|h| Path::new(h).is_absolute()) {
        Some(home) => Ok(PathBuf::from(home).join(".cache").join("kobako").join("modules")),
        None => Err("neither XDG_CACHE_HOME nor HOME is set".into()),
    }
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Refuses a path that another user owns or could write.
fn private(path: &Path, meta: &fs::Metadata) -> Result<(), String> {
    if meta.uid() != euid() {
        return Err(format!("{} belongs to another user", path.display()));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!("{} is writable by other users", path.display()));
    }
    Ok(())
}

/// Creates the directory (user-only) if needed and checks it is private.
pub fn prepare(dir: &Path) -> Result<(), String> {
    if !dir.exists() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let meta = fs::symlink_metadata(dir).map_err(|e| format!("cannot inspect {}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    private(dir, &meta)
}

/// Whether a cache entry exists at `path`, checked to be a regular file only this user can
/// have written. `Ok(false)`: there is no entry yet.
fn private_entry(path: &Path) -> Result<bool, String> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(format!("cannot inspect {}: {e}", path.display())),
    };
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    private(path, &meta)?;
    Ok(true)
}

/// Loads a cached artifact. `Ok(None)`: there is no entry yet.
pub fn read(engine: &Engine, path: &Path) -> Result<Option<Module>, String> {
    if !private_entry(path)? {
        return Ok(None);
    }
    // SAFETY: the artifact is trusted because only this user can have written it (checked
    // above), and it is only ever written by `write` below from `Module::serialize`.
    // wasmtime still checks that it was produced by a compatible engine.
    unsafe { Module::deserialize_file(engine, path) }
        .map(Some)
        .map_err(|e| format!("{} is not a usable artifact: {}", path.display(), crate::errors::describe(&e)))
}

/// Reads a cached file of bytes (the pre-initialised guest) under the same ownership checks.
/// `Ok(None)`: there is no entry yet.
pub fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>, String> {
    if !private_entry(path)? {
        return Ok(None);
    }
    fs::read(path).map(Some).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Writes an artifact atomically: a private temporary file in the same directory, renamed.
pub fn write(path: &Path, artifact: &[u8]) -> Result<(), String> {
    let dir = path.parent().ok_or("the cache path has no directory")?;
    let tmp = dir.join(format!(
        ".{}.{}.{:x}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        std::process::id(),
        digest(format!("{:?}", std::time::SystemTime::now()).as_bytes()) as u64
    ));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        file.write_all(artifact).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        file.sync_all().map_err(|e| format!("cannot flush {}: {e}", tmp.display()))?;
        fs::rename(&tmp, path).map_err(|e| format!("cannot move {} into place: {e}", tmp.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_wasmtime_version_matches_cargo_toml() {
        let toml = include_str!("../Cargo.toml");
        assert!(toml.contains(&format!("version = \"={WASMTIME_VERSION}\"")), "update WASMTIME_VERSION");
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kobako-cache-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn metered_and_plain_artifacts_have_different_names() {
        let plain = Engine::default();
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true);
        let metered = Engine::new(&config).unwrap();
        let guest = b"\0asm\x01\0\0\0";
        assert_ne!(entry_name(&plain, false, guest), entry_name(&metered, true, guest));
        assert_ne!(entry_name(&plain, false, guest), entry_name(&plain, true, guest));
        assert_eq!(entry_name(&plain, false, guest), entry_name(&plain, false, guest));
        assert!(rewrite_name(guest).ends_with(".wasm"));
        assert_ne!(rewrite_name(guest), rewrite_name(b"\0asm\x01\0\0\0\0"));
    }

    #[test]
    fn reads_private_bytes_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("bytes");
        prepare(&dir).unwrap();
        let path = dir.join("entry.wasm");
        assert!(read_bytes(&path).unwrap().is_none());
        write(&path, b"wasm bytes").unwrap();
        assert_eq!(read_bytes(&path).unwrap().unwrap(), b"wasm bytes");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
        assert!(read_bytes(&path).unwrap_err().contains("writable by other users"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn creates_a_private_directory_and_refuses_a_shared_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("perm").join("modules");
        prepare(&dir).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        assert!(prepare(&dir).unwrap_err().contains("writable by other users"));
        fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn writes_atomically_and_refuses_unsafe_or_corrupt_entries() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("entry");
        prepare(&dir).unwrap();
        let engine = Engine::default();
        let path = dir.join("entry.cwasm");
        assert!(read(&engine, &path).unwrap().is_none());

        write(&path, b"not an artifact").unwrap();
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        assert!(read(&engine, &path).unwrap_err().contains("not a usable artifact"));
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1, "no temporary file is left behind");

        let module = Module::new(&engine, b"\0asm\x01\0\0\0").unwrap();
        write(&path, &module.serialize().unwrap()).unwrap();
        assert!(read(&engine, &path).unwrap().is_some());

        fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
        assert!(read(&engine, &path).unwrap_err().contains("writable by other users"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
