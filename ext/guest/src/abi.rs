//! Exports the host calls and the callbacks the C half writes outcomes through.
//! The guest is single-threaded: one instance per invocation, one call at a time.

use std::cell::UnsafeCell;
use std::ffi::{c_char, CStr};
use std::io::Read;

use std::alloc::Layout;

use crate::frames;
use crate::msgpack::{Writer, MAX_PAYLOAD};
use crate::reader::{Reader, Token};

/// Bumped whenever the host/guest wire changes; the host refuses a mismatch at load.
const ABI_VERSION: i32 = 5;

#[repr(C)]
struct MrbState {
    _private: [u8; 0],
}

#[allow(improper_ctypes)] // Writer is opaque to C: it only passes the pointer back.
extern "C" {
    fn kobako_open() -> *mut MrbState;
    fn kobako_settle(mrb: *mut MrbState);
    fn kobako_prepare(
        mrb: *mut MrbState,
        preamble: *const u8,
        preamble_len: usize,
        snippets: *const u8,
        snippets_len: usize,
        w: *mut Writer,
    ) -> bool;
    fn kobako_defer_slots(frame: *const u8, len: usize);
    fn kobako_eval(mrb: *mut MrbState, src: *const u8, len: usize, filename: *const c_char, keep: bool, w: *mut Writer);
    fn kobako_eval_compiled(mrb: *mut MrbState, bin: *const u8, len: usize, w: *mut Writer);
    fn kobako_set_locals(names: *const u8, names_len: usize, values: *const u8, values_len: usize);
    fn kobako_run(mrb: *mut MrbState, envelope: *const u8, envelope_len: usize, w: *mut Writer);
    fn kobako_write_value_nil(w: *mut Writer);
    fn kobako_yield(mrb: *mut MrbState, req: *const u8, len: usize, w: *mut Writer);
    fn kobako_write_error(w: *mut Writer, origin: *const c_char, klass: *const c_char, message: *const c_char);
    fn kobako_reseed(mrb: *mut MrbState, seed: u64);
    fn kobako_session_begin(mrb: *mut MrbState);
}

#[link(wasm_import_module = "env")]
extern "C" {
    /// The host's Service dispatcher (contract W-1): request in, packed response out.
    #[link_name = "__kobako_dispatch"]
    fn host_dispatch(req_ptr: i32, req_len: i32) -> i64;
    /// The host's compile cache: copies the bytecode the guest just compiled for the
    /// script of this invocation (asked for with `__kobako_keep_bytecode`).
    #[link_name = "__kobako_compiled"]
    fn host_compiled(ptr: i32, len: i32);
}

/// A global the single guest thread owns. Exports re-enter each other (a Service call
/// yields back into the guest), so state is only ever reached through raw pointers,
/// never through long-lived `&mut` borrows.
struct Global<T>(UnsafeCell<T>);
// SAFETY: wasm32-wasip1 without threads: there is exactly one thread.
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    fn ptr(&self) -> *mut T {
        self.0.get()
    }
}

static MRB: Global<*mut MrbState> = Global(UnsafeCell::new(std::ptr::null_mut()));
/// Digest of the [preamble, snippets] frames the interpreter was prepared with, once it is.
/// An image the host captured after `__kobako_prepare` starts with this set, so its
/// invocations skip the Service set-up and snippet replay.
static PREPARED: Global<Option<u128>> = Global(UnsafeCell::new(None));
/// The seed the host gave this invocation (`__kobako_seed`), applied once the interpreter
/// is prepared, right before the script runs.
static SEED: Global<Option<u64>> = Global(UnsafeCell::new(None));
/// The host asked for this invocation's compiled script (`__kobako_keep_bytecode`).
static KEEP: Global<bool> = Global(UnsafeCell::new(false));
/// The outcome of `__kobako_eval`, read by `__kobako_take_outcome`.
static OUTCOME: Global<Writer> = Global(UnsafeCell::new(Writer::new()));
/// Scratch buffer for requests to the host and block results (see kobako_guest.h).
static WIRE: Global<Writer> = Global(UnsafeCell::new(Writer::new()));

fn error_outcome(w: *mut Writer, klass: &CStr, message: &str) {
    let message = std::ffi::CString::new(message.replace('\0', " ")).unwrap_or_default();
    unsafe {
        (*w).clear();
        kobako_write_error(w, c"sandbox".as_ptr(), klass.as_ptr(), message.as_ptr());
    }
}

