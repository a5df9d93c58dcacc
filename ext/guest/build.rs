// Links the wasm32 libmruby.a (built by `rake guest:mruby`, which includes the kobako
// mrbgem) into the guest. Host builds (`cargo test`) only compile the pure-Rust modules.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=KOBAKO_MRUBY_LIB_DIR");
    if env::var("CARGO_CFG_TARGET_FAMILY").as_deref() != Ok("wasm") {
        return;
    }
    let dir = env::var("KOBAKO_MRUBY_LIB_DIR").unwrap_or_else(|_| {
        panic!("KOBAKO_MRUBY_LIB_DIR is not set: build the guest with `rake guest:wasm`")
    });
    let lib = PathBuf::from(&dir).join("libmruby.a");
    if !lib.is_file() {
        panic!("{} does not exist: run `rake guest:mruby` first", lib.display());
    }
    println!("cargo:rerun-if-changed={}", lib.display());
    println!("cargo:rustc-link-search=native={dir}");
    println!("cargo:rustc-link-lib=static=mruby");
}
