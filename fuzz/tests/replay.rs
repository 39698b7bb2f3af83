//! Every input the fuzzers kept (`corpus/<target>/`) and every input that once failed a target
//! (`regressions/<target>/`), run through the target's checks on stable: a crash found once
//! stays fixed. One test per target, so a failure names its target and its files.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn replay(name: &str) {
    let (_, target) = orderstatus_fuzz::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no target {name} in TARGETS"));
    let corpus = files(&root().join("corpus").join(name));
    // An empty or missing corpus would make this test pass without testing anything.
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{name}/ is empty or missing"
    );
    let regressions = files(&root().join("regressions").join(name));
    let mut failed = Vec::new();
    for path in corpus.iter().chain(&regressions) {
        let data = std::fs::read(path).expect("a corpus file");
        if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} inputs fail {name} (panic messages above):\n{}",
        failed.len(),
        corpus.len() + regressions.len(),
        failed.join("\n")
    );
}

macro_rules! replay {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                replay(stringify!($name));
            }
        )*

        #[test]
        fn every_target_is_replayed_here() {
            let here = [$(stringify!($name)),*];
            let registered: Vec<&str> = orderstatus_fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
            assert_eq!(registered, here);
        }
    };
}

replay!(
    envelope,
    scheduled,
    cv3_response,
    sellercenter_response,
    cloudsuite_response,
    speed4trade_response,
    channeladvisor_response,
    cv3_request_xml,
    sellercenter_request_json,
    cloudsuite_desadv,
    speed4trade_soap,
);

/// cargo-fuzz builds `fuzz_targets/<name>.rs` as `[[bin]] <name>`: each registered target has
/// both, and nothing else is there.
#[test]
fn every_target_has_a_libfuzzer_binary() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let mut sources: Vec<String> = files(&root().join("fuzz_targets"))
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
        .collect();
    sources.sort();
    let mut registered: Vec<String> = orderstatus_fuzz::TARGETS
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    registered.sort();
    assert_eq!(sources, registered);
    for name in &registered {
        let source = std::fs::read_to_string(root().join(format!("fuzz_targets/{name}.rs")))
            .expect("a target source");
        assert!(
            source.contains(&format!("orderstatus_fuzz::{name}(data)")),
            "fuzz_targets/{name}.rs does not call orderstatus_fuzz::{name}"
        );
        assert!(
            manifest.contains(&format!(
                "name = \"{name}\"\npath = \"fuzz_targets/{name}.rs\"\nrequired-features = [\"libfuzzer\"]"
            )),
            "no [[bin]] {name} behind the libfuzzer feature in fuzz/Cargo.toml"
        );
    }
}
