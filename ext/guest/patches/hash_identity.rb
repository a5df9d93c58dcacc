# Hash#compare_by_identity (corelib src/corelib.c sets the flag): a Hash flagged
# MRB_HASH_KOBAKO_IDENTITY hashes and compares its keys by identity and keeps String keys
# as given (no frozen copy), as CRuby's identity hashes do; dup and replace carry the flag.
KobakoMrubyPatches.add_all [
  {
    file: "include/mruby/hash.h",
    why: "a free RHash flag bit for compare_by_identity",
    from: "#define MRB_HASH_HT                 (1 << (MRB_HASH_SIZE_FLAGS_SHIFT + 2))\n",
    to: "#define MRB_HASH_HT                 (1 << (MRB_HASH_SIZE_FLAGS_SHIFT + 2))\n" \
        "#define MRB_HASH_KOBAKO_IDENTITY    (1 << (MRB_HASH_SIZE_FLAGS_SHIFT + 3)) /* kobako */\n"
  },
  {
    file: "src/hash.c",
    why: "an identity Hash hashes a key by its object id",
    from: <<~C,
      obj_hash_code(mrb_state *mrb, mrb_value key, struct RHash *h)
      {
        enum mrb_vtype tt = mrb_type(key);
        uint32_t hash_code;
        mrb_value hash_code_obj;
    C
    to: <<~C
      obj_hash_code(mrb_state *mrb, mrb_value key, struct RHash *h)
      {
        enum mrb_vtype tt = mrb_type(key);
        uint32_t hash_code;
        mrb_value hash_code_obj;
        if (h && (h->flags & MRB_HASH_KOBAKO_IDENTITY)) { /* kobako */
          hash_code = U32(mrb_obj_id(key));
          return hash_code ^ (hash_code << 2) ^ (hash_code >> 2);
        }
    C
  },
  {
    file: "src/hash.c",
    why: "an identity Hash compares keys with equal?",
    from: <<~C,
      obj_eql(mrb_state *mrb, mrb_value a, mrb_value b, struct RHash *h)
      {
        enum mrb_vtype tt = mrb_type(a);
        mrb_bool eql;
    C
    to: <<~C
      obj_eql(mrb_state *mrb, mrb_value a, mrb_value b, struct RHash *h)
      {
        enum mrb_vtype tt = mrb_type(a);
        mrb_bool eql;
        if (h && (h->flags & MRB_HASH_KOBAKO_IDENTITY)) return mrb_obj_eq(mrb, a, b); /* kobako */
    C
  },
  {
    file: "src/hash.c",
    why: "an identity Hash keeps a String key itself",
    from: "  hash_modify(mrb, hash);\n  key = h_key_for(mrb, key);\n",
    to: "  hash_modify(mrb, hash);\n" \
        "  if (!(mrb_hash_ptr(hash)->flags & MRB_HASH_KOBAKO_IDENTITY)) key = h_key_for(mrb, key); /* kobako */\n"
  },
  {
    file: "src/hash.c",
    why: "dup, clone and replace carry compare_by_identity",
    from: "  uint32_t mask = MRB_HASH_DEFAULT | MRB_HASH_PROC_DEFAULT;\n  mrb_sym name;\n",
    to: "  uint32_t mask = MRB_HASH_DEFAULT | MRB_HASH_PROC_DEFAULT | MRB_HASH_KOBAKO_IDENTITY; /* kobako */\n  mrb_sym name;\n"
  }
]
