# Source fixes applied to the pinned mruby before it is built (see docs/decisions.md).
# Each entry replaces one exact snippet; a missing snippet fails the build loudly, so a
# version bump cannot silently drop a fix.
module KobakoMrubyPatches
  PATCHES = [
    {
      file: "src/vm.c",
      why: "method_missing lost keyword arguments when the call had no positional " \
           "arguments or a splat (kwargs were read after their slot was overwritten)",
      from: <<~C,
        \  mrb_value *argv = &ci->stack[1];
        \  mrb_value args;
        \  mrb_method_t m;

        \  /* pack positional arguments */
        \  if (ci->n == 15) args = argv[0];
        \  else args = mrb_ary_new_from_values(mrb, ci->n, argv);
      C
      to: <<~C
        \  mrb_value *argv = &ci->stack[1];
        \  mrb_value args;
        \  mrb_method_t m;
        \  /* kobako: the keyword hash sits after the positional slots; read it before they move */
        \  mrb_value kdict = (ci->nk == 0) ? mrb_nil_value() : argv[ci->n == 15 ? 1 : ci->n];

        \  /* pack positional arguments */
        \  if (ci->n == 15) args = argv[0];
        \  else args = mrb_ary_new_from_values(mrb, ci->n, argv);
      C
    },
    {
      file: "src/vm.c",
      why: "second half of the method_missing keyword fix",
      from: <<~C,
        \    mrb_assert(ci->nk == 15);
        \    argv[1] = argv[ci->n];
        \    argv[2] = blk;
      C
      to: <<~C
        \    mrb_assert(ci->nk == 15);
        \    argv[1] = kdict;
        \    argv[2] = blk;
      C
    },
    # The VM assumes the types mrbc's code guarantees; preloaded bytecode is untrusted
    # (the verifier in ext/guest/src/rite.rs checks indices, not types), so these
    # assumptions become TypeErrors instead of reads through a wrong pointer.
    {
      file: "src/vm.c",
      why: "ARYCAT/ARYPUSH/ASET trusted their register to hold an Array",
      count: 3,
      from: "mrb_assert(mrb_array_p(regs[a]));",
      to: "if (!mrb_array_p(regs[a])) RAISE_LIT(mrb, E_TYPE_ERROR, \"bytecode expected an Array\");"
    },
    {
      file: "src/vm.c",
      why: "INTERN/STRCAT trusted their register to hold a String",
      count: 2,
      from: "mrb_assert(mrb_string_p(regs[a]));",
      to: "if (!mrb_string_p(regs[a])) RAISE_LIT(mrb, E_TYPE_ERROR, \"bytecode expected a String\");"
    },
    {
      file: "src/vm.c",
      why: "HASHCAT trusted its register to hold a Hash",
      from: "mrb_assert(mrb_hash_p(hash));",
      to: "if (!mrb_hash_p(hash)) RAISE_LIT(mrb, E_TYPE_ERROR, \"bytecode expected a Hash\");"
    },
    {
      file: "src/vm.c",
      why: "DEF trusted its registers to hold a class and a method body",
      from: <<~C,
        \    CASE(OP_DEF, BB) {
        \      struct RClass *target = mrb_class_ptr(regs[a]);
      C
      to: <<~C
        \    CASE(OP_DEF, BB) {
        \      if (!mrb_class_p(regs[a]) && !mrb_module_p(regs[a]) && !mrb_sclass_p(regs[a])) RAISE_LIT(mrb, E_TYPE_ERROR, "bytecode expected a class");
        \      if (!mrb_proc_p(regs[a+1])) RAISE_LIT(mrb, E_TYPE_ERROR, "bytecode expected a method body");
        \      struct RClass *target = mrb_class_ptr(regs[a]);
      C
    },
    {
      file: "src/vm.c",
      why: "EXEC trusted its register to hold a class",
      from: <<~C,
        \      mrb_value recv = regs[a];
        \      struct RProc *p;
        \      const mrb_irep *nirep = irep->reps[b];
      C
      to: <<~C
        \      mrb_value recv = regs[a];
        \      struct RProc *p;
        \      const mrb_irep *nirep = irep->reps[b];
        \      if (!mrb_class_p(recv) && !mrb_module_p(recv) && !mrb_sclass_p(recv)) RAISE_LIT(mrb, E_TYPE_ERROR, "bytecode expected a class");
      C
    },
    {
      file: "src/vm.c",
      why: "a send with packed arguments (n = 15) trusted R[a+1] to be an Array",
      from: <<~C,
        \      if (nk == CALL_MAXARGS) {
        \        mrb_ensure_hash_type(mrb, regs[a+(n==CALL_MAXARGS?1:n)+1]);
      C
      to: <<~C
        \      if (n == CALL_MAXARGS && !mrb_array_p(regs[a+1])) RAISE_LIT(mrb, E_TYPE_ERROR, "bytecode expected packed arguments");
        \      if (nk == CALL_MAXARGS) {
        \        mrb_ensure_hash_type(mrb, regs[a+(n==CALL_MAXARGS?1:n)+1]);
      C
    },
    {
      file: "src/vm.c",
      why: "OP_ENTER trusted packed arguments to be an Array (a 15-parameter block that redoes)",
      from: <<~C,
        \      /* keyword arguments */
        \      if (ci->nk == 15) {
      C
      to: <<~C
        \      if (argc == 15 && !mrb_array_p(regs[1])) RAISE_LIT(mrb, E_TYPE_ERROR, "packed arguments are not an Array");
        \      /* keyword arguments */
        \      if (ci->nk == 15) {
      C
    },
    {
      file: "src/vm.c",
      why: "RAISEIF raised whatever its register held (an Integer was dereferenced)",
      from: <<~C,
        \        mrb_callinfo *ci;
        \        mrb_exc_set(mrb, exc);
        \      L_RAISE:
      C
      to: <<~C
        \        mrb_callinfo *ci;
        \        if (!mrb_obj_is_kind_of(mrb, exc, mrb->eException_class)) exc = mrb_exc_new_lit(mrb, E_TYPE_ERROR, "bytecode raised a non-exception");
        \        mrb_exc_set(mrb, exc);
        \      L_RAISE:
      C
    }
  ].freeze

  module_function

  def apply(src_dir)
    PATCHES.each do |patch|
      path = File.join(src_dir, patch[:file])
      text = File.read(path)
      expected = patch.fetch(:count, 1)
      count = text.scan(patch[:from]).size
      unless count == expected
        raise "mruby patch does not apply to #{patch[:file]} (#{patch[:why]}): found #{count} matches, expected #{expected}"
      end

      File.write(path, text.gsub(patch[:from]) { patch[:to] })
    end
  end

  # Part of the source stamp, so editing a patch re-extracts and rebuilds mruby.
  def digest
    require "digest"
    Digest::SHA256.hexdigest(Marshal.dump(PATCHES))
  end
end
