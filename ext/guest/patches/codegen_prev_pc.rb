# Compiling in linear time (issue 16). Two places took time quadratic in a script's
# length (a 100 KB script cost 38x the 10 KB one):
# - the peephole optimiser found the instruction before the last one by decoding the
#   scope's whole instruction sequence from its start (mrb_prev_pc), once or more per
#   emitted instruction. The code generator now remembers the starts of the last few
#   instructions it emitted and answers from them; a position it does not remember (or
#   one that does not decode to end exactly where asked) still takes the full scan, so
#   the answer is always the one the scan gives (the bytecode is byte-identical);
# - the parser appended each statement, and each line of a heredoc, by walking the list
#   to its end. It now remembers the last cell of the list it last appended to.
KobakoMrubyPatches.add_all [
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "remember the last instruction starts (the fields)",
    from: <<-'C',
  uint32_t pc;
  uint32_t lastpc;
  uint32_t lastlabel;
    C
    to: <<-'C'
  uint32_t pc;
  uint32_t lastpc;
  uint32_t lastlabel;
  /* kobako: starts of the most recently emitted instructions, oldest first */
  uint32_t kobako_starts[8];
  uint8_t kobako_nstarts;
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "remember the last instruction starts (recording one)",
    from: <<-'C',
static void
genop_0(codegen_scope *s, mrb_code i)
{
    C
    to: <<-'C'
/* kobako: an instruction starts at s->pc. Starts at or after it were rewound away. */
static void
kobako_note_start(codegen_scope *s)
{
  while (s->kobako_nstarts > 0 && s->kobako_starts[s->kobako_nstarts - 1] >= s->pc) s->kobako_nstarts--;
  if (s->kobako_nstarts == 8) {
    memmove(s->kobako_starts, s->kobako_starts + 1, 7 * sizeof(uint32_t));
    s->kobako_nstarts = 7;
  }
  s->kobako_starts[s->kobako_nstarts++] = s->pc;
}

static void
genop_0(codegen_scope *s, mrb_code i)
{
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "remember the last instruction starts (at every emission)",
    count: 4,
    from: "  s->lastpc = s->pc;\n",
    to: "  kobako_note_start(s);\n  s->lastpc = s->pc;\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/codegen.c",
    why: "answer mrb_prev_pc from the remembered starts when they are right",
    from: <<-'C',
mrb_prev_pc(codegen_scope *s, const mrb_code *pc)
{
  const mrb_code *prev_pc = NULL;
  const mrb_code *i = s->iseq;

    C
    to: <<-'C'
mrb_prev_pc(codegen_scope *s, const mrb_code *pc)
{
  const mrb_code *prev_pc = NULL;
  const mrb_code *i = s->iseq;

  /* kobako: the remembered start just before pc, if it decodes to end exactly at pc */
  for (int k = s->kobako_nstarts - 1; k >= 0; k--) {
    const mrb_code *c = s->iseq + s->kobako_starts[k];
    if (c >= pc) continue;
    size_t len;
    switch (c[0]) {
    case OP_EXT1: len = mrb_insn_size1[c[1]] + 1; break;
    case OP_EXT2: len = mrb_insn_size2[c[1]] + 1; break;
    case OP_EXT3: len = mrb_insn_size3[c[1]] + 1; break;
    default: len = mrb_insn_size[c[0]]; break;
    }
    if (c + len == pc) return c;
    break;
  }

    C
  },
  {
    file: "include/mruby/compile.h",
    why: "remember the last cell of the statement list being built (the fields)",
    from: "  mrb_ast_node *tree;\n",
    to: "  mrb_ast_node *tree;\n  /* kobako: lists appended to one item at a time, and their last cells */\n" \
        "  mrb_ast_node *kobako_tails[3][2];\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/parse.y",
    why: "append a statement at the remembered last cell",
    from: "#define push(a,b) append_gen(p,(a),list1(b))\n",
    to: <<-'C'
#define push(a,b) append_gen(p,(a),list1(b))

/* kobako: push(list, item) without walking the list when it is the one last appended to
 * through `slot` (statements, a heredoc's parts, a heredoc's indented lines) and the
 * remembered last cell is still its end. */
#define KOBAKO_STMTS 0
#define KOBAKO_HEREDOC_DOC 1
#define KOBAKO_HEREDOC_INDENTED 2
static node*
kobako_push(parser_state *p, int slot, node *list, node *item)
{
  node *cell = list1(item);
  node **remembered = p->kobako_tails[slot];
  node *tail = list;

  if (!list) {
    remembered[0] = cell;
    remembered[1] = cell;
    return cell;
  }
  if (remembered[0] == list && remembered[1] && !remembered[1]->cdr) {
    tail = remembered[1];
  }
  else {
    while (tail->cdr) tail = tail->cdr;
  }
  tail->cdr = cell;
  remembered[0] = list;
  remembered[1] = cell;
  return list;
}
    C
  },
  {
    file: "mrbgems/mruby-compiler/core/parse.y",
    why: "statements (top level and bodies) are appended at the remembered last cell",
    count: 2,
    from: "$$ = push($1, newline_node($3));",
    to: "$$ = kobako_push(p, KOBAKO_STMTS, $1, newline_node($3));"
  },
  {
    file: "mrbgems/mruby-compiler/core/parse.y",
    why: "a heredoc's parts are appended at the remembered last cell",
    from: "                      info->doc = push(info->doc, $1);\n",
    to: "                      info->doc = kobako_push(p, KOBAKO_HEREDOC_DOC, info->doc, $1);\n"
  },
  {
    file: "mrbgems/mruby-compiler/core/parse.y",
    why: "a heredoc's indented lines are appended at the remembered last cell",
    from: "  hinfo->indented = push(hinfo->indented, cons(pair, cons(escaped, nspaces)));\n",
    to: "  hinfo->indented = kobako_push(p, KOBAKO_HEREDOC_INDENTED, hinfo->indented, cons(pair, cons(escaped, nspaces)));\n"
  }
]
