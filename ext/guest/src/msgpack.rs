//! The MessagePack writer and pull reader of the guest (contract W-3).
//! Pure Rust, so `cargo test` exercises it on the host.

/// Ext type carrying a Symbol's name as UTF-8 bytes.
pub const EXT_SYMBOL: i8 = 0;
/// Ext type carrying a Handle id as a big-endian u32 (contract H-1).
pub const EXT_HANDLE: i8 = 1;
/// Ext type carrying a failed call: a msgpack map describing the fault.
pub const EXT_FAULT: i8 = 2;

// Value types beyond JSON's (docs/values.md). Text payloads are ASCII; the others carry
// one nested MessagePack value, counted as one level of nesting.
/// An Integer outside 64 bits: `-?[0-9a-f]+` (hexadecimal, so both sides convert it in
/// linear time).
pub const EXT_INTEGER: i8 = 3;
/// A BigDecimal: `NaN`, `[+-]Infinity`, or `[+-]D+[.D+][eE][+-]D+` (decimal digits).
pub const EXT_BIGDECIMAL: i8 = 4;
/// A Rational: `[numerator, denominator]`, Integers, denominator positive.
pub const EXT_RATIONAL: i8 = 5;
/// A Complex: `[real, imaginary]`, each an Integer, Float, Rational or BigDecimal.
pub const EXT_COMPLEX: i8 = 6;
/// A Date: its Julian Day Number (an Integer).
pub const EXT_DATE: i8 = 7;
/// A Time: `[seconds, nanoseconds, utc_offset or nil for UTC, zone or nil, time zone
/// name or nil]`.
pub const EXT_TIME: i8 = 8;
/// A Set: `[element, ...]`.
pub const EXT_SET: i8 = 9;
/// A Range: `[begin, end, exclude_end]`.
pub const EXT_RANGE: i8 = 10;
/// A Struct or Data instance: `["Struct" or "Data", class name, [member, ...], [value, ...]]`.
pub const EXT_RECORD: i8 = 11;

/// Whether `kind` is an ext type whose payload is one nested MessagePack value.
pub const fn nested_ext(kind: i64) -> bool {
    kind >= EXT_RATIONAL as i64 && kind <= EXT_RECORD as i64
}

/// Every payload in either direction is capped at 16 MiB (contract W-3).
pub const MAX_PAYLOAD: usize = 16 << 20;

