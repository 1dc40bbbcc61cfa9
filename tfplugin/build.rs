//! Generates the go-plugin controller/stdio and gRPC health services.
//!
//! Uses the `protoc` shipped inside the `protoc-bin-vendored` crate unless
//! `PROTOC` is already set, so no system protoc is needed.

fn main() {
    println!("cargo:rerun-if-changed=proto/goplugin.proto");
    println!("cargo:rerun-if-changed=proto/health.proto");
    if std::env::var_os("PROTOC").is_none() {
        match protoc_bin_vendored::protoc_bin_path() {
            // Build scripts are single-threaded: nothing reads the
            // environment concurrently.
            Ok(path) => std::env::set_var("PROTOC", path),
            Err(e) => panic!("no vendored protoc for this platform ({e}); set PROTOC"),
        }
    }
    if let Err(e) = tonic_build::configure()
        .build_client(false)
        .build_server(true)
        .compile_protos(&["proto/goplugin.proto", "proto/health.proto"], &["proto/"])
    {
        panic!("compiling go-plugin protos failed: {e}");
    }
}
