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

use kobako_guest::msgpack::Writer;
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
static FAULT: Lazy<RClass> = Lazy::new(|ruby| codec_const(ruby, "Fault"));
static MALFORMED: Lazy<ExceptionClass> = Lazy::new(|ruby| codec_const(ruby, "MalformedPayload"));
static UNSUPPORTED: Lazy<ExceptionClass> = Lazy::new(|ruby| codec_const(ruby, "UnsupportedValue"));

/// Resolves the Codec's classes at `Init_kobako` (see ruby_errors.rs for why not later).
pub fn force(ruby: &Ruby) {
    Lazy::force(&HANDLE_REF, ruby);
    Lazy::force(&FAULT, ruby);
    Lazy::force(&MALFORMED, ruby);
    Lazy::force(&UNSUPPORTED, ruby);
}

fn raise(ruby: &Ruby, class: &Lazy<ExceptionClass>, message: String) -> Error {
    match ruby.get_inner(class).new_instance((ruby.str_new(&message),)) {
        Ok(exception) => exception.into(),
        Err(interrupted) => interrupted,
    }
}

// ---- packing ---------------------------------------------------------------------------

pub fn pack(ruby: &Ruby, value: Value) -> Result<RString, Error> {
    let mut w = Writer::new();
    pack_value(ruby, &mut w, value, 0)?;
    let bytes = w.bytes();
    if bytes.len() > MAX_PAYLOAD {
        return Err(raise(
            ruby,
            &UNSUPPORTED,
            format!("encoded value is {} bytes, over the {MAX_PAYLOAD}-byte limit", bytes.len()),
        ));
    }
    Ok(ruby.str_from_slice(bytes))
}

fn pack_value(ruby: &Ruby, w: &mut Writer, value: Value, depth: usize) -> Result<(), Error> {
    if depth > MAX_DEPTH + 1 {
        return Err(raise(ruby, &UNSUPPORTED, format!("value nests deeper than {MAX_DEPTH} levels")));
    }
    if value.is_nil() {
        w.nil();
    } else if value.is_kind_of(ruby.class_true_class()) {
        w.bool(true);
    } else if value.is_kind_of(ruby.class_false_class()) {
        w.bool(false);
    } else if let Some(int) = Integer::from_value(value) {
        let n = int
            .to_i64()
            .map_err(|_| raise(ruby, &UNSUPPORTED, "an integer is out of the 64-bit range".into()))?;
        w.int(n);
    } else if let Some(float) = Float::from_value(value) {
        w.float(float.to_f64());
    } else if let Some(sym) = Symbol::from_value(value) {
        let name: RString = sym.funcall("name", ())?;
        // SAFETY: copied before any Ruby code runs again.
        w.symbol(unsafe { name.as_slice() });
    } else if let Some(s) = RString::from_value(value) {
        pack_string(ruby, w, s)?;
    } else if let Some(array) = RArray::from_value(value) {
        let len = array.len();
        w.array_header(u32::try_from(len).map_err(|_| raise(ruby, &UNSUPPORTED, "an Array is too long".into()))?);
        for i in 0..len {
            // Read each element afresh: Ruby code run for a Handle could not resize it, but
            // never trust a pointer across Ruby calls.
            let item: Value = array.entry(i as isize)?;
            pack_value(ruby, w, item, depth + 1)?;
        }
    } else if let Some(hash) = RHash::from_value(value) {
        w.map_header(u32::try_from(hash.len()).map_err(|_| raise(ruby, &UNSUPPORTED, "a Hash is too large".into()))?);
        // rb_hash_foreach: a Hash subclass's own #each never runs.
        hash.foreach(|k: Value, v: Value| {
            pack_value(ruby, w, k, depth + 1)?;
            pack_value(ruby, w, v, depth + 1)?;
            Ok(ForEach::Continue)
        })?;
    } else if value.is_kind_of(ruby.get_inner(&HANDLE_REF)) {
        pack_handle(w, value)?;
    } else if value.is_kind_of(ruby.get_inner(&FAULT)) {
        let fields: Value = value.funcall("fields", ())?;
        let start = w.len();
        pack_value(ruby, w, fields, depth + 1)?;
        w.wrap_ext(start, EXT_FAULT);
    } else {
        let class: Value = value.funcall("class", ()).unwrap_or_else(|_| ruby.qnil().as_value());
        return Err(raise(ruby, &UNSUPPORTED, format!("{class} is not a supported sandbox value type")));
    }
    Ok(())
}

