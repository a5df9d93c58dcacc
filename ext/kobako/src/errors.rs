//! Errors of the native layer. Load errors become Ruby exceptions at construction;
//! invocation faults travel inside the Snapshot so the Ruby layer picks the class.

use thiserror::Error;

/// The guest broke the wire format (contract E-3).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WireError {
    #[error("guest pointer range {ptr}+{len} is outside its {size}-byte memory")]
    OutOfBounds { ptr: u32, len: u32, size: usize },
    #[error("guest payload of {len} bytes is over the 16 MiB limit")]
    TooLarge { len: usize },
}

/// Why a guest module could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("guest module not found at {0}: build it with `rake guest` (or run bin/setup)")]
    NotBuilt(String),
    #[error("could not read guest module {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("invalid guest module {path}: {reason}")]
    Invalid { path: String, reason: String },
    #[error("could not create the wasmtime engine: {0}")]
    Engine(String),
}

/// Flattens a wasmtime/anyhow error chain into one line; `{}` alone drops the trap reason.
pub fn describe(err: &wasmtime::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