/// Opens the interpreter once per instance.
fn interpreter() -> Option<*mut MrbState> {
    unsafe {
        if (*MRB.ptr()).is_null() {
            *MRB.ptr() = kobako_open();
            if !(*MRB.ptr()).is_null() {
                warm_up(*MRB.ptr());
            }
        }
        let mrb = *MRB.ptr();
        (!mrb.is_null()).then_some(mrb)
    }
}

/// Runs one trivial script through the eval path right after the interpreter opens, then
/// collects the garbage. Lazily built state (the stdin handle, interned file names, parser
/// and allocator free lists) then exists before the host captures the pre-initialised
/// image, so small invocations neither grow memory nor redo that work. Nothing it leaves
/// is visible to scripts.
fn warm_up(mrb: *mut MrbState) {
    let _ = std::io::stdin();
    let out = OUTCOME.ptr();
    unsafe {
        kobako_eval(mrb, b"nil".as_ptr(), 3, c"(eval)".as_ptr(), false, out);
        (*out).clear();
        kobako_settle(mrb);
    }
}

/// Prepares the interpreter with [preamble, snippets] unless it already is (an image
/// captured after `__kobako_prepare`); writes the failure to `out` and returns false.
fn ensure_prepared(mrb: *mut MrbState, out: *mut Writer, preamble: &[u8], snippets: &[u8]) -> bool {
    let digest = frames_digest(preamble, snippets);
    match unsafe { *PREPARED.ptr() } {
        Some(prepared) if prepared == digest => true,
        Some(_) => {
            error_outcome(out, c"Kobako::WireError", "the instance was prepared with other Services or snippets");
            false
        }
        None => {
            let ok = unsafe {
                kobako_prepare(mrb, preamble.as_ptr(), preamble.len(), snippets.as_ptr(), snippets.len(), out)
            };
            if ok {
                unsafe { *PREPARED.ptr() = Some(digest) };
            }
            ok
        }
    }
}

/// Reseeds the guest's randomness if the host asked for it. Runs after preparing, so the
/// snippets replayed by an invocation see the same state as in an image captured without
/// a seed, and every invocation's script starts from the seed alone.
fn apply_seed(mrb: *mut MrbState) {
    if let Some(seed) = unsafe { (*SEED.ptr()).take() } {
        unsafe { kobako_reseed(mrb, seed) };
    }
}

fn frames_digest(preamble: &[u8], snippets: &[u8]) -> u128 {
    crate::digest::digest(preamble) ^ crate::digest::digest(snippets).rotate_left(64).wrapping_add(snippets.len() as u128)
}

/// Keeps the outcome within the payload cap, replacing it with an error if it is not.
fn enforce_payload_cap(w: *mut Writer) {
    let len = unsafe { (*w).len() };
    if len > MAX_PAYLOAD {
        error_outcome(
            w,
            c"Kobako::PayloadTooLarge",
            &format!("the outcome is {len} bytes, over the {MAX_PAYLOAD}-byte limit"),
        );
    }
}

#[export_name = "__kobako_abi_version"]
pub extern "C" fn abi_version() -> i32 {
    ABI_VERSION
}

/// Opens the interpreter ahead of the first call, so the host can take the memory size
/// after it as the invocation's baseline (contract C-2).
#[export_name = "__kobako_init"]
pub extern "C" fn init() -> i32 {
    i32::from(interpreter().is_some())
}

/// Seeds this invocation's randomness (`Sandbox.new(seed:)`): the host calls it after the
/// instance is started and before `__kobako_eval`/`__kobako_run`. Without it the guest keeps
/// the fixed default sequence.
#[export_name = "__kobako_seed"]
pub extern "C" fn seed(seed: i64) {
    unsafe { *SEED.ptr() = Some(seed as u64) };
}

/// Memory the host fills directly (Service responses, block calls, the run envelope).
/// The guest releases it with `kobako_free` once it has read it.
#[export_name = "__kobako_alloc"]
pub extern "C" fn alloc(size: i32) -> i32 {
    if size <= 0 || size as usize > MAX_PAYLOAD {
        return 0;
    }
    match Layout::from_size_align(size as usize, 8) {
        Ok(layout) => unsafe { std::alloc::alloc(layout) as i32 },
        Err(_) => 0,
    }
}

#[no_mangle]
pub extern "C" fn kobako_free(ptr: *const u8, len: usize) {
    if ptr.is_null() || len == 0 {
        return;
    }
    if let Ok(layout) = Layout::from_size_align(len, 8) {
        unsafe { std::alloc::dealloc(ptr as *mut u8, layout) };
    }
}

/// An empty MessagePack list: the snippets frame when the host sends none.
const EMPTY_LIST: &[u8] = &[0x90];

