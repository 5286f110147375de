//! Pictures of graphs: DOT text, rendered by graphviz when asked for an image.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use super::Plan;
use crate::{Error, Result};

pub(crate) fn to_dot(plan: &Plan) -> String {
    let mut s =
        String::from("digraph chunkwise {\n  rankdir=BT;\n  node [shape=box, fontsize=10];\n");
    for (i, n) in plan.nodes.iter().enumerate() {
        let k = &n.key;
        let _ = writeln!(
            s,
            "  t{i} [label=\"{}\\n{:08x}, {}\"];",
            k.label().replace('"', "'"),
            k.token() >> 32,
            k.index()
        );
        for d in plan.deps.row(i as u32) {
            let _ = writeln!(s, "  t{d} -> t{i};");
        }
    }
    s.push_str("}\n");
    s
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
