//! The dense form of a graph: tasks numbered in a depth-first post-order from the
//! outputs, dependencies as integer slices. Built once per compute.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::Arc;

use xxhash_rust::xxh3::Xxh3;

use super::{Key, Node};
use crate::{Compute, Error, Result};

/// Keys already carry a good hash in their token: mix it once, skip SipHash.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
}

type KeyMap = HashMap<Key, u32, BuildHasherDefault<KeyHasher>>;

/// Compressed sparse rows: `offsets[i]..offsets[i + 1]` slices `items`.
#[derive(Default)]
pub(crate) struct Csr {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    pub(crate) fn row(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.items[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

/// A graph ready to run. Task ids are a post-order of a depth-first walk from the
/// outputs, so a lower id is an earlier task in depth-first order: the engine uses the id
/// itself as the priority, which combines partial results as soon as they exist.
/// Unreachable tasks are never added (the cull is free).
pub(crate) struct Plan {
    pub(crate) nodes: Vec<Arc<Node>>,
    pub(crate) deps: Csr,
    pub(crate) dependents: Csr,
    /// Task ids of the requested outputs, in request order (may repeat).
    pub(crate) outputs: Vec<u32>,
    /// The structure's hash, computed once (for events, metrics and the MPI check).
    hash: std::sync::OnceLock<u64>,
    /// Each task's operation as a small index, computed once when first asked.
    layers: std::sync::OnceLock<(Vec<u32>, usize)>,
}

impl Plan {
    pub(crate) fn build(outputs: &[Arc<Node>]) -> Result<Plan> {
        let mut ids = KeyMap::default();
        let mut nodes: Vec<Arc<Node>> = Vec::new();
        let mut deps = Csr {
            offsets: vec![0],
            items: Vec::new(),
        };
        // Placeholders to bind once every key of the graph is known.
        let mut binds: Vec<u32> = Vec::new();
        // Iterative: long chains must not overflow the stack.
        let mut stack: Vec<(&Arc<Node>, usize)> = Vec::new();
        for out in outputs {
            if ids.contains_key(&out.key) {
                continue;
            }
            stack.push((out, 0));
            while let Some((node, next)) = stack.last_mut() {
                let node: &Arc<Node> = node;
                if let Some(child) = node.deps.get(*next) {
                    *next += 1;
                    if !ids.contains_key(&child.key) {
                        stack.push((child, 0));
                    }
                    continue;
                }
                stack.pop();
                if ids.contains_key(&node.key) {
                    continue; // the same key built twice: one task serves both
                }
                let id = u32::try_from(nodes.len())
                    .map_err(|_| Error::invalid("a graph may hold at most 2^32 tasks"))?;
                for child in &node.deps {
                    deps.items.push(ids[&child.key]);
                }
                deps.offsets.push(deps.items.len() as u32);
                ids.insert(node.key.clone(), id);
                if node.bind().is_some() {
                    binds.push(id);
                }
                nodes.push(Arc::clone(node));
            }
        }
        let outputs = outputs.iter().map(|o| ids[&o.key]).collect();
        // The graph pass: placeholders become the nodes they stand for, decided by the
        // whole graph's keys (a scan then feeds exactly the consumers asked for). Edges
        // are by id, so no other node changes.
        let bound: Vec<(u32, Node)> = binds
            .iter()
            .map(|&id| {
                let bind = nodes[id as usize].bind().expect("listed above");
                (id, bind(&|k| ids.contains_key(k)))
            })
            .collect();
        for (id, node) in bound {
            ids.remove(&nodes[id as usize].key);
            ids.insert(node.key.clone(), id);
            nodes[id as usize] = Arc::new(node);
        }
        let dependents = invert(&deps, nodes.len());
        Ok(Plan {
            nodes,
            deps,
            dependents,
            outputs,
            hash: std::sync::OnceLock::new(),
            layers: std::sync::OnceLock::new(),
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Each task's operation (the token its keys share, as a chunk's or partition's
    /// siblings do) numbered from 0, and how many operations there are.
    pub(crate) fn layers(&self) -> (&[u32], usize) {
        let (layer, n) = self.layers.get_or_init(|| {
            let mut index = std::collections::HashMap::new();
            let layer = self
                .nodes
                .iter()
                .map(|node| {
                    let next = index.len() as u32;
                    *index.entry(node.key.token()).or_insert(next)
                })
                .collect();
            (layer, index.len())
        });
        (layer, *n)
    }

    /// A hash of the whole structure: keys and edges in plan order.
    pub(crate) fn hash(&self) -> u64 {
        *self.hash.get_or_init(|| self.compute_hash())
    }

    fn compute_hash(&self) -> u64 {
        let mut h = Xxh3::new();
        for (i, n) in self.nodes.iter().enumerate() {
            h.write_u64(n.key.token());
            h.write_u64(n.key.index());
            for d in self.deps.row(i as u32) {
                h.write_u32(*d);
            }
            h.write_u8(0xff);
        }
        for o in &self.outputs {
            h.write_u32(*o);
        }
        h.finish()
    }
}

fn invert(deps: &Csr, n: usize) -> Csr {
    let mut counts = vec![0u32; n + 1];
    for &d in &deps.items {
        counts[d as usize + 1] += 1;
    }
    for i in 0..n {
        counts[i + 1] += counts[i];
    }
    let mut fill = counts.clone();
    let mut items = vec![0u32; deps.items.len()];
    for t in 0..n as u32 {
        for &d in deps.row(t) {
            items[fill[d as usize] as usize] = t;
            fill[d as usize] += 1;
        }
    }
    Csr {
        offsets: counts,
        items,
    }
}

/// A task graph as a user sees it: for pictures, sizes and the stable hash.
///
/// ```
/// use chunkwise::{delayed, Graph};
/// let x = delayed(|| 1 + 1);
/// let y = x.map(|v| v * 10);
/// let g = Graph::of(&y).unwrap();
/// assert_eq!(g.len(), 2);
/// assert!(g.to_dot().contains("digraph"));
/// ```
pub struct Graph {
    pub(crate) plan: Plan,
}

impl Graph {
    /// The merged, culled graph of one or several collections.
    pub fn of<C: Compute>(outputs: C) -> Result<Graph> {
        let mut nodes = Vec::new();
        outputs.nodes(&mut nodes);
        Graph::from_nodes(&nodes)
    }

    pub(crate) fn from_nodes(nodes: &[Arc<Node>]) -> Result<Graph> {
        Ok(Graph {
            plan: Plan::build(nodes)?,
        })
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.plan.len()
    }

    /// Whether the graph has no task.
    pub fn is_empty(&self) -> bool {
        self.plan.len() == 0
    }

    /// The keys in execution priority order.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.plan.nodes.iter().map(|n| &n.key)
    }

    /// A hash of keys and edges: equal on every rank that built the same graph.
    pub fn hash(&self) -> u64 {
        self.plan.hash()
    }

    /// The graph in graphviz DOT.
    pub fn to_dot(&self) -> String {
        super::dot::to_dot(&self.plan)
    }

    /// Writes a picture: `.dot` as text, `.svg`/`.png`/`.pdf` through graphviz's `dot`.
    pub fn visualize(&self, path: impl AsRef<Path>) -> Result<()> {
        super::dot::visualize(&self.plan, path.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Value;

    fn node(i: u64, deps: Vec<Arc<Node>>) -> Arc<Node> {
        Arc::new(Node::new(
            Key::new("n", 1, i),
            deps,
            Box::new(|_: &[Value]| Ok(Arc::new(()) as Value)),
        ))
    }

    #[test]
    fn dependents_invert_deps_and_ids_are_post_order() {
        // 0 <- 2, 1 <- 2, 1 <- 3, 2 <- 4, 3 <- 4; node 1 is shared.
        let (a, b) = (node(0, vec![]), node(1, vec![]));
        let c = node(2, vec![a, b.clone()]);
        let d = node(3, vec![b]);
        let plan = Plan::build(&[node(4, vec![c, d])]).unwrap();
        assert_eq!(plan.len(), 5);
        for t in 0..plan.len() as u32 {
            for &d in plan.deps.row(t) {
                assert!(d < t, "inputs come first");
                assert!(plan.dependents.row(d).contains(&t));
            }
            for &r in plan.dependents.row(t) {
                assert!(plan.deps.row(r).contains(&t));
            }
        }
        let edges: usize = (0..5).map(|t| plan.deps.row(t).len()).sum();
        let back: usize = (0..5).map(|t| plan.dependents.row(t).len()).sum();
        assert_eq!((edges, back), (5, 5));
    }
}
