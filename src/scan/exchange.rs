//! The one shuffle every collection uses: items moved between partitions by key.
//!
//! Three layers of tasks, as Dask's task-based shuffle: a *split* task per input
//! partition cuts it into `n` pieces (by a hash of the keys, or by sampled boundaries of
//! a sort key), a *piece* task per (input, output) pair takes one piece out, and a
//! *gather* task per output partition puts the pieces of every input together, in input
//! order. Pieces are task values of their own, so under a memory budget each spills on
//! its own and the split's value is released as soon as its pieces are taken; under MPI
//! pieces move between ranks as the engine moves any value, through MPI. A frame's
//! pieces travel as Arrow IPC, a bag's through its items' `serde` codec.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::Result;
use crate::encode::codec_for;
use crate::graph::{Diagnose, Key, Node, Tokenizer, Value};

/// Cuts one input partition (the first value; the rest are the exchange's `extra`
/// inputs, a sort's boundaries say) into exactly `n` pieces.
pub(crate) type Split<P> = Arc<dyn Fn(&[Value]) -> Result<Vec<P>> + Send + Sync>;

/// Puts an output partition together from its pieces, in input order.
pub(crate) type Gather<P, G> = Arc<dyn Fn(Vec<&P>) -> Result<G> + Send + Sync>;

/// Output partitions `0..n`, each a task whose value `gather` made from the pieces that
/// `split` cut from every task of `parts`; `extra` are tasks whose values every split
/// reads. Keys are `label`-split, `label`-piece and `label`, with `token`. The pieces,
/// the splits' vectors of them and the outputs spill and cross ranks when their types
/// have codecs. Under a memory budget an output whose pieces do not fit it together
/// fails before they are read back, with what `diagnose` says of them (a skewed key).
#[allow(clippy::too_many_arguments)]
pub(crate) fn exchange<P, G>(
    label: &'static str,
    parts: &[Arc<Node>],
    n: usize,
    token: u64,
    extra: Vec<Arc<Node>>,
    split: Split<P>,
    gather: Gather<P, G>,
    diagnose: Diagnose,
) -> Vec<Arc<Node>>
where
    P: Clone + Send + Sync + 'static,
    G: Send + Sync + 'static,
{
    let layer = |what: &str| Tokenizer::new(what).param(&token).finish();
    let (split_token, piece_token, gather_token) = (
        layer(&format!("{label}-split")),
        layer(&format!("{label}-piece")),
        layer(label),
    );
    let pieces: Vec<Vec<Arc<Node>>> = parts
        .iter()
        .enumerate()
        .map(|(p, part)| {
            let mut deps = vec![Arc::clone(part)];
            deps.extend(extra.iter().cloned());
            let split = Arc::clone(&split);
            let mut node = Node::new(
                Key::new("shuffle-split", split_token, p as u64),
                deps,
                Box::new(move |v| {
                    let pieces = split(v)?;
                    debug_assert_eq!(pieces.len(), n, "a split cuts exactly n pieces");
                    Ok(Arc::new(pieces) as Value)
                }),
            );
            node.codec = codec_for::<Vec<P>>();
            let node = Arc::new(node);
            (0..n)
                .map(|i| {
                    let mut piece = Node::new(
                        Key::new("shuffle-piece", piece_token, (p * n + i) as u64),
                        vec![Arc::clone(&node)],
                        Box::new(move |v| {
                            let pieces = v[0]
                                .downcast_ref::<Vec<P>>()
                                .expect("split tasks hold their pieces");
                            Ok(Arc::new(pieces[i].clone()) as Value)
                        }),
                    );
                    piece.codec = codec_for::<P>();
                    Arc::new(piece)
                })
                .collect()
        })
        .collect();
    (0..n)
        .map(|i| {
            let deps = pieces.iter().map(|p| Arc::clone(&p[i])).collect();
            let gather = Arc::clone(&gather);
            let mut node = Node::must_fit(
                Key::new(label, gather_token, i as u64),
                deps,
                Box::new(move |v| {
                    let pieces = v
                        .iter()
                        .map(|x| x.downcast_ref::<P>().expect("piece tasks hold a piece"))
                        .collect();
                    Ok(Arc::new(gather(pieces)?) as Value)
                }),
                Arc::clone(&diagnose),
            );
            node.codec = codec_for::<G>();
            Arc::new(node)
        })
        .collect()
}

/// The bucket of `n` a key hashes to: a fixed-seed hash (the same on every rank and
/// run), mapped onto `0..n` by multiplication rather than a modulus.
pub(crate) fn bucket_of<K: Hash + ?Sized>(key: &K, n: usize) -> usize {
    let mut h = xxhash_rust::xxh3::Xxh3Default::new();
    key.hash(&mut h);
    bucket_of_hash(h.finish(), n)
}

/// The bucket of `n` a 64-bit hash falls in.
pub(crate) fn bucket_of_hash(hash: u64, n: usize) -> usize {
    ((hash as u128 * n as u128) >> 64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(p: usize, items: Vec<u64>) -> Arc<Node> {
        Arc::new(Node::new(
            Key::new("numbers", 7, p as u64),
            vec![],
            Box::new(move |_| Ok(Arc::new(items.clone()) as Value)),
        ))
    }

    #[test]
    fn every_item_lands_once_in_its_bucket_in_input_order() {
        let parts = vec![
            numbers(0, (0..50).collect()),
            numbers(1, vec![]),
            numbers(2, (50..120).collect()),
        ];
        let n = 4;
        let outs = exchange::<Vec<u64>, Vec<u64>>(
            "test-exchange",
            &parts,
            n,
            1,
            vec![],
            Arc::new(move |v| {
                let mut out = vec![Vec::new(); n];
                for &x in v[0].downcast_ref::<Vec<u64>>().unwrap() {
                    out[bucket_of(&x, n)].push(x);
                }
                Ok(out)
            }),
            Arc::new(|pieces| Ok(pieces.into_iter().flatten().copied().collect())),
            Arc::new(|_, _| String::new()),
        );
        let outs: Vec<crate::Delayed<Vec<u64>>> =
            outs.into_iter().map(crate::Delayed::from_arc).collect();
        let got = crate::compute(&outs).unwrap();
        let mut all = Vec::new();
        for (b, v) in got.iter().enumerate() {
            assert!(v.iter().all(|x| bucket_of(x, n) == b));
            assert!(v.windows(2).all(|w| w[0] < w[1]), "input order kept");
            all.extend_from_slice(v);
        }
        all.sort();
        assert_eq!(all, (0..120).collect::<Vec<_>>());
    }

    #[test]
    fn buckets_cover_the_range() {
        assert_eq!(bucket_of_hash(0, 5), 0);
        assert_eq!(bucket_of_hash(u64::MAX, 5), 4);
        let mut seen = [0usize; 3];
        for k in 0..3000u64 {
            seen[bucket_of(&k, 3)] += 1;
        }
        assert!(seen.iter().all(|&c| c > 800), "{seen:?}");
    }
}