/// Binary Strings go out as bin; UTF-8 and US-ASCII as str; any other encoding is
/// converted to UTF-8 first.
fn pack_string(ruby: &Ruby, w: &mut Writer, s: RString) -> Result<(), Error> {
    let enc = s.enc_get();
    if enc == ruby.ascii8bit_encindex() {
        // SAFETY: copied before any Ruby code runs again.
        w.bin_bytes(unsafe { s.as_slice() });
    } else if enc == ruby.utf8_encindex() || enc == ruby.usascii_encindex() {
        w.str_bytes(unsafe { s.as_slice() });
    } else {
        let utf8: RString = s.funcall("encode", ("UTF-8",)).map_err(|e| {
            raise(ruby, &UNSUPPORTED, format!("a String cannot be converted to UTF-8: {e}"))
        })?;
        w.str_bytes(unsafe { utf8.as_slice() });
    }
    Ok(())
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
    let mut reader = Reader::new(&input);
    let value = unpack_value(ruby, &mut reader, ext)?;
    Ok(value)
}

fn unpack_value(ruby: &Ruby, r: &mut Reader<'_>, ext: Value) -> Result<Value, Error> {
    let malformed = |e: kobako_guest::reader::ReadError| raise(ruby, &MALFORMED, format!("malformed payload ({e})"));
    let token = r.next().map_err(malformed)?;
    Ok(match token.kind {
        Kind::Nil => ruby.qnil().as_value(),
        Kind::True => ruby.qtrue().as_value(),
        Kind::False => ruby.qfalse().as_value(),
        Kind::Int => ruby.integer_from_i64(token.int).as_value(),
        Kind::Float => ruby.float_from_f64(token.float).as_value(),
        Kind::Str => ruby.enc_str_new(token.data(), ruby.utf8_encoding()).as_value(),
        Kind::Bin => ruby.str_from_slice(token.data()).as_value(),
        Kind::Array => {
            let array = ruby.ary_new_capa(token.len as usize);
            for _ in 0..token.len {
                array.push(unpack_value(ruby, r, ext)?)?;
            }
            array.as_value()
        }
        Kind::Map => {
            let hash = ruby.hash_new();
            for _ in 0..token.len {
                let key = unpack_value(ruby, r, ext)?;
                let value = unpack_value(ruby, r, ext)?;
                // Building the Hash calls the key's #hash: a Handle to an object without a
                // working one (a BasicObject) cannot be a key on the host.
                hash.aset(key, value).map_err(|_| {
                    raise(
                        ruby,
                        &MALFORMED,
                        "a Hash key could not be hashed on the host (a Handle to an object without a working #hash)".into(),
                    )
                })?;
            }
            hash.as_value()
        }
        Kind::Ext => match token.int as i8 {
            EXT_SYMBOL => symbol(ruby, token.data())?,
            kind @ (EXT_HANDLE | EXT_FAULT) => ext.funcall("call", (kind, ruby.str_from_slice(token.data())))?,
            other => return Err(raise(ruby, &MALFORMED, format!("malformed payload (an unknown ext type {other})"))),
        },
    })
}

/// A Symbol named by UTF-8 bytes (or, when they are not UTF-8, by those bytes as binary).
fn symbol(ruby: &Ruby, name: &[u8]) -> Result<Value, Error> {
    match std::str::from_utf8(name) {
        Ok(name) => Ok(ruby.to_symbol(name).as_value()),
        Err(_) => ruby.str_from_slice(name).funcall("to_sym", ()),
    }
}
