//! Records the compiler and the source revision in the binary, for `meta.json` and every CSV row.

use std::process::Command;

fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = output_of(&rustc, &["--version"]).unwrap_or_else(|| "unknown".to_owned());
    let commit = match output_of("git", &["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) => {
            let dirty = output_of("git", &["status", "--porcelain", "--untracked-files=no"]);
            if dirty.is_some() {
                format!("{commit}-dirty")
            } else {
                commit
            }
        }
        None => "unknown".to_owned(),
    };
    println!("cargo:rustc-env=SYNCBENCH_RUSTC={version}");
    println!("cargo:rustc-env=SYNCBENCH_GIT_COMMIT={commit}");
    // Rebuild when the checked-out revision or the index (and so the dirty flag) changes.
    if let Some(git_dir) = output_of("git", &["rev-parse", "--absolute-git-dir"]) {
        println!("cargo:rerun-if-changed={git_dir}/HEAD");
        println!("cargo:rerun-if-changed={git_dir}/index");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
