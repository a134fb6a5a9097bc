//! Rebuilds the crate when a built-in folder gains or loses a file: `include_dir!` (see
//! `harness/built_in.rs`) tracks only the contents of the files it saw.

fn main() {
    for folder in ["fixtures", "stacks", "adapters", "snapshots"] {
        println!("cargo:rerun-if-changed={folder}");
    }
}
