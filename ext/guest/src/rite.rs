//! Verifies untrusted RITE bytecode (mruby 3.3, format "0300") before mruby's loader sees it.
//!
//! Why: `mrb_read_irep_buf` (src/load.c) over-reads on short input and never cross-checks
//! the sizes it reads, and the VM (src/vm.c) uses every register, pool, symbol and
//! child-irep operand and every jump offset unchecked. Bytecode from users is checked here,
//! so a wrong version, a truncated or a corrupt body becomes a message instead of a trap.
//!
//! If [`verify`] returns Ok:
//! - the buffer is exactly a header, the IREP section, an optional DBG and an optional LVAR
//!   section, and END; every irep record, pool entry, symbol, debug and local-variable
//!   record lies inside its section, and every section is consumed exactly, so the loader
//!   reads only in bounds;
//! - every irep's code decodes from offset 0 to its end into known opcodes and cannot run
//!   off its end; each register an instruction touches is below the irep's register count;
//!   each pool, symbol and child-irep index exists (ops that read a string get a string
//!   literal); each jump, catch-handler target and ENTER skip lands on an instruction start.
//!
//! Left to vm.c because it checks at run time (no static check here): GETUPVAR/SETUPVAR's
//! level and slot (`uvenv` returns NULL past the outermost scope, `b < MRB_ENV_LEN`), the
//! outer frame ARGARY/BLKPUSH read when `lv > 0` (except the keyword off-by-one, see
//! `check_outer_frame`), KARG/KEY_P/KEYEND's keyword hash slot, LOADL of a string literal
//! (loads nil), SUPER outside a method, stack growth (SystemStackError).
//!
//! Not proved: what type of value a register holds. Ops that trust a type are refused when
//! mrbc never emits them (CALL, ASET, DEBUG); the rest rely on vm.c's own checks and the
//! VM patches in mruby_patches.rb. Known type trusts that still need such a guard:
//! - a send whose c says n = 15 takes R[a+1] for the packed argument Array, unchecked in
//!   the send path, OP_ENTER and mrb_get_args (OP_ENTER also trusts it when a 15-parameter
//!   block `redo`es, which crashes mruby from plain source);
//! - RAISEIF takes a register that is neither nil nor a break for an exception object
//!   (`mrb_exc_set` dereferences an Integer, say);
//! - EXCEPT hands a register the break object an ensure handler catches; code that moves
//!   it elsewhere (RETURN, SEND) or RAISEIFs it in another frame feeds vm.c's break and
//!   JMPUW restore paths a foreign ci index or pc.
//!
//! Fixtures (src/testdata): generated from the .rb files beside them by mruby 3.3.0's host
//! mrbc, run inside src/testdata (paths below are relative to the repo root):
//!   M=../../../../build/mruby/host/bin/mrbc
//!   $M -o features.mrb features.rb; $M -g -o features_g.mrb features.rb
//!   $M --remove-lv -o features_nolv.mrb features.rb
//!   $M -o blocks.mrb blocks.rb; $M -g -o blocks_g.mrb blocks.rb
//!   $M -o tiny.mrb tiny.rb; $M -g -o multi_g.mrb tiny.rb other.rb
//!   $M -o wide.mrb wide.rb; $M -o ext.mrb ext.rb

use std::fmt;

/// Why bytecode was refused, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiteError(pub String);

impl fmt::Display for RiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RiteError {}

type Result<T> = std::result::Result<T, RiteError>;

fn fail<T>(message: String) -> Result<T> {
    Err(RiteError(message))
}

const HEADER_LEN: usize = 20;
const SECTION_HEADER_LEN: usize = 8;
/// Binary format version in the header, and instruction set version in the IREP section.
const VERSION: &[u8] = b"0300";
/// load.c reads nested ireps (and their debug and local-variable records) recursively;
/// real code nests a few dozen deep at most.
const MAX_DEPTH: usize = 256;
/// Catch handler: type u8, begin u32, end u32, target u32 (irep.h).
const CATCH_HANDLER_LEN: usize = 13;
/// A symbol length of 0xFFFF marks a null symbol (dump.h MRB_DUMP_NULL_SYM_LEN), and a
/// local-variable index of 0xFFFF an unnamed local (RITE_LV_NULL_MARK).
const NULL_MARK: u16 = 0xFFFF;
/// `mrb_intern` raises for names of 0xFFFF bytes or more (symbol.c), in the middle of loading.
const MAX_NAME_LEN: usize = 0xFFFE;

/// Verifies a whole RITE buffer; Ok means mruby may load and run it (see the module docs).
pub fn verify(bytes: &[u8]) -> std::result::Result<(), RiteError> {
    check_header(bytes)?;
    let mut pos = HEADER_LEN;
    let mut previous: Option<Section> = None;
    let mut ireps: Vec<Irep> = Vec::new();
    loop {
        let (section, end) = section_at(bytes, pos)?;
        check_section_order(previous, section, pos)?;
        match section {
            Section::Irep => ireps = read_irep_section(bytes, pos, end)?,
            Section::Debug => read_debug_section(bytes, pos, end, &ireps)?,
            Section::LocalVariables => read_lvar_section(bytes, pos, end, &ireps)?,
            Section::End => {
                if end - pos != SECTION_HEADER_LEN || end != bytes.len() {
                    return fail(format!(
                        "the END section at byte {pos} must be the last 8 bytes of the file (it has {} bytes and the file {} more)",
                        end - pos,
                        bytes.len() - end
                    ));
                }
                return Ok(());
            }
        }
        previous = Some(section);
        pos = end;
    }
}

fn check_header(bytes: &[u8]) -> Result<()> {
    if bytes.get(..4) != Some(b"RITE".as_slice()) {
        return fail("not RITE bytecode (missing the RITE identifier)".into());
    }
    let Some(header) = bytes.get(..HEADER_LEN) else {
        return fail(format!("truncated: {} bytes, shorter than the {HEADER_LEN}-byte RITE header", bytes.len()));
    };
    // load.c requires major "03" and a minor no newer than "00"; compiler name and version
    // (bytes 12..20) it ignores, and so does this.
    let version = &header[4..8];
    if version != VERSION {
        return fail(format!(
            "unsupported RITE version {} (this guest runs 0300, mruby 3.3)",
            printable(version)
        ));
    }
    let declared = be32(&header[8..12]) as usize;
    if declared > bytes.len() {
        return fail(format!("truncated: header says {declared} bytes, got {}", bytes.len()));
    }
    if declared < bytes.len() {
        return fail(format!(
            "trailing bytes: header says {declared} bytes, got {} ({} extra)",
            bytes.len(),
            bytes.len() - declared
        ));
    }
    Ok(())
}

/// Sections in the only order mrbc writes them (dump.c).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Irep,
    Debug,
    LocalVariables,
    End,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Section::Irep => "IREP",
            Section::Debug => "DBG",
            Section::LocalVariables => "LVAR",
            Section::End => "END",
        }
    }
}

/// Reads the section header at `pos`: which section, and where it ends.
fn section_at(bytes: &[u8], pos: usize) -> Result<(Section, usize)> {
    let Some(header) = pos.checked_add(SECTION_HEADER_LEN).and_then(|end| bytes.get(pos..end)) else {
        return fail(format!(
            "truncated: a section header at byte {pos} needs {SECTION_HEADER_LEN} bytes, {} are left",
            bytes.len().saturating_sub(pos)
        ));
    };
    let ident = &header[..4];
    let section = match ident {
        b"IREP" => Section::Irep,
        b"DBG\0" => Section::Debug,
        b"LVAR" => Section::LocalVariables,
        b"END\0" => Section::End,
        _ => return fail(format!("unknown section {} at byte {pos}", printable(ident))),
    };
    let size = be32(&header[4..8]) as usize;
    if size < SECTION_HEADER_LEN {
        return fail(format!(
            "the {} section at byte {pos} claims {size} bytes, less than its own header",
            section.name()
        ));
    }
    match pos.checked_add(size).filter(|&end| end <= bytes.len()) {
        Some(end) => Ok((section, end)),
        None => fail(format!(
            "truncated: the {} section at byte {pos} claims {size} bytes, {} are left",
            section.name(),
            bytes.len() - pos
        )),
    }
}

fn check_section_order(previous: Option<Section>, section: Section, pos: usize) -> Result<()> {
    match previous {
        None if section == Section::Irep => Ok(()),
        Some(before) if before < section => Ok(()),
        Some(before) if before == section => {
            fail(format!("the {} section appears twice (again at byte {pos})", section.name()))
        }
        _ => fail(format!(
            "the {} section at byte {pos} is out of place (expected IREP, then optional DBG and LVAR, then END)",
            section.name()
        )),
    }
}

fn be32(b: &[u8]) -> u32 {
    b.iter().take(4).fold(0, |acc, &byte| acc << 8 | u32::from(byte))
}

/// A 4-byte tag as text when it is text, else as hex.
fn printable(tag: &[u8]) -> String {
    if tag.iter().all(|&b| b == 0 || b.is_ascii_graphic()) {
        String::from_utf8_lossy(tag).trim_end_matches('\0').to_string()
    } else {
        format!("{tag:02x?}")
    }
}

