# Parser features CRuby has and mruby 3.3 lacks: `defined?` and the
# `# frozen_string_literal: true` magic comment (the pattern-matching grammar is in
# pattern_matching.rb, applied before this file).
KobakoMrubyPatches.add_all [
  {
    file: "mrbgems/mruby-compiler/core/parse.y",
    why: "`defined?(expr)` was parsed as a call of a method named defined?; it becomes the " \
         "check CRuby makes, without evaluating what it asks about where CRuby does not",
    from: <<~C,
      /* (:fcall self mid args) */
      static node*
      new_fcall(parser_state *p, mrb_sym b, node *c)
      {
        node *n = list4((node*)NODE_FCALL, 0, nsym(b), c);
    C
    to: <<~C
      static node *kobako_defined(parser_state *p, node *expr);

      /* (:fcall self mid args) */
      static node*
      new_fcall(parser_state *p, mrb_sym b, node *c)
      {
        /* kobako: `defined?(expr)` / `defined? expr`, one argument and no block */
        if (c && c->car && !c->car->cdr && c->cdr && !c->cdr->car && !c->cdr->cdr &&
            b == mrb_intern_lit(p->mrb, "defined?")) {
          return kobako_defined(p, c->car->car);
        }
        node *n = list4((node*)NODE_FCALL, 0, nsym(b), c);
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/parse.y",
    why: "the helper the previous patch calls",
    from: <<~C,
      /* (:dstr . a) */
      static node*
      new_dstr(parser_state *p, node *a)
    C
    to: <<~C
      /* kobako: what `defined?(e)` answers, as CRuby: "local-variable", "instance-variable",
       * "global-variable", "class variable", "constant", "method", "yield", "super", "self",
       * "assignment" or "expression", or nil when the thing is not there. Constants and
       * receivers are evaluated (rescuing what they raise), method arguments are not. */
      static node*
      kobako_defined(parser_state *p, node *e)
      {
        const char *what = "expression";
        node *check = NULL;   /* decides between `what` and nil */
        node *eval = NULL;    /* evaluated first; an exception means nil */
        if (e) {
          switch (intn(e->car)) {
          case NODE_LVAR: case NODE_DVAR: case NODE_ARG: what = "local-variable"; break;
          case NODE_SELF: what = "self"; break;
          case NODE_NIL: what = "nil"; break;
          case NODE_TRUE: what = "true"; break;
          case NODE_FALSE: what = "false"; break;
          case NODE_ASGN: case NODE_OP_ASGN: case NODE_MASGN: what = "assignment"; break;
          case NODE_IVAR:
            what = "instance-variable";
            check = new_fcall(p, mrb_intern_lit(p->mrb, "instance_variable_defined?"),
                              new_callargs(p, list1(new_sym(p, sym(e->cdr))), 0, 0));
            break;
          case NODE_GVAR:
            what = "global-variable";
            check = new_call(p, new_fcall(p, mrb_intern_lit(p->mrb, "global_variables"), 0),
                             mrb_intern_lit(p->mrb, "include?"),
                             new_callargs(p, list1(new_sym(p, sym(e->cdr))), 0, 0), '.');
            break;
          case NODE_CVAR: what = "class variable"; eval = e; break;
          case NODE_CONST: case NODE_COLON2: case NODE_COLON3: what = "constant"; eval = e; break;
          case NODE_FCALL:
            what = "method";
            check = new_fcall(p, mrb_intern_lit(p->mrb, "respond_to?"),
                              new_callargs(p, list2(new_sym(p, sym(e->cdr->cdr->car)), new_true(p)), 0, 0));
            break;
          case NODE_CALL: case NODE_SCALL:
            what = "method";
            check = new_call(p, e->cdr->car, mrb_intern_lit(p->mrb, "respond_to?"),
                             new_callargs(p, list1(new_sym(p, sym(e->cdr->cdr->car))), 0, 0), '.');
            eval = check;
            check = NULL;
            break;
          case NODE_YIELD:
            what = "yield";
            check = new_fcall(p, mrb_intern_lit(p->mrb, "block_given?"), 0);
            break;
          case NODE_SUPER: case NODE_ZSUPER:
            what = "super";
            check = new_fcall(p, mrb_intern_lit(p->mrb, "__kobako_super_defined?"),
                              new_callargs(p, list1(new_fcall(p, mrb_intern_lit(p->mrb, "__method__"), 0)), 0, 0));
            break;
          default: break;
          }
        }
        node *answer = new_str(p, what, strlen(what));
        if (check) answer = new_if(p, check, answer, new_nil(p));
        if (eval) {
          /* the expression's value decides only for a receiver's respond_to?; a constant or
           * class variable just has to evaluate */
          node *body = (eval == e) ? new_begin(p, e) : NULL;
          if (body) push(body, answer);
          else body = new_if(p, eval, answer, new_nil(p));
          answer = new_mod_rescue(p, body, new_nil(p));
        }
        return answer;
      }

      /* (:dstr . a) */
      static node*
      new_dstr(parser_state *p, node *a)
    C
  },
  {
    file: "include/mruby/compile.h",
    why: "the parser state remembers the frozen_string_literal magic comment",
    from: "  mrb_bool no_ext_ops:1;\n  const struct RProc *upper;\n  struct mrb_parser_message error_buffer[10];\n",
    to: "  mrb_bool no_ext_ops:1;\n  mrb_bool kobako_frozen_literals:1; /* kobako: # frozen_string_literal: true */\n" \
        "  mrb_bool kobako_seen_code:1;       /* kobako: magic comments end at the first token */\n" \
        "  const struct RProc *upper;\n  struct mrb_parser_message error_buffer[10];\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/parse.y",
    why: "read `# frozen_string_literal: true` (or false; also emacs-style `-*- ... -*-`) in " \
         "the comments before the first line of code, as CRuby does",
    from: "  case '#':     /* it's a comment */\n    skip(p, '\\n');\n",
    to: "  case '#':     /* it's a comment */\n" \
        "    if (p->kobako_seen_code) skip(p, '\\n');\n" \
        "    else kobako_magic_comment(p);\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/parse.y",
    why: "the helper the previous patch calls, and where the first token ends the magic comments",
    from: <<~C,
      static int
      yylex(void *lval, parser_state *p)
      {
        p->ylval = lval;
        return parser_yylex(p);
      }
    C
    to: <<~C
      static int
      yylex(void *lval, parser_state *p)
      {
        p->ylval = lval;
        int t = parser_yylex(p);
        if (t != '\\n' && t != 0) p->kobako_seen_code = TRUE;
        return t;
      }
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/parse.y",
    why: "the magic comment reader",
    from: <<~C,
      static int
      parser_yylex(parser_state *p)
      {
    C
    to: <<~C
      /* kobako: reads one comment (after its '#', up to and including the newline) and sets
       * p->kobako_frozen_literals from a `frozen_string_literal: true|false` in it. The key
       * may be spelt with '-' and in any case; the comment holds nothing else but an emacs
       * `-*- ... -*-` frame or other `name: value` pairs separated by ';'. */
      static void
      kobako_magic_comment(parser_state *p)
      {
        char buf[256];
        int n = 0, c;
        for (;;) {
          c = nextc(p);
          if (c < 0 || c == '\\n') break;
          if (n < (int)sizeof(buf) - 1) buf[n++] = (char)c;
        }
        buf[n] = '\\0';
        static const char key[] = "frozen_string_literal";
        for (int i = 0; buf[i]; i++) {
          int k = 0;
          while (key[k]) {
            char b = buf[i + k];
            if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
            if (b == '-') b = '_';
            if (b != key[k]) break;
            k++;
          }
          if (key[k]) continue;
          for (int j = 0; j < i; j++) {      /* only blanks, ';' or an emacs frame before it */
            char b = buf[j];
            if (b != ' ' && b != '\\t' && b != ';' && b != '-' && b != '*') {
              if (!strstr(buf, "-*-")) return;
            }
          }
          const char *v = buf + i + k;
          while (*v == ' ' || *v == '\\t') v++;
          if (*v++ != ':') return;
          while (*v == ' ' || *v == '\\t') v++;
          int len = 0;
          char word[6];
          while (len < 5 && ISALPHA(v[len])) { word[len] = (char)(v[len] | 0x20); len++; }
          word[len] = '\\0';
          if (ISALNUM(v[len]) || v[len] == '_') return;
          if (strcmp(word, "true") == 0) p->kobako_frozen_literals = TRUE;
          else if (strcmp(word, "false") == 0) p->kobako_frozen_literals = FALSE;
          return;
        }
      }

      static int
      parser_yylex(parser_state *p)
      {
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "a String literal under `# frozen_string_literal: true` is frozen: OP_STRING, then " \
         "#freeze, except for the pieces an interpolation or %w[] concatenates (kobako_concat)",
    from: "      genop_2(s, OP_STRING, cursp(), off);\n      push();\n    }\n    break;\n\n  case NODE_HEREDOC:\n",
    to: <<-'C'
      genop_2(s, OP_STRING, cursp(), off);
      push();
      if (s->kobako_concat == 0) kobako_gen_freeze(s);
    }
    break;

  case NODE_HEREDOC:
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "the scope counts the concatenations in progress",
    from: "  parser_state* parser;\n",
    to: "  parser_state* parser;\n  int kobako_concat; /* kobako: > 0 while the pieces of a string are generated */\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "the freeze the literal patches emit",
    from: "static void\ngen_intern(codegen_scope *s)\n",
    to: <<-'C'
/* kobako: under `# frozen_string_literal: true`, freezes the String just generated (at
 * cursp() - 1). */
static void
kobako_gen_freeze(codegen_scope *s)
{
  if (!s->parser || !s->parser->kobako_frozen_literals) return;
  push(); pop();  /* the block slot OP_SEND clears */
  pop();
  genop_3(s, OP_SEND, cursp(), new_sym(s, mrb_intern_lit(s->mrb, "freeze")), 0);
  push();
}

static void
gen_intern(codegen_scope *s)
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "%w[] elements are frozen literals (the pieces of one are concatenated first)",
    from: "gen_literal_array(codegen_scope *s, node *tree, mrb_bool sym, int val)\n{\n  if (val) {\n    int i = 0, j = 0, gen = 0;\n\n",
    to: "gen_literal_array(codegen_scope *s, node *tree, mrb_bool sym, int val)\n{\n  if (val) {\n    int i = 0, j = 0, gen = 0;\n\n    s->kobako_concat++;\n    int kobako_dyn = 0; /* the element has an interpolation */\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "freeze each finished %w[] element",
    from: "          i++;\n          if (sym)\n            gen_intern(s);\n",
    to: "          i++;\n          if (sym)\n            gen_intern(s);\n          else if (!kobako_dyn)\n            kobako_gen_freeze(s);\n          kobako_dyn = 0;\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: 'an element with an interpolation (%W[a#{x}]) is not frozen',
    from: "      case NODE_BEGIN:\n        codegen(s, tree->car, VAL);\n        j++;\n        break;\n",
    to: "      case NODE_BEGIN:\n        if (nint(tree->car->car) == NODE_BEGIN) kobako_dyn = 1;\n        codegen(s, tree->car, VAL);\n        j++;\n        break;\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "the last %w[] element, and the end of the concatenation",
    from: "      i++;\n      if (sym)\n        gen_intern(s);\n    }\n    pop_n(i);\n",
    to: "      i++;\n      if (sym)\n        gen_intern(s);\n      else if (!kobako_dyn)\n        kobako_gen_freeze(s);\n    }\n    s->kobako_concat--;\n    pop_n(i);\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "an interpolated String is not frozen, nor are its pieces (a single piece, a plain heredoc, is)",
    from: "      codegen(s, n->car, VAL);\n      n = n->cdr;\n      while (n) {\n        codegen(s, n->car, VAL);\n        pop(); pop();\n        genop_1(s, OP_STRCAT, cursp());\n        push();\n        n = n->cdr;\n      }\n    }\n    else {\n",
    to: "      if (n->cdr) s->kobako_concat++;\n      codegen(s, n->car, VAL);\n      mrb_bool kobako_pieces = n->cdr != NULL;\n      n = n->cdr;\n      while (n) {\n        codegen(s, n->car, VAL);\n        pop(); pop();\n        genop_1(s, OP_STRCAT, cursp());\n        push();\n        n = n->cdr;\n      }\n      if (kobako_pieces) s->kobako_concat--;\n    }\n    else {\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "the pieces of an interpolated Regexp are not frozen",
    from: "      genop_2(s, OP_GETMCNST, cursp(), sym);\n      push();\n      codegen(s, n->car, VAL);\n      n = n->cdr;\n      while (n) {\n        codegen(s, n->car, VAL);\n        pop(); pop();\n        genop_1(s, OP_STRCAT, cursp());\n        push();\n        n = n->cdr;\n      }\n",
    to: "      genop_2(s, OP_GETMCNST, cursp(), sym);\n      push();\n      s->kobako_concat++;\n      codegen(s, n->car, VAL);\n      n = n->cdr;\n      while (n) {\n        codegen(s, n->car, VAL);\n        pop(); pop();\n        genop_1(s, OP_STRCAT, cursp());\n        push();\n        n = n->cdr;\n      }\n      s->kobako_concat--;\n"
  },
  {
    file: "src/error.c",
    why: "FrozenError says what was frozen, as CRuby: can't modify frozen String: \"x\"",
    from: "  mrb_raisef(mrb, E_FROZEN_ERROR, \"can't modify frozen %T\", v);",
    to: "  mrb_raisef(mrb, E_FROZEN_ERROR, \"can't modify frozen %T: %!v\", v, v);"
  },
]
