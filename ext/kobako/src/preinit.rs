//! Pre-initialisation: runs the guest's `__kobako_init` (mrb_open and the kobako runtime)
//! once, then writes a new module whose initial memory and globals are the state it left.
//! Every invocation then instantiates a ready interpreter from a copy-on-write image
//! instead of opening one. Isolation is unchanged: each invocation still gets its own
//! instance, started from the same bytes.
//!
//! The rewrite keeps every section of the original except four: the memory minimum, the
//! global initialisers, the data segments (replaced by the snapshot) and the exports (which
//! gain one export per mutable global, so the host can read them, and `__kobako_rng`, the
//! state of the deterministic random source after initialisation). Code is never touched.

use wasm_encoder::{ConstExpr, DataSection, ExportKind, ExportSection, GlobalSection, MemorySection, RawSection};
use wasmparser::{BinaryReader, DataKind, ExternalKind, TypeRef, ValType};
use wasmtime::{Config, Engine, Linker, Module, OptLevel, Store, Val};

use crate::store_state::InstanceState;

/// Export naming the i64 random-source state the image was captured with.
pub const RNG_EXPORT: &str = "__kobako_rng";
pub const GLOBAL_EXPORT_PREFIX: &str = "__kobako_global_";

/// Instructions the initialisation may run before it is abandoned (a runaway guest).
const INIT_FUEL: u64 = 4_000_000_000;
/// Memory the initialisation may grow to before it is abandoned.
const INIT_MEMORY_LIMIT: usize = 256 << 20;
/// Zero runs shorter than this stay inside a data segment instead of splitting it.
const SEGMENT_GAP: usize = 64;
/// Data segments wasmtime accepts per module is 100,000; stay far below it.
const MAX_SEGMENTS: usize = 20_000;
const PAGE: usize = 65_536;

/// Why a module could not be pre-initialised; the caller then uses it as it is.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

fn unsupported(msg: impl Into<String>) -> Unsupported {
    Unsupported(msg.into())
}

/// A top-level section: its id and body.
struct Section<'a> {
    id: u8,
    body: &'a [u8],
    offset: usize,
}

fn read_leb_u32(bytes: &[u8], pos: &mut usize) -> Result<u32, Unsupported> {
    let mut result: u64 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*pos).ok_or_else(|| unsupported("truncated section header"))?;
        *pos += 1;
        result |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(result).map_err(|_| unsupported("section size overflows"));
        }
    }
    Err(unsupported("section size is not a valid LEB128"))
}

fn sections(wasm: &[u8]) -> Result<Vec<Section<'_>>, Unsupported> {
    if wasm.len() < 8 || wasm[..8] != [0, b'a', b's', b'm', 1, 0, 0, 0] {
        return Err(unsupported("not a core wasm module (version 1)"));
    }
    let mut pos = 8;
    let mut out = Vec::new();
    while pos < wasm.len() {
        let id = wasm[pos];
        pos += 1;
        let size = read_leb_u32(wasm, &mut pos)? as usize;
        let end = pos.checked_add(size).filter(|&e| e <= wasm.len()).ok_or_else(|| unsupported("section past the end"))?;
        out.push(Section { id, body: &wasm[pos..end], offset: pos });
        pos = end;
    }
    Ok(out)
}

const IMPORT: u8 = 2;
const MEMORY: u8 = 5;
const GLOBAL: u8 = 6;
const EXPORT: u8 = 7;
const START: u8 = 8;
const DATA: u8 = 11;
const DATA_COUNT: u8 = 12;

fn parse_err(e: wasmparser::BinaryReaderError) -> Unsupported {
    unsupported(format!("cannot parse the module: {e}"))
}

/// A global the module defines (not imports).
struct DefinedGlobal {
    index: u32,
    ty: ValType,
    mutable: bool,
    /// The original initialiser, without its `end`.
    init: Vec<u8>,
}

struct Layout {
    imported_globals: u32,
    globals: Vec<DefinedGlobal>,
    memory: wasmparser::MemoryType,
}

