# Assembles tiny wasm modules that speak the kobako export ABI but misbehave on purpose,
# so specs can feed the host malformed outcomes, bad pointers and traps (contract E-3)
# without touching the real guest.
module HostileGuest
  I32 = 0x7f
  I64 = 0x7e
  OUTCOME_AT = 1024

  # Function types by name: [params, results].
  TYPES = {
    void: [[], []], ret_i32: [[], [I32]], ret_i64: [[], [I64]], i32_i32: [[I32], [I32]],
    i32x2_void: [[I32, I32], []], i32x2_i64: [[I32, I32], [I64]], i32x4_i32: [[I32] * 4, [I32]],
    i32_void: [[I32], []], i64_void: [[I64], []]
  }.freeze
  IMPORTABLE = {
    "fd_write" => ["wasi_snapshot_preview1", :i32x4_i32],
    "proc_exit" => ["wasi_snapshot_preview1", :i32_void],
    "__kobako_dispatch" => ["env", :i32x2_i64],
    "__kobako_compiled" => ["env", :i32x2_void],
    "socket_open" => ["evil_host", :i32_i32]
  }.freeze

  module_function

  # outcome:      bytes placed in memory and returned by __kobako_take_outcome
  # take_outcome: override the packed (ptr << 32 | len) result
  # eval_code:    instruction bytes for __kobako_eval and __kobako_eval_compiled (imports
  #               are callable as 0, 1, ...)
  def build(outcome: "\x00\xc0".b, take_outcome: nil, abi_version: Kobako::Runtime::ABI_VERSION, eval_code: "".b, imports: [])
    outcome = outcome.b
    packed = take_outcome || ((OUTCOME_AT << 32) | outcome.bytesize)
    type_names = TYPES.keys
    type_index = ->(name) { type_names.index(name) }

    funcs = [
      ["__kobako_alloc", :i32_i32, i32_const(0)],
      ["__kobako_eval", :void, eval_code.b],
      ["__kobako_run", :i32x2_void, "".b],
      ["__kobako_take_outcome", :ret_i64, i64_const(packed)],
      ["__kobako_yield_to_block", :i32x2_i64, i64_const(0)],
      ["__kobako_abi_version", :ret_i32, i32_const(abi_version)],
      ["__kobako_init", :ret_i32, i32_const(1)],
      ["__kobako_seed", :i64_void, "".b],
      ["__kobako_eval_compiled", :void, eval_code.b],
      ["__kobako_keep_bytecode", :void, "".b],
      ["__kobako_session", :ret_i32, i32_const(1)]
    ]

    types = vec(TYPES.values.map { |params, results| "\x60".b + vec(params.map(&:chr)) + vec(results.map(&:chr)) })
    import_entries = imports.map do |name|
      mod, type = IMPORTABLE.fetch(name)
      str(mod) + str(name) + "\x00".b + uleb(type_index.(type))
    end
    functions = vec(funcs.map { |_, type, _| uleb(type_index.(type)) })
    memory = vec(["\x00".b + uleb(1)])
    exports = vec(funcs.each_with_index.map { |(name, _, _), i| str(name) + "\x00".b + uleb(imports.size + i) } +
                  [str("memory") + "\x02\x00".b])
    code = vec(funcs.map do |_, _, body|
      entry = vec([]) + body + "\x0b".b
      uleb(entry.bytesize) + entry
    end)
    data = vec(["\x00".b + i32_const(OUTCOME_AT) + "\x0b".b + uleb(outcome.bytesize) + outcome])

    "\0asm\x01\0\0\0".b + section(1, types) + (imports.empty? ? "".b : section(2, vec(import_entries))) +
      section(3, functions) + section(5, memory) + section(7, exports) + section(10, code) + section(11, data)
  end

  # Instruction helpers for eval_code.
  def i32_const(v) = "\x41".b + sleb(v)
  def i64_const(v) = "\x42".b + sleb(v >= 2**63 ? v - 2**64 : v)
  def call(index) = "\x10".b + uleb(index)
  def drop = "\x1a".b
  def unreachable = "\x00".b
  def memory_grow = "\x40\x00".b
  def forever = "\x03\x40\x0c\x00\x0b".b # loop; br 0; end

  def section(id, body) = id.chr.b + uleb(body.bytesize) + body
  def vec(items) = uleb(items.size) + items.map(&:b).join.b
  def str(s) = uleb(s.bytesize) + s.b

  def uleb(n)
    out = "".b
    loop do
      byte = n & 0x7f
      n >>= 7
      out << (n.zero? ? byte : byte | 0x80).chr
      return out if n.zero?
    end
  end

  def sleb(n)
    out = "".b
    loop do
      byte = n & 0x7f
      n >>= 7
      done = (n.zero? && byte & 0x40 == 0) || (n == -1 && byte & 0x40 != 0)
      out << (done ? byte : byte | 0x80).chr
      return out if done
    end
  end
end