/// An append-only MessagePack buffer.
#[derive(Default, Debug)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub const fn new() -> Self {
        Self { buf: Vec::new() }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn clear(&mut self) {
        self.buf.clear();
    }

    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    pub fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    pub fn nil(&mut self) {
        self.buf.push(0xc0);
    }

    pub fn bool(&mut self, v: bool) {
        self.buf.push(if v { 0xc3 } else { 0xc2 });
    }

    pub fn int(&mut self, v: i64) {
        if (0..=0x7f).contains(&v) {
            self.buf.push(v as u8);
        } else if (-32..0).contains(&v) {
            self.buf.push(v as i8 as u8);
        } else if i8::try_from(v).is_ok() {
            self.buf.extend_from_slice(&[0xd0, v as i8 as u8]);
        } else if i16::try_from(v).is_ok() {
            self.buf.push(0xd1);
            self.buf.extend_from_slice(&(v as i16).to_be_bytes());
        } else if i32::try_from(v).is_ok() {
            self.buf.push(0xd2);
            self.buf.extend_from_slice(&(v as i32).to_be_bytes());
        } else {
            self.buf.push(0xd3);
            self.buf.extend_from_slice(&v.to_be_bytes());
        }
    }

    pub fn float(&mut self, v: f64) {
        self.buf.push(0xcb);
        self.buf.extend_from_slice(&v.to_bits().to_be_bytes());
    }

    /// A String: valid UTF-8 travels as `str`, anything else as `bin` (contract A-4).
    pub fn string(&mut self, bytes: &[u8]) {
        if std::str::from_utf8(bytes).is_ok() {
            self.str_header(bytes.len());
        } else {
            self.bin_header(bytes.len());
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes as a `str`, whatever they hold (the host's UTF-8 and US-ASCII Strings).
    pub fn str_bytes(&mut self, bytes: &[u8]) {
        self.str_header(bytes.len());
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes as a `bin` (the host's binary Strings).
    pub fn bin_bytes(&mut self, bytes: &[u8]) {
        self.bin_header(bytes.len());
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes as they are, e.g. an ext payload to be wrapped with `wrap_ext`.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub fn symbol(&mut self, name: &[u8]) {
        self.ext_header(EXT_SYMBOL, name.len());
        self.buf.extend_from_slice(name);
    }

    pub fn handle(&mut self, id: u32) {
        self.ext_header(EXT_HANDLE, 4);
        self.buf.extend_from_slice(&id.to_be_bytes());
    }

    /// Turns everything written since `start` into the payload of one ext value.
    pub fn wrap_ext(&mut self, start: usize, kind: i8) {
        let start = start.min(self.buf.len());
        let payload = self.buf.split_off(start);
        self.ext_header(kind, payload.len());
        self.buf.extend_from_slice(&payload);
    }

    /// Opens an ext value whose payload is written next (in place, so nested values are
    /// never copied); `end_ext` with the returned mark closes it.
    pub fn begin_ext(&mut self, kind: i8) -> usize {
        self.buf.extend_from_slice(&[0xc9, 0, 0, 0, 0, kind as u8]);
        self.buf.len()
    }

    pub fn end_ext(&mut self, mark: usize) {
        let len = (self.buf.len() - mark) as u32;
        self.buf[mark - 5..mark - 1].copy_from_slice(&len.to_be_bytes());
    }

    pub fn array_header(&mut self, len: u32) {
        match len {
            0..=15 => self.buf.push(0x90 | len as u8),
            16..=0xffff => {
                self.buf.push(0xdc);
                self.buf.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                self.buf.push(0xdd);
                self.buf.extend_from_slice(&len.to_be_bytes());
            }
        }
    }

    pub fn map_header(&mut self, len: u32) {
        match len {
            0..=15 => self.buf.push(0x80 | len as u8),
            16..=0xffff => {
                self.buf.push(0xde);
                self.buf.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                self.buf.push(0xdf);
                self.buf.extend_from_slice(&len.to_be_bytes());
            }
        }
    }

    fn str_header(&mut self, len: usize) {
        let len = len as u32;
        match len {
            0..=31 => self.buf.push(0xa0 | len as u8),
            32..=0xff => self.buf.extend_from_slice(&[0xd9, len as u8]),
            0x100..=0xffff => {
                self.buf.push(0xda);
                self.buf.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                self.buf.push(0xdb);
                self.buf.extend_from_slice(&len.to_be_bytes());
            }
        }
    }

    fn bin_header(&mut self, len: usize) {
        let len = len as u32;
        match len {
            0..=0xff => self.buf.extend_from_slice(&[0xc4, len as u8]),
            0x100..=0xffff => {
                self.buf.push(0xc5);
                self.buf.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                self.buf.push(0xc6);
                self.buf.extend_from_slice(&len.to_be_bytes());
            }
        }
    }

    fn ext_header(&mut self, kind: i8, len: usize) {
        let len = len as u32;
        match len {
            1 => self.buf.push(0xd4),
            2 => self.buf.push(0xd5),
            4 => self.buf.push(0xd6),
            8 => self.buf.push(0xd7),
            16 => self.buf.push(0xd8),
            0..=0xff => self.buf.extend_from_slice(&[0xc7, len as u8]),
            0x100..=0xffff => {
                self.buf.push(0xc8);
                self.buf.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                self.buf.push(0xc9);
                self.buf.extend_from_slice(&len.to_be_bytes());
            }
        }
        self.buf.push(kind as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut Writer)) -> Vec<u8> {
        let mut w = Writer::new();
        f(&mut w);
        w.bytes().to_vec()
    }

    #[test]
    fn wrap_ext_moves_the_tail_into_an_ext_payload() {
        let mut w = Writer::new();
        w.array_header(1);
        let start = w.len();
        w.map_header(0);
        w.wrap_ext(start, EXT_FAULT);
        assert_eq!(w.bytes(), [0x91, 0xd4, EXT_FAULT as u8, 0x80]);
    }

    #[test]
    fn integers_use_the_smallest_signed_form() {
        assert_eq!(written(|w| w.int(0)), [0x00]);
        assert_eq!(written(|w| w.int(127)), [0x7f]);
        assert_eq!(written(|w| w.int(-1)), [0xff]);
        assert_eq!(written(|w| w.int(-32)), [0xe0]);
        assert_eq!(written(|w| w.int(-33)), [0xd0, 0xdf]);
        assert_eq!(written(|w| w.int(128)), [0xd1, 0x00, 0x80]);
        assert_eq!(written(|w| w.int(70000)), [0xd2, 0x00, 0x01, 0x11, 0x70]);
        assert_eq!(
            written(|w| w.int(i64::MIN)),
            [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            written(|w| w.int(i64::MAX)),
            [0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
    }

    #[test]
    fn floats_are_always_float64() {
        assert_eq!(
            written(|w| w.float(1.5)),
            [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn utf8_strings_are_str_and_other_bytes_are_bin() {
        assert_eq!(written(|w| w.string(b"hi")), [0xa2, b'h', b'i']);
        assert_eq!(
            written(|w| w.string("é".as_bytes())),
            [0xa2, 0xc3, 0xa9]
        );
        assert_eq!(written(|w| w.string(&[0xff])), [0xc4, 0x01, 0xff]);
        let long = vec![b'a'; 300];
        let out = written(|w| w.string(&long));
        assert_eq!(&out[..3], &[0xda, 0x01, 0x2c]);
        assert_eq!(out.len(), 303);
    }

    #[test]
    fn symbols_are_ext_type_zero() {
        assert_eq!(written(|w| w.symbol(b"a")), [0xd4, 0x00, b'a']);
        assert_eq!(written(|w| w.symbol(b"abc")), [0xc7, 0x03, 0x00, b'a', b'b', b'c']);
        assert_eq!(written(|w| w.symbol(b"")), [0xc7, 0x00, 0x00]);
    }

    #[test]
    fn container_headers_grow_with_length() {
        assert_eq!(written(|w| w.array_header(3)), [0x93]);
        assert_eq!(written(|w| w.array_header(16)), [0xdc, 0x00, 0x10]);
        assert_eq!(written(|w| w.array_header(70000)), [0xdd, 0x00, 0x01, 0x11, 0x70]);
        assert_eq!(written(|w| w.map_header(1)), [0x81]);
        assert_eq!(written(|w| w.map_header(16)), [0xde, 0x00, 0x10]);
    }

    #[test]
    fn truncate_rolls_back_a_partial_value() {
        let mut w = Writer::new();
        w.byte(0);
        let mark = w.len();
        w.array_header(2);
        w.nil();
        w.truncate(mark);
        assert_eq!(w.bytes(), &[0]);
    }
}