/// Bounds-checked big-endian reader over one section of the buffer. Positions are offsets
/// in the whole buffer, so messages point at the byte that is wrong.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    end: usize,
    section: &'static str,
    /// The irep whose record (or debug/local-variable record) is being read, for messages.
    irep: Option<usize>,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], pos: usize, end: usize, section: &'static str) -> Self {
        Reader { bytes, pos, end, section, irep: None }
    }

    /// " of irep N" while an irep's record is being read.
    fn owner(&self) -> String {
        self.irep.map(|i| format!(" of irep {i}")).unwrap_or_default()
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let slice = self.pos.checked_add(n).filter(|&end| end <= self.end).and_then(|end| self.bytes.get(self.pos..end));
        match slice {
            Some(slice) => {
                self.pos += n;
                Ok(slice)
            }
            None => fail(format!(
                "truncated: {what}{} at byte {} needs {n} bytes, but the {} section ends at byte {}",
                self.owner(),
                self.pos,
                self.section,
                self.end
            )),
        }
    }

    /// `count` items of `size` bytes each (a count whose byte length overflows cannot fit).
    fn take_items(&mut self, count: usize, size: usize, what: &str) -> Result<&'a [u8]> {
        match count.checked_mul(size) {
            Some(n) => self.take(n, what),
            None => fail(format!(
                "truncated: {what}{} at byte {} claims {count} entries, more than the {} section holds",
                self.owner(),
                self.pos,
                self.section
            )),
        }
    }

    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from(b[0]) << 8 | u16::from(b[1]))
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(be32(self.take(4, what)?))
    }

    /// A name that `mrb_intern` accepts: length-prefixed, `nul` when followed by a NUL byte.
    fn name(&mut self, len: u16, nul: bool, what: &str) -> Result<()> {
        let len = usize::from(len);
        if len > MAX_NAME_LEN {
            return fail(format!("{what}{} at byte {} is {len} bytes long, longer than a symbol can be", self.owner(), self.pos));
        }
        let body = self.take(len + usize::from(nul), what)?;
        if nul && body.last() != Some(&0) {
            return fail(format!("{what}{} ending at byte {} is not NUL-terminated", self.owner(), self.pos - 1));
        }
        Ok(())
    }
}

/// What the DBG and LVAR sections and nested ireps need to know about an irep, kept in
/// file order (pre-order: each irep is followed by its children).
#[derive(Debug, Clone, Copy)]
struct Irep {
    nlocals: u16,
    ilen: usize,
    parent: Option<usize>,
    /// Parameters declared by the ENTER that starts the irep, if it starts with one:
    /// Proc#parameters (mruby-proc-ext) reads that many local-variable names.
    declared_params: Option<usize>,
}

fn read_irep_section(bytes: &[u8], start: usize, end: usize) -> Result<Vec<Irep>> {
    let mut r = Reader::new(bytes, start + SECTION_HEADER_LEN, end, "IREP");
    // load.c skips this field; dump.c always writes "0300" (RITE_VM_VER).
    let version = r.take(4, "the instruction set version")?;
    if version != VERSION {
        return fail(format!(
            "unsupported instruction set version {} in the IREP section (this guest runs 0300)",
            printable(version)
        ));
    }
    let ireps = read_irep_tree(&mut r)?;
    if r.pos != end {
        return fail(format!("the IREP section has {} bytes after its last irep record", end - r.pos));
    }
    Ok(ireps)
}

/// Reads every irep record, iteratively, in the pre-order load.c recurses in.
fn read_irep_tree(r: &mut Reader) -> Result<Vec<Irep>> {
    let mut ireps: Vec<Irep> = Vec::new();
    // The ireps whose children are still being read, innermost last, with how many
    // children each still has to come; its length is the next record's depth.
    let mut open: Vec<(usize, u16)> = Vec::new();
    let mut parent = None;
    loop {
        if open.len() > MAX_DEPTH {
            return fail(format!("ireps are nested more than {MAX_DEPTH} deep"));
        }
        let index = ireps.len();
        let (irep, children) = read_irep(r, index, parent, &ireps)?;
        ireps.push(irep);
        if children > 0 {
            open.push((index, children));
        }
        loop {
            match open.last_mut() {
                None => return Ok(ireps),
                Some((_, 0)) => {
                    open.pop();
                }
                Some((owner, left)) => {
                    *left -= 1;
                    parent = Some(*owner);
                    break;
                }
            }
        }
    }
}

/// Reads and checks one irep record (not its children); returns it and its child count.
fn read_irep(r: &mut Reader, index: usize, parent: Option<usize>, ireps: &[Irep]) -> Result<(Irep, u16)> {
    r.irep = Some(index);
    let record_start = r.pos;
    let record_size = r.u32("the record size")? as usize;
    let nlocals = r.u16("the local count")?;
    let nregs = r.u16("the register count")?;
    let rlen = r.u16("the child irep count")?;
    let clen = r.u16("the catch handler count")?;
    let ilen = r.u32("the instruction count")? as usize;
    if ilen == 0 {
        // load.c then leaves iseq NULL, and the VM would still run it.
        return fail(format!("irep {index} has no instructions"));
    }
    if nlocals >= nregs {
        // OP_RETURN at top level and OP_STOP use register nlocals.
        return fail(format!(
            "irep {index} has {nlocals} locals but {nregs} registers (it needs more registers than locals)"
        ));
    }
    let iseq = r.take(ilen, "the instruction sequence")?;
    let handlers = r.take_items(usize::from(clen), CATCH_HANDLER_LEN, "the catch handler table")?;
    let pool = read_pool(r, index)?;
    let symbols = read_symbols(r)?;
    let actual = r.pos - record_start;
    // dump.c writes this record's own size (without its children), exactly.
    if actual != record_size {
        return fail(format!(
            "irep {index}: the record says it is {record_size} bytes, but its contents take {actual}"
        ));
    }

    let ancestors = ancestor_locals(parent, ireps);
    let limits = Limits { nregs: usize::from(nregs), rlen: usize::from(rlen), pool: &pool, symbols: &symbols, ancestors: &ancestors };
    let code = check_code(iseq, &limits, index)?;
    check_catch_handlers(handlers, &code.starts, index)?;
    let irep = Irep { nlocals, ilen, parent, declared_params: code.declared_params };
    Ok((irep, rlen))
}

/// nlocals of the enclosing ireps, the parent first.
fn ancestor_locals(parent: Option<usize>, ireps: &[Irep]) -> Vec<u16> {
    let mut locals = Vec::new();
    let mut next = parent.and_then(|i| ireps.get(i));
    while let Some(irep) = next {
        locals.push(irep.nlocals);
        next = irep.parent.and_then(|i| ireps.get(i));
    }
    locals
}

/// The kinds of pool entry (irep.h IREP_TT_*), as far as instructions care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Literal {
    String,
    Integer,
    Float,
    BigInteger,
}

impl Literal {
    fn name(self) -> &'static str {
        match self {
            Literal::String => "a string",
            Literal::Integer => "an integer",
            Literal::Float => "a float",
            Literal::BigInteger => "a big integer",
        }
    }
}

fn read_pool(r: &mut Reader, index: usize) -> Result<Vec<Literal>> {
    let count = r.u16("the pool count")?;
    let mut pool = Vec::with_capacity(usize::from(count));
    for i in 0..count {
        let literal = match r.u8("a pool entry")? {
            0 => {
                // IREP_TT_STR: u16 length, the bytes, a NUL.
                let len = r.u16("a pool string length")?;
                let body = r.take(usize::from(len) + 1, "a pool string")?;
                if body.last() != Some(&0) {
                    return fail(format!("irep {index}: pool string {i} is not NUL-terminated"));
                }
                Literal::String
            }
            1 => r.take(4, "a pool integer").map(|_| Literal::Integer)?,
            3 => r.take(8, "a pool integer").map(|_| Literal::Integer)?,
            5 => r.take(8, "a pool float").map(|_| Literal::Float)?,
            7 => {
                // IREP_TT_BIGINT: digit count u8, signed base i8, the digits.
                let len = r.u8("a big integer length")?;
                let base = r.u8("a big integer base")? as i8;
                let digits = r.take(usize::from(len), "big integer digits")?;
                check_big_integer(base, digits).map_err(|why| RiteError(format!("irep {index}: pool big integer {i} {why}")))?;
                Literal::BigInteger
            }
            tag => return fail(format!("irep {index}: pool entry {i} has unknown type {tag}")),
        };
        pool.push(literal);
    }
    Ok(pool)
}

/// mruby-bigint's `mpz_init_set_str` asserts the base only in debug builds, and on a
/// leading '-' it skips a byte yet still reads `len` bytes, one past the digits.
fn check_big_integer(base: i8, digits: &[u8]) -> std::result::Result<(), String> {
    let radix = u32::from(base.unsigned_abs());
    if !(2..=36).contains(&radix) {
        return Err(format!("has base {base}"));
    }
    match digits.iter().find(|&&d| d != b'_' && char::from(d).to_digit(radix).is_none()) {
        Some(&d) => Err(format!("has {:?}, not a base-{radix} digit", char::from(d))),
        None => Ok(()),
    }
}

/// Reads the symbol table; true where the symbol has a name, false for a null symbol.
fn read_symbols(r: &mut Reader) -> Result<Vec<bool>> {
    let count = r.u16("the symbol count")?;
    let mut named = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let len = r.u16("a symbol length")?;
        if len == NULL_MARK {
            named.push(false);
        } else {
            r.name(len, true, "a symbol")?;
            named.push(true);
        }
    }
    Ok(named)
}

/// Operand layouts, named as in ops.h.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operands {
    Z,
    B,
    BB,
    BBB,
    BS,
    BSS,
    S,
    W,
}

macro_rules! opcodes {
    ($($op:ident $operands:ident),* $(,)?) => {
        /// mruby 3.3's opcodes, in ops.h order, so that `op as u8` is the opcode byte.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Op { $($op),* }

        /// Opcode byte -> opcode and operand layout.
        const OPCODES: &[(Op, Operands)] = &[$((Op::$op, Operands::$operands)),*];
    };
}

opcodes! {
    NOP Z, MOVE BB, LOADL BB, LOADI BB, LOADINEG BB, LOADI__1 B, LOADI_0 B, LOADI_1 B,
    LOADI_2 B, LOADI_3 B, LOADI_4 B, LOADI_5 B, LOADI_6 B, LOADI_7 B, LOADI16 BS, LOADI32 BSS,
    LOADSYM BB, LOADNIL B, LOADSELF B, LOADT B, LOADF B, GETGV BB, SETGV BB, GETSV BB,
    SETSV BB, GETIV BB, SETIV BB, GETCV BB, SETCV BB, GETCONST BB, SETCONST BB, GETMCNST BB,
    SETMCNST BB, GETUPVAR BBB, SETUPVAR BBB, GETIDX B, SETIDX B, JMP S, JMPIF BS, JMPNOT BS,
    JMPNIL BS, JMPUW S, EXCEPT B, RESCUE BB, RAISEIF B, SSEND BBB, SSENDB BBB, SEND BBB,
    SENDB BBB, CALL Z, SUPER BB, ARGARY BS, ENTER W, KEY_P BB, KEYEND Z, KARG BB,
    RETURN B, RETURN_BLK B, BREAK B, BLKPUSH BS, ADD B, ADDI BB, SUB B, SUBI BB,
    MUL B, DIV B, EQ B, LT B, LE B, GT B, GE B, ARRAY BB,
    ARRAY2 BBB, ARYCAT B, ARYPUSH BB, ARYSPLAT B, AREF BBB, ASET BBB, APOST BBB, INTERN B,
    SYMBOL BB, STRING BB, STRCAT B, HASH BB, HASHADD BB, HASHCAT B, LAMBDA BB, BLOCK BB,
    METHOD BB, RANGE_INC B, RANGE_EXC B, OCLASS B, CLASS BB, MODULE BB, EXEC BB, DEF BB,
    ALIAS BB, UNDEF B, SCLASS B, TCLASS B, DEBUG BBB, ERR B, EXT1 Z, EXT2 Z,
    EXT3 Z, STOP Z,
}

