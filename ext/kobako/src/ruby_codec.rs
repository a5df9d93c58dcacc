//! MessagePack between Ruby values and bytes, for the Ruby layer's Codec (contract A-4,
//! W-3). The Codec checks and prepares values in Ruby (paths, Handles, exposure); this
//! packs what it prepared and unpacks what the guest sent, without any gem.
//!
//! `Runtime.pack(value)`: nil, true, false, Integer (64-bit), Float, String (binary ->
//! bin, otherwise str), Symbol (ext 0), Array, Hash, `Codec::HandleRef` (ext 1) and
//! `Codec::Fault` (ext 2 holding a map).
//! `Runtime.unpack(bytes, ext)`: the reverse; ext 1 and 2 data go to `ext.call(type,
//! data)`. Every length is checked against the bytes that remain by the shared reader
//! before anything is allocated; malformed input raises `Codec::MalformedPayload`.
//!
//! Values built here stay on the Rust stack (containers are filled as they are read), so
//! Ruby's conservative stack scan keeps them alive while Ruby code (the ext callback, a
//! key's #hash) runs.

use magnus::{
    prelude::*, r_hash::ForEach, value::Lazy, Error, ExceptionClass, Float, Integer, RArray, RClass, RHash, RModule,
    RString, Ruby, Symbol, Value,
};

use kobako_guest::msgpack::{nested_ext, Writer, EXT_BIGDECIMAL, EXT_INTEGER, EXT_TIME};
use kobako_guest::reader::{Kind, Reader};

use crate::guest_memory::{MAX_DEPTH, MAX_PAYLOAD};

const EXT_SYMBOL: i8 = 0;
const EXT_HANDLE: i8 = 1;
const EXT_FAULT: i8 = 2;

fn codec_const<T: magnus::TryConvert>(ruby: &Ruby, name: &str) -> T {
    ruby.class_object()
        .const_get::<_, RModule>("Kobako")
        .and_then(|m| m.const_get::<_, RModule>("Codec"))
        .and_then(|c| c.const_get::<_, T>(name))
        .unwrap_or_else(|e| panic!("Kobako::Codec::{name} must be defined before the extension loads: {e}"))
}

static HANDLE_REF: Lazy<RClass> = Lazy::new(|ruby| codec_const(ruby, "HandleRef"));
static WIRE_VALUE: Lazy<RClass> = Lazy::new(|ruby| codec_const(ruby, "WireValue"));
static WIRE: Lazy<RModule> = Lazy::new(|ruby| codec_const(ruby, "Wire"));
static FAULT: Lazy<RClass> = Lazy::new(|ruby| codec_const(ruby, "Fault"));
static MALFORMED: Lazy<ExceptionClass> = Lazy::new(|ruby| codec_const(ruby, "MalformedPayload"));
static UNSUPPORTED: Lazy<ExceptionClass> = Lazy::new(|ruby| codec_const(ruby, "UnsupportedValue"));
static TOO_LARGE: Lazy<ExceptionClass> = Lazy::new(|ruby| codec_const(ruby, "TooLarge"));
static TOO_DEEP: Lazy<ExceptionClass> = Lazy::new(|ruby| codec_const(ruby, "TooDeep"));
static KEY_REFUSED: Lazy<ExceptionClass> = Lazy::new(|ruby| codec_const(ruby, "KeyRefused"));
static PAYLOAD_TOO_LARGE: Lazy<ExceptionClass> = Lazy::new(|ruby| {
    ruby.class_object()
        .const_get::<_, RModule>("Kobako")
        .and_then(|m| m.const_get::<_, ExceptionClass>("PayloadTooLargeError"))
        .unwrap_or_else(|e| panic!("Kobako::PayloadTooLargeError must be defined before the extension loads: {e}"))
});

