# Fixes for bugs that mruby's own test suite found in the guest (spec/kobako/mruby_own_tests_spec.rb
# runs it; docs/compatibility.md, "mruby's own tests"). Applied after core.rb and messages.rb,
# so some of these change text those patches wrote.
errinfo = 'new_sym(s, mrb_intern_lit(s->mrb, "$!"))'

KobakoMrubyPatches.add_all [
  # $! (set by OP_EXCEPT, see core.rb) stayed set after the rescue clause that took the
  # exception, so a later bare `raise` re-raised a long-handled exception and `$!` read
  # outside any rescue was not nil. As in CRuby, a rescue clause that completes (and an
  # ensure clause, and a rescue that matches nothing and re-raises) puts back the $! of
  # before the exception. The handler saves it in the register above the exception's.
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "rescue: save $! before OP_EXCEPT takes the exception (the clauses run above it)",
    from: <<~C,
      \        int exc = cursp();

      \        genop_1(s, OP_EXCEPT, exc);
      \        push();
      \        while (n2) {
    C
    to: <<~C
      \        int exc = cursp();
      \        int saved_errinfo = exc + 1; /* kobako: $! of before the exception */

      \        genop_2(s, OP_GETGV, saved_errinfo, #{errinfo});
      \        genop_1(s, OP_EXCEPT, exc);
      \        push();
      \        push();
      \        while (n2) {
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "rescue: each clause restores $! when it completes; its value moves to the result register",
    from: <<~C,
      \          dispatch_linked(s, pos2);

      \          pop();
      \          if (n3->cdr->car) {
      \            gen_assignment(s, n3->cdr->car, NULL, exc, NOVAL);
      \          }
      \          if (n3->cdr->cdr->car) {
      \            codegen(s, n3->cdr->cdr->car, val);
      \            if (val) pop();
      \          }
      \          tmp = genjmp(s, OP_JMP, exend);
      \          exend = tmp;
      \          n2 = n2->cdr;
      \          push();
      \        }
      \        if (pos1 != JMPLINK_START) {
      \          dispatch(s, pos1);
      \          genop_1(s, OP_RAISEIF, exc);
      \        }
    C
    to: <<~C
      \          dispatch_linked(s, pos2);

      \          if (n3->cdr->car) {
      \            gen_assignment(s, n3->cdr->car, NULL, exc, NOVAL);
      \          }
      \          if (n3->cdr->cdr->car) {
      \            codegen(s, n3->cdr->cdr->car, val);
      \            if (val) pop();
      \          }
      \          genop_2(s, OP_SETGV, saved_errinfo, #{errinfo}); /* kobako */
      \          if (val && n3->cdr->cdr->car) gen_move(s, exc, cursp(), 1);
      \          tmp = genjmp(s, OP_JMP, exend);
      \          exend = tmp;
      \          n2 = n2->cdr;
      \        }
      \        if (pos1 != JMPLINK_START) {
      \          dispatch(s, pos1);
      \          genop_2(s, OP_SETGV, saved_errinfo, #{errinfo}); /* kobako */
      \          genop_1(s, OP_RAISEIF, exc);
      \        }
      \        pop(); /* kobako: the saved $! */
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "ensure: restore $! after the ensure clause, before the exception (if any) goes on",
    from: <<~C,
      \      idx = cursp();
      \      genop_1(s, OP_EXCEPT, idx);
      \      push();
      \      codegen(s, tree->cdr->cdr, NOVAL);
      \      pop();
      \      genop_1(s, OP_RAISEIF, idx);
    C
    to: <<~C
      \      idx = cursp();
      \      genop_2(s, OP_GETGV, idx + 1, #{errinfo}); /* kobako: $! of before */
      \      genop_1(s, OP_EXCEPT, idx);
      \      push();
      \      push();
      \      codegen(s, tree->cdr->cdr, NOVAL);
      \      pop();
      \      genop_2(s, OP_SETGV, idx + 1, #{errinfo});
      \      pop();
      \      genop_1(s, OP_RAISEIF, idx);
    C
  },

  # Two procs made from one block literal in different scopes (or two methods that
  # define_method made from one block, as 05_coerce.rb does for Integer#+ and #-) were
  # ==, so Integer.instance_method(:+) == Integer.instance_method(:-). CRuby compares the
  # captured environment too. (The cfunc branch also tested p1 twice.)
  {
    file: "src/proc.c",
    why: "Proc#== / Method#==: same code and the same captured environment",
    from: <<~C,
      \  if (MRB_PROC_CFUNC_P(p1)) {
      \    if (!MRB_PROC_CFUNC_P(p1)) return FALSE;
      \    if (p1->body.func != p2->body.func) return FALSE;
      \  }
      \  else if (MRB_PROC_CFUNC_P(p2)) return FALSE;
      \  else if (p1->body.irep != p2->body.irep) return FALSE;
      \  return TRUE;
    C
    to: <<~C
      \  if (MRB_PROC_CFUNC_P(p1)) {
      \    if (!MRB_PROC_CFUNC_P(p2)) return FALSE;
      \    if (p1->body.func != p2->body.func) return FALSE;
      \  }
      \  else if (MRB_PROC_CFUNC_P(p2)) return FALSE;
      \  else if (p1->body.irep != p2->body.irep) return FALSE;
      \  /* kobako: and the same captured environment, as CRuby */
      \  if (MRB_PROC_ENV_P(p1) != MRB_PROC_ENV_P(p2)) return FALSE;
      \  if (MRB_PROC_ENV_P(p1) && p1->e.env != p2->e.env) return FALSE;
      \  return TRUE;
    C
  },

  # messages.rb reports a missing method as CRuby's NameError "undefined local variable or
  # method" when it looks like a bare name. It took any no-argument call on the caller's
  # self for one, so `self.foo` and C calls (Class#new calling allocate) said NameError
  # too. A bare name is a receiver-less send (OP_SSEND) with no arguments in Ruby code.
  {
    file: "src/class.c",
    why: "helper: was the caller's last instruction a bare-name send?",
    from: <<~C,
      mrb_noreturn void
      mrb_method_missing(mrb_state *mrb, mrb_sym name, mrb_value self, mrb_value args)
      {
    C
    to: <<~C
      /* kobako: `ci` is a Ruby frame stopped just after OP_SSEND with no arguments */
      static mrb_bool
      kobako_bare_name_call_p(const mrb_callinfo *ci)
      {
        const struct RProc *p = ci->proc;
        if (p == NULL || MRB_PROC_CFUNC_P(p) || p->body.irep == NULL || ci->pc == NULL) return FALSE;
        if (ci->pc - p->body.irep->iseq < 4) return FALSE;
        return ci->pc[-4] == OP_SSEND && ci->pc[-1] == 0;
      }

      mrb_noreturn void
      mrb_method_missing(mrb_state *mrb, mrb_sym name, mrb_value self, mrb_value args)
      {
    C
  },
  {
    file: "src/class.c",
    why: "a bare name only when the call site is one",
    from: "mrb_obj_eq(mrb, ci[-1].stack[0], self) && mrb_nil_p(ci->stack[mrb_ci_bidx(ci)]);",
    to: "mrb_obj_eq(mrb, ci[-1].stack[0], self) && mrb_nil_p(ci->stack[mrb_ci_bidx(ci)]) &&\n" \
        "                           kobako_bare_name_call_p(&ci[-1]);"
  },
]