/// One decoded instruction (an EXT prefix included).
#[derive(Debug, Clone, Copy)]
struct Insn {
    op: Op,
    at: usize,
    a: usize,
    b: usize,
    c: usize,
    /// Offset just past the instruction: where execution continues and jumps count from.
    next: usize,
}

/// Bounds-checked reads from an instruction sequence.
struct IseqCursor<'a> {
    iseq: &'a [u8],
    pos: usize,
}

impl IseqCursor<'_> {
    fn byte(&mut self) -> Option<usize> {
        let b = self.iseq.get(self.pos)?;
        self.pos += 1;
        Some(usize::from(*b))
    }

    fn short(&mut self) -> Option<usize> {
        Some(self.byte()? << 8 | self.byte()?)
    }

    fn operand(&mut self, wide: bool) -> Option<usize> {
        if wide { self.short() } else { self.byte() }
    }
}

/// Decodes the instruction at `at` the way vm.c's FETCH_* macros (opcode.h) read it.
fn decode(iseq: &[u8], at: usize) -> std::result::Result<Insn, String> {
    let mut code = IseqCursor { iseq, pos: at };
    let opcode = |byte: usize| match OPCODES.get(byte) {
        Some(&entry) => Ok(entry),
        None => Err(format!("instruction at {at}: unknown opcode {byte}")),
    };
    let past_end = |op: Op| format!("instruction at {at} ({op:?}) runs past the end of the code");
    let (mut op, mut operands) = opcode(code.byte().ok_or_else(|| past_end(Op::NOP))?)?;
    // EXT1 widens operand a to 16 bits, EXT2 operand b, EXT3 both; only where the operand
    // is a byte, and a lone B operand only under EXT1 (FETCH_B_3 is plain FETCH_B).
    let prefix = op;
    if matches!(prefix, Op::EXT1 | Op::EXT2 | Op::EXT3) {
        (op, operands) = opcode(code.byte().ok_or_else(|| past_end(prefix))?)?;
        if matches!(op, Op::EXT1 | Op::EXT2 | Op::EXT3) {
            return Err(format!("instruction at {at}: two EXT prefixes in a row"));
        }
    }
    let wide_a = prefix == Op::EXT1 || (prefix == Op::EXT3 && operands != Operands::B);
    let wide_b = matches!(prefix, Op::EXT2 | Op::EXT3);
    let fields = (|| {
        Some(match operands {
            Operands::Z => (0, 0, 0),
            Operands::B => (code.operand(wide_a)?, 0, 0),
            Operands::BB => (code.operand(wide_a)?, code.operand(wide_b)?, 0),
            Operands::BBB => (code.operand(wide_a)?, code.operand(wide_b)?, code.byte()?),
            Operands::BS => (code.operand(wide_a)?, code.short()?, 0),
            Operands::BSS => (code.operand(wide_a)?, code.short()?, code.short()?),
            Operands::S => (code.short()?, 0, 0),
            Operands::W => (code.byte()? << 16 | code.short()?, 0, 0),
        })
    })();
    let (a, b, c) = fields.ok_or_else(|| past_end(op))?;
    Ok(Insn { op, at, a, b, c, next: code.pos })
}

/// What an irep's operands are checked against.
struct Limits<'a> {
    nregs: usize,
    rlen: usize,
    pool: &'a [Literal],
    symbols: &'a [bool],
    /// nlocals of the enclosing ireps, the parent first.
    ancestors: &'a [u16],
}

type Check = std::result::Result<(), String>;

impl Limits<'_> {
    /// Registers `first ..= last` are touched.
    fn registers(&self, first: usize, last: usize) -> Check {
        let highest = first.max(last);
        if highest >= self.nregs {
            return Err(format!("uses register {highest}, but the irep has {} registers", self.nregs));
        }
        Ok(())
    }

    fn register(&self, r: usize) -> Check {
        self.registers(r, r)
    }

    fn symbol(&self, i: usize) -> Check {
        match self.symbols.get(i) {
            None => Err(format!("uses symbol {i}, but the irep has {} symbols", self.symbols.len())),
            Some(false) => Err(format!("uses symbol {i}, which is the null symbol")),
            Some(true) => Ok(()),
        }
    }

    fn literal(&self, i: usize) -> std::result::Result<Literal, String> {
        match self.pool.get(i) {
            Some(&literal) => Ok(literal),
            None => Err(format!("uses literal {i}, but the pool has {} entries", self.pool.len())),
        }
    }

    /// vm.c reads the pool entry as a C string (its length packed in the type word).
    fn string_literal(&self, i: usize) -> Check {
        match self.literal(i)? {
            Literal::String => Ok(()),
            other => Err(format!("needs a string literal, but literal {i} is {}", other.name())),
        }
    }

    fn child(&self, i: usize) -> Check {
        if i >= self.rlen {
            return Err(format!("uses child irep {i}, but the irep has {} children", self.rlen));
        }
        Ok(())
    }
}

/// Where else execution can continue: a jump, or ENTER skipping optional-argument setup.
struct Target {
    from: Insn,
    to: i64,
}

/// What decoding an irep's code found.
struct CodeFacts {
    /// For each byte of code, whether an instruction starts there.
    starts: Vec<bool>,
    declared_params: Option<usize>,
}

/// Decodes the whole instruction sequence and checks every operand, the targets and the end.
fn check_code(iseq: &[u8], limits: &Limits, index: usize) -> Result<CodeFacts> {
    let mut starts = vec![false; iseq.len()];
    let mut targets = Vec::new();
    let mut declared_params = None;
    let mut last = None;
    let mut at = 0;
    while at < iseq.len() {
        if let Some(start) = starts.get_mut(at) {
            *start = true;
        }
        let insn = decode(iseq, at).map_err(|e| RiteError(format!("irep {index}: {e}")))?;
        check_operands(&insn, limits, &mut targets, &mut declared_params)
            .map_err(|e| RiteError(format!("irep {index}: instruction at {at} ({:?}) {e}", insn.op)))?;
        last = Some(insn);
        at = insn.next;
    }
    // Past the last instruction lies the catch handler table, then other heap memory.
    if let Some(insn) = last {
        let ends_flow = matches!(
            insn.op,
            Op::RETURN | Op::RETURN_BLK | Op::BREAK | Op::STOP | Op::JMP | Op::JMPUW | Op::ERR
        );
        if !ends_flow {
            return fail(format!(
                "irep {index}: the last instruction, at {} ({:?}), can continue past the end of the code",
                insn.at, insn.op
            ));
        }
    }
    for Target { from, to } in targets {
        let lands = usize::try_from(to).ok().and_then(|t| starts.get(t)).copied();
        let problem = match lands {
            Some(true) => continue,
            Some(false) => "the middle of an instruction",
            None => "outside the code",
        };
        let verb = if from.op == Op::ENTER { "can skip to" } else { "jumps to" };
        return fail(format!(
            "irep {index}: instruction at {} ({:?}) {verb} {to}, {problem} (0..{})",
            from.at,
            from.op,
            iseq.len()
        ));
    }
    Ok(CodeFacts { starts, declared_params })
}

/// The registers from a call's base that vm.c's send path touches: receiver, arguments
/// (one packed Array when n is 15), keyword pairs (one Hash when k is 15) and the block
/// slot at `mrb_bidx(n, k)`, which it writes even for a block-less send.
fn call_window(c: usize) -> usize {
    let (n, k) = (c & 0xf, (c >> 4) & 0xf);
    let positional = if n == 15 { 1 } else { n };
    let keywords = if k == 15 { 1 } else { 2 * k };
    positional + keywords + 1
}

/// ARGARY/BLKPUSH's b: the caller's argument shape (m1:6 r:1 m2:5 kd:1) and how many
/// scopes out (lv) that caller is.
struct ArgShape {
    /// Offset, from the frame's register 1, of the slot read last (the block, or for
    /// ARGARY with kd the block after the keyword hash).
    last_slot: usize,
    kd: usize,
    lv: usize,
}

impl ArgShape {
    fn new(b: usize) -> Self {
        let (m1, r, m2, kd, lv) = ((b >> 11) & 0x3f, (b >> 10) & 1, (b >> 5) & 0x1f, (b >> 4) & 1, b & 0xf);
        ArgShape { last_slot: m1 + r + m2 + kd, kd, lv }
    }
}

/// The outer frame ARGARY/BLKPUSH read (lv > 0) is checked by vm.c against
/// `m1 + r + m2 + 1 < MRB_ENV_LEN`, which forgets kd: with kd set it reads one slot further,
/// one past a closed environment's copy. That environment's length is the nlocals of the
/// scope `lv` levels out, so with kd set the scope must be in this file and long enough.
fn check_outer_frame(limits: &Limits, shape: &ArgShape) -> Check {
    if shape.lv == 0 || shape.kd == 0 {
        return Ok(());
    }
    match limits.ancestors.get(shape.lv - 1) {
        Some(&nlocals) if usize::from(nlocals) > shape.last_slot + 1 => Ok(()),
        Some(&nlocals) => Err(format!(
            "reads slot {} of the scope {} level(s) out, which has {nlocals} locals",
            shape.last_slot + 1,
            shape.lv
        )),
        None => Err(format!("reads a scope {} level(s) out, outside this file", shape.lv)),
    }
}