/// Resolves the Codec's classes at `Init_kobako` (see ruby_errors.rs for why not later).
pub fn force(ruby: &Ruby) {
    Lazy::force(&HANDLE_REF, ruby);
    Lazy::force(&WIRE_VALUE, ruby);
    Lazy::force(&WIRE, ruby);
    Lazy::force(&FAULT, ruby);
    Lazy::force(&MALFORMED, ruby);
    Lazy::force(&UNSUPPORTED, ruby);
    Lazy::force(&TOO_LARGE, ruby);
    Lazy::force(&TOO_DEEP, ruby);
    Lazy::force(&KEY_REFUSED, ruby);
    Lazy::force(&PAYLOAD_TOO_LARGE, ruby);
}

fn raise(ruby: &Ruby, class: &Lazy<ExceptionClass>, message: String) -> Error {
    match ruby.get_inner(class).new_instance((ruby.str_new(&message),)) {
        Ok(exception) => exception.into(),
        Err(interrupted) => interrupted,
    }
}

// ---- packing ---------------------------------------------------------------------------
//
// The size cap is checked while packing, before each write (contract X-2): a host-built
// value that shares subtrees (`a = [a, a]` forty times) would otherwise expand to more
// bytes than memory holds. Every node visited writes at least one byte, so the walk also
// stops after at most MAX_PAYLOAD nodes.

/// `Runtime.pack(value)`: a value already prepared (plain values, `Codec::HandleRef`s and
/// `Codec::Fault`s), as is.
pub fn pack(ruby: &Ruby, value: Value) -> Result<RString, Error> {
    let mut packer = Packer { w: Writer::new(), leaf: None, big_decimal: None };
    packer.value(ruby, value, 0)?;
    Ok(ruby.str_from_slice(packer.w.bytes()))
}

/// `Runtime.pack_with(value, leaf)`: packs `value`, calling `leaf.call(object)` for every
/// object that is not a plain value (and every Integer outside 64 bits) and packing the
/// `Codec::HandleRef` it returns; whatever the callable raises propagates. Array, Hash and
/// String subclasses are read as their plain contents, without running any of their
/// methods.
pub fn pack_with(ruby: &Ruby, value: Value, leaf: Value) -> Result<RString, Error> {
    let mut packer = Packer { w: Writer::new(), leaf: Some(leaf), big_decimal: None };
    packer.value(ruby, value, 0)?;
    Ok(ruby.str_from_slice(packer.w.bytes()))
}

struct Packer {
    w: Writer,
    /// The callable for non-plain objects; None: they are refused (prepared values only).
    leaf: Option<Value>,
    /// BigDecimal, once an object that may be one is met (None: not looked up yet; Some(None):
    /// the app has not loaded it).
    big_decimal: Option<Option<RClass>>,
}

/// The class `name` at the top level, when the app has loaded it.
fn loaded_class(ruby: &Ruby, name: &str) -> Option<RClass> {
    let object = ruby.class_object();
    let defined: bool = object.funcall("const_defined?", (name, false)).unwrap_or(false);
    if !defined {
        return None;
    }
    object.const_get::<_, RClass>(name).ok()
}

impl Packer {
    /// Refuses to grow past the cap; `more` bytes are about to be written.
    fn room(&self, ruby: &Ruby, more: usize) -> Result<(), Error> {
        let at = self.w.len().saturating_add(more);
        if at > MAX_PAYLOAD {
            return Err(raise(
                ruby,
                &TOO_LARGE,
                format!("the encoded value is over the {MAX_PAYLOAD}-byte limit (it reached {at} bytes before packing stopped)"),
            ));
        }
        Ok(())
    }

