# Error messages worded as CRuby's (the wording itself lives in the corelib gem's Ruby).
KobakoMrubyPatches.add_all [
  {
    file: "src/class.c",
    why: "NoMethodError/NameError for a missing method: CRuby's wording with the receiver " \
         "described, built by NameError.__kobako_missing (corelib) when it is defined",
    from: <<~C,
      mrb_noreturn void
      mrb_method_missing(mrb_state *mrb, mrb_sym name, mrb_value self, mrb_value args)
      {
        mrb_no_method_error(mrb, name, args, "undefined method '%n'", name);
      }
    C
    to: <<~C
      mrb_noreturn void
      mrb_method_missing(mrb_state *mrb, mrb_sym name, mrb_value self, mrb_value args)
      {
        /* kobako: a bare name (no receiver, no arguments) is CRuby's "local variable or method" */
        struct RClass *ne = mrb_exc_get_id(mrb, MRB_SYM(NameError));
        mrb_sym helper = mrb_intern_lit(mrb, "__kobako_missing");
        if (mrb_respond_to(mrb, mrb_obj_value(ne), helper)) {
          mrb_callinfo *ci = mrb->c->ci;
          mrb_bool vcall = ci > mrb->c->cibase && mrb_array_p(args) && RARRAY_LEN(args) == 0 &&
                           mrb_obj_eq(mrb, ci[-1].stack[0], self) && mrb_nil_p(ci->stack[mrb_ci_bidx(ci)]);
          /* the caller's local variables, for the "Did you mean?" of a bare name */
          mrb_value locals = mrb_ary_new(mrb);
          const struct RProc *pr = vcall ? ci[-1].proc : NULL;
          while (pr && !MRB_PROC_CFUNC_P(pr)) {
            const mrb_irep *irep = pr->body.irep;
            for (int i = 0; irep->lv && i + 1 < irep->nlocals; i++) {
              if (irep->lv[i]) mrb_ary_push(mrb, locals, mrb_symbol_value(irep->lv[i]));
            }
            if (MRB_PROC_SCOPE_P(pr)) break;
            pr = pr->upper;
          }
          mrb_value argv[6] = { mrb_symbol_value(name), self, args, mrb_bool_value(vcall),
                                mrb_bool_value(mrb_obj_eq(mrb, self, mrb_obj_value(mrb->top_self))), locals };
          mrb_value exc = mrb_funcall_argv(mrb, mrb_obj_value(ne), helper, 6, argv);
          if (mrb_obj_is_kind_of(mrb, exc, ne)) mrb_exc_raise(mrb, exc);
        }
        mrb_no_method_error(mrb, name, args, "undefined method '%n'", name);
      }
    C
  },
  {
    file: "src/class.c",
    why: "the local variable names the previous patch reads live in the irep",
    from: "#include <mruby/data.h>\n",
    to: "#include <mruby/data.h>\n#include <mruby/irep.h>\n"
  },
  {
    file: "src/vm.c",
    why: "super without a superclass method: CRuby 3.3's wording with the receiver described",
    from: "    if (super) mrb_no_method_error(mrb, mid, args, \"no superclass method '%n'\", mid);\n",
    to: <<-'C'
    if (super) {
      /* kobako: "super: no superclass method `f' for an instance of B" */
      struct RClass *ne = mrb_exc_get_id(mrb, MRB_SYM(NameError));
      mrb_sym describe = mrb_intern_lit(mrb, "__kobako_describe");
      if (mrb_respond_to(mrb, mrb_obj_value(ne), describe)) {
        mrb_value dargs[2] = { recv, mrb_bool_value(mrb_obj_eq(mrb, recv, mrb_obj_value(mrb->top_self))) };
        mrb_value desc = mrb_funcall_argv(mrb, mrb_obj_value(ne), describe, 2, dargs);
        if (mrb_string_p(desc)) mrb_no_method_error(mrb, mid, args, "super: no superclass method `%n' for %v", mid, desc);
      }
      mrb_no_method_error(mrb, mid, args, "no superclass method '%n'", mid);
    }
    C
  },
]