/// Jump offsets are signed 16-bit and count from the end of the jump instruction.
fn jump(insn: &Insn, offset: usize) -> Target {
    Target { from: *insn, to: insn.next as i64 + i64::from(offset as u16 as i16) }
}

/// Checks one instruction's operands against what vm.c does with them.
fn check_operands(insn: &Insn, limits: &Limits, targets: &mut Vec<Target>, declared_params: &mut Option<usize>) -> Check {
    use Op::*;
    let (a, b, c) = (insn.a, insn.b, insn.c);
    match insn.op {
        NOP | KEYEND | STOP => {}
        LOADI | LOADINEG | LOADI__1 | LOADI_0 | LOADI_1 | LOADI_2 | LOADI_3 | LOADI_4 | LOADI_5 | LOADI_6
        | LOADI_7 | LOADI16 | LOADI32 | LOADNIL | LOADSELF | LOADT | LOADF | EXCEPT | RAISEIF | RETURN
        | RETURN_BLK | BREAK | ARYSPLAT | INTERN | OCLASS | SCLASS | TCLASS => limits.register(a)?,
        MOVE | RESCUE | AREF => {
            limits.register(a)?;
            limits.register(b)?;
        }
        // Any literal: a string one loads nil.
        LOADL => {
            limits.register(a)?;
            limits.literal(b)?;
        }
        LOADSYM | GETGV | SETGV | GETSV | SETSV | GETIV | SETIV | GETCV | SETCV | GETCONST | SETCONST
        | GETMCNST | MODULE | KEY_P | KARG => {
            limits.register(a)?;
            limits.symbol(b)?;
        }
        SETMCNST | CLASS | DEF => {
            limits.registers(a, a + 1)?;
            limits.symbol(b)?;
        }
        // b (slot) and c (levels out) are checked by vm.c at run time.
        GETUPVAR | SETUPVAR => limits.register(a)?,
        ARYCAT | STRCAT | HASHCAT | RANGE_INC | RANGE_EXC => limits.registers(a, a + 1)?,
        // When the fast path does not apply these fall back to a one-argument send from a
        // (L_SEND_SYM), which clears the block slot a+2.
        GETIDX | ADD | SUB | MUL | DIV | EQ | LT | LE | GT | GE | ADDI | SUBI => limits.registers(a, a + 2)?,
        // A two-argument send with the block slot a+3.
        SETIDX => limits.registers(a, a + 3)?,
        JMP | JMPUW => targets.push(jump(insn, a)),
        JMPIF | JMPNOT | JMPNIL => {
            limits.register(a)?;
            targets.push(jump(insn, b));
        }
        SSEND | SSENDB | SEND | SENDB => {
            limits.symbol(b)?;
            limits.registers(a, a + call_window(c))?;
        }
        // c = b, of which vm.c reads the low byte as n | k << 4.
        SUPER => limits.registers(a, a + call_window(b & 0xff))?,
        ARGARY => {
            let shape = ArgShape::new(b);
            limits.registers(a, a + 1 + shape.kd)?;
            if shape.lv == 0 {
                limits.register(1 + shape.last_slot)?;
            }
            check_outer_frame(limits, &shape)?;
        }
        BLKPUSH => {
            let shape = ArgShape::new(b);
            limits.register(a)?;
            if shape.lv == 0 {
                limits.register(1 + shape.last_slot)?;
            }
            check_outer_frame(limits, &shape)?;
        }
        ENTER => *declared_params = Some(check_enter(insn, limits, targets)?),
        ARRAY => limits.registers(a, a + b.saturating_sub(1))?,
        ARRAY2 => {
            limits.register(a)?;
            if c > 0 {
                limits.registers(b, b + c - 1)?;
            }
        }
        ARYPUSH => limits.registers(a, a + b)?,
        // Writes the rest Array to a and the c post values after it.
        APOST => limits.registers(a, a + c)?,
        SYMBOL | STRING => {
            limits.register(a)?;
            limits.string_literal(b)?;
        }
        HASH => limits.registers(a, a + (2 * b).saturating_sub(1))?,
        HASHADD => limits.registers(a, a + 2 * b)?,
        LAMBDA | BLOCK | METHOD | EXEC => {
            limits.register(a)?;
            limits.child(b)?;
        }
        ALIAS => {
            limits.symbol(a)?;
            limits.symbol(b)?;
        }
        UNDEF => limits.symbol(a)?,
        ERR => limits.string_literal(a)?,
        // Never emitted by mrbc, and each trusts a value's type: CALL takes self for a Proc
        // (it is Proc#call's own body), ASET takes R[b] for an Array, DEBUG is a debugger
        // hook that decodes its operands twice when prefixed.
        CALL | ASET | DEBUG => return Err("is not produced by mrbc and is not accepted".into()),
        // decode() folds prefixes into the instruction they widen.
        EXT1 | EXT2 | EXT3 => return Err("is a stray prefix".into()),
    }
    Ok(())
}

/// ENTER (aspec m1:5 o:5 r:1 m2:5 k:5 d:1 b:1) moves the arguments into registers
/// 1..=len, the keyword hash after them and the block after that; with o optional
/// arguments it then skips 3 bytes (one JMP) per optional argument given. Returns the
/// number of parameters it declares.
fn check_enter(insn: &Insn, limits: &Limits, targets: &mut Vec<Target>) -> std::result::Result<usize, String> {
    let a = insn.a;
    let (m1, o, r, m2) = ((a >> 18) & 0x1f, (a >> 13) & 0x1f, (a >> 12) & 1, (a >> 7) & 0x1f);
    let (key, kdict, block) = ((a >> 2) & 0x1f, (a >> 1) & 1, a & 1);
    if insn.at != 0 {
        // mrbc emits it only there: run later it would reread argument registers the code
        // has since overwritten (a 15-argument frame's packed Array, say).
        return Err("is only accepted as the first instruction".into());
    }
    let kd = usize::from(key > 0 || kdict == 1);
    let block_slot = m1 + o + r + m2 + kd + 1;
    limits.registers(0, block_slot)?;
    for skipped in 0..=o {
        targets.push(Target { from: *insn, to: (insn.next + 3 * skipped) as i64 });
    }
    Ok(m1 + o + r + m2 + kdict + block + key)
}

fn check_catch_handlers(table: &[u8], starts: &[bool], index: usize) -> Result<()> {
    let ilen = starts.len();
    for (i, handler) in table.chunks_exact(CATCH_HANDLER_LEN).enumerate() {
        let kind = handler.first().copied().unwrap_or(u8::MAX);
        let word = |at: usize| handler.get(at..at + 4).map(be32).unwrap_or(u32::MAX) as usize;
        let (begin, end, target) = (word(1), word(5), word(9));
        // vm.c shifts 1 by the type to match it against a filter.
        if kind > 1 {
            return fail(format!("irep {index}: catch handler {i} has unknown type {kind}"));
        }
        if begin > end || end > ilen {
            return fail(format!("irep {index}: catch handler {i} covers {begin}..{end}, not a range within 0..{ilen}"));
        }
        if !starts.get(target).copied().unwrap_or(false) {
            return fail(format!(
                "irep {index}: catch handler {i} jumps to {target}, which is not the start of an instruction"
            ));
        }
    }
    Ok(())
}

/// The DBG section, mirroring load.c: a file name table, then one record per irep in
/// file order, each listing the files its code came from and their line tables.
fn read_debug_section(bytes: &[u8], start: usize, end: usize, ireps: &[Irep]) -> Result<()> {
    let mut r = Reader::new(bytes, start + SECTION_HEADER_LEN, end, "DBG");
    let files = usize::from(r.u16("the file name count")?);
    for _ in 0..files {
        let len = r.u16("a file name length")?;
        r.name(len, false, "a file name")?;
    }
    for (index, irep) in ireps.iter().enumerate() {
        r.irep = Some(index);
        let record_start = r.pos;
        let record_size = r.u32("the debug record size")? as usize;
        let file_count = r.u16("the debug file count")?;
        // debug.c's get_file looks the file up with a binary search that steps one entry
        // back from the first whose start is past the pc: it needs a first entry at 0.
        if file_count == 0 {
            return fail(format!("irep {index}: its debug record names no file"));
        }
        let mut previous_start = None;
        for _ in 0..file_count {
            let start_pos = r.u32("a debug file start")? as usize;
            let in_order = match previous_start {
                None => start_pos == 0,
                Some(previous) => start_pos > previous && start_pos < irep.ilen,
            };
            if !in_order {
                return fail(format!(
                    "irep {index}: a debug file range starts at {start_pos}, not in increasing order from 0 within 0..{}",
                    irep.ilen
                ));
            }
            previous_start = Some(start_pos);
            let name = usize::from(r.u16("a debug file name index")?);
            if name >= files {
                return fail(format!("irep {index}: debug info names file {name}, but the table has {files}"));
            }
            let count = r.u32("a line table length")? as usize;
            match r.u8("a line table type")? {
                0 => r.take_items(count, 2, "a line table").map(drop)?,
                // load.c bounds this one by 8 bytes an entry (the in-memory struct): a table
                // that fits only at 6 is refused there, cleanly.
                1 => r.take_items(count, 6, "a line table").map(drop)?,
                2 => check_packed_lines(r.take(count, "a line table")?)
                    .map_err(|why| RiteError(format!("irep {index}: its packed line table {why}")))?,
                kind => return fail(format!("irep {index}: debug info has unknown line table type {kind}")),
            }
        }
        let actual = r.pos - record_start;
        if actual != record_size {
            return fail(format!(
                "irep {index}: the debug record says it is {record_size} bytes, but its contents take {actual}"
            ));
        }
    }
    if r.pos != end {
        return fail(format!("the DBG section has {} bytes after its last record", end - r.pos));
    }
    Ok(())
}

/// debug.c decodes a packed line table as (pc delta, line delta) varint pairs without
/// looking at its end, so the pairs must end exactly with it.
fn check_packed_lines(map: &[u8]) -> std::result::Result<(), String> {
    let mut pos = 0;
    while pos < map.len() {
        pos = skip_varint(map, pos)?;
        pos = skip_varint(map, pos)?;
    }
    Ok(())
}