    fn value(&mut self, ruby: &Ruby, value: Value, depth: usize) -> Result<(), Error> {
        // Scalars write at most 9 bytes (a header and 8); Strings check their length below.
        self.room(ruby, 9)?;
        if value.is_nil() {
            self.w.nil();
        } else if value.is_kind_of(ruby.class_true_class()) {
            self.w.bool(true);
        } else if value.is_kind_of(ruby.class_false_class()) {
            self.w.bool(false);
        } else if let Some(int) = Integer::from_value(value) {
            match int.to_i64() {
                Ok(n) => self.w.int(n),
                Err(_) => {
                    // Hexadecimal: CRuby converts a Bignum to and from it in linear time.
                    let hex: RString = int.funcall("to_s", (16,))?;
                    // SAFETY: copied before any Ruby code runs again.
                    let bytes = unsafe { hex.as_slice() };
                    self.room(ruby, bytes.len() + 6)?;
                    let mark = self.w.begin_ext(EXT_INTEGER);
                    self.w.raw(bytes);
                    self.w.end_ext(mark);
                }
            }
        } else if let Some(float) = Float::from_value(value) {
            self.w.float(float.to_f64());
        } else if let Some(sym) = Symbol::from_value(value) {
            let name: RString = sym.funcall("name", ())?;
            // SAFETY: copied before any Ruby code runs again.
            let bytes = unsafe { name.as_slice() };
            self.room(ruby, bytes.len() + 6)?;
            self.w.symbol(bytes);
        } else if let Some(s) = RString::from_value(value) {
            self.string(ruby, s)?;
        } else if let Some(array) = RArray::from_value(value) {
            self.container(ruby, depth)?;
            let len = array.len();
            self.w.array_header(u32::try_from(len).map_err(|_| raise(ruby, &UNSUPPORTED, "an Array is too long".into()))?);
            for i in 0..len {
                // Read each element afresh: Ruby code run for a Handle could not resize it, but
                // never trust a pointer across Ruby calls.
                let item: Value = array.entry(i as isize)?;
                self.value(ruby, item, depth + 1)?;
            }
        } else if let Some(hash) = RHash::from_value(value) {
            self.container(ruby, depth)?;
            self.w.map_header(u32::try_from(hash.len()).map_err(|_| raise(ruby, &UNSUPPORTED, "a Hash is too large".into()))?);
            // rb_hash_foreach: a Hash subclass's own #each never runs.
            hash.foreach(|k: Value, v: Value| {
                self.value(ruby, k, depth + 1)?;
                self.value(ruby, v, depth + 1)?;
                Ok(ForEach::Continue)
            })?;
        } else if self.leaf.is_none() && value.is_kind_of(ruby.get_inner(&HANDLE_REF)) {
            pack_handle(&mut self.w, value)?;
        } else if self.leaf.is_none() && value.is_kind_of(ruby.get_inner(&FAULT)) {
            let fields: Value = value.funcall("fields", ())?;
            let start = self.w.len();
            self.value(ruby, fields, depth + 1)?;
            self.w.wrap_ext(start, EXT_FAULT);
        } else {
            return self.other(ruby, value, depth, "");
        }
        Ok(())
    }

    /// A `Codec::WireValue`: a text payload as is (BigDecimal), or a nested value packed in
    /// place as the ext's payload, at the ext's own level of nesting.
    fn wire_value(&mut self, ruby: &Ruby, wire: Value, depth: usize) -> Result<(), Error> {
        let kind: i64 = wire.funcall("type", ())?;
        let payload: Value = wire.funcall("payload", ())?;
        let kind = match i8::try_from(kind) {
            Ok(k) if k == EXT_BIGDECIMAL || nested_ext(i64::from(k)) => k,
            _ => return Err(raise(ruby, &UNSUPPORTED, format!("{kind} is not a value ext type"))),
        };
        if kind == EXT_BIGDECIMAL {
            let Some(text) = RString::from_value(payload) else {
                return Err(raise(ruby, &UNSUPPORTED, "a BigDecimal payload must be a String".into()));
            };
            return self.big_decimal_text(ruby, text);
        }
        self.container(ruby, depth)?;
        self.room(ruby, 6)?;
        let mark = self.w.begin_ext(kind);
        self.value(ruby, payload, depth)?;
        self.w.end_ext(mark);
        Ok(())
    }

