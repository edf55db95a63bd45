//! Builds the C half (the variadic functions) and keeps the committed header honest: the header
//! cbindgen generates from src/ffi.rs must equal include/systemd/sd-daemon.h, or the build fails.
//! `SDLITE_UPDATE_HEADER=1` (what `make header` sets) writes it instead.

use std::{env, fs, path::PathBuf};

const HEADER: &str = "include/systemd/sd-daemon.h";

fn main() {
    println!("cargo:rerun-if-changed=csrc/notifyf.c");
    println!("cargo:rerun-if-changed=src/ffi.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed={HEADER}");
    println!("cargo:rerun-if-env-changed=SDLITE_UPDATE_HEADER");

    cc::Build::new()
        .file("csrc/notifyf.c")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("sdlite_variadic");

    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi.rs"))
        .generate()
        .expect("cbindgen could not parse src/ffi.rs")
        .write(&mut generated);

    let path = root.join(HEADER);
    let committed = fs::read(&path).unwrap_or_default();
    if committed == generated {
        return;
    }
    if env::var_os("SDLITE_UPDATE_HEADER").is_some_and(|v| v == "1") {
        fs::write(&path, &generated).expect("writing the header");
    } else {
        panic!("{HEADER} is stale: src/ffi.rs or cbindgen.toml changed. Run `make header` and commit the result.");
    }
}
