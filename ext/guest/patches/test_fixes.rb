# Fixes for bugs that mruby's own test suite found in the guest (spec/kobako/mruby_own_tests_spec.rb
# runs it; docs/compatibility.md, "mruby's own tests"). Applied after core.rb and messages.rb,
# so some of these change text those patches wrote.
errinfo = 'new_sym(s, mrb_intern_lit(s->mrb, "$!"))'

KobakoMrubyPatches.add_all [
  # $! (set by OP_EXCEPT, see core.rb) stayed set after the rescue clause that took the
  # exception, so a later bare `raise` re-raised a long-handled exception and `$!` read
  # outside any rescue was not nil. As in CRuby, leaving a rescue clause puts back the $!
  # of before the exception: the handler saves it in the register above the exception's,
  # and the clause restores it when it completes, when no clause matches (before the
  # re-raise), and when return/next/break/redo/retry leave it (the outermost clause of the
  # scope that the jump leaves decides). An ensure clause restores it too.
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "the rescue clauses being generated in a scope, with the registers saving $!",
    from: <<~C,
      \  int reg;                      /* destination register */
      \  struct loopinfo *prev;
      };
    C
    to: <<~C
      \  int reg;                      /* destination register */
      \  struct loopinfo *prev;
      };

      /* kobako: a rescue clause being generated: the register holding the $! to put back on
         leaving it, and the loop it began in (a jump to that loop or an outer one leaves it) */
      struct kobako_clause {
        int reg;
        const struct loopinfo *loop;
        struct kobako_clause *prev;
      };
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "the scope's innermost rescue clause",
    from: <<~C,
      \  int rlev;                     /* recursion levels */
      } codegen_scope;
    C
    to: <<~C
      \  int rlev;                     /* recursion levels */
      \  struct kobako_clause *kobako_clause; /* kobako: innermost rescue clause, NULL outside */
      } codegen_scope;
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "prototype of the restoring helper",
    from: "static void loop_pop(codegen_scope *s, int val);\n",
    to: "static void loop_pop(codegen_scope *s, int val);\n" \
        "static void kobako_leave_clauses(codegen_scope *s, const struct loopinfo *target);\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "the restoring helper: a jump to `target` (NULL: out of the scope) leaves which clauses?",
    from: <<~C,
      static void
      loop_pop(codegen_scope *s, int val)
      {
    C
    to: <<~C
      /* kobako: before a jump to loop `target` (NULL: out of the scope), put back the $! of
         the outermost rescue clause the jump leaves */
      static void
      kobako_leave_clauses(codegen_scope *s, const struct loopinfo *target)
      {
        const struct kobako_clause *c, *left = NULL;

        for (c = s->kobako_clause; c; c = c->prev) {
          const struct loopinfo *lp = c->loop;
          if (target) {
            while (lp && lp != target) lp = lp->prev;
            if (!lp) break; /* the target loop is inside this clause, so inside the outer ones */
          }
          left = c;
        }
        if (left) genop_2(s, OP_SETGV, left->reg, #{errinfo});
      }

      static void
      loop_pop(codegen_scope *s, int val)
      {
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "rescue: save $! before OP_EXCEPT takes the exception; the clauses run above it",
    from: <<~C,
      \        int exc = cursp();

      \        genop_1(s, OP_EXCEPT, exc);
      \        push();
      \        while (n2) {
    C
    to: <<~C
      \        int exc = cursp();
      \        struct kobako_clause clause; /* kobako: $! of before the exception, above exc */

      \        clause.reg = exc + 1;
      \        clause.loop = s->loop;
      \        clause.prev = s->kobako_clause;
      \        genop_2(s, OP_GETGV, clause.reg, #{errinfo});
      \        genop_1(s, OP_EXCEPT, exc);
      \        push();
      \        push();
      \        s->kobako_clause = &clause;
      \        while (n2) {
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "rescue: a clause restores $! when it completes (its value moves down to exc's " \
         "register), and so does the re-raise when no clause matches",
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
      \          genop_2(s, OP_SETGV, clause.reg, #{errinfo}); /* kobako */
      \          if (val && n3->cdr->cdr->car) gen_move(s, exc, cursp(), 1);
      \          tmp = genjmp(s, OP_JMP, exend);
      \          exend = tmp;
      \          n2 = n2->cdr;
      \        }
      \        s->kobako_clause = clause.prev;
      \        if (pos1 != JMPLINK_START) {
      \          dispatch(s, pos1);
      \          genop_2(s, OP_SETGV, clause.reg, #{errinfo}); /* kobako */
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
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "`return` leaves every rescue clause of the scope",
    from: <<~C,
      \    else {
      \      genop_1(s, OP_LOADNIL, cursp());
      \    }
      \    if (s->loop) {
      \      gen_return(s, OP_RETURN_BLK, cursp());
      \    }
    C
    to: <<~C
      \    else {
      \      genop_1(s, OP_LOADNIL, cursp());
      \    }
      \    kobako_leave_clauses(s, NULL); /* kobako */
      \    if (s->loop) {
      \      gen_return(s, OP_RETURN_BLK, cursp());
      \    }
    C
  },
  # `next` inside begin/rescue in a while loop looked only at the innermost loop entry,
  # which is the begin's, and returned from the method (or ended the script) instead of
  # going on with the loop; `redo` there was a compile error. Like `break`, they now
  # look past begin/rescue entries for the loop.
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "`next` and `redo` find their loop past begin/rescue (and restore $! when they leave a clause)",
    from: <<~C,
      \  case NODE_NEXT:
      \    if (!s->loop) {
      \      raise_error(s, "unexpected next");
      \    }
      \    else if (s->loop->type == LOOP_NORMAL) {
      \      codegen(s, tree, NOVAL);
      \      genjmp(s, OP_JMPUW, s->loop->pc0);
      \    }
      \    else {
      \      if (tree) {
      \        codegen(s, tree, VAL);
      \        pop();
      \      }
      \      else {
      \        genop_1(s, OP_LOADNIL, cursp());
      \      }
      \      gen_return(s, OP_RETURN, cursp());
      \    }
      \    if (val) push();
      \    break;

      \  case NODE_REDO:
      \    if (!s->loop || s->loop->type == LOOP_BEGIN || s->loop->type == LOOP_RESCUE) {
      \      raise_error(s, "unexpected redo");
      \    }
      \    else {
      \      genjmp(s, OP_JMPUW, s->loop->pc1);
      \    }
      \    if (val) push();
      \    break;
    C
    to: <<~C
      \  case NODE_NEXT:
      \    if (!s->loop) {
      \      raise_error(s, "unexpected next");
      \    }
      \    else {
      \      const struct loopinfo *lp = s->loop; /* kobako: past begin/rescue entries */
      \      while (lp && (lp->type == LOOP_BEGIN || lp->type == LOOP_RESCUE)) lp = lp->prev;
      \      if (lp && lp->type == LOOP_NORMAL) {
      \        codegen(s, tree, NOVAL);
      \        kobako_leave_clauses(s, lp);
      \        genjmp(s, OP_JMPUW, lp->pc0);
      \      }
      \      else {
      \        if (tree) {
      \          codegen(s, tree, VAL);
      \          pop();
      \        }
      \        else {
      \          genop_1(s, OP_LOADNIL, cursp());
      \        }
      \        kobako_leave_clauses(s, NULL);
      \        gen_return(s, OP_RETURN, cursp());
      \      }
      \    }
      \    if (val) push();
      \    break;

      \  case NODE_REDO:
      \    {
      \      const struct loopinfo *lp = s->loop; /* kobako: past begin/rescue entries */
      \      while (lp && (lp->type == LOOP_BEGIN || lp->type == LOOP_RESCUE)) lp = lp->prev;
      \      if (!lp) {
      \        raise_error(s, "unexpected redo");
      \      }
      \      else {
      \        kobako_leave_clauses(s, lp);
      \        genjmp(s, OP_JMPUW, lp->pc1);
      \      }
      \    }
      \    if (val) push();
      \    break;
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "`retry` leaves its rescue clause",
    from: <<~C,
      \      else {
      \        genjmp(s, OP_JMPUW, lp->pc0);
      \      }
    C
    to: <<~C
      \      else {
      \        kobako_leave_clauses(s, lp); /* kobako */
      \        genjmp(s, OP_JMPUW, lp->pc0);
      \      }
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "`break` leaves the rescue clauses between it and its loop",
    from: <<~C,
      \      tmp = genjmp(s, OP_JMPUW, loop->pc2);
      \      loop->pc2 = tmp;
      \    }
      \    else {
      \      if (!tree) {
      \        genop_1(s, OP_LOADNIL, cursp());
      \      }
      \      gen_return(s, OP_BREAK, cursp());
    C
    to: <<~C
      \      kobako_leave_clauses(s, loop); /* kobako */
      \      tmp = genjmp(s, OP_JMPUW, loop->pc2);
      \      loop->pc2 = tmp;
      \    }
      \    else {
      \      if (!tree) {
      \        genop_1(s, OP_LOADNIL, cursp());
      \      }
      \      kobako_leave_clauses(s, NULL); /* kobako */
      \      gen_return(s, OP_BREAK, cursp());
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