    /// A Time (exactly that class) as Codec::Wire.time writes one: [seconds, nanoseconds,
    /// offset or nil for UTC, zone abbreviation or nil, nil]. False, with nothing written,
    /// for a Time with digits below the nanosecond: the leaf refuses it, naming its place.
    fn time(&mut self, ruby: &Ruby, value: Value, depth: usize) -> Result<bool, Error> {
        let subsec: Value = value.funcall("subsec", ())?;
        if Integer::from_value(subsec).is_none() {
            let den: Integer = subsec.funcall("denominator", ())?;
            if den.to_i64().map_or(true, |d| d <= 0 || 1_000_000_000 % d != 0) {
                return Ok(false);
            }
        }
        let sec: Value = value.funcall("to_i", ())?;
        let nsec: i64 = value.funcall("nsec", ())?;
        let utc: bool = value.funcall("utc?", ())?;
        self.container(ruby, depth)?;
        self.room(ruby, 6 + 1 + 9)?;
        let mark = self.w.begin_ext(EXT_TIME);
        self.w.array_header(5);
        self.value(ruby, sec, depth + 1)?;
        self.w.int(nsec);
        if utc {
            self.w.nil();
            self.w.nil();
        } else {
            let offset: i64 = value.funcall("utc_offset", ())?;
            self.w.int(offset);
            let zone: Value = value.funcall("zone", ())?;
            match RString::from_value(zone) {
                Some(z) if z.len() <= 64 => self.string(ruby, z)?,
                _ => self.w.nil(),
            }
        }
        self.w.nil();
        self.w.end_ext(mark);
        Ok(true)
    }

    /// A BigDecimal as its decimal text (BigDecimal#to_s("E")), checked against the grammar
    /// the guest reads.
    fn big_decimal_text(&mut self, ruby: &Ruby, text: RString) -> Result<(), Error> {
        // SAFETY: copied before any Ruby code runs again.
        let bytes = unsafe { text.as_slice() };
        if kobako_guest::reader::decimal_text(bytes).is_err() {
            return Err(raise(ruby, &UNSUPPORTED, "a BigDecimal could not be written as decimal text".into()));
        }
        self.room(ruby, bytes.len() + 6)?;
        let mark = self.w.begin_ext(EXT_BIGDECIMAL);
        self.w.raw(bytes);
        self.w.end_ext(mark);
        Ok(())
    }

    /// A container at `depth` (0 for the value itself); no more than MAX_DEPTH nest.
    fn container(&self, ruby: &Ruby, depth: usize) -> Result<(), Error> {
        if depth >= MAX_DEPTH {
            return Err(raise(ruby, &TOO_DEEP, format!("value nests deeper than {MAX_DEPTH} levels (or contains a cycle)")));
        }
        Ok(())
    }

    /// An object that is not a plain value: a value type (`Codec::WireValue`) or a Handle
    /// from the leaf callable, or refused.
    fn other(&mut self, ruby: &Ruby, value: Value, depth: usize, why: &str) -> Result<(), Error> {
        // The commonest value type in a Rails app, written without a call into Ruby's leaf
        // (half of what one crossing costs): the exact class only, subclasses go the long way.
        if self.leaf.is_some() {
            if value.class().as_value().eql(ruby.class_time().as_value()).unwrap_or(false) && self.time(ruby, value, depth)? {
                return Ok(());
            }
            let big_decimal = *self.big_decimal.get_or_insert_with(|| loaded_class(ruby, "BigDecimal"));
            if let Some(class) = big_decimal {
                if value.class().as_value().eql(class.as_value()).unwrap_or(false) {
                    let text: RString = value.funcall("to_s", ("E",))?;
                    return self.big_decimal_text(ruby, text);
                }
            }
        }
        let Some(leaf) = self.leaf else {
            if !why.is_empty() {
                return Err(raise(ruby, &UNSUPPORTED, why.into()));
            }
            let class: Value = value.funcall("class", ()).unwrap_or_else(|_| ruby.qnil().as_value());
            return Err(raise(ruby, &UNSUPPORTED, format!("{class} is not a supported sandbox value type")));
        };
        let handle: Value = leaf.funcall("call", (value,))?;
        if handle.is_kind_of(ruby.get_inner(&WIRE_VALUE)) {
            return self.wire_value(ruby, handle, depth);
        }
        if !handle.is_kind_of(ruby.get_inner(&HANDLE_REF)) {
            return Err(raise(ruby, &UNSUPPORTED, "the leaf callable must return a Codec::HandleRef or WireValue".into()));
        }
        self.room(ruby, 64)?;
        pack_handle(&mut self.w, handle)?;
        self.room(ruby, 0)
    }