/// Reads the framed input on stdin (contract W-2), or writes why it could not be read.
fn read_frames(out: *mut Writer, input: &mut Vec<u8>) -> bool {
    if let Err(e) = std::io::stdin().read_to_end(input) {
        error_outcome(out, c"Kobako::WireError", &format!("reading the input frames failed: {e}"));
        return false;
    }
    true
}

/// Reads stdin and splits it into `count` frames, or writes why it could not.
fn input_frames<'a>(out: *mut Writer, input: &'a mut Vec<u8>, counts: std::ops::RangeInclusive<usize>, what: &str) -> Option<Vec<&'a [u8]>> {
    if !read_frames(out, input) {
        return None;
    }
    match frames::split(input) {
        Ok(frames) if counts.contains(&frames.len()) => Some(frames),
        Ok(frames) => {
            error_outcome(out, c"Kobako::WireError", &format!("{what} expects the frames {}, got {}", frame_names(what), frames.len()));
            None
        }
        Err(e) => {
            error_outcome(out, c"Kobako::WireError", &e.to_string());
            None
        }
    }
}

fn frame_names(what: &str) -> &'static str {
    match what {
        "eval" => "[preamble, source, snippets, slots, local names, local values]",
        "run" => "[preamble, snippets, slots]",
        _ => "[preamble, snippets]",
    }
}

/// Prepares, then hands this invocation's slot fillings (an optional frame, never part
/// of a prepared image) to the Service proxies, which read it when a slot is first used.
/// The frame lives in the caller's input buffer: `finished` forgets it.
fn ready(mrb: *mut MrbState, out: *mut Writer, preamble: &[u8], snippets: &[u8], slots: Option<&[u8]>) -> bool {
    if !ensure_prepared(mrb, out, preamble, snippets) {
        return false;
    }
    if let Some(frame) = slots.filter(|f| *f != EMPTY_LIST) {
        unsafe { kobako_defer_slots(frame.as_ptr(), frame.len()) };
    }
    true
}

/// The script's run is over: the input buffer the slots frame points into goes away.
fn finished() {
    unsafe { kobako_defer_slots(std::ptr::null(), 0) };
}

/// Prepares the interpreter from stdin frames [preamble, snippets] (Service constants,
/// then the snippets replayed) without running anything else. The host calls it to
/// capture a per-Sandbox image; the outcome is nil, or why preparing failed.
#[export_name = "__kobako_prepare"]
pub extern "C" fn prepare() {
    let out = OUTCOME.ptr();
    unsafe { (*out).clear() };
    let Some(mrb) = interpreter() else {
        return error_outcome(out, c"NoMemoryError", "the mruby interpreter could not be opened");
    };
    let mut input = Vec::new();
    let Some(frames) = input_frames(out, &mut input, 2..=2, "prepare") else { return };
    if ensure_prepared(mrb, out, frames[0], frames[1]) {
        unsafe {
            (*out).clear();
            kobako_write_value_nil(out);
        }
    }
}

/// Makes this instance a session's: later `__kobako_eval` calls keep the script's
/// top-level locals for the next one (the host keeps the instance alive between them).
/// Returns 0 when the interpreter could not be opened.
#[export_name = "__kobako_session"]
pub extern "C" fn session() -> i32 {
    match interpreter() {
        Some(mrb) => {
            unsafe { kobako_session_begin(mrb) };
            1
        }
        None => 0,
    }
}

/// Runs the script sent on stdin as frames [preamble, source, snippets, slots, local names,
/// local values] (all after the source optional; the locals come as a pair).
#[export_name = "__kobako_eval"]
pub extern "C" fn eval() {
    eval_frames(|mrb, source, out| {
        let keep = unsafe { std::mem::take(&mut *KEEP.ptr()) };
        unsafe { kobako_eval(mrb, source.as_ptr(), source.len(), c"(eval)".as_ptr(), keep, out) };
    });
}

/// Asks the next `__kobako_eval` to hand its compiled script to the host before running
/// it (the host's compile cache; see kobako_keep_bytecode).
#[export_name = "__kobako_keep_bytecode"]
pub extern "C" fn keep_bytecode() {
    unsafe { *KEEP.ptr() = true };
}

/// Like `__kobako_eval`, but frame 1 is bytecode an earlier `__kobako_eval` of the same
/// source handed to the host; it is verified again before it runs.
#[export_name = "__kobako_eval_compiled"]
pub extern "C" fn eval_compiled() {
    eval_frames(|mrb, bytecode, out| unsafe { kobako_eval_compiled(mrb, bytecode.as_ptr(), bytecode.len(), out) });
}

