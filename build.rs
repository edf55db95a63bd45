//! Builds the C half (the variadic functions, `csrc/*.c`) and keeps the committed headers honest:
//! for every family, the header cbindgen generates from `src/FAMILY/ffi.rs` with
//! `cbindgen/FAMILY.toml` must equal `include/systemd/sd-FAMILY.h`, or the build fails.
//! `SDLITE_UPDATE_HEADER=1` (what `make header` sets) writes them instead.

use std::{env, fs, path::PathBuf};

/// The families with a public header, in the order their sources are listed.
const FAMILIES: &[&str] = &["daemon", "id128", "journal", "login"];

/// The variadic C shims, one file per family.
const C_SOURCES: &[&str] = &["csrc/notifyf.c", "csrc/journal.c"];

fn main() {
    println!("cargo:rerun-if-env-changed=SDLITE_UPDATE_HEADER");
    let mut c = cc::Build::new();
    for src in C_SOURCES {
        println!("cargo:rerun-if-changed={src}");
        c.file(src);
    }
    c.warnings(true).extra_warnings(true).warnings_into_errors(true).compile("sdlite_variadic");

    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let update = env::var_os("SDLITE_UPDATE_HEADER").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for family in FAMILIES {
        let config = format!("cbindgen/{family}.toml");
        let source = format!("src/{family}/ffi.rs");
        let header = format!("include/systemd/sd-{family}.h");
        for f in [&config, &source, &header] {
            println!("cargo:rerun-if-changed={f}");
        }
        let config = cbindgen::Config::from_file(root.join(&config)).expect("reading a cbindgen config");
        let mut generated = Vec::new();
        cbindgen::Builder::new()
            .with_config(config)
            .with_src(root.join(&source))
            .generate()
            .unwrap_or_else(|e| panic!("cbindgen could not parse {source}: {e}"))
            .write(&mut generated);
        let path = root.join(&header);
        if fs::read(&path).unwrap_or_default() == generated {
            continue;
        }
        if update {
            fs::write(&path, &generated).expect("writing a header");
        } else {
            stale.push(format!("{header} is stale (generated from {source})"));
        }
    }
    if !stale.is_empty() {
        panic!("{}. Run `make header` and commit the result.", stale.join("; "));
    }
}