    /// Binary Strings go out as bin; UTF-8 and US-ASCII as str; any other encoding is
    /// converted to UTF-8 first.
    fn string(&mut self, ruby: &Ruby, s: RString) -> Result<(), Error> {
        let enc = s.enc_get();
        let s = if enc == ruby.ascii8bit_encindex() || enc == ruby.utf8_encindex() || enc == ruby.usascii_encindex() {
            s
        } else {
            s.funcall("encode", ("UTF-8",))
                .map_err(|e| raise(ruby, &UNSUPPORTED, format!("a String cannot be converted to UTF-8: {e}")))?
        };
        self.room(ruby, s.len() + 5)?;
        // SAFETY: copied before any Ruby code runs again.
        if enc == ruby.ascii8bit_encindex() {
            self.w.bin_bytes(unsafe { s.as_slice() });
        } else {
            self.w.str_bytes(unsafe { s.as_slice() });
        }
        Ok(())
    }
}

fn pack_handle(w: &mut Writer, handle: Value) -> Result<(), Error> {
    let id: u32 = handle.funcall("id", ())?;
    let kind: Option<u32> = handle.funcall("kind", ())?;
    let start = w.len();
    w.raw(&id.to_be_bytes());
    if let Some(kind) = kind {
        w.raw(&kind.to_be_bytes());
        let descriptor: Option<RString> = handle.funcall("descriptor", ())?;
        if let Some(descriptor) = descriptor {
            // SAFETY: copied before any Ruby code runs again.
            w.raw(unsafe { descriptor.as_slice() });
        }
    }
    w.wrap_ext(start, EXT_HANDLE);
    Ok(())
}

// ---- unpacking -------------------------------------------------------------------------

pub fn unpack(ruby: &Ruby, bytes: RString, ext: Value) -> Result<Value, Error> {
    unpack_checked(ruby, bytes, ext, kobako_guest::reader::check)
}

/// `Runtime.unpack_host_written`: reads back a payload the host wrote for the guest (a
/// recorded Service response), whose Handles are id + kind (+ descriptor); the ext
/// callable gets their raw bytes.
pub fn unpack_host_written(ruby: &Ruby, bytes: RString, ext: Value) -> Result<Value, Error> {
    unpack_checked(ruby, bytes, ext, kobako_guest::reader::check_host_written)
}

type Check = fn(&[u8], usize) -> Result<(), kobako_guest::reader::CheckError>;

/// Host memory one decoded value may take (contract X-2): a payload is at most 16 MiB, but
/// each byte of it can become an object of 40 (`[[]] * n`), so the cost is counted before
/// anything is built.
pub const MAX_DECODED: u64 = 32 << 20;

/// Bytes of host memory the objects `input` decodes to take, counted as CRuby lays them
/// out on 64-bit: 40 per heap object, 8 per Array slot, about 48 per Hash entry, the bytes
/// of Strings and Symbols; immediates (fixnums, flonums, nil, true, false) take nothing
/// beyond their slot. Handles are objects the host already holds. Faults are decoded (and
/// counted) on their own.
fn host_cost(input: &[u8]) -> u64 {
    const OBJECT: u64 = 40;
    let mut reader = Reader::new(input);
    let mut cost: u64 = 0;
    while reader.remaining() > 0 {
        let Ok(token) = reader.next() else { break };
        cost += match token.kind {
            Kind::Nil | Kind::True | Kind::False => 0,
            Kind::Int => {
                if (-(1i64 << 62)..(1i64 << 62)).contains(&token.int) {
                    0
                } else {
                    OBJECT
                }
            }
            Kind::Float => {
                if flonum(token.float) {
                    0
                } else {
                    OBJECT
                }
            }
            Kind::Str | Kind::Bin => OBJECT + u64::from(token.len),
            Kind::Array => OBJECT + 8 * u64::from(token.len),
            Kind::Map => OBJECT + 48 * u64::from(token.len),
            Kind::Ext => match token.int as i8 {
                // A Symbol made from the guest's name: the Symbol and its String.
                EXT_SYMBOL => 2 * OBJECT + u64::from(token.len),
                EXT_FAULT => {
                    // Its body is read again when the fault is decoded; skip it here.
                    0
                }
                _ => 0,
            },
        };
    }
    cost
}

