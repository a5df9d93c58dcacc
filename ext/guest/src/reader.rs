//! A bounds-checked MessagePack pull reader for bytes the host sends the guest (service
//! responses, block calls, the preamble). The C half pulls one token at a time and builds
//! mruby values from them; every malformed input becomes an error, never a bad read.

use std::fmt;

/// What kind of item a token is. Mirrors `KOBAKO_TOKEN_*` in kobako_guest.h.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Nil = 0,
    False = 1,
    True = 2,
    Int = 3,
    Float = 4,
    Str = 5,
    Bin = 6,
    Array = 7,
    Map = 8,
    Ext = 9,
}

/// One item. `len` is the element count of an Array or Map and the byte length of
/// Str/Bin/Ext data; `ptr` points at those bytes inside the reader's input; `int` holds an
/// Int's value or an Ext's type.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub kind: Kind,
    pub len: u32,
    pub int: i64,
    pub float: f64,
    pub ptr: *const u8,
}

impl Token {
    fn new(kind: Kind) -> Self {
        Self { kind, len: 0, int: 0, float: 0.0, ptr: std::ptr::null() }
    }

    /// The Str/Bin/Ext bytes. Valid while the reader's input is.
    pub fn data(&self) -> &[u8] {
        if self.len == 0 {
            &[]
        } else {
            // SAFETY: `ptr`/`len` were cut from the reader's input, which outlives the token.
            unsafe { std::slice::from_raw_parts(self.ptr, self.len as usize) }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Truncated,
    UnsupportedFormat(u8),
    IntegerOutOfRange,
    TooManyItems(u64),
}

impl ReadError {
    /// A fixed message for the C half, which cannot own a Rust String.
    pub fn message(&self) -> &'static std::ffi::CStr {
        match self {
            Self::Truncated => c"the payload is truncated",
            Self::UnsupportedFormat(_) => c"the payload has an unsupported MessagePack format byte",
            Self::IntegerOutOfRange => c"an integer is outside the 64-bit signed range",
            Self::TooManyItems(_) => c"a container claims more items than the payload can hold",
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => write!(f, "the payload is truncated"),
            Self::UnsupportedFormat(b) => write!(f, "unsupported MessagePack format byte 0x{b:02x}"),
            Self::IntegerOutOfRange => write!(f, "an integer is outside the 64-bit signed range"),
            Self::TooManyItems(n) => write!(f, "a container claims {n} items, more than the payload can hold"),
        }
    }
}

pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// A reader resuming at `pos` (clamped to the end of `buf`).
    pub fn at(buf: &'a [u8], pos: usize) -> Self {
        Self { buf, pos: pos.min(buf.len()) }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ReadError> {
        if self.remaining() < n {
            return Err(ReadError::Truncated);
        }
        let bytes = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    fn be(&mut self, n: usize) -> Result<u64, ReadError> {
        Ok(self.take(n)?.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn bytes(&mut self, kind: Kind, len: u64) -> Result<Token, ReadError> {
        let len = usize::try_from(len).map_err(|_| ReadError::Truncated)?;
        let data = self.take(len)?;
        Ok(Token { len: len as u32, ptr: data.as_ptr(), ..Token::new(kind) })
    }

    /// A container header: every element takes at least one byte, so a count larger than
    /// what is left is malformed (this stops a 4-billion-element claim before allocation).
    fn container(&self, kind: Kind, count: u64) -> Result<Token, ReadError> {
        let min_bytes = if kind == Kind::Map { count.saturating_mul(2) } else { count };
        if min_bytes > self.remaining() as u64 {
            return Err(ReadError::TooManyItems(count));
        }
        Ok(Token { len: count as u32, ..Token::new(kind) })
    }

    fn ext(&mut self, len: u64) -> Result<Token, ReadError> {
        let kind = self.take(1)?[0] as i8;
        let mut token = self.bytes(Kind::Ext, len)?;
        token.int = i64::from(kind);
        Ok(token)
    }

    fn int(value: i64) -> Token {
        Token { int: value, ..Token::new(Kind::Int) }
    }

    fn float(value: f64) -> Token {
        Token { float: value, ..Token::new(Kind::Float) }
    }

    /// The next item's token; containers' elements follow as further tokens.
    pub fn next(&mut self) -> Result<Token, ReadError> {
        let b = self.take(1)?[0];
        Ok(match b {
            0x00..=0x7f => Self::int(i64::from(b)),
            0x80..=0x8f => self.container(Kind::Map, u64::from(b & 0x0f))?,
            0x90..=0x9f => self.container(Kind::Array, u64::from(b & 0x0f))?,
            0xa0..=0xbf => self.bytes(Kind::Str, u64::from(b & 0x1f))?,
            0xc0 => Token::new(Kind::Nil),
            0xc2 => Token::new(Kind::False),
            0xc3 => Token::new(Kind::True),
            0xc4 => { let n = self.be(1)?; self.bytes(Kind::Bin, n)? }
            0xc5 => { let n = self.be(2)?; self.bytes(Kind::Bin, n)? }
            0xc6 => { let n = self.be(4)?; self.bytes(Kind::Bin, n)? }
            0xc7 => { let n = self.be(1)?; self.ext(n)? }
            0xc8 => { let n = self.be(2)?; self.ext(n)? }
            0xc9 => { let n = self.be(4)?; self.ext(n)? }
            0xca => Self::float(f64::from(f32::from_bits(self.be(4)? as u32))),
            0xcb => Self::float(f64::from_bits(self.be(8)?)),
            0xcc => Self::int(self.be(1)? as i64),
            0xcd => Self::int(self.be(2)? as i64),
            0xce => Self::int(self.be(4)? as i64),
            0xcf => Self::int(i64::try_from(self.be(8)?).map_err(|_| ReadError::IntegerOutOfRange)?),
            0xd0 => Self::int(i64::from(self.be(1)? as u8 as i8)),
            0xd1 => Self::int(i64::from(self.be(2)? as u16 as i16)),
            0xd2 => Self::int(i64::from(self.be(4)? as u32 as i32)),
            0xd3 => Self::int(self.be(8)? as i64),
            0xd4 => self.ext(1)?,
            0xd5 => self.ext(2)?,
            0xd6 => self.ext(4)?,
            0xd7 => self.ext(8)?,
            0xd8 => self.ext(16)?,
            0xd9 => { let n = self.be(1)?; self.bytes(Kind::Str, n)? }
            0xda => { let n = self.be(2)?; self.bytes(Kind::Str, n)? }
            0xdb => { let n = self.be(4)?; self.bytes(Kind::Str, n)? }
            0xdc => { let n = self.be(2)?; self.container(Kind::Array, n)? }
            0xdd => { let n = self.be(4)?; self.container(Kind::Array, n)? }
            0xde => { let n = self.be(2)?; self.container(Kind::Map, n)? }
            0xdf => { let n = self.be(4)?; self.container(Kind::Map, n)? }
            0xe0..=0xff => Self::int(i64::from(b as i8)),
            other => return Err(ReadError::UnsupportedFormat(other)),
        })
    }
}

/// Why `check` rejected a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    Read(ReadError),
    TooDeep(usize),
    TrailingBytes,
    UnknownExt(i64),
    BadHandle,
    /// A value ext (Integer, BigDecimal) whose text is not in its grammar.
    BadText(&'static str),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(e) => e.fmt(f),
            Self::TooDeep(max) => write!(f, "a value nests deeper than {max} levels"),
            Self::TrailingBytes => write!(f, "trailing bytes after the value"),
            Self::UnknownExt(t) => write!(f, "an unknown MessagePack ext type {t}"),
            Self::BadHandle => write!(f, "a Handle ext must carry 4 bytes"),
            Self::BadText(what) => write!(f, "{what}"),
        }
    }
}

impl From<ReadError> for CheckError {
    fn from(e: ReadError) -> Self {
        Self::Read(e)
    }
}

/// Ext types a payload may hold: Symbol, Handle (a 4-byte id), Fault (itself a
/// MessagePack value, checked the same way) and the value types of msgpack.rs.
const EXT_SYMBOL: i64 = 0;
const EXT_HANDLE: i64 = 1;
const EXT_FAULT: i64 = 2;
const EXT_INTEGER: i64 = crate::msgpack::EXT_INTEGER as i64;
const EXT_BIGDECIMAL: i64 = crate::msgpack::EXT_BIGDECIMAL as i64;

/// Checks that `buf` is exactly one well-formed value, nested at most `max_depth`
/// containers deep, whose every declared length fits in the bytes that follow. A decoder
/// that runs after this never allocates for a length the payload cannot back.
pub fn check(buf: &[u8], max_depth: usize) -> Result<(), CheckError> {
    check_as(buf, max_depth, Handles::FromGuest)
}

/// Like `check`, for a payload the host wrote for the guest, whose Handles carry their id,
/// their kind and maybe the kind's descriptor (the host reads these back from a record of
/// its own responses).
pub fn check_host_written(buf: &[u8], max_depth: usize) -> Result<(), CheckError> {
    check_as(buf, max_depth, Handles::FromHost)
}

/// How a Handle ext is spelled: 4 bytes (id) from the guest; at least 8 (id, kind, then
/// an optional descriptor) from the host.
#[derive(Clone, Copy)]
enum Handles {
    FromGuest,
    FromHost,
}

fn check_as(buf: &[u8], max_depth: usize, handles: Handles) -> Result<(), CheckError> {
    let mut reader = Reader::new(buf);
    check_one(&mut reader, max_depth, handles)?;
    if reader.remaining() != 0 {
        return Err(CheckError::TrailingBytes);
    }
    Ok(())
}

fn check_one(reader: &mut Reader<'_>, max_depth: usize, handles: Handles) -> Result<(), CheckError> {
    // Items still to read in each open container, innermost last.
    let mut open: Vec<u64> = Vec::new();
    let mut pending: u64 = 1;
    loop {
        while pending == 0 {
            match open.pop() {
                Some(outer) => pending = outer,
                None => return Ok(()),
            }
        }
        pending -= 1;
        let token = reader.next()?;
        let items = match token.kind {
            Kind::Array => u64::from(token.len),
            Kind::Map => u64::from(token.len) * 2,
            Kind::Ext => {
                // A nested value is one level, as the container it is read as.
                check_ext(&token, max_depth, max_depth.saturating_sub(open.len()), handles)?;
                continue;
            }
            _ => continue,
        };
        if open.len() >= max_depth {
            return Err(CheckError::TooDeep(max_depth));
        }
        open.push(pending);
        pending = items;
    }
}

fn check_ext(token: &Token, max_depth: usize, room: usize, handles: Handles) -> Result<(), CheckError> {
    match (token.int, handles) {
        (EXT_SYMBOL, _) => Ok(()),
        (EXT_HANDLE, Handles::FromGuest) if token.len == 4 => Ok(()),
        (EXT_HANDLE, Handles::FromHost) if token.len >= 8 => Ok(()),
        (EXT_HANDLE, _) => Err(CheckError::BadHandle),
        (EXT_FAULT, _) => check_as(token.data(), max_depth, handles),
        (EXT_INTEGER, _) => integer_text(token.data()),
        (EXT_BIGDECIMAL, _) => decimal_text(token.data()),
        (kind, _) if crate::msgpack::nested_ext(kind) => {
            if room == 0 {
                return Err(CheckError::TooDeep(max_depth));
            }
            let mut inner = Reader::new(token.data());
            // The nested value may not be a fault, and nests within what is left.
            check_one(&mut inner, room, handles)?;
            if inner.remaining() != 0 {
                return Err(CheckError::TrailingBytes);
            }
            Ok(())
        }
        (other, _) => Err(CheckError::UnknownExt(other)),
    }
}

/// Digits of `text` from `at` while they are decimal; returns where they stop.
fn digits_from(text: &[u8], at: usize) -> usize {
    at + text[at.min(text.len())..].iter().take_while(|b| b.is_ascii_digit()).count()
}

/// `-?[0-9a-f]+`, at most 16 MiB of it (the payload cap bounds it anyway).
pub fn integer_text(text: &[u8]) -> Result<(), CheckError> {
    let body = text.strip_prefix(b"-").unwrap_or(text);
    if body.is_empty() || !body.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
        return Err(CheckError::BadText("an Integer ext must be hexadecimal digits after an optional '-'"));
    }
    Ok(())
}

/// `NaN`, `[+-]Infinity`, or `[+-]D+[.D+][(e|E)[+-]D+]` with an exponent of at most 18
/// digits.
pub fn decimal_text(text: &[u8]) -> Result<(), CheckError> {
    const BAD: CheckError =
        CheckError::BadText("a BigDecimal ext must be NaN, Infinity or decimal digits with an optional exponent");
    let body = match text.first() {
        Some(b'+' | b'-') => &text[1..],
        _ => text,
    };
    if text == b"NaN" || body == b"Infinity" {
        return Ok(());
    }
    let mut at = digits_from(body, 0);
    if at == 0 {
        return Err(BAD);
    }
    if body.get(at) == Some(&b'.') {
        let end = digits_from(body, at + 1);
        if end == at + 1 {
            return Err(BAD);
        }
        at = end;
    }
    if matches!(body.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(body.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let end = digits_from(body, at);
        if end == at || end - at > 18 {
            return Err(BAD);
        }
        at = end;
    }
    if at != body.len() {
        return Err(BAD);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgpack::Writer;

    fn tokens(bytes: &[u8]) -> Result<Vec<Token>, ReadError> {
        let mut r = Reader::new(bytes);
        let mut out = Vec::new();
        while r.remaining() > 0 {
            out.push(r.next()?);
        }
        Ok(out)
    }

    #[test]
    fn reads_back_what_the_writer_wrote() {
        let mut w = Writer::new();
        w.array_header(7);
        w.nil();
        w.bool(true);
        w.int(-300);
        w.int(i64::MAX);
        w.float(1.5);
        w.string("héllo".as_bytes());
        w.symbol(b"sym");
        let t = tokens(w.bytes()).unwrap();
        assert_eq!(t[0].kind, Kind::Array);
        assert_eq!(t[0].len, 7);
        assert_eq!(t[1].kind, Kind::Nil);
        assert_eq!(t[2].kind, Kind::True);
        assert_eq!((t[3].kind, t[3].int), (Kind::Int, -300));
        assert_eq!(t[4].int, i64::MAX);
        assert_eq!(t[5].float, 1.5);
        assert_eq!((t[6].kind, t[6].data()), (Kind::Str, "héllo".as_bytes()));
        assert_eq!((t[7].kind, t[7].int, t[7].data()), (Kind::Ext, 0, &b"sym"[..]));
    }

    #[test]
    fn handles_carry_a_four_byte_id() {
        let mut w = Writer::new();
        w.handle(0x0102_0304);
        let t = tokens(w.bytes()).unwrap();
        assert_eq!((t[0].kind, t[0].int), (Kind::Ext, i64::from(crate::msgpack::EXT_HANDLE)));
        assert_eq!(t[0].data(), [1, 2, 3, 4]);
    }

    #[test]
    fn every_integer_form_decodes() {
        assert_eq!(tokens(&[0xcc, 0xff]).unwrap()[0].int, 255);
        assert_eq!(tokens(&[0xcd, 0xff, 0xff]).unwrap()[0].int, 65535);
        assert_eq!(tokens(&[0xce, 0xff, 0xff, 0xff, 0xff]).unwrap()[0].int, 4_294_967_295);
        assert_eq!(tokens(&[0xd0, 0x80]).unwrap()[0].int, -128);
        assert_eq!(tokens(&[0xd1, 0x80, 0x00]).unwrap()[0].int, -32768);
        assert_eq!(tokens(&[0xe0]).unwrap()[0].int, -32);
        assert_eq!(tokens(&[0xca, 0x3f, 0xc0, 0, 0]).unwrap()[0].float, 1.5);
    }

    #[test]
    fn uint64_beyond_int64_is_refused() {
        let bytes = [0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(tokens(&bytes).unwrap_err(), ReadError::IntegerOutOfRange);
    }

    #[test]
    fn truncation_anywhere_is_an_error() {
        let mut w = Writer::new();
        w.array_header(2);
        w.string(b"a longer string than fixstr allows, over thirty-one bytes");
        w.float(2.0);
        let bytes = w.bytes();
        for cut in 1..bytes.len() {
            let mut r = Reader::new(&bytes[..cut]);
            let mut failed = false;
            for _ in 0..3 {
                if r.next().is_err() {
                    failed = true;
                    break;
                }
            }
            assert!(failed, "cut at {cut} should fail");
        }
    }

    #[test]
    fn container_counts_are_checked_against_the_remaining_bytes() {
        assert_eq!(tokens(&[0xdd, 0xff, 0xff, 0xff, 0xff]).unwrap_err(), ReadError::TooManyItems(u32::MAX as u64));
        assert_eq!(tokens(&[0x81, 0x01]).unwrap_err(), ReadError::TooManyItems(1));
        assert_eq!(tokens(&[0xc6, 0xff, 0xff, 0xff, 0xff]).unwrap_err(), ReadError::Truncated);
    }

    #[test]
    fn check_accepts_one_well_formed_value() {
        let mut w = Writer::new();
        w.array_header(3);
        w.map_header(1);
        w.string(b"k");
        w.symbol(b"v");
        w.handle(7);
        w.array_header(0);
        assert_eq!(check(w.bytes(), 128), Ok(()));
    }

    #[test]
    fn check_refuses_lengths_the_payload_cannot_back() {
        assert_eq!(check(&[0xdd, 0xff, 0xff, 0xff, 0xff], 128), Err(CheckError::Read(ReadError::TooManyItems(u32::MAX as u64))));
        assert_eq!(check(&[0xdf, 0x7f, 0xff, 0xff, 0xff, 0xc0], 128), Err(CheckError::Read(ReadError::TooManyItems(0x7fff_ffff))));
        assert_eq!(check(&[0xdb, 0xff, 0xff, 0xff, 0xff, 0x41], 128), Err(CheckError::Read(ReadError::Truncated)));
        assert_eq!(check(&[0x92, 0x01, 0xcd], 128), Err(CheckError::Read(ReadError::Truncated)));
    }

    #[test]
    fn check_refuses_depth_trailing_bytes_and_unknown_exts() {
        let deep = [0x91u8; 130].iter().copied().chain([0xc0]).collect::<Vec<_>>();
        assert_eq!(check(&deep, 128), Err(CheckError::TooDeep(128)));
        assert_eq!(check(&deep[2..], 128), Ok(()));
        assert_eq!(check(&[0xc0, 0xc0], 128), Err(CheckError::TrailingBytes));
        assert_eq!(check(&[0xd4, 0x0c, 0x00], 128), Err(CheckError::UnknownExt(12)));
        assert_eq!(check(&[0xd5, 0x01, 0x00, 0x00], 128), Err(CheckError::BadHandle));
        // A fault carries a value of its own, checked the same way.
        assert_eq!(check(&[0xd4, 0x02, 0xc1], 128), Err(CheckError::Read(ReadError::UnsupportedFormat(0xc1))));
        assert_eq!(check(&[0xd4, 0x02, 0xc0], 128), Ok(()));
    }

    #[test]
    fn value_ext_texts_follow_their_grammar() {
        for good in [&b"1f"[..], b"-ffffffffffffffffff", b"0"] {
            assert_eq!(integer_text(good), Ok(()), "{good:?}");
        }
        for bad in [&b""[..], b"-", b"1F", b"+1", b"12 ", b"0x1"] {
            assert!(integer_text(bad).is_err(), "{bad:?}");
        }
        for good in [&b"NaN"[..], b"Infinity", b"-Infinity", b"+Infinity", b"0.0", b"-0.0", b"0.12e3", b"-12345e-2", b"7", b"1E+999999999999999999"] {
            assert_eq!(decimal_text(good), Ok(()), "{good:?}");
        }
        for bad in [&b""[..], b"-", b".5", b"1.", b"1e", b"1e+", b"-NaN", b"nan", b"1e1234567890123456789", b"1_000", b"0x1", b"1.2.3", b"1e5 "] {
            assert!(decimal_text(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn nested_value_exts_are_checked_and_count_as_a_level() {
        let mut w = Writer::new();
        let mark = w.begin_ext(crate::msgpack::EXT_RANGE);
        w.array_header(3);
        w.int(1);
        w.int(2);
        w.bool(false);
        w.end_ext(mark);
        assert_eq!(check(w.bytes(), 128), Ok(()));
        assert_eq!(check(w.bytes(), 1), Ok(()));
        assert_eq!(check(w.bytes(), 0), Err(CheckError::TooDeep(0)));
        // [range] nests as deep as [[1, 2, false]].
        let mut outer = Writer::new();
        outer.array_header(1);
        outer.raw(w.bytes());
        assert_eq!(check(outer.bytes(), 1), Err(CheckError::TooDeep(1)));
        assert_eq!(check(outer.bytes(), 2), Ok(()));
        // Trailing bytes inside, a fault inside, a truncated inside are refused.
        let mut bad = Writer::new();
        let mark = bad.begin_ext(crate::msgpack::EXT_SET);
        bad.nil();
        bad.nil();
        bad.end_ext(mark);
        assert_eq!(check(bad.bytes(), 128), Err(CheckError::TrailingBytes));
        let mut bad = Writer::new();
        let mark = bad.begin_ext(crate::msgpack::EXT_DATE);
        bad.raw(&[0x92, 0x01]);
        bad.end_ext(mark);
        assert_eq!(check(bad.bytes(), 128), Err(CheckError::Read(ReadError::TooManyItems(2))));
    }

    #[test]
    fn reserved_format_byte_is_refused() {
        assert_eq!(tokens(&[0xc1]).unwrap_err(), ReadError::UnsupportedFormat(0xc1));
    }
}
