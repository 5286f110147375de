use std::process::Command;

use chunkwise::{Delayed, Graph, collect, delayed};

fn sweep() -> Delayed<Vec<f64>> {
    let parts: Vec<Delayed<f64>> = (0..4)
        .map(|i| delayed(move || f64::from(i)).map(|v| v * 2.0))
        .collect();
    collect(&parts)
}

/// Runs in a child process: prints the graph hash and the keys of `sweep()`.
#[test]
fn child_print_graph() {
    if std::env::var_os("CHUNKWISE_KEYS_CHILD").is_none() {
        return;
    }
    let g = Graph::of(sweep()).unwrap();
    let keys: Vec<String> = g.keys().map(|k| k.to_string()).collect();
    println!("HASH {:016x} {}", g.hash(), keys.join(" "));
}

fn child_output() -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "it::keys::child_print_graph",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CHUNKWISE_KEYS_CHILD", "1")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let at = text
        .find("HASH ")
        .unwrap_or_else(|| panic!("no HASH line in {text}"));
    text[at..].lines().next().unwrap().to_string()
}

#[test]
fn same_program_builds_same_keys_and_hash() {
    // What MPI ranks rely on: the same program, run twice, builds the same graph.
    let a = child_output();
    let b = child_output();
    assert_eq!(a, b);
    assert!(a.contains("collect-"));
}

#[test]
fn keys_are_distinct_and_graph_is_culled_and_merged() {
    let x = delayed(|| 1);
    let unused = x.map(|v| v + 100);
    let y = x.map(|v| v + 1);
    let z = x.map(|v| v + 2);
    assert_ne!(y.key(), z.key());
    let g = Graph::of((&y, &z)).unwrap();
    assert_eq!(g.len(), 3, "x shared once, unused culled");
    assert!(!g.keys().any(|k| k == unused.key()));
    let again = Graph::of((&y, &z)).unwrap();
    assert_eq!(g.hash(), again.hash());
    assert_ne!(g.hash(), Graph::of(&y).unwrap().hash());
}

#[test]
fn dot_and_visualize() {
    let x = delayed(|| 1).name("inc");
    let y = delayed(|| 2).name("inc");
    let z = chunkwise::delayed!(|x, y| x + y).name("add");
    let dot = z.to_dot();
    assert!(dot.starts_with("digraph"));
    assert_eq!(dot.matches("->").count(), 2);
    assert!(dot.contains("inc") && dot.contains("add"));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("g.dot");
    z.visualize(&p).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), dot);
    let svg = dir.path().join("g.svg");
    match z.visualize(&svg) {
        Ok(()) => assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg")),
        Err(chunkwise::Error::MissingTool { tool, .. }) => assert!(tool.contains("dot")),
        Err(e) => panic!("unexpected {e}"),
    }
    assert!(matches!(
        z.visualize(dir.path().join("g.txt")),
        Err(chunkwise::Error::InvalidArgument(_))
    ));
}

#[test]
fn large_graphs_are_drawn_as_task_groups() {
    // 600 leaves, 600 doubles, the collect and the sum: 1202 tasks.
    let leaves: Vec<chunkwise::Delayed<u64>> = (0..600u64)
        .map(|i| delayed(move || i).name("leaf"))
        .collect();
    let doubled: Vec<chunkwise::Delayed<u64>> = leaves
        .iter()
        .map(|l| l.map(|v| v * 2).name("double"))
        .collect();
    let total = chunkwise::collect(&doubled)
        .map(|v| v.iter().sum::<u64>())
        .name("total");
    let g = Graph::of(&total).unwrap();
    assert_eq!(g.len(), 1202);
    let dot = g.to_dot();
    // Each delayed call is a layer of its own (a token each), too many to draw: the
    // boxes are by label, four of them, with an edge from each group to the next.
    let boxes = dot
        .lines()
        .filter(|l| l.trim_start().starts_with('g') && l.contains("[label="))
        .count();
    assert_eq!(boxes, 4, "{dot}");
    assert_eq!(dot.matches("->").count(), 3, "{dot}");
    let tasks_in_boxes: usize = dot
        .lines()
        .filter_map(|l| {
            l.split("\\n")
                .nth(1)?
                .split(' ')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .sum();
    assert_eq!(tasks_in_boxes, 1202, "every task in one box");
    // Small graphs: a box per task, coloured by group.
    let small = Graph::of(&doubled[0]).unwrap().to_dot();
    assert_eq!(small.matches("fillcolor").count(), 2);
}