fn layout(secs: &[Section<'_>]) -> Result<Layout, Unsupported> {
    let mut imported_globals = 0u32;
    let mut globals = Vec::new();
    let mut memory = None;
    for s in secs {
        let reader = BinaryReader::new(s.body, s.offset);
        match s.id {
            IMPORT => {
                for import in wasmparser::ImportSectionReader::new(reader).map_err(parse_err)?.into_imports() {
                    match import.map_err(parse_err)?.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => {}
                        TypeRef::Global(_) => imported_globals += 1,
                        _ => return Err(unsupported("it imports something other than functions and globals")),
                    }
                }
            }
            MEMORY => {
                let mut mems = wasmparser::MemorySectionReader::new(reader).map_err(parse_err)?.into_iter();
                memory = mems.next().transpose().map_err(parse_err)?;
                if mems.next().is_some() {
                    return Err(unsupported("it defines more than one memory"));
                }
            }
            GLOBAL => {
                for (i, global) in wasmparser::GlobalSectionReader::new(reader).map_err(parse_err)?.into_iter().enumerate() {
                    let global = global.map_err(parse_err)?;
                    let mut r = global.init_expr.get_binary_reader();
                    let mut init = r.read_bytes(r.bytes_remaining()).map_err(parse_err)?.to_vec();
                    if init.pop() != Some(0x0b) {
                        return Err(unsupported("a global initialiser does not end with `end`"));
                    }
                    globals.push(DefinedGlobal {
                        index: imported_globals + i as u32,
                        ty: global.ty.content_type,
                        mutable: global.ty.mutable,
                        init,
                    });
                }
            }
            START => return Err(unsupported("it has a start function")),
            DATA_COUNT => return Err(unsupported("it uses passive data segments (data count section)")),
            DATA => {
                for data in wasmparser::DataSectionReader::new(reader).map_err(parse_err)? {
                    if matches!(data.map_err(parse_err)?.kind, DataKind::Passive) {
                        return Err(unsupported("it has passive data segments"));
                    }
                }
            }
            _ => {}
        }
    }
    let memory = memory.ok_or_else(|| unsupported("it defines no memory"))?;
    if memory.memory64 || memory.shared || memory.page_size_log2.is_some() {
        return Err(unsupported("its memory is not a plain 32-bit linear memory"));
    }
    for g in &globals {
        if g.mutable && !matches!(g.ty, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64) {
            return Err(unsupported("it has a mutable global that is not a number"));
        }
    }
    Ok(Layout { imported_globals, globals, memory })
}

fn export_kind(kind: ExternalKind) -> Result<ExportKind, Unsupported> {
    Ok(match kind {
        ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
        ExternalKind::Table => ExportKind::Table,
        ExternalKind::Memory => ExportKind::Memory,
        ExternalKind::Global => ExportKind::Global,
        ExternalKind::Tag => ExportKind::Tag,
    })
}

fn encoder_type(ty: ValType) -> wasm_encoder::ValType {
    match ty {
        ValType::I32 => wasm_encoder::ValType::I32,
        ValType::I64 => wasm_encoder::ValType::I64,
        ValType::F32 => wasm_encoder::ValType::F32,
        ValType::F64 => wasm_encoder::ValType::F64,
        _ => unreachable!("layout() admits numeric mutable globals only"),
    }
}

/// What the snapshot replaces in the module.
struct Captured {
    memory: Vec<u8>,
    globals: Vec<Val>,
    rng: u64,
}

