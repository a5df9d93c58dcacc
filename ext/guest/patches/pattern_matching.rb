# Pattern matching (contract R-5): `case`/`in`, `value => pattern` and `value in pattern`
# as in CRuby 3.3. mruby 3.3's parser knew none of it. The grammar below (CRuby's pattern
# syntax) builds a small tree per pattern; the parser then rewrites that tree into ordinary
# nodes (if/and/or, assignments to hidden locals, `===` and calls to the runtime helpers of
# corelib/mrblib/pattern_matching.rb), so codegen and the VM are untouched. y.tab.c is
# regenerated from parse.y by mruby's rake (bison), so parser fixes live in parse.y.
parse_y = "mrbgems/mruby-compiler/core/parse.y"

KobakoMrubyPatches.add_all [
  # CRuby assigns the named groups of a regexp literal (without interpolation) on the
  # left of =~ to local variables; mruby's parser did not know named groups.
  {
    file: parse_y,
    why: "`/(?<year>\\d+)/ =~ s` assigns `year` (nil when there is no match), as in CRuby",
    from: '$$ = call_bin_op(p, $1, "=~", $3);',
    to: "$$ = kobako_match_op(p, $1, $3);"
  },
  {
    file: parse_y,
    why: "the helper the previous patch calls",
    from: <<~'C',
      static void
      args_with_block(parser_state *p, node *a, node *b)
    C
    to: <<~'C'
      /* kobako: `/(?<name>...)/ =~ value`, the literal without interpolation, also assigns
       * each named group to a local variable of that name (nil without a match), and the
       * expression's value stays that of =~. */
      static int
      kobako_name_char(unsigned char c, int first)
      {
        return (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80 || (!first && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')));
      }

      static node*
      kobako_match_op(parser_state *p, node *recv, node *arg)
      {
        node *call = call_bin_op(p, recv, "=~", arg);
        if (!recv || intn(recv->car) != NODE_REGX) return call;
        const char *c = (const char*)recv->cdr->car;
        mrb_sym names[32];
        int n = 0;
        for (; c && *c && n < 32; c++) {
          if (*c == '\\') { if (c[1]) c++; continue; }
          if (c[0] != '(' || c[1] != '?' || c[2] != '<' || !kobako_name_char((unsigned char)c[3], 1)) continue;
          const char *b = c + 3, *e = b;
          while (*e && kobako_name_char((unsigned char)*e, 0)) e++;
          if (*e == '>') names[n++] = intern(b, e - b);
        }
        if (n == 0) return call;
        mrb_sym result = intern_cstr("~match");
        local_add(p, result);
        node *body = new_begin(p, new_asgn(p, new_lvar(p, result), call));
        for (int i = 0; i < n; i++) {
          node *group = new_call(p, new_gvar(p, intern_cstr("$~")), intern_cstr("[]"),
                                 new_callargs(p, list1(new_sym(p, names[i])), 0, 0), '.');
          local_add(p, names[i]);
          push(body, new_asgn(p, new_lvar(p, names[i]), new_if(p, new_gvar(p, intern_cstr("$~")), group, new_nil(p))));
        }
        push(body, new_lvar(p, result));
        return body;
      }

      static void
      args_with_block(parser_state *p, node *a, node *b)
    C
  },

  # mruby defines the parse.y -> y.tab.c rule only when the gem is loaded while the build
  # named "host" is current; in our build_config the compiler gem is loaded under the wasm
  # build, so a patched parse.y would be ignored in favour of the shipped y.tab.c.
  {
    file: "mrbgems/mruby-compiler/mrbgem.rake",
    why: "regenerate y.tab.c from the patched parse.y whichever build loads the compiler gem",
    from: 'if MRuby::Build.current.name == "host"',
    to: 'if MRuby.targets["host"] && !Rake::Task.task_defined?("#{__dir__}/core/y.tab.c")'
  },

  {
    file: "src/proc.c",
    why: "local_variables leaves out the parser's hidden locals (~pm..., ~match), as CRuby shows none",
    from: "          case '*': case '&':\n",
    to: "          case '*': case '&': case '~':\n"
  },

  # --- pattern matching: lexer state --------------------------------------------------
  {
    file: "include/mruby/compile.h",
    why: "the parser remembers how deep patterns nest and where a top-level pattern is lexed",
    from: "  mrb_ast_node *nvars;\n};",
    to: <<~'C'.chomp
        mrb_ast_node *nvars;

        /* kobako: pattern matching (ext/guest/patches/pattern_matching.rb) */
        int pm_level;         /* patterns being parsed, one inside another's guard or pin */
        mrb_bool pm_lex;      /* a top-level pattern is being lexed */
        int pm_brace;         /* braces opened since it began */
        int pm_paren;         /* paren_nest when it began */
      };
    C
  },
  {
    file: parse_y,
    why: "`in name:` at the end of a line ends the pattern (CRuby's in_kwarg newline rule)",
    from: <<-'C',
    if (!space_seen && IS_END()) {
      pushback(p, c);
      p->lstate = EXPR_BEG;
      return tLABEL_TAG;
    C
    to: <<-'C'
    if (!space_seen && IS_END()) {
      pushback(p, c);
      p->lstate = kobako_pm_label_ends_line(p) ? EXPR_END : EXPR_BEG;
      return tLABEL_TAG;
    C
  },
  {
    file: parse_y,
    why: "the helper the previous patch calls",
    from: "#include \"lex.def\"\n\nstatic int\nparser_yylex(parser_state *p)\n",
    to: <<~'C'
      #include "lex.def"

      /* kobako: in a brace-less top-level hash pattern (`in name:` or `x => name:`), a label
       * that ends its line ends the pattern, so the newline must not be skipped. */
      static mrb_bool
      kobako_pm_label_ends_line(parser_state *p)
      {
        if (!p->pm_lex || p->pm_brace != 0 || p->paren_nest != p->pm_paren) return FALSE;
        int n = 0, c;
        while ((c = peekc_n(p, n)) == ' ' || c == '\t') n++;
        return c == '\n' || c == '\r' || c == '#';
      }

      static int
      parser_yylex(parser_state *p)
    C
  },
  {
    file: parse_y,
    why: "count the braces a top-level pattern opens (open)",
    from: "  case '{':\n    if (p->lpar_beg && p->lpar_beg == p->paren_nest) {",
    to: "  case '{':\n    if (p->pm_lex) p->pm_brace++; /* kobako */\n    if (p->lpar_beg && p->lpar_beg == p->paren_nest) {"
  },
  {
    file: parse_y,
    why: "count the braces a top-level pattern opens (close)",
    from: "  case '}':\n    COND_LEXPOP();",
    to: "  case '}':\n    if (c == '}' && p->pm_lex) p->pm_brace--; /* kobako */\n    COND_LEXPOP();"
  },

  # --- pattern matching: grammar ------------------------------------------------------
  {
    file: parse_y,
    why: "types of the pattern nonterminals",
    from: "%type <id> f_label\n",
    to: <<~'C'
      %type <id> f_label
      %type <nd> p_case_body p_cases p_top_expr p_top_expr_body p_expr p_as p_alt p_expr_basic
      %type <nd> p_args p_args_head p_args_tail p_args_post p_arg p_find p_rest
      %type <nd> p_kwargs p_kwarg p_kw p_any_kwrest p_value p_primitive p_var_ref p_expr_ref p_const
      %type <nd> lambda
      %type <id> p_kw_label p_variable
    C
  },
  {
    file: parse_y,
    why: "`->(x) { ... }` is its own rule, so a pattern can use a lambda as a value",
    from: <<-'C',
                | tLAMBDA
                    {
                      local_nest(p);
                      nvars_nest(p);
                      $<num>$ = p->lpar_beg;
                      p->lpar_beg = ++p->paren_nest;
                    }
                  f_larglist
                    {
                      $<stack>$ = p->cmdarg_stack;
                      p->cmdarg_stack = 0;
                    }
                  lambda_body
                    {
                      p->lpar_beg = $<num>2;
                      $$ = new_lambda(p, $3, $5);
                      local_unnest(p);
                      nvars_unnest(p);
                      p->cmdarg_stack = $<stack>4;
                      CMDARG_LEXPOP();
                    }
    C
    to: <<-'C'
                | lambda
    C
  },
  {
    file: parse_y,
    why: "`case x in pat` on one line is the one-line `in`, as in CRuby (shift, not a conflict)",
    from: "%nonassoc tLOWEST\n%nonassoc tLBRACE_ARG\n",
    to: "%nonassoc tLOWEST\n%nonassoc tLBRACE_ARG\n%nonassoc keyword_in\n"
  },
  {
    file: parse_y,
    why: "case/in",
    from: <<-'C',
                | keyword_case opt_terms case_body keyword_end
                    {
                      $$ = new_case(p, 0, $3);
                    }
    C
    to: <<-'C'
                | keyword_case opt_terms case_body keyword_end
                    {
                      $$ = new_case(p, 0, $3);
                    }
                | keyword_case expr_value opt_terms
                  p_case_body
                  keyword_end
                    {
                      $$ = kobako_pm_case(p, $2, $4);
                    }
    C
  },
  {
    file: parse_y,
    why: "`value => pattern` replaces mruby's `value => local` (CRuby's rightward assignment is a pattern)",
    from: <<-'C',
                | arg tASSOC tIDENTIFIER
                    {
                      node *lhs = new_lvar(p, $3);
                      assignable(p, lhs);
                      $$ = new_asgn(p, lhs, $1);
                    }
    C
    to: ""
  },
  {
    file: parse_y,
    why: "`value => pattern` (raises NoMatchingPatternError) and `value in pattern` (true/false)",
    from: <<-'C',
                | '!' command_call
                    {
                      $$ = call_uni_op(p, cond($2), "!");
                    }
                | arg
                ;
    C
    to: <<-'C'
                | '!' command_call
                    {
                      $$ = call_uni_op(p, cond($2), "!");
                    }
                | arg tASSOC
                    {
                      $<num>$ = kobako_pm_open(p);
                    }
                  p_top_expr_body
                    {
                      kobako_pm_close(p);
                      $$ = kobako_pm_single(p, $1, $4, $<num>3, TRUE);
                    }
                | arg keyword_in
                    {
                      $<num>$ = kobako_pm_open(p);
                    }
                  p_top_expr_body
                    {
                      kobako_pm_close(p);
                      $$ = kobako_pm_single(p, $1, $4, $<num>3, FALSE);
                    }
                | arg %prec tLOWEST
                ;
    C
  },
  {
    file: parse_y,
    why: "the pattern grammar (CRuby 3.3's p_* rules) and the lambda rule moved out of primary",
    from: "opt_rescue      : keyword_rescue exc_list exc_var then\n",
    to: <<-'C'
lambda          : tLAMBDA
                    {
                      local_nest(p);
                      nvars_nest(p);
                      $<num>$ = p->lpar_beg;
                      p->lpar_beg = ++p->paren_nest;
                    }
                  f_larglist
                    {
                      $<stack>$ = p->cmdarg_stack;
                      p->cmdarg_stack = 0;
                    }
                  lambda_body
                    {
                      p->lpar_beg = $<num>2;
                      $$ = new_lambda(p, $3, $5);
                      local_unnest(p);
                      nvars_unnest(p);
                      p->cmdarg_stack = $<stack>4;
                      CMDARG_LEXPOP();
                    }
                ;

/* kobako: pattern matching. A clause is ((pattern . guard) body level); see kobako_pm_case. */
p_case_body     : keyword_in
                    {
                      $<num>$ = kobako_pm_open(p);
                    }
                  p_top_expr then
                    {
                      kobako_pm_close(p);
                    }
                  compstmt
                  p_cases
                    {
                      $$ = cons(list3($3, $6, nint($<num>2)), $7);
                    }
                ;

p_cases         : opt_else
                    {
                      $$ = $1 ? list1(list3(0, $1, 0)) : 0;
                    }
                | p_case_body
                ;

p_top_expr      : p_top_expr_body
                    {
                      $$ = cons($1, 0);
                    }
                | p_top_expr_body modifier_if expr_value
                    {
                      $$ = cons($1, cond($3));
                    }
                | p_top_expr_body modifier_unless expr_value
                    {
                      $$ = cons($1, call_uni_op(p, cond($3), "!"));
                    }
                ;

p_top_expr_body : p_expr
                | p_expr ','
                    {
                      $$ = kobako_pm_array(p, 0, list3(list1($1), kobako_pm_rest(p, 0), 0));
                    }
                | p_expr ',' p_args
                    {
                      $3->car = cons($1, $3->car);
                      $$ = kobako_pm_array(p, 0, $3);
                    }
                | p_find
                    {
                      $$ = kobako_pm_find(p, 0, $1);
                    }
                | p_args_tail
                    {
                      $$ = kobako_pm_array(p, 0, $1);
                    }
                | p_kwargs
                    {
                      $$ = kobako_pm_hash(p, 0, $1);
                    }
                ;

p_expr          : p_as
                ;

p_as            : p_expr tASSOC p_variable
                    {
                      $$ = cons(nint(PM_AS), cons($1, nsym($3)));
                    }
                | p_alt
                ;

p_alt           : p_alt '|' p_expr_basic
                    {
                      $$ = cons(nint(PM_ALT), cons($1, $3));
                    }
                | p_expr_basic
                ;

p_expr_basic    : p_value
                    {
                      $$ = cons(nint(PM_VALUE), $1);
                    }
                | p_variable
                    {
                      $$ = cons(nint(PM_BIND), nsym($1));
                    }
                | p_const '(' p_args rparen
                    {
                      $$ = kobako_pm_array(p, $1, $3);
                    }
                | p_const '(' p_find rparen
                    {
                      $$ = kobako_pm_find(p, $1, $3);
                    }
                | p_const '(' p_kwargs rparen
                    {
                      $$ = kobako_pm_hash(p, $1, $3);
                    }
                | p_const '(' rparen
                    {
                      $$ = kobako_pm_array(p, $1, list3(0, 0, 0));
                    }
                | p_const '[' p_args p_rbracket
                    {
                      $$ = kobako_pm_array(p, $1, $3);
                    }
                | p_const '[' p_find p_rbracket
                    {
                      $$ = kobako_pm_find(p, $1, $3);
                    }
                | p_const '[' p_kwargs p_rbracket
                    {
                      $$ = kobako_pm_hash(p, $1, $3);
                    }
                | p_const '[' p_rbracket
                    {
                      $$ = kobako_pm_array(p, $1, list3(0, 0, 0));
                    }
                | tLBRACK p_args p_rbracket
                    {
                      $$ = kobako_pm_array(p, 0, $2);
                    }
                | tLBRACK p_find p_rbracket
                    {
                      $$ = kobako_pm_find(p, 0, $2);
                    }
                | tLBRACK p_rbracket
                    {
                      $$ = kobako_pm_array(p, 0, list3(0, 0, 0));
                    }
                | tLBRACE p_kwargs p_rbrace
                    {
                      $$ = kobako_pm_hash(p, 0, $2);
                    }
                | tLBRACE p_rbrace
                    {
                      $$ = kobako_pm_hash(p, 0, cons(0, 0));
                    }
                | tLPAREN p_expr rparen
                    {
                      $$ = $2;
                    }
                ;

/* (pre rest post): rest is 0 without a splat, else (name . 0), name 0 for a bare `*` */
p_args          : p_expr
                    {
                      $$ = list3(list1($1), 0, 0);
                    }
                | p_args_head
                    {
                      $$ = list3($1, kobako_pm_rest(p, 0), 0);
                    }
                | p_args_head p_arg
                    {
                      $$ = list3(push($1, $2), 0, 0);
                    }
                | p_args_head p_rest
                    {
                      $$ = list3($1, $2, 0);
                    }
                | p_args_head p_rest ',' p_args_post
                    {
                      $$ = list3($1, $2, $4);
                    }
                | p_args_tail
                ;

p_args_head     : p_arg ','
                    {
                      $$ = list1($1);
                    }
                | p_args_head p_arg ','
                    {
                      $$ = push($1, $2);
                    }
                ;

p_args_tail     : p_rest
                    {
                      $$ = list3(0, $1, 0);
                    }
                | p_rest ',' p_args_post
                    {
                      $$ = list3(0, $1, $3);
                    }
                ;

p_find          : p_rest ',' p_args_post ',' p_rest
                    {
                      $$ = list3($1, $3, $5);
                    }
                ;

p_rest          : tSTAR tIDENTIFIER
                    {
                      $$ = kobako_pm_rest(p, $2);
                    }
                | tSTAR
                    {
                      $$ = kobako_pm_rest(p, 0);
                    }
                ;

p_args_post     : p_arg
                    {
                      $$ = list1($1);
                    }
                | p_args_post ',' p_arg
                    {
                      $$ = push($1, $3);
                    }
                ;

p_arg           : p_expr
                ;

/* (keys . rest): keys ((name . pattern or 0) ...); rest 0, (name . 0), or (0 . 1) for **nil */
p_kwargs        : p_kwarg ',' p_any_kwrest
                    {
                      $$ = cons($1, $3);
                    }
                | p_kwarg
                    {
                      $$ = cons($1, 0);
                    }
                | p_kwarg ','
                    {
                      $$ = cons($1, 0);
                    }
                | p_any_kwrest
                    {
                      $$ = cons(0, $1);
                    }
                ;

p_kwarg         : p_kw
                    {
                      $$ = list1($1);
                    }
                | p_kwarg ',' p_kw
                    {
                      $$ = push($1, $3);
                    }
                ;

p_kw            : p_kw_label p_expr
                    {
                      $$ = cons(nsym($1), $2);
                    }
                | p_kw_label
                    {
                      $$ = kobako_pm_key_local(p, $1);
                    }
                ;

p_kw_label      : tIDENTIFIER tLABEL_TAG
                | string_fragment tLABEL_TAG
                    {
                      $$ = kobako_pm_string_label(p, $1);
                    }
                ;

p_any_kwrest    : tDSTAR tIDENTIFIER
                    {
                      $$ = kobako_pm_rest(p, $2);
                    }
                | tDSTAR
                    {
                      $$ = kobako_pm_rest(p, 0);
                    }
                | tDSTAR keyword_nil
                    {
                      $$ = cons(nsym(0), nint(1));
                    }
                ;

p_value         : p_primitive
                | p_primitive tDOT2 p_primitive
                    {
                      $$ = new_dot2(p, $1, $3);
                    }
                | p_primitive tDOT3 p_primitive
                    {
                      $$ = new_dot3(p, $1, $3);
                    }
                | p_primitive tDOT2
                    {
                      $$ = new_dot2(p, $1, new_nil(p));
                    }
                | p_primitive tDOT3
                    {
                      $$ = new_dot3(p, $1, new_nil(p));
                    }
                | tBDOT2 p_primitive
                    {
                      $$ = new_dot2(p, new_nil(p), $2);
                    }
                | tBDOT3 p_primitive
                    {
                      $$ = new_dot3(p, new_nil(p), $2);
                    }
                | p_var_ref
                | p_expr_ref
                | p_const
                ;

p_primitive     : literal
                | string
                | xstring
                | regexp
                | lambda
                | keyword_nil
                    {
                      $$ = new_nil(p);
                    }
                | keyword_self
                    {
                      $$ = new_self(p);
                    }
                | keyword_true
                    {
                      $$ = new_true(p);
                    }
                | keyword_false
                    {
                      $$ = new_false(p);
                    }
                ;

p_variable      : tIDENTIFIER
                    {
                      local_add(p, $1);
                      $$ = $1;
                    }
                ;

p_var_ref       : '^' tIDENTIFIER
                    {
                      $$ = kobako_pm_pinned_local(p, $2);
                    }
                | '^' tIVAR
                    {
                      $$ = new_ivar(p, $2);
                    }
                | '^' tGVAR
                    {
                      $$ = new_gvar(p, $2);
                    }
                | '^' tCVAR
                    {
                      $$ = new_cvar(p, $2);
                    }
                ;

p_expr_ref      : '^' tLPAREN expr_value rparen
                    {
                      $$ = $3;
                    }
                ;

p_const         : tCOLON3 cname
                    {
                      $$ = new_colon3(p, $2);
                    }
                | p_const tCOLON2 cname
                    {
                      $$ = new_colon2(p, $1, $3);
                    }
                | tCONSTANT
                    {
                      $$ = new_const(p, $1);
                    }
                ;

p_rbracket      : opt_nl ']'
                ;

p_rbrace        : opt_nl '}'
                ;

opt_rescue      : keyword_rescue exc_list exc_var then
    C
  },

  # --- pattern matching: from the pattern tree to ordinary nodes ----------------------
  {
    file: parse_y,
    why: "build pattern trees and rewrite them into if/and/or, hidden locals and helper calls",
    from: "%}\n\n%define parse.error verbose\n",
    to: <<~'C'
      /* kobako: pattern matching ------------------------------------------------------
       * The grammar builds one tree per pattern:
       *   (PM_VALUE . expr)              expr === subject (values, ranges, consts, pins)
       *   (PM_BIND . name)               binds the subject to a local (`x`, `_`)
       *   (PM_AS pattern . name)         pattern => name
       *   (PM_ALT left . right)          left | right
       *   (PM_ARRAY const pre rest post) Const(pre..., *rest, post...), const may be 0
       *   (PM_FIND const rest mid rest)  [*rest, mid..., *rest]
       *   (PM_HASH const keys . rest)    {key: pattern, key:, **rest}
       * kobako_pm_cond() turns a tree into one boolean expression over hidden locals whose
       * names start with "~pm" (no Ruby code can spell them). Their names carry the pattern's
       * level (one per nesting, so a match in a guard or a pin keeps the outer one's state)
       * and the depth of the sub-pattern (so siblings reuse them). */
      enum { PM_VALUE = 1, PM_BIND, PM_AS, PM_ALT, PM_ARRAY, PM_FIND, PM_HASH };

      typedef struct {
        int level;
        mrb_bool single;   /* raises with CRuby's detailed message, so failures say why */
      } kobako_pm;

      static node *kobako_pm_cond(parser_state *p, kobako_pm *c, node *pat, int depth);

      static int
      kobako_pm_open(parser_state *p)
      {
        p->lstate = EXPR_BEG;   /* a pattern may start with a label or a hash */
        p->cmd_start = FALSE;
        p->pm_lex = TRUE;
        p->pm_brace = 0;
        p->pm_paren = p->paren_nest;
        return ++p->pm_level;
      }

      static void
      kobako_pm_close(parser_state *p)
      {
        p->pm_lex = FALSE;
        p->pm_level--;
      }

      static node*
      kobako_pm_array(parser_state *p, node *konst, node *args)
      {
        return cons(nint(PM_ARRAY), cons(konst, args));
      }

      static node*
      kobako_pm_find(parser_state *p, node *konst, node *args)
      {
        return cons(nint(PM_FIND), cons(konst, args));
      }

      static node*
      kobako_pm_hash(parser_state *p, node *konst, node *kwargs)
      {
        return cons(nint(PM_HASH), cons(konst, kwargs));
      }

      /* `*name`, `**name` (name 0 when bare) */
      static node*
      kobako_pm_rest(parser_state *p, mrb_sym name)
      {
        if (name) local_add(p, name);
        return cons(nsym(name), 0);
      }

      static void
      kobako_pm_error(parser_state *p, mrb_sym name, const char *what)
      {
        char buf[256];
        mrb_int len;
        const char *s = mrb_sym_name_len(p->mrb, name, &len);
        size_t wlen = strlen(what);
        if (len > (mrb_int)(sizeof(buf) - wlen - 1)) len = (mrb_int)(sizeof(buf) - wlen - 1);
        memcpy(buf, s, (size_t)len);
        memcpy(buf + len, what, wlen + 1);
        yyerror(p, buf);
      }

      /* `{name:}` binds the local `name` */
      static node*
      kobako_pm_key_local(parser_state *p, mrb_sym name)
      {
        const char *s = mrb_sym_name(p->mrb, name);
        if (!s || !(ISLOWER(s[0]) || s[0] == '_' || (unsigned char)s[0] >= 0x80)) {
          kobako_pm_error(p, name, ": key must be valid as local variables");
        }
        local_add(p, name);
        return cons(nsym(name), 0);
      }

      static mrb_sym
      kobako_pm_string_label(parser_state *p, node *str)
      {
        if (intn(str->car) != NODE_STR) {
          yyerror(p, "symbol literal with interpolation is not allowed");
          return intern_cstr("");
        }
        return new_strsym(p, str);
      }

      static node*
      kobako_pm_pinned_local(parser_state *p, mrb_sym name)
      {
        if (!local_var_p(p, name)) kobako_pm_error(p, name, ": no such local variable");
        return new_lvar(p, name);
      }

      /* the hidden local of `kind` for this pattern level and sub-pattern depth */
      static mrb_sym
      kobako_pm_local(parser_state *p, kobako_pm *c, char kind, int depth)
      {
        char buf[32], num[8];
        strcpy(buf, "~pm");
        dump_int((uint16_t)c->level, num);
        strcat(buf, num);
        size_t n = strlen(buf);
        buf[n] = kind;
        buf[n + 1] = '\0';
        dump_int((uint16_t)depth, num);
        strcat(buf, num);
        mrb_sym s = intern_cstr(buf);
        local_add(p, s);
        return s;
      }

      static node*
      kobako_pm_lv(parser_state *p, mrb_sym name)
      {
        return new_lvar(p, name);
      }

      static node*
      kobako_pm_int(parser_state *p, int n)
      {
        char buf[8];
        dump_int((uint16_t)(n < 0 ? -n : n), buf);
        node *i = new_int(p, buf, 10, 0);
        return n < 0 ? new_negate(p, i) : i;
      }

      static node*
      kobako_pm_send(parser_state *p, node *recv, const char *name, node *args)
      {
        return new_call(p, recv, intern_cstr(name), args ? new_callargs(p, args, 0, 0) : 0, '.');
      }

      /* ::Kobako::PatternMatching.name(args...), see corelib/mrblib/pattern_matching.rb */
      static node*
      kobako_pm_helper(parser_state *p, const char *name, node *args)
      {
        node *mod = new_colon2(p, new_colon3(p, intern_cstr("Kobako")), intern_cstr("PatternMatching"));
        return kobako_pm_send(p, mod, name, args);
      }

      /* (a; b) */
      static node*
      kobako_pm_seq(parser_state *p, node *a, node *b)
      {
        node *n = new_begin(p, a);
        push(n, b);
        return n;
      }

      static node*
      kobako_pm_and(parser_state *p, node *a, node *b)
      {
        if (!a) return b;
        if (!b) return a;
        return new_and(p, a, b);
      }

      /* (name = value; true) */
      static node*
      kobako_pm_bind(parser_state *p, mrb_sym name, node *value)
      {
        return kobako_pm_seq(p, new_asgn(p, kobako_pm_lv(p, name), value), new_true(p));
      }

      /* a check that may fail; a single pattern records why: cond || (~pmNe0 = [why]; false) */
      static node*
      kobako_pm_check(parser_state *p, kobako_pm *c, node *cond, const char *kind, node *operands)
      {
        if (!c->single) return cond;
        node *why = new_array(p, cons(new_sym(p, intern_cstr(kind)), operands));
        mrb_sym err = kobako_pm_local(p, c, 'e', 0);
        return new_or(p, cond, kobako_pm_seq(p, new_asgn(p, kobako_pm_lv(p, err), why), new_false(p)));
      }

      /* pattern === value (a single pattern keeps the pattern's value for its message) */
      static node*
      kobako_pm_eqq(parser_state *p, kobako_pm *c, node *pattern, mrb_sym value, int depth)
      {
        if (!c->single) return call_bin_op(p, pattern, "===", kobako_pm_lv(p, value));
        mrb_sym t = kobako_pm_local(p, c, 't', depth);
        node *test = call_bin_op(p, kobako_pm_lv(p, t), "===", kobako_pm_lv(p, value));
        return kobako_pm_seq(p, new_asgn(p, kobako_pm_lv(p, t), pattern),
                             kobako_pm_check(p, c, test, "eqq", list2(kobako_pm_lv(p, t), kobako_pm_lv(p, value))));
      }

      /* match `pat` against `value`, one level deeper */
      static node*
      kobako_pm_sub(parser_state *p, kobako_pm *c, node *pat, node *value, int depth)
      {
        if (intn(pat->car) == PM_BIND) return kobako_pm_bind(p, sym(pat->cdr), value);
        mrb_sym v = kobako_pm_local(p, c, 'v', depth + 1);
        return kobako_pm_seq(p, new_asgn(p, kobako_pm_lv(p, v), value), kobako_pm_cond(p, c, pat, depth + 1));
      }

      static node*
      kobako_pm_index(parser_state *p, mrb_sym array, node *index)
      {
        return kobako_pm_send(p, kobako_pm_lv(p, array), "[]", list1(index));
      }

      static node*
      kobako_pm_length(parser_state *p, mrb_sym array)
      {
        return kobako_pm_send(p, kobako_pm_lv(p, array), "length", 0);
      }

      /* Const === value (when there is a Const), then array := value.deconstruct */
      static node*
      kobako_pm_deconstruct(parser_state *p, kobako_pm *c, node *konst, mrb_sym value, int depth, mrb_sym *array)
      {
        node *cond = konst ? kobako_pm_eqq(p, c, konst, value, depth) : 0;
        *array = kobako_pm_local(p, c, 'a', depth);
        node *call = depth == 0
          ? kobako_pm_helper(p, "deconstruct_cached", list2(kobako_pm_lv(p, value), kobako_pm_lv(p, *array)))
          : kobako_pm_helper(p, "deconstruct", list1(kobako_pm_lv(p, value)));
        node *got = kobako_pm_check(p, c, new_asgn(p, kobako_pm_lv(p, *array), call), "nodc", list1(kobako_pm_lv(p, value)));
        return kobako_pm_and(p, cond, got);
      }

      static node*
      kobako_pm_length_check(parser_state *p, kobako_pm *c, mrb_sym array, int n, mrb_bool at_least)
      {
        node *test = call_bin_op(p, kobako_pm_length(p, array), at_least ? ">=" : "==", kobako_pm_int(p, n));
        return kobako_pm_check(p, c, test, "len",
                               list3(kobako_pm_lv(p, array), kobako_pm_int(p, n), at_least ? new_true(p) : new_false(p)));
      }

      /* (PM_ARRAY const pre rest post) */
      static node*
      kobako_pm_array_cond(parser_state *p, kobako_pm *c, node *pat, mrb_sym value, int depth)
      {
        node *konst = pat->car, *pre = pat->cdr->car, *rest = pat->cdr->cdr->car, *post = pat->cdr->cdr->cdr->car;
        int npre = 0, npost = 0, i;
        node *n;
        mrb_sym array;
        for (n = pre; n; n = n->cdr) npre++;
        for (n = post; n; n = n->cdr) npost++;
        node *cond = kobako_pm_deconstruct(p, c, konst, value, depth, &array);
        cond = kobako_pm_and(p, cond, kobako_pm_length_check(p, c, array, npre + npost, rest != 0));
        for (n = pre, i = 0; n; n = n->cdr, i++) {
          cond = kobako_pm_and(p, cond, kobako_pm_sub(p, c, n->car, kobako_pm_index(p, array, kobako_pm_int(p, i)), depth));
        }
        if (rest && sym(rest->car)) {
          node *len = call_bin_op(p, kobako_pm_length(p, array), "-", kobako_pm_int(p, npre + npost));
          node *slice = kobako_pm_send(p, kobako_pm_lv(p, array), "[]", list2(kobako_pm_int(p, npre), len));
          cond = kobako_pm_and(p, cond, kobako_pm_bind(p, sym(rest->car), slice));
        }
        for (n = post, i = -npost; n; n = n->cdr, i++) {
          cond = kobako_pm_and(p, cond, kobako_pm_sub(p, c, n->car, kobako_pm_index(p, array, kobako_pm_int(p, i)), depth));
        }
        return cond;
      }

      /* (PM_FIND const rest mid rest): try each offset of mid, leftmost first */
      static node*
      kobako_pm_find_cond(parser_state *p, kobako_pm *c, node *pat, mrb_sym value, int depth)
      {
        node *konst = pat->car, *pre = pat->cdr->car, *mid = pat->cdr->cdr->car, *post = pat->cdr->cdr->cdr->car;
        int k = 0, j;
        node *n;
        mrb_sym array;
        for (n = mid; n; n = n->cdr) k++;
        node *cond = kobako_pm_deconstruct(p, c, konst, value, depth, &array);
        cond = kobako_pm_and(p, cond, kobako_pm_length_check(p, c, array, k, TRUE));
        mrb_sym at = kobako_pm_local(p, c, 'i', depth);
        node *hit = 0;
        for (n = mid, j = 0; n; n = n->cdr, j++) {
          node *index = call_bin_op(p, kobako_pm_lv(p, at), "+", kobako_pm_int(p, j));
          hit = kobako_pm_and(p, hit, kobako_pm_sub(p, c, n->car, kobako_pm_index(p, array, index), depth));
        }
        /* at = 0; until at + k > array.length || hit; at += 1; end; at + k <= array.length */
        node *end = call_bin_op(p, kobako_pm_lv(p, at), "+", kobako_pm_int(p, k));
        node *past = call_bin_op(p, end, ">", kobako_pm_length(p, array));
        node *step = new_asgn(p, kobako_pm_lv(p, at), call_bin_op(p, kobako_pm_lv(p, at), "+", kobako_pm_int(p, 1)));
        node *search = new_begin(p, new_asgn(p, kobako_pm_lv(p, at), kobako_pm_int(p, 0)));
        push(search, new_until(p, new_or(p, past, hit), step));
        node *found = call_bin_op(p, call_bin_op(p, kobako_pm_lv(p, at), "+", kobako_pm_int(p, k)), "<=", kobako_pm_length(p, array));
        push(search, kobako_pm_check(p, c, found, "find", list1(kobako_pm_lv(p, array))));
        cond = kobako_pm_and(p, cond, search);
        if (sym(pre->car)) {
          node *slice = kobako_pm_send(p, kobako_pm_lv(p, array), "[]", list2(kobako_pm_int(p, 0), kobako_pm_lv(p, at)));
          cond = kobako_pm_and(p, cond, kobako_pm_bind(p, sym(pre->car), slice));
        }
        if (sym(post->car)) {
          node *from = call_bin_op(p, kobako_pm_lv(p, at), "+", kobako_pm_int(p, k));
          node *slice = kobako_pm_send(p, kobako_pm_lv(p, array), "[]", list2(from, kobako_pm_length(p, array)));
          cond = kobako_pm_and(p, cond, kobako_pm_bind(p, sym(post->car), slice));
        }
        return cond;
      }

      /* [:key, ...] of a hash pattern's keys (a fresh node each time) */
      static node*
      kobako_pm_key_array(parser_state *p, node *keys)
      {
        node *syms = 0;
        for (node *n = keys; n; n = n->cdr) syms = push(syms, new_sym(p, sym(n->car->car)));
        return new_array(p, syms);
      }

      /* (PM_HASH const keys . rest) */
      static node*
      kobako_pm_hash_cond(parser_state *p, kobako_pm *c, node *pat, mrb_sym value, int depth)
      {
        node *konst = pat->car, *keys = pat->cdr->car, *rest = pat->cdr->cdr, *n;
        mrb_bool no_rest = rest && intn(rest->cdr);                 /* **nil */
        mrb_sym rest_name = rest && !no_rest ? sym(rest->car) : 0;  /* **name */
        /* deconstruct_keys gets the keys, or nil when the pattern wants the rest or has none */
        node *wanted = keys && (!rest || (!no_rest && !rest_name)) ? kobako_pm_key_array(p, keys) : new_nil(p);
        node *cond = konst ? kobako_pm_eqq(p, c, konst, value, depth) : 0;
        mrb_sym hash = kobako_pm_local(p, c, 'h', depth);
        node *call = kobako_pm_helper(p, "deconstruct_keys", list2(kobako_pm_lv(p, value), wanted));
        cond = kobako_pm_and(p, cond, kobako_pm_check(p, c, new_asgn(p, kobako_pm_lv(p, hash), call), "nodk",
                                                      list1(kobako_pm_lv(p, value))));
        for (n = keys; n; n = n->cdr) {
          mrb_sym key = sym(n->car->car);
          node *has = kobako_pm_send(p, kobako_pm_lv(p, hash), "key?", list1(new_sym(p, key)));
          cond = kobako_pm_and(p, cond, kobako_pm_check(p, c, has, "key", list2(kobako_pm_lv(p, hash), new_sym(p, key))));
          node *item = kobako_pm_index(p, hash, new_sym(p, key));
          node *sub = n->car->cdr;
          cond = kobako_pm_and(p, cond, sub ? kobako_pm_sub(p, c, sub, item, depth) : kobako_pm_bind(p, key, item));
        }
        if (rest_name || no_rest) {
          node *left = kobako_pm_helper(p, "rest", list2(kobako_pm_lv(p, hash), kobako_pm_key_array(p, keys)));
          if (rest_name) {
            cond = kobako_pm_and(p, cond, kobako_pm_bind(p, rest_name, left));
          }
          else {
            node *empty = kobako_pm_send(p, left, "empty?", 0);
            cond = kobako_pm_and(p, cond, kobako_pm_check(p, c, empty, "rest",
                                                          list2(kobako_pm_lv(p, hash), kobako_pm_key_array(p, keys))));
          }
        }
        else if (!keys && !rest) {
          node *empty = kobako_pm_send(p, kobako_pm_lv(p, hash), "empty?", 0);
          cond = kobako_pm_and(p, cond, kobako_pm_check(p, c, empty, "empty", list1(kobako_pm_lv(p, hash))));
        }
        return cond;
      }

      /* true when `pat` matches the value in the depth's subject local, binding as it goes */
      static node*
      kobako_pm_cond(parser_state *p, kobako_pm *c, node *pat, int depth)
      {
        mrb_sym value = kobako_pm_local(p, c, 'v', depth);
        switch (intn(pat->car)) {
        case PM_VALUE:
          return kobako_pm_eqq(p, c, pat->cdr, value, depth);
        case PM_BIND:
          return kobako_pm_bind(p, sym(pat->cdr), kobako_pm_lv(p, value));
        case PM_AS:
          return new_and(p, kobako_pm_cond(p, c, pat->cdr->car, depth),
                         kobako_pm_bind(p, sym(pat->cdr->cdr), kobako_pm_lv(p, value)));
        case PM_ALT:
          return new_or(p, kobako_pm_cond(p, c, pat->cdr->car, depth), kobako_pm_cond(p, c, pat->cdr->cdr, depth));
        case PM_ARRAY:
          return kobako_pm_array_cond(p, c, pat->cdr, value, depth);
        case PM_FIND:
          return kobako_pm_find_cond(p, c, pat->cdr, value, depth);
        default:
          return kobako_pm_hash_cond(p, c, pat->cdr, value, depth);
        }
      }

      /* if clause1 then body1 elsif ... else body / raise end */
      static node*
      kobako_pm_branches(parser_state *p, kobako_pm *c, node *clauses)
      {
        mrb_sym value = kobako_pm_local(p, c, 'v', 0);
        if (!clauses) {
          if (!c->single) return kobako_pm_helper(p, "no_match", list1(kobako_pm_lv(p, value)));
          mrb_sym err = kobako_pm_local(p, c, 'e', 0);
          return kobako_pm_helper(p, "fail", list2(kobako_pm_lv(p, value), kobako_pm_lv(p, err)));
        }
        node *top = clauses->car->car, *body = clauses->car->cdr->car;
        if (!top) return body;   /* else */
        node *cond = kobako_pm_cond(p, c, top->car, 0);
        if (top->cdr) cond = new_and(p, cond, kobako_pm_check(p, c, top->cdr, "guard", 0));
        return new_if(p, cond, body, kobako_pm_branches(p, c, clauses->cdr));
      }

      /* CRuby's checks on the names a pattern binds (those starting with `_` aside): each
       * at most once, and none inside an alternative. */
      typedef struct {
        node *seen;
        mrb_bool duplicated;
        mrb_sym in_alternative;
      } kobako_pm_names;

      static void
      kobako_pm_bound(parser_state *p, kobako_pm_names *ns, mrb_sym name, mrb_bool alt)
      {
        const char *s = name ? mrb_sym_name(p->mrb, name) : NULL;
        if (!s || s[0] == '_') return;
        for (node *n = ns->seen; n; n = n->cdr) {
          if (sym(n->car) == name) ns->duplicated = TRUE;
        }
        ns->seen = cons(nsym(name), ns->seen);
        if (alt && !ns->in_alternative) ns->in_alternative = name;
      }

      static void
      kobako_pm_walk(parser_state *p, kobako_pm_names *ns, node *pat, mrb_bool alt)
      {
        node *b = pat->cdr, *n;
        switch (intn(pat->car)) {
        case PM_BIND:
          kobako_pm_bound(p, ns, sym(b), alt);
          break;
        case PM_AS:
          kobako_pm_walk(p, ns, b->car, alt);
          kobako_pm_bound(p, ns, sym(b->cdr), alt);
          break;
        case PM_ALT:
          kobako_pm_walk(p, ns, b->car, TRUE);
          kobako_pm_walk(p, ns, b->cdr, TRUE);
          break;
        case PM_ARRAY:   /* const pre rest post */
          for (n = b->cdr->car; n; n = n->cdr) kobako_pm_walk(p, ns, n->car, alt);
          if (b->cdr->cdr->car) kobako_pm_bound(p, ns, sym(b->cdr->cdr->car->car), alt);
          for (n = b->cdr->cdr->cdr->car; n; n = n->cdr) kobako_pm_walk(p, ns, n->car, alt);
          break;
        case PM_FIND:    /* const rest mid rest */
          kobako_pm_bound(p, ns, sym(b->cdr->car->car), alt);
          for (n = b->cdr->cdr->car; n; n = n->cdr) kobako_pm_walk(p, ns, n->car, alt);
          kobako_pm_bound(p, ns, sym(b->cdr->cdr->cdr->car->car), alt);
          break;
        case PM_HASH:    /* const keys . rest */
          for (n = b->cdr->car; n; n = n->cdr) {
            if (n->car->cdr) kobako_pm_walk(p, ns, n->car->cdr, alt);
            else kobako_pm_bound(p, ns, sym(n->car->car), alt);
          }
          if (b->cdr->cdr && !intn(b->cdr->cdr->cdr)) kobako_pm_bound(p, ns, sym(b->cdr->cdr->car), alt);
          break;
        }
      }

      static void
      kobako_pm_check_names(parser_state *p, node *pat)
      {
        kobako_pm_names ns = { 0, FALSE, 0 };
        kobako_pm_walk(p, &ns, pat, FALSE);
        if (ns.duplicated) {
          yyerror(p, "duplicated variable name");
        }
        else if (ns.in_alternative) {
          char what[] = ")";
          const char *name = mrb_sym_name(p->mrb, ns.in_alternative);
          char buf[256] = "illegal variable in alternative pattern (";
          strncat(buf, name, sizeof(buf) - strlen(buf) - sizeof(what));
          strcat(buf, what);
          yyerror(p, buf);
        }
      }

      /* case subject; in ...; end. clauses: ((pattern . guard) body level) ..., else last */
      static node*
      kobako_pm_case(parser_state *p, node *subject, node *clauses)
      {
        kobako_pm c;
        c.level = intn(clauses->car->cdr->cdr->car);
        c.single = clauses->cdr == 0;   /* one branch, no else: CRuby's detailed message */
        for (node *n = clauses; n; n = n->cdr) {
          if (n->car->car) kobako_pm_check_names(p, n->car->car->car);
        }
        node *body = new_begin(p, new_asgn(p, kobako_pm_lv(p, kobako_pm_local(p, &c, 'v', 0)), subject));
        push(body, new_asgn(p, kobako_pm_lv(p, kobako_pm_local(p, &c, 'a', 0)), new_nil(p)));
        push(body, kobako_pm_branches(p, &c, clauses));
        return body;
      }

      /* `subject => pattern` (nil, or raises) and `subject in pattern` (true or false) */
      static node*
      kobako_pm_single(parser_state *p, node *subject, node *pat, int level, mrb_bool raise)
      {
        node *clause = list3(cons(pat, 0), raise ? new_nil(p) : new_true(p), nint(level));
        node *clauses = raise ? list1(clause) : list2(clause, list3(0, new_false(p), 0));
        return kobako_pm_case(p, subject, clauses);
      }

      %}

      %define parse.error verbose
    C
  },
]
