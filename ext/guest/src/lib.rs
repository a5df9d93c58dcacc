//! The Rust half of the kobako guest: the wasm ABI (contract W-1/W-2), input framing and
//! the MessagePack writer and reader, and the RITE bytecode verifier. The mruby half (compile, run, walk values) is the `mruby-kobako`
//! mrbgem under `mrbgem/`, linked in through libmruby.a.

pub mod digest;
pub mod frames;
pub mod msgpack;
pub mod reader;
pub mod rite;

#[cfg(target_family = "wasm")]
mod abi;
