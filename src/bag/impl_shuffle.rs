//! Items moved between partitions by key, through the one shuffle of
//! [`crate::scan::exchange`]: `shuffle` and `groupby`, as `dask.bag`'s.
//!
//! Pieces are vectors of items encoded by `serde` (postcard), so a `Bag` of any type that
//! derives `Serialize` and `Deserialize` shuffles, spills under the memory budget and
//! crosses MPI ranks with no hand-written codec.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Bag;
use crate::encode::register_serde;
use crate::graph::{Node, Tokenizer};
use crate::scan::exchange::{Gather, bucket_of, exchange};

impl<T> Bag<T>
where
    T: ?Sized + ToOwned + 'static,
    T::Owned: Borrow<T> + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// The items moved so that items with equal `key` share a partition, into
    /// `npartitions` partitions (default: as many as now). Within a partition items keep
    /// the order of their input partitions.
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// let b = Bag::from_iter(0..100u32, 4).shuffle(|x| x % 7, Some(3));
    /// assert_eq!(b.npartitions(), 3);
    /// let mut all = b.compute().unwrap();
    /// all.sort();
    /// assert_eq!(all, (0..100).collect::<Vec<_>>());
    /// ```
    pub fn shuffle<K, F>(&self, key: F, npartitions: Option<usize>) -> Bag<T::Owned>
    where
        K: Hash,
        F: Fn(&T) -> K + Send + Sync + 'static,
    {
        self.exchanged(
            "bag-shuffle",
            key,
            npartitions,
            Arc::new(|pieces: Vec<&Vec<T::Owned>>| {
                Ok(pieces.into_iter().flatten().cloned().collect())
            }),
        )
    }

    /// Pairs `(key, items with that key)`, one per distinct key, as `Bag.groupby`
    /// (Dask's task shuffle): items are moved by key into `npartitions` partitions
    /// (default: as many as now) and grouped there, so no task holds more than its
    /// share of the keys. Keys come in the order they are first met in a partition,
    /// items of a key in input order.
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// let words = Bag::from_iter(["ab", "c", "de", "f", "gh"].map(String::from), 2);
    /// let mut by_len = words.groupby(|w: &String| w.len(), None).compute().unwrap();
    /// by_len.sort();
    /// assert_eq!(by_len[0], (1, vec!["c".to_string(), "f".to_string()]));
    /// assert_eq!(by_len[1].1.len(), 3);
    /// ```
    pub fn groupby<K, F>(&self, key: F, npartitions: Option<usize>) -> Bag<(K, Vec<T::Owned>)>
    where
        K: Hash + Eq + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        F: Fn(&T) -> K + Send + Sync + 'static,
    {
        let key = Arc::new(key);
        let k2 = Arc::clone(&key);
        self.exchanged(
            "bag-groupby",
            move |t: &T| k2(t),
            npartitions,
            Arc::new(move |pieces: Vec<&Vec<T::Owned>>| {
                let mut slot: HashMap<K, usize> = HashMap::new();
                let mut groups: Vec<(K, Vec<T::Owned>)> = Vec::new();
                for item in pieces.into_iter().flatten() {
                    let k = key(item.borrow());
                    let i = *slot.entry(k.clone()).or_insert_with(|| {
                        groups.push((k, Vec::new()));
                        groups.len() - 1
                    });
                    groups[i].1.push(item.clone());
                }
                Ok(groups)
            }),
        )
    }

    /// A bag whose partitions are the outputs of an exchange by `key`, each made by
    /// `gather` from its pieces.
    fn exchanged<K, F, U>(
        &self,
        label: &'static str,
        key: F,
        npartitions: Option<usize>,
        gather: Gather<Vec<T::Owned>, Vec<U>>,
    ) -> Bag<U>
    where
        K: Hash,
        F: Fn(&T) -> K + Send + Sync + 'static,
        U: Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        register_serde::<Vec<T::Owned>>();
        register_serde::<Vec<Vec<T::Owned>>>();
        register_serde::<Vec<U>>();
        let n = npartitions.unwrap_or(self.npartitions()).max(1);
        let token = Tokenizer::new(label).param(&n).sequenced().finish();
        let (parts, _) = self.collect_partitions("bag-partition", token, None, Ok);
        let nodes: Vec<Arc<Node>> = exchange(
            label,
            &parts,
            n,
            token,
            vec![],
            Arc::new(move |v| {
                let items = v[0]
                    .downcast_ref::<Vec<T::Owned>>()
                    .expect("partition tasks hold the items");
                let mut out: Vec<Vec<T::Owned>> = vec![Vec::new(); n];
                for item in items {
                    out[bucket_of(&key(item.borrow()), n)].push(item.clone());
                }
                Ok(out)
            }),
            gather,
            Arc::new(move |load, n| {
                let items: usize = (0..n)
                    .filter_map(|i| load(i).ok())
                    .filter_map(|v| v.downcast_ref::<Vec<T::Owned>>().map(Vec::len))
                    .sum();
                format!(
                    ": an output partition of a bag {label}, {items} items from {n} inputs \
                     (when one key holds most of them, more partitions do not help: key by \
                     something finer)"
                )
            }),
        );
        Bag::from_partition_nodes(nodes, label, token)
    }
}
