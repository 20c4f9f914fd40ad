//! `ARCHITECTURE.md` against the tree: every module of `src/` has a row, no module imports one
//! its row does not name, and no two files of `src/` import each other, directly or around a
//! loop. Imports are read from the source text: `use` trees and inline paths that start with
//! `crate::`, `super::` or `self::`, and paths through a child module a file declares. Test
//! modules (`#[cfg(test)] mod tests` and `*_tests.rs`) are left out: a test may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path from the crate root (`["plan", "render"]`); the root is `[]`.
type ModPath = Vec<String>;

struct SourceFile {
    module: ModPath,
    text: String,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn source_files() -> Vec<SourceFile> {
    let mut files = Vec::new();
    let mut dirs = vec![root()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let rust = path.extension().is_some_and(|ext| ext == "rs");
            if !rust || name.ends_with("_tests.rs") || name == "main.rs" {
                continue;
            }
            let relative = path.strip_prefix(root()).unwrap().with_extension("");
            let mut module: ModPath =
                relative.iter().map(|part| part.to_str().unwrap().to_owned()).collect();
            // `a/mod.rs` is module `a`; either way `super` is the module minus its last part.
            if matches!(name.as_str(), "mod.rs" | "lib.rs") {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            files.push(SourceFile { module, text: without_tests(&text) });
        }
    }
    files
}

/// The text without comments, string contents and its test module.
fn without_tests(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(end) => &text[..end],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                // Skip the string's contents (a message may say `crate::x`).
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                out.push_str("\"\"");
            }
            c => out.push(c),
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path the text names from `start`, with `use` groups expanded: `a::{b, c::d}` gives
/// `a::b` and `a::c::d`.
fn paths_at(text: &str, start: usize) -> Vec<Vec<String>> {
    let bytes: Vec<char> = text[start..].chars().collect();
    let mut index = 0;
    parse_tree(&bytes, &mut index)
}

fn parse_tree(chars: &[char], index: &mut usize) -> Vec<Vec<String>> {
    let mut prefix = Vec::new();
    loop {
        skip_space(chars, index);
        if chars.get(*index) == Some(&'{') {
            *index += 1;
            let mut out = Vec::new();
            loop {
                skip_space(chars, index);
                match chars.get(*index) {
                    Some('}') => {
                        *index += 1;
                        break;
                    }
                    Some(',') => *index += 1,
                    None => break,
                    _ => {
                        for tail in parse_tree(chars, index) {
                            let mut path = prefix.clone();
                            path.extend(tail);
                            out.push(path);
                        }
                        skip_rename(chars, index);
                    }
                }
            }
            return out;
        }
        let begin = *index;
        while chars.get(*index).is_some_and(|c| is_ident(*c)) {
            *index += 1;
        }
        if *index == begin {
            return vec![prefix];
        }
        prefix.push(chars[begin..*index].iter().collect());
        if chars.get(*index) == Some(&':') && chars.get(*index + 1) == Some(&':') {
            *index += 2;
        } else {
            // `as` renames and anything after the path end it.
            return vec![prefix];
        }
    }
}

/// `as Name` after a path in a group.
fn skip_rename(chars: &[char], index: &mut usize) {
    skip_space(chars, index);
    if chars.get(*index..*index + 3).is_some_and(|w| w == ['a', 's', ' ']) {
        *index += 3;
        skip_space(chars, index);
        while chars.get(*index).is_some_and(|c| is_ident(*c)) {
            *index += 1;
        }
    }
}

fn skip_space(chars: &[char], index: &mut usize) {
    while chars.get(*index).is_some_and(|c| c.is_whitespace()) {
        *index += 1;
    }
}

/// The modules of the crate and, per module file, the module files it imports.
fn import_graph() -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let files = source_files();
    let modules: BTreeSet<ModPath> = files.iter().map(|file| file.module.clone()).collect();
    let resolve = |path: &[String]| -> Option<ModPath> {
        (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| modules.contains(m))
    };
    let mut graph = BTreeMap::new();
    for file in &files {
        // Module paths a `use` brought in under their last name (`use crate::plan::{self}`
        // makes `plan::resolve::x` a path through `plan`), then every path.
        let mut aliases: BTreeMap<String, ModPath> = BTreeMap::new();
        for path in file_paths(file, &modules, &aliases) {
            let module: ModPath = path.iter().filter(|s| *s != "self").cloned().collect();
            if modules.contains(&module)
                && let Some(last) = module.last()
            {
                aliases.insert(last.clone(), module);
            }
        }
        let edges: BTreeSet<ModPath> = file_paths(file, &modules, &aliases)
            .iter()
            .filter_map(|path| resolve(path))
            .filter(|target| *target != file.module)
            .collect();
        graph.insert(file.module.clone(), edges);
    }
    graph
}