/// Whether CRuby stores `f` as an immediate (a flonum) rather than a heap Float.
fn flonum(f: f64) -> bool {
    let bits = f.to_bits();
    let top = (bits >> 60) & 0x7;
    bits == 0 || (bits != 0x3000_0000_0000_0000 && (top == 3 || top == 4))
}

fn unpack_checked(ruby: &Ruby, bytes: RString, ext: Value, check: Check) -> Result<Value, Error> {
    // SAFETY: the bytes are copied first, so Ruby code run for an ext cannot change them.
    let input = unsafe { bytes.as_slice() }.to_vec();
    if input.len() > MAX_PAYLOAD {
        return Err(raise(
            ruby,
            &MALFORMED,
            format!("payload is {} bytes, over the {MAX_PAYLOAD}-byte limit", input.len()),
        ));
    }
    if let Err(problem) = check(&input, MAX_DEPTH) {
        return Err(raise(ruby, &MALFORMED, format!("malformed payload ({problem})")));
    }
    let cost = host_cost(&input);
    if cost > MAX_DECODED {
        let message = format!(
            "the value would take about {cost} bytes of host memory to rebuild, over the {MAX_DECODED}-byte limit for one value"
        );
        let kwargs = ruby.hash_new();
        kwargs.aset(ruby.to_symbol("limit"), MAX_DECODED)?;
        kwargs.aset(ruby.to_symbol("size"), cost)?;
        kwargs.aset(ruby.to_symbol("klass"), "Kobako::PayloadTooLargeError")?;
        return Err(
            match ruby.get_inner(&PAYLOAD_TOO_LARGE).new_instance((ruby.str_new(&message), magnus::KwArgs(kwargs))) {
                Ok(exception) => exception.into(),
                Err(interrupted) => interrupted,
            },
        );
    }
    let mut reader = Reader::new(&input);
    let (value, _) = unpack_value(ruby, &mut reader, ext)?;
    Ok(value)
}

/// Whether a decoded item is a Handle (an object of the host's), holds one inside it, or
/// neither.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HoldsHandle {
    No,
    Is,
    Inside,
}

impl HoldsHandle {
    /// What a container holding an item like this holds.
    fn within(self) -> Self {
        if self == Self::No {
            Self::No
        } else {
            Self::Inside
        }
    }

    fn any(self) -> bool {
        self != Self::No
    }
}