/// Writes the module back with its exports extended and, given a snapshot, its memory,
/// globals and data replaced.
fn rewrite(secs: &[Section<'_>], layout: &Layout, captured: Option<&Captured>) -> Result<Vec<u8>, Unsupported> {
    let mut module = wasm_encoder::Module::new();
    let mutable: Vec<&DefinedGlobal> = layout.globals.iter().filter(|g| g.mutable).collect();
    let mut wrote_data = false;
    for s in secs {
        match (s.id, captured) {
            (EXPORT, _) => {
                let mut exports = ExportSection::new();
                let reader = wasmparser::ExportSectionReader::new(BinaryReader::new(s.body, s.offset)).map_err(parse_err)?;
                for export in reader {
                    let export = export.map_err(parse_err)?;
                    if export.name.starts_with(GLOBAL_EXPORT_PREFIX) || export.name == RNG_EXPORT {
                        return Err(unsupported(format!("it already exports {}", export.name)));
                    }
                    exports.export(export.name, export_kind(export.kind)?, export.index);
                }
                for (i, g) in mutable.iter().enumerate() {
                    exports.export(&format!("{GLOBAL_EXPORT_PREFIX}{i}"), ExportKind::Global, g.index);
                }
                if captured.is_some() {
                    let rng_index = layout.imported_globals + layout.globals.len() as u32;
                    exports.export(RNG_EXPORT, ExportKind::Global, rng_index);
                }
                module.section(&exports);
            }
            (MEMORY, Some(c)) => {
                let mut memories = MemorySection::new();
                memories.memory(wasm_encoder::MemoryType {
                    minimum: (c.memory.len() / PAGE) as u64,
                    maximum: layout.memory.maximum,
                    memory64: false,
                    shared: false,
                    page_size_log2: None,
                });
                module.section(&memories);
            }
            (GLOBAL, Some(c)) => {
                let mut section = GlobalSection::new();
                let mut values = c.globals.iter();
                for g in &layout.globals {
                    let init = if g.mutable {
                        match values.next() {
                            Some(Val::I32(v)) => ConstExpr::i32_const(*v),
                            Some(Val::I64(v)) => ConstExpr::i64_const(*v),
                            Some(Val::F32(v)) => ConstExpr::f32_const(wasm_encoder::Ieee32::new(*v)),
                            Some(Val::F64(v)) => ConstExpr::f64_const(wasm_encoder::Ieee64::new(*v)),
                            _ => return Err(unsupported("a captured global has an unexpected type")),
                        }
                    } else {
                        ConstExpr::raw(g.init.iter().copied())
                    };
                    let ty = wasm_encoder::GlobalType { val_type: encoder_type_any(g.ty)?, mutable: g.mutable, shared: false };
                    section.global(ty, &init);
                }
                section.global(
                    wasm_encoder::GlobalType { val_type: wasm_encoder::ValType::I64, mutable: false, shared: false },
                    &ConstExpr::i64_const(c.rng as i64),
                );
                module.section(&section);
            }
            (DATA, Some(c)) => {
                module.section(&data_segments(&c.memory));
                wrote_data = true;
            }
            _ => {
                module.section(&RawSection { id: s.id, data: s.body });
            }
        }
        // A module without data still needs the snapshot: data goes right after code.
        if s.id == 10 && !wrote_data && captured.is_some() && !secs.iter().any(|s| s.id == DATA) {
            module.section(&data_segments(&captured.expect("checked").memory));
            wrote_data = true;
        }
    }
    if captured.is_some() && !secs.iter().any(|s| s.id == GLOBAL) {
        return Err(unsupported("it defines no globals"));
    }
    Ok(module.finish())
}

fn encoder_type_any(ty: ValType) -> Result<wasm_encoder::ValType, Unsupported> {
    match ty {
        ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64 => Ok(encoder_type(ty)),
        ValType::V128 => Ok(wasm_encoder::ValType::V128),
        ValType::Ref(_) => Err(unsupported("it has a reference-typed global")),
    }
}

/// The non-zero parts of `memory` as active data segments (fresh memory is zero).
fn data_segments(memory: &[u8]) -> DataSection {
    let mut gap = SEGMENT_GAP;
    loop {
        let runs = nonzero_runs(memory, gap);
        if runs.len() <= MAX_SEGMENTS {
            let mut data = DataSection::new();
            for (start, end) in runs {
                data.active(0, &ConstExpr::i32_const(start as i32), memory[start..end].iter().copied());
            }
            return data;
        }
        gap *= 4;
    }
}

/// `[start, end)` ranges covering every non-zero byte, merging runs closer than `gap`.
fn nonzero_runs(memory: &[u8], gap: usize) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < memory.len() {
        if memory[i] == 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < memory.len() && memory[i] != 0 {
            i += 1;
        }
        match runs.last_mut() {
            Some(last) if start - last.1 < gap => last.1 = i,
            _ => runs.push((start, i)),
        }
    }
    runs
}

/// A throwaway engine for running the initialiser: no optimisation (it runs once), and
/// fuel so a runaway initialiser ends.
fn init_engine() -> Result<Engine, Unsupported> {
    let mut config = Config::new();
    config.wasm_exceptions(true);
    config.consume_fuel(true);
    config.cranelift_opt_level(OptLevel::None);
    config.max_wasm_stack(crate::engine::MAX_WASM_STACK);
    Engine::new(&config).map_err(|e| unsupported(format!("cannot create the initialisation engine: {e}")))
}