/// The crate paths a file names: from `crate`, `self`, `super`, a child module, or an alias.
fn file_paths(
    file: &SourceFile,
    modules: &BTreeSet<ModPath>,
    aliases: &BTreeMap<String, ModPath>,
) -> Vec<ModPath> {
    let text = &file.text;
    let mut paths = Vec::new();
    for (at, _) in text.match_indices("::") {
        // The identifier before `::`, at a word boundary.
        let head_start = text[..at].rfind(|c: char| !is_ident(c)).map_or(0, |i| i + 1);
        if head_start > 0 && text[..head_start].ends_with("::") {
            continue; // The middle of a path already read from its start.
        }
        let head = &text[head_start..at];
        let base: ModPath = match head {
            "crate" => Vec::new(),
            "self" => file.module.clone(),
            "super" => file.module[..file.module.len().saturating_sub(1)].to_vec(),
            child if !child.is_empty() => {
                let mut path = file.module.clone();
                path.push(child.to_owned());
                if modules.contains(&path) {
                    path
                } else if let Some(module) = aliases.get(child) {
                    module.clone()
                } else {
                    continue; // An external crate, a type or a variable.
                }
            }
            _ => continue,
        };
        for tail in paths_at(text, at + 2) {
            // `super::super::x`
            let mut path = base.clone();
            for segment in tail {
                if segment == "super" {
                    path.pop();
                } else {
                    path.push(segment);
                }
            }
            paths.push(path);
        }
    }
    paths
}

fn name(module: &ModPath) -> String {
    if module.is_empty() { "lib".to_owned() } else { module.join("/") }
}

/// The strongly connected components of more than one module (Tarjan).
fn circles(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(walk: &mut Walk<'a>, node: &'a ModPath) {
        let n = walk.index.len();
        walk.index.insert(node, n);
        walk.low.insert(node, n);
        walk.stack.push(node);
        for next in walk.graph.get(node).into_iter().flatten() {
            if !walk.index.contains_key(next) {
                visit(walk, next);
                let low = walk.low[next].min(walk.low[node]);
                walk.low.insert(node, low);
            } else if walk.stack.contains(&next) {
                let low = walk.index[next].min(walk.low[node]);
                walk.low.insert(node, low);
            }
        }
        if walk.low[node] == walk.index[node] {
            let mut component = Vec::new();
            while let Some(top) = walk.stack.pop() {
                component.push(name(top));
                if top == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                walk.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node) {
            visit(&mut walk, node);
        }
    }
    walk.found
}

/// The "may import" table of `ARCHITECTURE.md`: each top-level module with what it may import,
/// `None` for anything.
fn allowed() -> BTreeMap<String, Option<BTreeSet<String>>> {
    let text = std::fs::read_to_string(root().join("../ARCHITECTURE.md")).unwrap();
    let vocabulary = ["docspace", "text", "time", "settings", "links", "model"];
    let mut table = BTreeMap::new();
    let layers = text.split("## Layers").nth(1).unwrap().split("\n## ").next().unwrap();
    for row in layers.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let module = cells[1].trim_matches('`').to_owned();
        let may = cells[3];
        let allowed = if may == "anything" {
            None
        } else {
            let mut names: BTreeSet<String> = may
                .split(',')
                .map(|name| name.trim().trim_matches('`').to_owned())
                .filter(|name| !name.is_empty() && name != "the vocabulary")
                .collect();
            if may.contains("the vocabulary") {
                names.extend(vocabulary.iter().map(|name| (*name).to_owned()));
            }
            names.remove(&module);
            Some(names)
        };
        table.insert(module, allowed);
    }
    table
}

#[test]
fn no_two_files_of_the_crate_import_each_other_around_a_loop() {
    let found = circles(&import_graph());
    assert!(found.is_empty(), "import circles: {found:?}");
}

#[test]
fn every_module_imports_only_what_architecture_md_allows_it() {
    let table = allowed();
    let graph = import_graph();
    let tops: BTreeSet<String> = graph.keys().filter_map(|m| m.first().cloned()).collect();
    let listed: BTreeSet<String> = table.keys().cloned().collect();
    assert_eq!(tops, listed, "modules in src/ and rows of ARCHITECTURE.md");
    let mut wrong = Vec::new();
    for (module, imports) in &graph {
        let Some(top) = module.first() else { continue };
        let Some(Some(may)) = table.get(top) else { continue };
        for import in imports.iter().filter_map(|m| m.first()).filter(|t| *t != top) {
            if !may.contains(import) {
                wrong.push(format!("{} imports `{import}`", name(module)));
            }
        }
    }
    assert!(wrong.is_empty(), "imports ARCHITECTURE.md does not allow: {wrong:#?}");
}

#[test]
fn the_checker_sees_circles_groups_and_super() {
    // The checker itself, on a made-up tree, so a bug in it cannot pass everything.
    let paths = paths_at("super::{model::{Plan, Step}, render, rails::X as Y};", 7);
    assert_eq!(
        paths,
        [
            vec!["model".to_owned(), "Plan".to_owned()],
            vec!["model".to_owned(), "Step".to_owned()],
            vec!["render".to_owned()],
            vec!["rails".to_owned(), "X".to_owned()],
        ]
    );
    let module = |path: &str| path.split('/').map(str::to_owned).collect::<ModPath>();
    let graph: BTreeMap<ModPath, BTreeSet<ModPath>> = [
        (module("plan/a"), BTreeSet::from([module("plan/b")])),
        (module("plan/b"), BTreeSet::from([module("plan/c")])),
        (module("plan/c"), BTreeSet::from([module("plan/a")])),
        (module("plan/d"), BTreeSet::from([module("plan/a")])),
    ]
    .into_iter()
    .collect();
    assert_eq!(circles(&graph), [vec!["plan/a", "plan/b", "plan/c"]]);
    assert_eq!(without_tests("a // crate::x\n\"crate::y\" b"), "a \n\"\" b");
}