fn unpack_value(ruby: &Ruby, r: &mut Reader<'_>, ext: Value) -> Result<(Value, HoldsHandle), Error> {
    let malformed = |e: kobako_guest::reader::ReadError| raise(ruby, &MALFORMED, format!("malformed payload ({e})"));
    let token = r.next().map_err(malformed)?;
    Ok(match token.kind {
        Kind::Nil => (ruby.qnil().as_value(), HoldsHandle::No),
        Kind::True => (ruby.qtrue().as_value(), HoldsHandle::No),
        Kind::False => (ruby.qfalse().as_value(), HoldsHandle::No),
        Kind::Int => (ruby.integer_from_i64(token.int).as_value(), HoldsHandle::No),
        Kind::Float => (ruby.float_from_f64(token.float).as_value(), HoldsHandle::No),
        Kind::Str => (ruby.enc_str_new(token.data(), ruby.utf8_encoding()).as_value(), HoldsHandle::No),
        Kind::Bin => (ruby.str_from_slice(token.data()).as_value(), HoldsHandle::No),
        Kind::Array => {
            let array = ruby.ary_new_capa(token.len as usize);
            let mut holds = HoldsHandle::No;
            for _ in 0..token.len {
                let (item, item_holds) = unpack_value(ruby, r, ext)?;
                if item_holds.any() {
                    holds = HoldsHandle::Inside;
                }
                array.push(item)?;
            }
            (array.as_value(), holds)
        }
        Kind::Map => unpack_map(ruby, r, ext, token.len)?,
        Kind::Ext => match token.int as i8 {
            EXT_SYMBOL => (symbol(ruby, token.data())?, HoldsHandle::No),
            EXT_HANDLE => (ext.funcall("call", (EXT_HANDLE, ruby.str_from_slice(token.data())))?, HoldsHandle::Is),
            EXT_FAULT => (ext.funcall("call", (EXT_FAULT, ruby.str_from_slice(token.data())))?, HoldsHandle::No),
            // The reader checked the text: hexadecimal digits after an optional '-'.
            EXT_INTEGER => (ruby.str_from_slice(token.data()).funcall("to_i", (16,))?, HoldsHandle::No),
            EXT_BIGDECIMAL => {
                let text = ruby.str_from_slice(token.data());
                // Kernel#BigDecimal directly once the library is loaded (Wire.build requires it;
                // a library once loaded stays, so the check is made until it first succeeds).
                use std::sync::atomic::{AtomicBool, Ordering};
                static LOADED: AtomicBool = AtomicBool::new(false);
                if !LOADED.load(Ordering::Relaxed) && loaded_class(ruby, "BigDecimal").is_some() {
                    LOADED.store(true, Ordering::Relaxed);
                }
                let value = if LOADED.load(Ordering::Relaxed) {
                    ruby.module_kernel().funcall("BigDecimal", (text,))?
                } else {
                    ruby.get_inner(&WIRE).funcall("build", (EXT_BIGDECIMAL, text, false))?
                };
                (value, HoldsHandle::No)
            }
            kind if nested_ext(i64::from(kind)) => {
                let mut inner = Reader::new(token.data());
                let (parts, holds) = unpack_value(ruby, &mut inner, ext)?;
                let value: Value = ruby.get_inner(&WIRE).funcall("build", (kind, parts, holds.any()))?;
                (value, holds.within())
            }
            other => return Err(raise(ruby, &MALFORMED, format!("malformed payload (an unknown ext type {other})"))),
        },
    })
}

/// A Hash. Keys are hashed by Ruby, which calls a key's #hash and #eql?; for a Handle that
/// would run methods of a host object the host never declared (contract X-1). So a Hash
/// whose keys include a Handle compares its keys by identity (one Handle id is one host
/// object, as the guest compared them), which is sound only when every other key is
/// identical to any key equal to it: Symbols, Integers that are fixnums, nil, true and
/// false. Any other mix, or a Handle inside a key, is refused. The Hash is built as usual
/// until a Handle key arrives; the keys already in it are then all of those kinds, and
/// `compare_by_identity` rehashes them by identity.
fn unpack_map(ruby: &Ruby, r: &mut Reader<'_>, ext: Value, len: u32) -> Result<(Value, HoldsHandle), Error> {
    let hash = ruby.hash_new();
    let mut by_identity = false;
    let mut identity_safe = true;
    let mut holds = HoldsHandle::No;
    for _ in 0..len {
        let (key, key_holds) = unpack_value(ruby, r, ext)?;
        let (value, value_holds) = unpack_value(ruby, r, ext)?;
        if key_holds.any() {
            // A Handle directly as the key is fine; one inside a key (an Array, a Set, a
            // Struct) is not.
            if !identity_safe || key_holds == HoldsHandle::Inside {
                return Err(refused_key(ruby));
            }
            if !by_identity {
                let _: Value = hash.funcall("compare_by_identity", ())?;
                by_identity = true;
            }
        } else if !identity_key(ruby, key) {
            if by_identity {
                return Err(refused_key(ruby));
            }
            identity_safe = false;
        }
        if key_holds.any() || value_holds.any() {
            holds = HoldsHandle::Inside;
        }
        hash.aset(key, value)
            .map_err(|_| raise(ruby, &MALFORMED, "a Hash key could not be hashed on the host".into()))?;
    }
    Ok((hash.as_value(), holds))
}