/// Runs the module's `__kobako_init` and returns the module rewritten to start from the
/// state it left. `Unsupported` means the module should be used as it is.
pub fn preinitialize(wasm: &[u8]) -> Result<Vec<u8>, Unsupported> {
    let secs = sections(wasm)?;
    let layout = layout(&secs)?;
    let instrumented = rewrite(&secs, &layout, None)?;
    let captured = capture(&instrumented, &layout)?;
    rewrite(&secs, &layout, Some(&captured))
}

fn capture(instrumented: &[u8], layout: &Layout) -> Result<Captured, Unsupported> {
    let failed = |what: &str, e: wasmtime::Error| unsupported(format!("{what}: {}", crate::errors::describe(&e)));
    let engine = init_engine()?;
    let module = Module::new(&engine, instrumented).map_err(|e| failed("the instrumented module does not compile", e))?;
    let mut linker = Linker::new(&engine);
    crate::wasi::add_to_linker(&mut linker).map_err(|e| failed("linking", e))?;
    crate::dispatch::add_to_linker(&mut linker).map_err(|e| failed("linking", e))?;
    crate::compile_cache::add_to_linker(&mut linker).map_err(|e| failed("linking", e))?;

    let mut probe = InstanceState::probe();
    probe.memory_cap = crate::limits::MemoryCap::new(Some(INIT_MEMORY_LIMIT));
    probe.memory_cap.arm(0);
    let mut store = Store::new(&engine, probe);
    store.limiter(|inv| &mut inv.memory_cap);
    store.set_fuel(INIT_FUEL).map_err(|e| failed("fuel", e))?;
    let instance = linker.instantiate(&mut store, &module).map_err(|e| failed("instantiation", e))?;
    let memory = instance.get_memory(&mut store, "memory").ok_or_else(|| unsupported("no memory export"))?;
    store.data_mut().memory = Some(memory);
    let init = instance
        .get_typed_func::<(), i32>(&mut store, "__kobako_init")
        .map_err(|e| failed("__kobako_init", e))?;
    if init.call(&mut store, ()).map_err(|e| failed("__kobako_init trapped", e))? != 1 {
        return Err(unsupported("__kobako_init reported failure"));
    }
    let state = store.data();
    if !state.stdout.is_empty() || !state.stderr.is_empty() || state.stdin_pos != 0 {
        return Err(unsupported("__kobako_init used stdin, stdout or stderr"));
    }
    let rng = state.rng_state();
    let globals = (0..layout.globals.iter().filter(|g| g.mutable).count())
        .map(|i| {
            instance
                .get_global(&mut store, &format!("{GLOBAL_EXPORT_PREFIX}{i}"))
                .map(|g| g.get(&mut store))
                .ok_or_else(|| unsupported("a global export is missing"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let memory = memory.data(&store).to_vec();
    Ok(Captured { memory, globals, rng })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_close_nonzero_runs() {
        let mut mem = vec![0u8; 1000];
        mem[10] = 1;
        mem[20] = 2;
        mem[500] = 3;
        assert_eq!(nonzero_runs(&mem, 64), vec![(10, 21), (500, 501)]);
        assert_eq!(nonzero_runs(&mem, 4), vec![(10, 11), (20, 21), (500, 501)]);
        assert_eq!(nonzero_runs(&[0; 16], 4), vec![]);
    }

    #[test]
    fn refuses_what_it_cannot_snapshot() {
        assert!(preinitialize(b"not wasm").is_err());
        // (module (memory 1) (start 0) (func))
        let with_start = wat_like(&[
            (1, vec![1, 0x60, 0, 0]),
            (3, vec![1, 0]),
            (5, vec![1, 0, 1]),
            (8, vec![0]),
            (10, vec![1, 2, 0, 0x0b]),
        ]);
        let err = preinitialize(&with_start).unwrap_err();
        assert!(err.to_string().contains("start function"), "{err}");
        // (module (func)) has no memory
        let no_memory = wat_like(&[(1, vec![1, 0x60, 0, 0]), (3, vec![1, 0]), (10, vec![1, 2, 0, 0x0b])]);
        assert!(preinitialize(&no_memory).unwrap_err().to_string().contains("no memory"));
    }

    /// Assembles a module from (section id, body) pairs.
    fn wat_like(sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut out = vec![0, b'a', b's', b'm', 1, 0, 0, 0];
        for (id, body) in sections {
            out.push(*id);
            out.push(body.len() as u8);
            out.extend_from_slice(body);
        }
        out
    }
}
