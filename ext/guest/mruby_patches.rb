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
    }
  ].freeze

  module_function

  def apply(src_dir)
    PATCHES.each do |patch|
      path = File.join(src_dir, patch[:file])
      text = File.read(path)
      count = text.scan(patch[:from]).size
      raise "mruby patch does not apply to #{patch[:file]} (#{patch[:why]}): found #{count} matches" unless count == 1

      File.write(path, text.sub(patch[:from]) { patch[:to] })
    end
  end

  # Part of the source stamp, so editing a patch re-extracts and rebuilds mruby.
  def digest
    require "digest"
    Digest::SHA256.hexdigest(Marshal.dump(PATCHES))
  end
end