/// Keys that compare the same by identity as by #eql?.
fn identity_key(ruby: &Ruby, key: Value) -> bool {
    key.is_nil()
        || key.is_kind_of(ruby.class_true_class())
        || key.is_kind_of(ruby.class_false_class())
        || Symbol::from_value(key).is_some()
        || magnus::Fixnum::from_value(key).is_some()
}

fn refused_key(ruby: &Ruby) -> Error {
    raise(
        ruby,
        &KEY_REFUSED,
        "a Hash with a Handle as a key can cross to the host only when its other keys are Handles, Symbols, \
         Integers, nil, true or false, and no key holds a Handle inside it (the host would have to run the \
         object's own #hash)"
            .into(),
    )
}

/// A Symbol named by UTF-8 bytes (or, when they are not UTF-8, by those bytes as binary).
fn symbol(ruby: &Ruby, name: &[u8]) -> Result<Value, Error> {
    match std::str::from_utf8(name) {
        Ok(name) => Ok(ruby.to_symbol(name).as_value()),
        Err(_) => ruby.str_from_slice(name).funcall("to_sym", ()),
    }
}

#[cfg(test)]
mod tests {
    use super::{flonum, host_cost};
    use kobako_guest::msgpack::{nested_ext, Writer, EXT_BIGDECIMAL, EXT_INTEGER, EXT_TIME};

    fn bytes(f: impl FnOnce(&mut Writer)) -> Vec<u8> {
        let mut w = Writer::new();
        f(&mut w);
        w.bytes().to_vec()
    }

    #[test]
    fn immediates_cost_nothing() {
        assert_eq!(host_cost(&bytes(|w| w.nil())), 0);
        assert_eq!(host_cost(&bytes(|w| w.int(1 << 40))), 0);
        assert_eq!(host_cost(&bytes(|w| w.float(1.5))), 0);
    }

    #[test]
    fn heap_objects_cost_what_cruby_allocates() {
        // An Array of three empty Arrays: the outer object and slots, three objects.
        let nested = bytes(|w| {
            w.array_header(3);
            for _ in 0..3 {
                w.array_header(0);
            }
        });
        assert_eq!(host_cost(&nested), 40 + 3 * 8 + 3 * 40);
        assert_eq!(host_cost(&bytes(|w| w.string(b"abcdef"))), 40 + 6);
        assert_eq!(host_cost(&bytes(|w| w.int(i64::MAX))), 40); // a Bignum on the host
        assert_eq!(host_cost(&bytes(|w| w.float(1e300))), 40); // not a flonum
        let map = bytes(|w| {
            w.map_header(2);
            for _ in 0..4 {
                w.nil();
            }
        });
        assert_eq!(host_cost(&map), 40 + 2 * 48);
    }

    #[test]
    fn a_small_payload_can_cost_much_more_than_its_size() {
        let many = bytes(|w| {
            w.array_header(1_000_000);
            for _ in 0..1_000_000 {
                w.array_header(0);
            }
        });
        assert!(many.len() < 1_100_000);
        assert_eq!(host_cost(&many), 40 + 8 * 1_000_000 + 40 * 1_000_000);
    }

    #[test]
    fn flonums_follow_cruby() {
        for f in [0.0, 1.0, -1.0, 0.1, 1e10, -2.5e-10, f64::MAX / 1e300] {
            assert!(flonum(f), "{f} is a flonum");
        }
        for f in [1e300, -1e-300, f64::INFINITY, f64::NAN, -0.0] {
            assert!(!flonum(f), "{f} is a heap Float");
        }
    }
}
