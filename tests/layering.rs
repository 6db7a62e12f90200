//! The modules form layers: each top-level module of the library (and of the command) imports
//! only from the layers declared before its own in `src/lib.rs` (`src/bin/maxlik/main.rs`), so
//! there is no import cycle and data flow one way. Read from the sources, as text: every `crate::name`
//! outside comments, including the names inside `use crate::{..}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `mod name;` declarations of a crate root with their layer: consecutive declarations
/// form a layer, and a blank or comment line ends it.
fn declared(root: &Path) -> Vec<(String, usize)> {
    let mut layer = 0;
    let mut in_layer = false;
    let mut out = Vec::new();
    for line in std::fs::read_to_string(root).unwrap().lines() {
        match line
            .trim()
            .strip_prefix("mod ")
            .and_then(|l| l.strip_suffix(';'))
        {
            Some(name) => {
                out.push((name.to_string(), layer));
                in_layer = true;
            }
            None if in_layer => {
                layer += 1;
                in_layer = false;
            }
            None => {}
        }
    }
    out
}

/// Every `.rs` file of module `name` under `dir`: `name.rs`, or everything in `name/`.
fn files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let single = dir.join(format!("{name}.rs"));
    if single.exists() {
        return vec![single];
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.join(name)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out
}

/// The top-level names a source refers to as `crate::name` (comments skipped).
fn references(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(inner) = rest.strip_prefix('{') {
                // `crate::{a, b::c, d}` on one line (rustfmt's form for short lists).
                let list = inner.split('}').next().unwrap_or("");
                out.extend(
                    list.split(',')
                        .map(|item| item.trim().split("::").next().unwrap_or("").to_string()),
                );
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        }
    }
    out
}

/// Each violation: a module that refers to another of its own layer or of a layer below.
fn upward_imports(root: &Path) -> Vec<String> {
    let dir = root.parent().unwrap();
    let modules = declared(root);
    let layer: BTreeMap<&str, usize> = modules.iter().map(|(m, l)| (m.as_str(), *l)).collect();
    let mut violations = Vec::new();
    for (module, own) in &modules {
        for file in files(dir, module) {
            let source = std::fs::read_to_string(&file).unwrap();
            for name in references(&source) {
                if let Some(&other) = layer.get(name.as_str())
                    && other >= *own
                    && name != *module
                {
                    violations.push(format!("{} -> {name}", file.display()));
                }
            }
        }
    }
    violations
}

#[test]
fn the_library_imports_only_downwards() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs");
    let modules = declared(&root);
    assert!(modules.len() >= 10, "{modules:?}");
    assert!(modules.iter().any(|(_, layer)| *layer >= 10), "{modules:?}");
    let violations = upward_imports(&root);
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn the_command_imports_only_downwards() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin/maxlik/main.rs");
    let violations = upward_imports(&root);
    assert!(violations.is_empty(), "{violations:#?}");
}

/// The check itself sees an upward import.
#[test]
fn an_upward_import_is_seen() {
    let names = references(
        "use crate::{error::Error, fit::Fit};\nuse crate::solver;\n// crate::summary\nx(crate::model::Model)",
    );
    assert_eq!(names, ["error", "fit", "solver", "model"]);
}
