# `x += 1` on a local: mruby 3.3's peephole turns MOVE tmp, x; ADDI tmp, 1; MOVE x, tmp
# into ADDI x, 1. When x is not an Integer or Float (a bignum, a BigDecimal, a Time) the
# VM sends :+ with the argument in the register after x, which is the next local: it
# silently became 1 (`x = 2**70; y = -36; x += 1` left y == 1). The fold is kept only when
# the register after the local is the temporary being folded away (free from here on);
# otherwise the local keeps its three instructions.
KobakoMrubyPatches.add_all [
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "ADDI/SUBI on a local's register overwrites the next local when the VM falls back to a send",
    from: "        if (data0.insn != OP_MOVE || data0.a != data.a || data0.b != dst) goto normal;\n",
    to: "        if (data0.insn != OP_MOVE || data0.a != data.a || data0.b != dst) goto normal;\n" \
        "        if (dst + 1 != src) goto normal; /* kobako: the send fallback writes dst + 1 */\n"
  }
]