/// Steps over one varint as `mrb_packed_int_decode` reads it: 7 bits a byte, at most 5 bytes.
fn skip_varint(map: &[u8], start: usize) -> std::result::Result<usize, String> {
    let mut pos = start;
    for _ in 0..5 {
        let Some(&byte) = map.get(pos) else {
            return Err(format!("ends inside an entry (at byte {pos} of {})", map.len()));
        };
        pos += 1;
        if byte & 0x80 == 0 {
            break;
        }
    }
    Ok(pos)
}

/// The LVAR section, mirroring load.c: a name table, then per irep in file order one u16
/// per local after self (0xFFFF for an unnamed one). load.c checks none of it against the
/// section's end.
fn read_lvar_section(bytes: &[u8], start: usize, end: usize, ireps: &[Irep]) -> Result<()> {
    let mut r = Reader::new(bytes, start + SECTION_HEADER_LEN, end, "LVAR");
    // Each entry takes at least 2 bytes of the section, which bounds load.c's allocation of
    // 4 bytes per name.
    let names = r.u32("the name count")? as usize;
    for _ in 0..names {
        let len = r.u16("a local variable name length")?;
        r.name(len, false, "a local variable name")?;
    }
    for (index, irep) in ireps.iter().enumerate() {
        r.irep = Some(index);
        if irep.nlocals == 0 {
            return fail(format!("irep {index} has no locals, so it cannot have a local variable record"));
        }
        let named = usize::from(irep.nlocals) - 1;
        for _ in 0..named {
            let name = r.u16("a local variable name index")?;
            if name != NULL_MARK && usize::from(name) >= names {
                return fail(format!("irep {index}: a local variable has name index {name}, but the table has {names} names"));
            }
        }
        // With no names load.c's zero-byte allocation leaves lv NULL, and Proc#parameters
        // then reads nothing (mrbc's `for` loop blocks declare a parameter and no locals).
        if let Some(params) = irep.declared_params.filter(|&p| named > 0 && p > named) {
            return fail(format!(
                "irep {index}: ENTER declares {params} parameters but only {named} locals have names (Proc#parameters reads one per parameter)"
            ));
        }
    }
    if r.pos != end {
        return fail(format!("the LVAR section has {} bytes after its last record", end - r.pos));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &[(&str, &[u8])] = &[
        ("features.mrb", include_bytes!("testdata/features.mrb")),
        ("features_g.mrb", include_bytes!("testdata/features_g.mrb")),
        ("features_nolv.mrb", include_bytes!("testdata/features_nolv.mrb")),
        ("blocks.mrb", include_bytes!("testdata/blocks.mrb")),
        ("blocks_g.mrb", include_bytes!("testdata/blocks_g.mrb")),
        ("tiny.mrb", include_bytes!("testdata/tiny.mrb")),
        ("multi_g.mrb", include_bytes!("testdata/multi_g.mrb")),
        ("wide.mrb", include_bytes!("testdata/wide.mrb")),
        ("ext.mrb", include_bytes!("testdata/ext.mrb")),
    ];

    fn fixture(name: &str) -> &'static [u8] {
        FIXTURES.iter().find(|f| f.0 == name).expect("fixture").1
    }

    fn refusal(bytes: &[u8]) -> String {
        verify(bytes).expect_err("should be refused").0
    }

    fn assert_refused(bytes: &[u8], needle: &str) {
        let message = refusal(bytes);
        assert!(message.contains(needle), "expected {needle:?} in {message:?}");
    }

    fn op(o: Op) -> u8 {
        o as u8
    }

    // ---- a small RITE writer, so corruptions are built rather than patched in ----

    #[derive(Clone)]
    struct TestIrep {
        nlocals: u16,
        nregs: u16,
        code: Vec<u8>,
        handlers: Vec<(u8, u32, u32, u32)>,
        /// Encoded pool entries, type tag first.
        pool: Vec<Vec<u8>>,
        /// None writes a null symbol.
        symbols: Vec<Option<&'static str>>,
        children: Vec<TestIrep>,
    }

    fn irep(nregs: u16, code: &[u8]) -> TestIrep {
        TestIrep {
            nlocals: 1,
            nregs,
            code: code.to_vec(),
            handlers: vec![],
            pool: vec![],
            symbols: vec![],
            children: vec![],
        }
    }

    fn string_literal(s: &str) -> Vec<u8> {
        let mut e = vec![0];
        e.extend((s.len() as u16).to_be_bytes());
        e.extend(s.as_bytes());
        e.push(0);
        e
    }

    fn int_literal(v: i32) -> Vec<u8> {
        let mut e = vec![1];
        e.extend(v.to_be_bytes());
        e
    }

    fn big_literal(base: i8, digits: &str) -> Vec<u8> {
        let mut e = vec![7, digits.len() as u8, base as u8];
        e.extend(digits.as_bytes());
        e
    }

    fn write_record(irep: &TestIrep, out: &mut Vec<u8>) {
        let mut body = Vec::new();
        body.extend(irep.nlocals.to_be_bytes());
        body.extend(irep.nregs.to_be_bytes());
        body.extend((irep.children.len() as u16).to_be_bytes());
        body.extend((irep.handlers.len() as u16).to_be_bytes());
        body.extend((irep.code.len() as u32).to_be_bytes());
        body.extend(&irep.code);
        for &(kind, begin, end, target) in &irep.handlers {
            body.push(kind);
            body.extend(begin.to_be_bytes());
            body.extend(end.to_be_bytes());
            body.extend(target.to_be_bytes());
        }
        body.extend((irep.pool.len() as u16).to_be_bytes());
        for entry in &irep.pool {
            body.extend(entry);
        }
        body.extend((irep.symbols.len() as u16).to_be_bytes());
        for symbol in &irep.symbols {
            match symbol {
                Some(name) => {
                    body.extend((name.len() as u16).to_be_bytes());
                    body.extend(name.as_bytes());
                    body.push(0);
                }
                None => body.extend(NULL_MARK.to_be_bytes()),
            }
        }
        out.extend((body.len() as u32 + 4).to_be_bytes());
        out.extend(body);
        for child in &irep.children {
            write_record(child, out);
        }
    }

    fn section(ident: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut s = ident.to_vec();
        s.extend((body.len() as u32 + 8).to_be_bytes());
        s.extend(body);
        s
    }

    /// A RITE file with the given ireps and extra sections (ident, body) between IREP and END.
    fn rite(root: &TestIrep, extra: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut irep_body = VERSION.to_vec();
        write_record(root, &mut irep_body);
        let mut sections = section(b"IREP", &irep_body);
        for (ident, body) in extra {
            sections.extend(section(ident, body));
        }
        sections.extend(section(b"END\0", &[]));
        let mut file = b"RITE0300".to_vec();
        file.extend((HEADER_LEN as u32 + sections.len() as u32).to_be_bytes());
        file.extend(b"MATZ0000");
        file.extend(sections);
        file
    }

    /// `RETURN r1`, which ends most hand-made ireps.
    fn ret() -> Vec<u8> {
        vec![op(Op::RETURN), 1]
    }

    fn code(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    // ---- real mrbc output ----

    #[test]
    fn accepts_every_fixture() {
        for (name, bytes) in FIXTURES {
            assert_eq!(verify(bytes), Ok(()), "{name}");
        }
    }

    #[test]
    fn fixtures_cover_debug_info_local_variables_and_ext_prefixes() {
        let has = |bytes: &[u8], tag: &[u8]| bytes.windows(tag.len()).any(|w| w == tag);
        assert!(has(fixture("features_g.mrb"), b"DBG\0") && has(fixture("features_g.mrb"), b"LVAR"));
        assert!(!has(fixture("features_nolv.mrb"), b"LVAR"));
        // EXT1 (registers past 255) and EXT2 (literal and symbol indices past 255) really
        // occur in the fixtures: decode ext.mrb's top-level code and note the prefixes.
        let top_level_prefixes = |bytes: &[u8]| {
            let mut seen = [false; 3];
            let irep_start = HEADER_LEN + SECTION_HEADER_LEN + 4;
            let mut r = Reader::new(bytes, irep_start, bytes.len(), "IREP");
            r.u32("").unwrap();
            r.u16("").unwrap();
            r.u16("").unwrap();
            r.u16("").unwrap();
            r.u16("").unwrap();
            let ilen = r.u32("").unwrap() as usize;
            let iseq = r.take(ilen, "").unwrap();
            let mut at = 0;
            while at < iseq.len() {
                let insn = decode(iseq, at).unwrap();
                let first = iseq[at];
                if first >= op(Op::EXT1) && first <= op(Op::EXT3) {
                    seen[usize::from(first - op(Op::EXT1))] = true;
                }
                at = insn.next;
            }
            seen
        };
        assert!(top_level_prefixes(fixture("ext.mrb"))[1], "ext.mrb's top level uses EXT2");
        let wide = fixture("wide.mrb");
        assert!(wide.windows(2).any(|w| w[0] == op(Op::EXT1) && w[1] == op(Op::MOVE)), "wide.mrb moves into r256+");
    }

    #[test]
    fn opcode_table_matches_ops_h() {
        assert_eq!(OPCODES.len(), 106);
        for (byte, (o, _)) in OPCODES.iter().enumerate() {
            assert_eq!(*o as usize, byte, "{o:?}");
        }
        // Anchors from mruby 3.3's ops.h.
        assert_eq!((op(Op::SEND), op(Op::ENTER), op(Op::RETURN)), (47, 52, 56));
        assert_eq!((op(Op::ARRAY), op(Op::EXEC), op(Op::EXT1), op(Op::STOP)), (71, 94, 102, 105));
        assert_eq!(OPCODES[usize::from(op(Op::ENTER))].1, Operands::W);
        assert_eq!(OPCODES[usize::from(op(Op::LOADI32))].1, Operands::BSS);
    }

    // ---- header and framing ----

    #[test]
    fn refuses_what_is_not_rite() {
        assert_refused(b"", "not RITE bytecode (missing the RITE identifier)");
        assert_refused(b"puts 1", "missing the RITE identifier");
        assert_refused(b"RITE0300", "truncated: 8 bytes, shorter than the 20-byte RITE header");
    }

    #[test]
    fn refuses_other_versions() {
        for version in [b"0200", b"0301", b"0400", b"\x01\x02\x03\x04"] {
            let mut bytes = fixture("tiny.mrb").to_vec();
            bytes[4..8].copy_from_slice(version);
            assert_refused(&bytes, "unsupported RITE version");
        }
        let mut bytes = fixture("tiny.mrb").to_vec();
        bytes[4..8].copy_from_slice(b"0200");
        assert_eq!(refusal(&bytes), "unsupported RITE version 0200 (this guest runs 0300, mruby 3.3)");

        let mut iset = fixture("tiny.mrb").to_vec();
        iset[28..32].copy_from_slice(b"0201");
        assert_refused(&iset, "unsupported instruction set version 0201");
    }

    #[test]
    fn tolerates_any_compiler_name_and_version() {
        let mut bytes = fixture("blocks.mrb").to_vec();
        bytes[12..20].copy_from_slice(b"KBKO9999");
        assert_eq!(verify(&bytes), Ok(()));
    }

    #[test]
    fn refuses_every_truncation() {
        for (name, bytes) in FIXTURES {
            for len in 0..bytes.len() {
                assert!(verify(&bytes[..len]).is_err(), "{name} cut to {len} bytes");
            }
        }
        let tiny = fixture("tiny.mrb");
        assert_eq!(refusal(&tiny[..50]), format!("truncated: header says {} bytes, got 50", tiny.len()));
    }

    #[test]
    fn refuses_truncation_even_when_the_header_agrees() {
        for name in ["blocks_g.mrb", "multi_g.mrb", "tiny.mrb"] {
            let bytes = fixture(name);
            for len in HEADER_LEN..bytes.len() {
                let mut cut = bytes[..len].to_vec();
                cut[8..12].copy_from_slice(&(len as u32).to_be_bytes());
                assert!(verify(&cut).is_err(), "{name} cut to {len} bytes, size field fixed up");
            }
        }
    }

    #[test]
    fn refuses_trailing_bytes() {
        for (name, bytes) in FIXTURES {
            let mut longer = bytes.to_vec();
            longer.extend([0, 0, 0]);
            let message = refusal(&longer);
            assert!(message.starts_with("trailing bytes"), "{name}: {message}");
        }
        // Claiming the extra bytes in the header moves the problem to the END section.
        let mut longer = fixture("tiny.mrb").to_vec();
        longer.push(0);
        let len = longer.len() as u32;
        longer[8..12].copy_from_slice(&len.to_be_bytes());
        assert!(verify(&longer).is_err());
    }

    // ---- robustness ----

    #[test]
    fn never_panics_on_single_byte_corruption() {
        for (name, bytes) in FIXTURES {
            let mut copy = bytes.to_vec();
            let mut accepted = 0;
            for i in 0..copy.len() {
                for flip in [0x01u8, 0x80, 0xff, 0x5a] {
                    copy[i] ^= flip;
                    accepted += usize::from(verify(&copy).is_ok());
                    copy[i] ^= flip;
                }
            }
            // Some flips are harmless (a literal's digits, a name's letters, ...).
            assert!(accepted < copy.len() * 4, "{name}");
        }
    }

    #[test]
    fn never_panics_on_every_value_of_each_header_and_opcode_byte() {
        let bytes = fixture("blocks.mrb");
        let mut copy = bytes.to_vec();
        // The section framing, and the whole first record with its code.
        for i in 0..120.min(copy.len()) {
            for value in 0..=255u8 {
                let original = copy[i];
                copy[i] = value;
                let _ = verify(&copy);
                copy[i] = original;
            }
        }
    }

    #[test]
    fn never_panics_on_random_multi_byte_corruption() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (_, bytes) in FIXTURES {
            for _ in 0..300 {
                let mut copy = bytes.to_vec();
                for _ in 0..(next() % 8 + 1) {
                    let i = (next() % copy.len() as u64) as usize;
                    copy[i] = next() as u8;
                }
                let _ = verify(&copy);
            }
        }
    }

    // ---- hand-made ireps ----

    #[test]
    fn the_writer_makes_valid_files() {
        let mut top = irep(2, &code(&[&[op(Op::LOADI_1), 1], &ret()]));
        top.children.push(irep(2, &code(&[&[op(Op::LOADNIL), 1], &ret()])));
        assert_eq!(verify(&rite(&top, &[])), Ok(()));
    }

    #[test]
    fn refuses_registers_out_of_range() {
        let cases: &[(&[u8], &str)] = &[
            (&[op(Op::MOVE), 1, 3], "instruction at 0 (MOVE) uses register 3, but the irep has 3 registers"),
            (&[op(Op::LOADI_1), 7], "uses register 7"),
            // SEND r1 with 1 argument touches r1, r2 and the block slot r3.
            (&[op(Op::SEND), 1, 0, 1], "(SEND) uses register 3"),
            // n = 15 (one packed Array) and k = 15 (one Hash): r1, r2, r3 and block r4.
            (&[op(Op::SEND), 0, 0, 0xff], "(SEND) uses register 3"),
            (&[op(Op::SUPER), 1, 0x02], "(SUPER) uses register 4"),
            (&[op(Op::ADD), 1], "(ADD) uses register 3"),
            (&[op(Op::GETIDX), 1], "(GETIDX) uses register 3"),
            (&[op(Op::SETIDX), 0], "(SETIDX) uses register 3"),
            (&[op(Op::ARRAY), 1, 3], "(ARRAY) uses register 3"),
            (&[op(Op::ARRAY2), 0, 3, 1], "(ARRAY2) uses register 3"),
            (&[op(Op::ARRAY2), 0, 2, 2], "(ARRAY2) uses register 3"),
            (&[op(Op::ARYPUSH), 0, 3], "(ARYPUSH) uses register 3"),
            (&[op(Op::APOST), 1, 0, 2], "(APOST) uses register 3"),
            (&[op(Op::HASH), 0, 2], "(HASH) uses register 3"),
            (&[op(Op::HASHADD), 1, 1], "(HASHADD) uses register 3"),
            (&[op(Op::SETMCNST), 2, 0], "(SETMCNST) uses register 3"),
            // ARGARY writes a, a+1 (and a+2 with kd); from the frame it reads r1..block.
            (&[op(Op::ARGARY), 1, 0x00, 0x10], "(ARGARY) uses register 3"),
            (&[op(Op::ARGARY), 0, 0x10, 0x00], "(ARGARY) uses register 3"),
            (&[op(Op::BLKPUSH), 0, 0x00, 0x40], "(BLKPUSH) uses register 3"),
            (&[op(Op::EXT1), op(Op::LOADNIL), 0x01, 0x00], "(LOADNIL) uses register 256"),
        ];
        for (insn, needle) in cases {
            let mut top = irep(3, &code(&[insn, &ret()]));
            top.symbols = vec![Some("x")];
            assert_refused(&rite(&top, &[]), needle);
        }
        let mut fine = irep(4, &code(&[&[op(Op::SEND), 1, 0, 1], &ret()]));
        fine.symbols = vec![Some("x")];
        assert_eq!(verify(&rite(&fine, &[])), Ok(()));
    }

    #[test]
    fn decodes_ext_prefixes_as_vm_c_does() {
        let mut wide = irep(300, &code(&[&[op(Op::EXT1), op(Op::MOVE), 0x01, 0x2b, 1], &ret()]));
        assert_eq!(verify(&rite(&wide, &[])), Ok(()));
        // EXT3 leaves a lone B operand narrow (FETCH_B_3 is FETCH_B): LOADNIL r1.
        wide.code = code(&[&[op(Op::EXT3), op(Op::LOADNIL), 1], &ret()]);
        assert_eq!(verify(&rite(&wide, &[])), Ok(()));
        // EXT2 widens MOVE's b to 299 (needs 300 registers) and EXT3 both a and b.
        wide.code = code(&[&[op(Op::EXT2), op(Op::MOVE), 1, 0x01, 0x2b], &ret()]);
        assert_eq!(verify(&rite(&wide, &[])), Ok(()));
        wide.code = code(&[&[op(Op::EXT3), op(Op::MOVE), 0x01, 0x2c, 0x00, 0x01], &ret()]);
        assert_refused(&rite(&wide, &[]), "(MOVE) uses register 300, but the irep has 300 registers");
        wide.code = code(&[&[op(Op::EXT1), op(Op::EXT2), op(Op::MOVE), 1, 1, 1], &ret()]);
        assert_refused(&rite(&wide, &[]), "two EXT prefixes in a row");
        wide.code = code(&[&ret(), &[op(Op::EXT1)]]);
        assert_refused(&rite(&wide, &[]), "instruction at 2 (EXT1) runs past the end of the code");
        wide.code = vec![op(Op::MOVE), 1];
        assert_refused(&rite(&wide, &[]), "instruction at 0 (MOVE) runs past the end of the code");
    }

    #[test]
    fn refuses_unknown_and_untrusting_opcodes() {
        for byte in [106u8, 200, 255] {
            assert_refused(&rite(&irep(2, &code(&[&[byte], &ret()])), &[]), &format!("instruction at 0: unknown opcode {byte}"));
        }
        assert_refused(&rite(&irep(2, &code(&[&[op(Op::EXT2), 106], &ret()])), &[]), "unknown opcode 106");
        for bad in [vec![op(Op::CALL)], vec![op(Op::ASET), 1, 1, 0], vec![op(Op::DEBUG), 0, 0, 0]] {
            assert_refused(&rite(&irep(2, &code(&[&bad, &ret()])), &[]), "is not produced by mrbc");
        }
    }

    #[test]
    fn refuses_bad_pool_references() {
        let mut top = irep(2, &code(&[&[op(Op::STRING), 1, 1], &ret()]));
        top.pool = vec![string_literal("hi")];
        assert_refused(&rite(&top, &[]), "(STRING) uses literal 1, but the pool has 1 entries");
        top.pool.push(int_literal(5));
        assert_refused(&rite(&top, &[]), "(STRING) needs a string literal, but literal 1 is an integer");
        top.code = code(&[&[op(Op::ERR), 1]]);
        assert_refused(&rite(&top, &[]), "(ERR) needs a string literal");
        top.code = code(&[&[op(Op::ERR), 0]]);
        assert_eq!(verify(&rite(&top, &[])), Ok(()));
        // LOADL takes any literal (a string one loads nil).
        top.code = code(&[&[op(Op::LOADL), 1, 0, op(Op::LOADL), 1, 1], &ret()]);
        assert_eq!(verify(&rite(&top, &[])), Ok(()));
        top.code = code(&[&[op(Op::LOADL), 1, 2], &ret()]);
        assert_refused(&rite(&top, &[]), "(LOADL) uses literal 2");
    }

    #[test]
    fn checks_pool_entries() {
        let mut top = irep(2, &code(&[&[op(Op::LOADL), 1, 0], &ret()]));
        for (entry, ok) in [
            (big_literal(10, "123_456"), true),
            (big_literal(-16, "ffFF"), true),
            (big_literal(1, "0"), false),
            (big_literal(37, "z"), false),
            (big_literal(10, "-12"), false),
            (big_literal(8, "9"), false),
            (vec![9, 0, 0], false),
        ] {
            top.pool = vec![entry.clone()];
            assert_eq!(verify(&rite(&top, &[])).is_ok(), ok, "{entry:?}");
        }
        let mut unterminated = string_literal("ab");
        *unterminated.last_mut().unwrap() = b'!';
        top.pool = vec![unterminated];
        assert_refused(&rite(&top, &[]), "pool string 0 is not NUL-terminated");
    }

    #[test]
    fn refuses_bad_symbol_references() {
        let mut top = irep(2, &code(&[&[op(Op::GETCONST), 1, 2], &ret()]));
        top.symbols = vec![Some("A"), None];
        assert_refused(&rite(&top, &[]), "(GETCONST) uses symbol 2, but the irep has 2 symbols");
        top.code = code(&[&[op(Op::GETCONST), 1, 1], &ret()]);
        assert_refused(&rite(&top, &[]), "uses symbol 1, which is the null symbol");
        top.code = code(&[&[op(Op::ALIAS), 0, 5], &ret()]);
        assert_refused(&rite(&top, &[]), "(ALIAS) uses symbol 5");
        top.code = code(&[&[op(Op::UNDEF), 3], &ret()]);
        assert_refused(&rite(&top, &[]), "(UNDEF) uses symbol 3");
        top.code = code(&[&[op(Op::SEND), 1, 4, 0], &ret()]);
        assert_refused(&rite(&top, &[]), "(SEND) uses symbol 4");
        // An unreferenced null symbol is harmless.
        top.code = code(&[&[op(Op::GETCONST), 1, 0], &ret()]);
        assert_eq!(verify(&rite(&top, &[])), Ok(()));
    }

    #[test]
    fn refuses_bad_child_references() {
        let mut top = irep(2, &code(&[&[op(Op::BLOCK), 1, 1], &ret()]));
        top.children.push(irep(2, &ret()));
        assert_refused(&rite(&top, &[]), "instruction at 0 (BLOCK) uses child irep 1, but the irep has 1 children");
        for o in [Op::LAMBDA, Op::METHOD, Op::EXEC] {
            top.code = code(&[&[op(o), 1, 3], &ret()]);
            assert_refused(&rite(&top, &[]), &format!("({o:?}) uses child irep 3"));
        }
        top.code = code(&[&[op(Op::LAMBDA), 1, 0], &ret()]);
        assert_eq!(verify(&rite(&top, &[])), Ok(()));
    }

    #[test]
    fn checks_jump_targets() {
        // 0: JMP +2 -> 5;  3: LOADNIL r1;  5: RETURN r1
        let good = code(&[&[op(Op::JMP), 0, 2, op(Op::LOADNIL), 1], &ret()]);
        assert_eq!(verify(&rite(&irep(2, &good), &[])), Ok(()));
        let cases: &[(&[u8], &str)] = &[
            (&[op(Op::JMP), 0, 1, op(Op::LOADNIL), 1], "(JMP) jumps to 4, the middle of an instruction (0..7)"),
            (&[op(Op::JMP), 0, 9, op(Op::LOADNIL), 1], "(JMP) jumps to 12, outside the code"),
            (&[op(Op::JMP), 0, 4, op(Op::LOADNIL), 1], "(JMP) jumps to 7, outside the code"),
            (&[op(Op::JMP), 0xff, 0xfc, op(Op::LOADNIL), 1], "(JMP) jumps to -1, outside the code"),
            (&[op(Op::JMPUW), 0, 1, op(Op::LOADNIL), 1], "(JMPUW) jumps to 4"),
        ];
        for (head, needle) in cases {
            assert_refused(&rite(&irep(2, &code(&[head, &ret()])), &[]), needle);
        }
        // A backward jump to 0, and a conditional jump with the offset after an EXT1 operand.
        let back = code(&[&[op(Op::LOADT), 1, op(Op::JMPNOT), 1, 0xff, 0xfa], &ret()]);
        assert_eq!(verify(&rite(&irep(2, &back), &[])), Ok(()));
        let wide = code(&[&[op(Op::EXT1), op(Op::JMPIF), 0, 1, 0, 0], &ret()]);
        assert_eq!(verify(&rite(&irep(2, &wide), &[])), Ok(()));
        let wide_mid = code(&[&[op(Op::EXT1), op(Op::JMPIF), 0, 1, 0, 1], &ret()]);
        assert_refused(&rite(&irep(2, &wide_mid), &[]), "(JMPIF) jumps to 7, the middle of an instruction");
    }

    #[test]
    fn refuses_code_that_can_run_off_its_end() {
        assert_refused(&rite(&irep(2, &[op(Op::LOADNIL), 1]), &[]), "the last instruction, at 0 (LOADNIL), can continue past the end");
        assert_refused(&rite(&irep(2, &[op(Op::JMPIF), 1, 0, 0]), &[]), "(JMPIF), can continue past the end");
        for last in [vec![op(Op::STOP)], vec![op(Op::BREAK), 1], vec![op(Op::RETURN_BLK), 1], vec![op(Op::JMP), 0xff, 0xfd]] {
            assert_eq!(verify(&rite(&irep(2, &last), &[])), Ok(()), "{last:?}");
        }
    }

    #[test]
    fn checks_enter() {
        // ENTER 1:2:0:0:0:0:0 then its jump table of o + 1 = 3 JMPs.
        let aspec = (1 << 18) | (2 << 13);
        let enter = [op(Op::ENTER), (aspec >> 16) as u8, (aspec >> 8) as u8, aspec as u8];
        let table = [op(Op::JMP), 0, 6, op(Op::JMP), 0, 3, op(Op::JMP), 0, 0];
        let method = irep(5, &code(&[&enter, &table, &ret()]));
        assert_eq!(verify(&rite(&method, &[])), Ok(()));
        // Block slot 1 + 2 + 1 = 4 needs 5 registers.
        let mut small = method.clone();
        small.nregs = 4;
        assert_refused(&rite(&small, &[]), "(ENTER) uses register 4, but the irep has 4 registers");
        // Without the table, ENTER's skips land in the middle of what follows.
        let skips = irep(5, &code(&[&enter, &[op(Op::LOADNIL), 1, op(Op::LOADI16), 1, 0, 0], &ret()]));
        assert_refused(&rite(&skips, &[]), "(ENTER) can skip to 7, the middle of an instruction");
        let later = irep(5, &code(&[&[op(Op::NOP)], &enter, &table, &ret()]));
        assert_refused(&rite(&later, &[]), "instruction at 1 (ENTER) is only accepted as the first instruction");
    }

    #[test]
    fn checks_outer_frames_read_with_keyword_slots() {
        // BLKPUSH r1, m1=1 kd=1 lv=1: reads slot 1 + 1 + 1 = 3 of the parent's frame.
        let blkpush = [op(Op::BLKPUSH), 1, 0x08, 0x11];
        let mut parent = irep(5, &ret());
        parent.nlocals = 3;
        parent.children.push(irep(2, &code(&[&blkpush, &ret()])));
        assert_refused(&rite(&parent, &[]), "(BLKPUSH) reads slot 3 of the scope 1 level(s) out, which has 3 locals");
        parent.nlocals = 4;
        assert_eq!(verify(&rite(&parent, &[])), Ok(()));
        // Two levels out is past this file's outermost scope.
        parent.children[0].code = code(&[&[op(Op::ARGARY), 1, 0x08, 0x12], &ret()]);
        parent.children[0].nregs = 4;
        assert_refused(&rite(&parent, &[]), "(ARGARY) reads a scope 2 level(s) out, outside this file");
        // Without kd vm.c's own check is exact.
        parent.children[0].code = code(&[&[op(Op::ARGARY), 1, 0x08, 0x02], &ret()]);
        assert_eq!(verify(&rite(&parent, &[])), Ok(()));
    }

    #[test]
    fn checks_catch_handlers() {
        // 0: LOADNIL r1; 2: LOADT r1; 4: RETURN r1
        let body = code(&[&[op(Op::LOADNIL), 1, op(Op::LOADT), 1], &ret()]);
        let with = |handler| {
            let mut top = irep(2, &body);
            top.handlers = vec![handler];
            rite(&top, &[])
        };
        assert_eq!(verify(&with((0, 0, 2, 4))), Ok(()));
        assert_eq!(verify(&with((1, 0, 6, 2))), Ok(()));
        assert_refused(&with((2, 0, 2, 4)), "catch handler 0 has unknown type 2");
        assert_refused(&with((0, 0, 7, 4)), "catch handler 0 covers 0..7, not a range within 0..6");
        assert_refused(&with((0, 4, 2, 4)), "covers 4..2");
        assert_refused(&with((0, 0, 2, 3)), "catch handler 0 jumps to 3, which is not the start of an instruction");
        assert_refused(&with((0, 0, 2, 6)), "jumps to 6");
    }

    #[test]
    fn checks_irep_record_shape() {
        assert_refused(&rite(&irep(2, &[]), &[]), "irep 0 has no instructions");
        let mut top = irep(2, &ret());
        top.nlocals = 2;
        assert_refused(&rite(&top, &[]), "irep 0 has 2 locals but 2 registers");
        // The record size field must match.
        let mut bytes = rite(&irep(2, &ret()), &[]);
        let size_at = HEADER_LEN + SECTION_HEADER_LEN + 4 + 3;
        bytes[size_at] += 1;
        assert_refused(&bytes, "irep 0: the record says it is");
        // A child irep the record announces but the section does not hold.
        let mut short = rite(&irep(2, &ret()), &[]);
        let rlen_at = HEADER_LEN + SECTION_HEADER_LEN + 4 + 8;
        short[rlen_at + 1] = 1;
        assert_refused(&short, "truncated: the record size of irep 1");
    }

    #[test]
    fn caps_nesting_depth() {
        let nested = |depth: usize| {
            let mut node = irep(2, &ret());
            for _ in 0..depth {
                let mut parent = irep(2, &ret());
                parent.children.push(node);
                node = parent;
            }
            rite(&node, &[])
        };
        assert_eq!(verify(&nested(MAX_DEPTH)), Ok(()));
        assert_refused(&nested(MAX_DEPTH + 1), "nested more than 256 deep");
    }

    // ---- sections ----

    #[test]
    fn checks_section_layout() {
        let top = irep(2, &ret());
        assert_refused(&rite(&top, &[(b"XTRA", vec![])]), "unknown section XTRA at byte");
        let lvar = 0u32.to_be_bytes().to_vec();
        assert_eq!(verify(&rite(&top, &[(b"LVAR", lvar.clone())])), Ok(()));
        assert_refused(&rite(&top, &[(b"LVAR", lvar.clone()), (b"LVAR", lvar)]), "the LVAR section appears twice");
        assert_refused(&rite(&top, &[(b"IREP", vec![])]), "the IREP section appears twice");

        // END must close the file, and the IREP section must come first.
        let mut bytes = rite(&top, &[]);
        let end = bytes.len() - 8;
        bytes[end + 7] = 9;
        assert_refused(&bytes, "the END section at byte");
        let mut no_end = rite(&top, &[]);
        no_end.truncate(no_end.len() - 8);
        let len = no_end.len() as u32;
        no_end[8..12].copy_from_slice(&len.to_be_bytes());
        assert_refused(&no_end, "truncated: a section header at byte");
        let mut end_first = b"RITE0300\0\0\0\x1cMATZ0000".to_vec();
        end_first.extend(section(b"END\0", &[]));
        assert_refused(&end_first, "the END section at byte 20 is out of place");
        let mut small = rite(&top, &[]);
        small[HEADER_LEN + 7] = 4;
        assert_refused(&small, "claims 4 bytes, less than its own header");
        // An IREP section longer than its records.
        let mut padded = rite(&top, &[]);
        let irep_len = be32(&padded[HEADER_LEN + 4..HEADER_LEN + 8]) + 2;
        padded[HEADER_LEN + 4..HEADER_LEN + 8].copy_from_slice(&irep_len.to_be_bytes());
        let at = padded.len() - 8;
        padded.splice(at..at, [0, 0]);
        let total = padded.len() as u32;
        padded[8..12].copy_from_slice(&total.to_be_bytes());
        assert_refused(&padded, "the IREP section has 2 bytes after its last irep record");
    }

    /// One file of a debug record: start, file name index, line table type, the table's
    /// bytes and its entry count.
    type DebugFile = (u32, u16, u8, Vec<u8>, u32);

    /// A DBG body: file names, then per irep (file order) its files.
    fn debug_body(files: &[&str], records: &[Vec<DebugFile>]) -> Vec<u8> {
        let mut body = (files.len() as u16).to_be_bytes().to_vec();
        for f in files {
            body.extend((f.len() as u16).to_be_bytes());
            body.extend(f.as_bytes());
        }
        for record in records {
            let mut rec = (record.len() as u16).to_be_bytes().to_vec();
            for (start, name, kind, table, count) in record {
                rec.extend(start.to_be_bytes());
                rec.extend(name.to_be_bytes());
                rec.extend(count.to_be_bytes());
                rec.push(*kind);
                rec.extend(table);
            }
            body.extend((rec.len() as u32 + 4).to_be_bytes());
            body.extend(rec);
        }
        body
    }

    #[test]
    fn checks_debug_section() {
        // 0: LOADNIL r1; 2: RETURN r1
        let top = irep(2, &code(&[&[op(Op::LOADNIL), 1], &ret()]));
        let dbg = |records: Vec<DebugFile>| rite(&top, &[(b"DBG\0", debug_body(&["a.rb", "b.rb"], &[records]))]);
        let packed = vec![0, 1, 2, 1];
        assert_eq!(verify(&dbg(vec![(0, 0, 2, packed.clone(), 4)])), Ok(()));
        assert_eq!(verify(&dbg(vec![(0, 0, 2, packed.clone(), 4), (2, 1, 0, vec![0, 7], 1)])), Ok(()));
        assert_eq!(verify(&dbg(vec![(0, 1, 1, vec![0, 0, 0, 0, 0, 3], 1)])), Ok(()));
        assert_refused(&dbg(vec![]), "irep 0: its debug record names no file");
        assert_refused(&dbg(vec![(1, 0, 2, packed.clone(), 4)]), "a debug file range starts at 1");
        assert_refused(&dbg(vec![(0, 0, 2, vec![], 0), (0, 1, 2, vec![], 0)]), "starts at 0, not in increasing order");
        assert_refused(&dbg(vec![(0, 0, 2, vec![], 0), (4, 1, 2, vec![], 0)]), "starts at 4");
        assert_refused(&dbg(vec![(0, 2, 2, packed.clone(), 4)]), "debug info names file 2, but the table has 2");
        assert_refused(&dbg(vec![(0, 0, 3, vec![], 0)]), "unknown line table type 3");
        // A pair cut short, and a varint whose continuation bit runs off the table.
        assert_refused(&dbg(vec![(0, 0, 2, vec![0, 1, 2], 3)]), "its packed line table ends inside an entry");
        assert_refused(&dbg(vec![(0, 0, 2, vec![0, 0x81], 2)]), "ends inside an entry");
        // Five continuation bytes are as long as mrb_packed_int_decode reads.
        assert_eq!(verify(&dbg(vec![(0, 0, 2, vec![0xff, 0xff, 0xff, 0xff, 0xff, 1], 6)])), Ok(()));
        // A line count larger than the section.
        assert_refused(&dbg(vec![(0, 0, 0, vec![], 0x8000_0000)]), "truncated: a line table of irep 0");
        // A record whose size field disagrees.
        let mut body = debug_body(&["a.rb"], &[vec![(0, 0, 2, packed, 4)]]);
        let size_at = 2 + 2 + 4 + 3;
        body[size_at] += 1;
        assert_refused(&rite(&top, &[(b"DBG\0", body)]), "the debug record says it is");
        // One record per irep: a child without one.
        let mut parent = top.clone();
        parent.children.push(irep(2, &ret()));
        let one = debug_body(&["a.rb"], &[vec![(0, 0, 2, vec![], 0)]]);
        assert_refused(&rite(&parent, &[(b"DBG\0", one)]), "truncated: the debug record size of irep 1");
    }

    fn lvar_body(names: &[&str], records: &[&[u16]]) -> Vec<u8> {
        let mut body = (names.len() as u32).to_be_bytes().to_vec();
        for n in names {
            body.extend((n.len() as u16).to_be_bytes());
            body.extend(n.as_bytes());
        }
        for record in records {
            for index in *record {
                body.extend(index.to_be_bytes());
            }
        }
        body
    }

    #[test]
    fn checks_local_variable_section() {
        let mut top = irep(4, &ret());
        top.nlocals = 3;
        let lvar = |records: &[&[u16]]| rite(&top, &[(b"LVAR", lvar_body(&["a", "b"], records))]);
        assert_eq!(verify(&lvar(&[&[0, NULL_MARK]])), Ok(()));
        assert_refused(&lvar(&[&[0, 2]]), "irep 0: a local variable has name index 2, but the table has 2 names");
        assert_refused(&lvar(&[&[0]]), "truncated: a local variable name index of irep 0");
        assert_refused(&lvar(&[&[0, 1, 1]]), "the LVAR section has 2 bytes after its last record");
        let mut nameless = irep(2, &ret());
        nameless.nlocals = 0;
        assert_refused(&rite(&nameless, &[(b"LVAR", lvar_body(&[], &[]))]), "irep 0 has no locals");
        // Proc#parameters reads one name per declared parameter.
        let aspec: u32 = 3 << 18;
        let enter = [op(Op::ENTER), (aspec >> 16) as u8, (aspec >> 8) as u8, aspec as u8];
        let mut method = irep(5, &code(&[&enter, &ret()]));
        method.nlocals = 3;
        let file = |m: &TestIrep| rite(m, &[(b"LVAR", lvar_body(&["a"], &[&[0, 0]]))]);
        assert_refused(&file(&method), "irep 0: ENTER declares 3 parameters but only 2 locals have names");
        method.nlocals = 4;
        let names = rite(&method, &[(b"LVAR", lvar_body(&["a"], &[&[0, 0, 0]]))]);
        assert_eq!(verify(&names), Ok(()));
        // mrbc's `for` blocks declare a parameter but have no locals: load.c then leaves
        // the name array NULL, which Proc#parameters checks for.
        method.nlocals = 1;
        assert_eq!(verify(&rite(&method, &[(b"LVAR", lvar_body(&["a"], &[&[]]))])), Ok(()));
        // A name table count no section could hold.
        let mut huge = lvar_body(&["a", "b"], &[&[0, 1]]);
        huge[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_refused(&rite(&top, &[(b"LVAR", huge)]), "truncated: a local variable name");
    }

    #[test]
    fn messages_name_the_problem_and_the_place() {
        // Pre-order numbering: 0 the top, 1 its first child, 2 that child's child, 3 the
        // top's second child.
        let mut first = irep(2, &ret());
        first.children.push(irep(2, &ret()));
        // SEND r7 with one argument: r7, r8 and the block slot r9.
        let mut second = irep(8, &code(&[&[op(Op::NOP); 12], &[op(Op::SEND), 7, 0, 1], &ret()]));
        second.symbols = vec![Some("puts")];
        let mut top = irep(2, &ret());
        top.children = vec![first, second];
        assert_eq!(
            refusal(&rite(&top, &[])),
            "irep 3: instruction at 12 (SEND) uses register 9, but the irep has 8 registers"
        );
    }
}
