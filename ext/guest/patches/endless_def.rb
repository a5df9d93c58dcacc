# An endless method definition without parentheses (`def each = @items.each { yield _1 }`)
# got no register for its block: `yield` raised "unexpected yield" and block_given? was
# always true. The parser allocates that register for every other method form while it
# reads the parameters; here it is put first among the locals when the method is set up.
KobakoMrubyPatches.add_all [
  {
    file: "mrbgems/mruby-compiler/core/parse.y",
    why: "an endless def without parameters gets the block register every other def has",
    count: 2,
    from: <<~C,
      \
      \  n->car = locals_node(p);
      \  p->cmdarg_stack = intn(n->cdr->car);
    C
    to: <<~C
      \
      \  if (a == NULL && p->locals) p->locals->car = cons(nsym(0), p->locals->car); /* kobako */
      \  n->car = locals_node(p);
      \  p->cmdarg_stack = intn(n->cdr->car);
    C
  }
]