/// Reads the eval frames, prepares, and hands the script frame to `run`.
fn eval_frames(run: impl FnOnce(*mut MrbState, &[u8], *mut Writer)) {
    let out = OUTCOME.ptr();
    unsafe { (*out).clear() };
    let Some(mrb) = interpreter() else {
        return error_outcome(out, c"NoMemoryError", "the mruby interpreter could not be opened");
    };
    let mut input = Vec::new();
    let Some(frames) = input_frames(out, &mut input, 2..=6, "eval") else { return };
    let (preamble, script) = (frames[0], frames[1]);
    let snippets = frames.get(2).copied().unwrap_or(EMPTY_LIST);
    if ready(mrb, out, preamble, snippets, frames.get(3).copied()) {
        apply_seed(mrb);
        // Locals (names, values): read by the loader while `input` is alive.
        if let (Some(names), Some(values)) = (frames.get(4), frames.get(5)) {
            unsafe { kobako_set_locals(names.as_ptr(), names.len(), values.as_ptr(), values.len()) };
        }
        run(mrb, script, out);
        unsafe { kobako_set_locals(std::ptr::null(), 0, std::ptr::null(), 0) };
    }
    finished();
    enforce_payload_cap(out);
}

#[no_mangle]
pub extern "C" fn kobako_keep_bytecode(ptr: *const u8, len: usize) {
    if len > 0 && len <= MAX_PAYLOAD {
        unsafe { host_compiled(ptr as i32, len as i32) };
    }
}

/// Calls an entrypoint: frames [preamble, snippets, slots] (slots optional) on stdin, and the run envelope
/// [name, args, kwargs] the host placed at `env_ptr` with `__kobako_alloc` (released here).
#[export_name = "__kobako_run"]
pub extern "C" fn run(env_ptr: i32, env_len: i32) {
    let out = OUTCOME.ptr();
    unsafe { (*out).clear() };
    let envelope = env_ptr as u32 as usize as *const u8;
    let envelope_len = env_len.max(0) as usize;
    run_with(out, envelope, envelope_len);
    kobako_free(envelope, envelope_len);
    enforce_payload_cap(out);
}

fn run_with(out: *mut Writer, envelope: *const u8, envelope_len: usize) {
    let Some(mrb) = interpreter() else {
        return error_outcome(out, c"NoMemoryError", "the mruby interpreter could not be opened");
    };
    if envelope.is_null() || envelope_len == 0 {
        return error_outcome(out, c"Kobako::WireError", "the run envelope is missing");
    }
    let mut input = Vec::new();
    let Some(frames) = input_frames(out, &mut input, 2..=3, "run") else { return };
    if ready(mrb, out, frames[0], frames[1], frames.get(2).copied()) {
        apply_seed(mrb);
        unsafe { kobako_run(mrb, envelope, envelope_len, out) };
    }
    finished();
}

/// Why the last bytecode `kobako_rite_verify` refused was refused (C reads it as a C string).
static VERIFY_ERROR: Global<Option<std::ffi::CString>> = Global(UnsafeCell::new(None));

/// Checks untrusted RITE bytecode before mruby's loader sees it (see rite.rs).
#[no_mangle]
pub extern "C" fn kobako_rite_verify(ptr: *const u8, len: usize) -> *const c_char {
    match crate::rite::verify(bytes(ptr, len)) {
        Ok(()) => std::ptr::null(),
        Err(e) => unsafe {
            let message = std::ffi::CString::new(e.to_string().replace('\0', " ")).unwrap_or_default();
            *VERIFY_ERROR.ptr() = Some(message);
            (*VERIFY_ERROR.ptr()).as_ref().map_or(std::ptr::null(), |m| m.as_ptr())
        },
    }
}

/// Runs the block a host Service yields to, from inside that Service's dispatch. The
/// request (block serial, args, kwargs) was placed with `__kobako_alloc`; the result or
/// fault is returned as `(ptr << 32) | len`, valid until the next export call.
#[export_name = "__kobako_yield_to_block"]
pub extern "C" fn yield_to_block(ptr: i32, len: i32) -> i64 {
    let wire = WIRE.ptr();
    unsafe { (*wire).clear() };
    let req = ptr as u32 as usize as *const u8;
    let len = len.max(0) as usize;
    match interpreter() {
        Some(mrb) => unsafe { kobako_yield(mrb, req, len, wire) },
        None => error_outcome(wire, c"NoMemoryError", "the mruby interpreter is not open"),
    }
    kobako_free(req, len);
    pack(wire)
}

