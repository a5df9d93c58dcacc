# The interpreter loop without setjmp in it (issue 16, compute). On wasm32, setjmp and
# longjmp are lowered onto wasm exceptions: a function that calls setjmp is rewritten so
# that every value live across a call that may longjmp can be restored, which in
# mrb_vm_exec (thousands of lines, a call in most instructions) cost about a quarter of
# the loop's speed. mrb_vm_exec is now a small wrapper that sets the jump buffer and calls
# the loop; when an exception lands there it pops direct C frames as before and calls the
# loop again, which goes straight to the raise/break handling, exactly where the old
# `goto RETRY_TRY_BLOCK` went. The loop re-reads all its state from the callinfo on that
# path, as it did before.
KobakoMrubyPatches.add_all [
  {
    file: "src/vm.c",
    why: "mrb_vm_exec sets the jump buffer and calls the loop",
    from: <<-'C',
MRB_API mrb_value
mrb_vm_exec(mrb_state *mrb, const struct RProc *proc, const mrb_code *pc)
{
  /* mrb_assert(MRB_PROC_CFUNC_P(proc)) */
  const mrb_irep *irep = proc->body.irep;
  const mrb_pool_value *pool = irep->pool;
  const mrb_sym *syms = irep->syms;
  mrb_code insn;
  int ai = mrb_gc_arena_save(mrb);
  struct mrb_jmpbuf *prev_jmp = mrb->jmp;
  struct mrb_jmpbuf c_jmp;
  uint32_t a;
    C
    to: <<-'C'
static mrb_value kobako_vm_loop(mrb_state *mrb, const struct RProc *proc, const mrb_code *pc, int ai,
                                struct mrb_jmpbuf *prev_jmp, struct mrb_jmpbuf *c_jmp, mrb_bool exc_catched);

MRB_API mrb_value
mrb_vm_exec(mrb_state *mrb, const struct RProc *proc, const mrb_code *pc)
{
  int ai = mrb_gc_arena_save(mrb);
  struct mrb_jmpbuf *prev_jmp = mrb->jmp;
  struct mrb_jmpbuf c_jmp;
  volatile mrb_bool exc_catched = FALSE;

  for (;;) {
    MRB_TRY(&c_jmp) {
      return kobako_vm_loop(mrb, proc, pc, ai, prev_jmp, &c_jmp, exc_catched);
    }
    MRB_CATCH(&c_jmp) {
      mrb_callinfo *ci = mrb->c->ci;
      while (ci > mrb->c->cibase && ci->cci == CINFO_DIRECT) {
        ci = cipop(mrb);
      }
      exc_catched = TRUE;
    }
    MRB_END_EXC(&c_jmp);
  }
}

static __attribute__((noinline)) mrb_value
kobako_vm_loop(mrb_state *mrb, const struct RProc *proc, const mrb_code *pc, int ai,
               struct mrb_jmpbuf *prev_jmp, struct mrb_jmpbuf *c_jmp, mrb_bool exc_catched)
{
  /* mrb_assert(MRB_PROC_CFUNC_P(proc)) */
  const mrb_irep *irep = proc->body.irep;
  const mrb_pool_value *pool = irep->pool;
  const mrb_sym *syms = irep->syms;
  mrb_code insn;
  uint32_t a;
    C
  },
  {
    file: "src/vm.c",
    why: "the loop no longer sets the jump buffer itself",
    from: <<-'C',
  mrb_bool exc_catched = FALSE;
RETRY_TRY_BLOCK:

  MRB_TRY(&c_jmp) {

  if (exc_catched) {
    exc_catched = FALSE;
    mrb_gc_arena_restore(mrb, ai);
    if (mrb->exc && mrb->exc->tt == MRB_TT_BREAK)
      goto L_BREAK;
    goto L_RAISE;
  }
  mrb->jmp = &c_jmp;
    C
    to: <<-'C'
  {

  if (exc_catched) {
    mrb->jmp = c_jmp;
    mrb_gc_arena_restore(mrb, ai);
    if (mrb->exc && mrb->exc->tt == MRB_TT_BREAK)
      goto L_BREAK;
    goto L_RAISE;
  }
  mrb->jmp = c_jmp;
    C
  },
  {
    file: "src/vm.c",
    why: "the loop no longer catches (mrb_vm_exec does)",
    from: <<-'C',
  END_DISPATCH;
#undef regs
  }
  MRB_CATCH(&c_jmp) {
    mrb_callinfo *ci = mrb->c->ci;
    while (ci > mrb->c->cibase && ci->cci == CINFO_DIRECT) {
      ci = cipop(mrb);
    }
    exc_catched = TRUE;
    pc = ci->pc;
    goto RETRY_TRY_BLOCK;
  }
  MRB_END_EXC(&c_jmp);
}
    C
    to: <<-'C'
  END_DISPATCH;
#undef regs
  }
}
    C
  }
]
