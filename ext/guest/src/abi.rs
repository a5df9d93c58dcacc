//! Exports the host calls and the callbacks the C half writes outcomes through.
//! The guest is single-threaded: one instance per invocation, one call at a time.

use std::cell::UnsafeCell;
use std::ffi::{c_char, CStr};
use std::io::Read;

use crate::frames;
use crate::msgpack::{Writer, MAX_PAYLOAD};

/// Bumped whenever the host/guest wire changes; the host refuses a mismatch at load.
const ABI_VERSION: i32 = 1;

#[repr(C)]
struct MrbState {
    _private: [u8; 0],
}

#[allow(improper_ctypes)] // Writer is opaque to C: it only passes the pointer back.
extern "C" {
    fn kobako_open() -> *mut MrbState;
    fn kobako_eval(mrb: *mut MrbState, src: *const u8, len: usize, filename: *const c_char, w: *mut Writer);
    fn kobako_write_error(w: *mut Writer, origin: *const c_char, klass: *const c_char, message: *const c_char);
}

struct Guest {
    mrb: *mut MrbState,
    outcome: Writer,
}

struct GuestCell(UnsafeCell<Guest>);
// SAFETY: wasm32-wasip1 without threads: there is exactly one thread.
unsafe impl Sync for GuestCell {}

static GUEST: GuestCell = GuestCell(UnsafeCell::new(Guest {
    mrb: std::ptr::null_mut(),
    outcome: Writer::new(),
}));

fn guest() -> &'static mut Guest {
    // SAFETY: single-threaded, and no export re-enters another while holding this borrow.
    unsafe { &mut *GUEST.0.get() }
}

fn error_outcome(w: &mut Writer, klass: &CStr, message: &str) {
    let message = std::ffi::CString::new(message.replace('\0', " ")).unwrap_or_default();
    w.clear();
    unsafe { kobako_write_error(w, c"sandbox".as_ptr(), klass.as_ptr(), message.as_ptr()) };
}

/// Opens the interpreter once per instance.
fn interpreter(g: &mut Guest) -> Option<*mut MrbState> {
    if g.mrb.is_null() {
        g.mrb = unsafe { kobako_open() };
    }
    (!g.mrb.is_null()).then_some(g.mrb)
}

/// Keeps the outcome within the payload cap, replacing it with an error if it is not.
fn enforce_payload_cap(w: &mut Writer) {
    if w.len() > MAX_PAYLOAD {
        let len = w.len();
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
    i32::from(interpreter(guest()).is_some())
}

/// Memory the host fills directly (the run envelope). Lives as long as the instance.
#[export_name = "__kobako_alloc"]
pub extern "C" fn alloc(size: i32) -> i32 {
    if size <= 0 || size as usize > MAX_PAYLOAD {
        return 0;
    }
    let mut block = Vec::<u8>::with_capacity(size as usize);
    let ptr = block.as_mut_ptr();
    std::mem::forget(block);
    ptr as i32
}

/// Runs the script sent on stdin as frames [preamble, source, snippets].
#[export_name = "__kobako_eval"]
pub extern "C" fn eval() {
    let g = guest();
    g.outcome.clear();
    let Some(mrb) = interpreter(g) else {
        return error_outcome(&mut g.outcome, c"NoMemoryError", "the mruby interpreter could not be opened");
    };
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        return error_outcome(&mut g.outcome, c"Kobako::WireError", &format!("reading the input frames failed: {e}"));
    }
    let frames = match frames::split(&input) {
        Ok(frames) => frames,
        Err(e) => return error_outcome(&mut g.outcome, c"Kobako::WireError", &e.to_string()),
    };
    if frames.len() < 2 {
        let msg = format!("eval expects the frames [preamble, source, snippets], got {}", frames.len());
        return error_outcome(&mut g.outcome, c"Kobako::WireError", &msg);
    }
    let source = frames[1];
    unsafe { kobako_eval(mrb, source.as_ptr(), source.len(), c"(eval)".as_ptr(), &mut g.outcome) };
    enforce_payload_cap(&mut g.outcome);
}

#[export_name = "__kobako_run"]
pub extern "C" fn run(_env_ptr: i32, _env_len: i32) {
    let g = guest();
    error_outcome(&mut g.outcome, c"NotImplementedError", "__kobako_run is not supported by this guest yet");
}

#[export_name = "__kobako_yield_to_block"]
pub extern "C" fn yield_to_block(_ptr: i32, _len: i32) -> i64 {
    let g = guest();
    error_outcome(&mut g.outcome, c"NotImplementedError", "__kobako_yield_to_block is not supported by this guest yet");
    pack(&g.outcome)
}

/// The latest outcome as `(ptr << 32) | len`; valid until the next export call.
#[export_name = "__kobako_take_outcome"]
pub extern "C" fn take_outcome() -> i64 {
    pack(&guest().outcome)
}

fn pack(w: &Writer) -> i64 {
    (((w.bytes().as_ptr() as u32 as u64) << 32) | w.len() as u32 as u64) as i64
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