/// The latest outcome as `(ptr << 32) | len`; valid until the next export call.
#[export_name = "__kobako_take_outcome"]
pub extern "C" fn take_outcome() -> i64 {
    pack(OUTCOME.ptr())
}

fn pack(w: *const Writer) -> i64 {
    let w = unsafe { &*w };
    (((w.bytes().as_ptr() as u32 as u64) << 32) | w.len() as u32 as u64) as i64
}

#[no_mangle]
pub extern "C" fn kobako_wire_writer() -> *mut Writer {
    let wire = WIRE.ptr();
    unsafe { (*wire).clear() };
    wire
}

/// Sends the request in `req` to the host and hands back the response it placed in
/// guest memory (released by the caller with `kobako_free`).
#[no_mangle]
pub extern "C" fn kobako_host_send(req: *mut Writer, resp: *mut *const u8, resp_len: *mut usize) {
    let (ptr, len) = unsafe {
        let bytes = (*req).bytes();
        (bytes.as_ptr() as i32, bytes.len() as i32)
    };
    let packed = unsafe { host_dispatch(ptr, len) } as u64;
    unsafe {
        *resp = (packed >> 32) as u32 as usize as *const u8;
        *resp_len = (packed & 0xffff_ffff) as usize;
    }
}

// Callbacks for the C half (kobako_guest.h). `w` is always the pointer we passed in.
macro_rules! writer {
    ($w:expr) => {
        unsafe { &mut *$w }
    };
}

#[no_mangle]
pub extern "C" fn kobako_mp_byte(w: *mut Writer, b: u8) {
    writer!(w).byte(b)
}
#[no_mangle]
pub extern "C" fn kobako_mp_nil(w: *mut Writer) {
    writer!(w).nil()
}
#[no_mangle]
pub extern "C" fn kobako_mp_bool(w: *mut Writer, v: i32) {
    writer!(w).bool(v != 0)
}
#[no_mangle]
pub extern "C" fn kobako_mp_int(w: *mut Writer, v: i64) {
    writer!(w).int(v)
}
#[no_mangle]
pub extern "C" fn kobako_mp_float(w: *mut Writer, v: f64) {
    writer!(w).float(v)
}
#[no_mangle]
pub extern "C" fn kobako_mp_string(w: *mut Writer, ptr: *const u8, len: usize) {
    writer!(w).string(bytes(ptr, len))
}
#[no_mangle]
pub extern "C" fn kobako_mp_symbol(w: *mut Writer, ptr: *const u8, len: usize) {
    writer!(w).symbol(bytes(ptr, len))
}
#[no_mangle]
pub extern "C" fn kobako_mp_handle(w: *mut Writer, id: u32) {
    writer!(w).handle(id)
}
#[no_mangle]
pub extern "C" fn kobako_mp_wrap_ext(w: *mut Writer, start: usize, kind: i8) {
    writer!(w).wrap_ext(start, kind)
}
#[no_mangle]
pub extern "C" fn kobako_mp_begin_ext(w: *mut Writer, kind: i8) -> usize {
    writer!(w).begin_ext(kind)
}
#[no_mangle]
pub extern "C" fn kobako_mp_end_ext(w: *mut Writer, mark: usize) {
    writer!(w).end_ext(mark)
}
#[no_mangle]
pub extern "C" fn kobako_mp_raw(w: *mut Writer, ptr: *const u8, len: usize) {
    // SAFETY: the C caller passes a live buffer of `len` bytes.
    let bytes = if len == 0 { &[][..] } else { unsafe { std::slice::from_raw_parts(ptr, len) } };
    writer!(w).raw(bytes)
}
#[no_mangle]
pub extern "C" fn kobako_mp_next(buf: *const u8, len: usize, pos: *mut usize, tok: *mut Token) -> *const c_char {
    let mut reader = Reader::at(bytes(buf, len), unsafe { *pos });
    match reader.next() {
        Ok(t) => unsafe {
            *tok = t;
            *pos = reader.position();
            std::ptr::null()
        },
        Err(e) => e.message().as_ptr(),
    }
}
#[no_mangle]
pub extern "C" fn kobako_mp_array_header(w: *mut Writer, len: u32) {
    writer!(w).array_header(len)
}
#[no_mangle]
pub extern "C" fn kobako_mp_map_header(w: *mut Writer, len: u32) {
    writer!(w).map_header(len)
}
#[no_mangle]
pub extern "C" fn kobako_mp_len(w: *mut Writer) -> usize {
    writer!(w).len()
}
#[no_mangle]
pub extern "C" fn kobako_mp_truncate(w: *mut Writer, len: usize) {
    writer!(w).truncate(len)
}

fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

