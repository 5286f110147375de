//! Pictures of graphs: DOT text, rendered by graphviz when asked for an image.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use super::Plan;
use crate::{Error, Result};

/// Graphs with more tasks than this are drawn as their task groups.
pub(crate) const GROUP_ABOVE: usize = 500;

/// The graph in DOT: a box per task, filled by its group's colour; above
/// [`GROUP_ABOVE`] tasks, a box per task group (one operation's layer: a key's label and
/// token) with its task count, and an edge where any task of one reads one of the other.
pub(crate) fn to_dot(plan: &Plan) -> String {
    let mut s = String::from(
        "digraph chunkwise {\n  rankdir=BT;\n  node [shape=box, fontsize=10, style=filled];\n",
    );
    if plan.nodes.len() > GROUP_ABOVE {
        grouped(plan, &mut s);
    } else {
        for (i, n) in plan.nodes.iter().enumerate() {
            let k = &n.key;
            let _ = writeln!(
                s,
                "  t{i} [label=\"{}\\n{:08x}, {}\", fillcolor=\"{}\"];",
                k.label().replace('"', "'"),
                k.token() >> 32,
                k.index(),
                fill(k.label())
            );
            for d in plan.deps.row(i as u32) {
                let _ = writeln!(s, "  t{d} -> t{i};");
            }
        }
    }
    s.push_str("}\n");
    s
}

/// A box per task group: per operation's layer (label and token), or per label when
/// that still leaves too many boxes (a million separate `delayed` calls, say).
fn grouped(plan: &Plan, s: &mut String) {
    let (group, count) = assign(plan, GROUP_ABOVE, |k| (k.token(), k.label()))
        .or_else(|| assign(plan, usize::MAX, |k| (0, k.label())))
        .expect("no limit on groups by label");
    for (g, (n, label)) in count.iter().enumerate() {
        let _ = writeln!(
            s,
            "  g{g} [label=\"{}\\n{n} task{}\", fillcolor=\"{}\"];",
            label.replace('"', "'"),
            if *n == 1 { "" } else { "s" },
            fill(label)
        );
    }
    let mut edges: HashSet<(usize, usize)> = HashSet::new();
    for (i, &g) in group.iter().enumerate() {
        for &d in plan.deps.row(i as u32) {
            let from = group[d as usize];
            if from != g && edges.insert((from, g)) {
                let _ = writeln!(s, "  g{from} -> g{g};");
            }
        }
    }
}

/// Each task's group, and per group its task count and label.
type Groups<'a> = (Vec<usize>, Vec<(usize, &'a str)>);

/// Each task's group by `of`, and per group its task count and label; `None` as soon
/// as there would be more than `limit` groups.
fn assign<'a>(
    plan: &'a Plan,
    limit: usize,
    of: impl Fn(&'a super::Key) -> (u64, &'a str),
) -> Option<Groups<'a>> {
    let mut ids: HashMap<(u64, &str), usize> = HashMap::new();
    let mut count: Vec<(usize, &str)> = Vec::new();
    let mut group = Vec::with_capacity(plan.nodes.len());
    for n in &plan.nodes {
        let id = of(&n.key);
        let g = *ids.entry(id).or_insert_with(|| {
            count.push((0, id.1));
            count.len() - 1
        });
        if count.len() > limit {
            return None;
        }
        count[g].0 += 1;
        group.push(g);
    }
    Some((group, count))
}

/// A light fill colour for a group, the same for the same label.
fn fill(label: &str) -> String {
    let h = xxhash_rust::xxh3::xxh3_64(label.as_bytes());
    format!("{:.3} 0.35 0.95", (h % 1000) as f64 / 1000.0)
}

pub(crate) fn visualize(plan: &Plan, path: &Path) -> Result<()> {
    let dot = to_dot(plan);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext == "dot" || ext == "gv" {
        return std::fs::write(path, dot).map_err(|e| Error::io(path, e));
    }
    if !matches!(ext.as_str(), "svg" | "png" | "pdf") {
        return Err(Error::invalid(format!(
            "cannot draw {}: use .dot, .svg, .png or .pdf",
            path.display()
        )));
    }
    let mut child = Command::new("dot")
        .arg(format!("-T{ext}"))
        .arg("-o")
        .arg(path)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::MissingTool {
            tool: "graphviz `dot`".into(),
            hint: format!(
                "{e}; install graphviz (apt install graphviz) or write a .dot file instead"
            ),
        })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin
        .write_all(dot.as_bytes())
        .map_err(|e| Error::io(path, e))?;
    drop(stdin);
    let out = child.wait_with_output().map_err(|e| Error::io(path, e))?;
    if !out.status.success() {
        return Err(Error::Command {
            command: format!("dot -T{ext} -o {}", path.display()),
            status: format!("exited with {}", out.status),
            stderr_tail: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(())
}
