# Exception#cause (corelib src/corelib.c reads it): when an exception is raised while
# another is being handled ($!), the handled one becomes its cause, once, as in CRuby.
# The pre-allocated NoMemoryError and SystemStackError, and frozen exceptions, are left
# alone. Kernel#raise(cause:) sets it explicitly (corelib 81_exception.rb).
KobakoMrubyPatches.add_all [
  {
    file: "src/error.c",
    why: "record the exception being handled as the cause of the one raised",
    from: <<~C,
      \    if (mrb_type(exc) != MRB_TT_EXCEPTION) {
      \      mrb_raise(mrb, E_TYPE_ERROR, "exception object expected");
      \    }
      \    mrb_exc_set(mrb, exc);
    C
    to: <<~C
      \    if (mrb_type(exc) != MRB_TT_EXCEPTION) {
      \      mrb_raise(mrb, E_TYPE_ERROR, "exception object expected");
      \    }
      \    { /* kobako */
      \      struct RObject *eo = mrb_obj_ptr(exc);
      \      mrb_sym cause = mrb_intern_lit(mrb, "__kobako_cause__");
      \      if (!MRB_FROZEN_P(eo) && eo != mrb->nomem_err && eo != mrb->stack_err &&
      \          !mrb_obj_iv_defined(mrb, eo, cause)) {
      \        mrb_value handled = mrb_gv_get(mrb, mrb_intern_lit(mrb, "$!"));
      \        if (mrb_type(handled) != MRB_TT_EXCEPTION || mrb_obj_eq(mrb, handled, exc)) handled = mrb_nil_value();
      \        mrb_obj_iv_set(mrb, eo, cause, handled);
      \      }
      \    }
      \    mrb_exc_set(mrb, exc);
    C
  }
]
