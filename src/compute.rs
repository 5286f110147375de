//! `compute`: run one or several collections in one graph, sharing their common tasks.

use std::sync::Arc;

use crate::graph::{Node, Plan, Value};
use crate::{Config, Result};

/// Something that can be computed: a collection, a reference to one, a slice or `Vec`
/// of delayed values, or a tuple of those (merged into one graph).
pub trait Compute {
    /// What `compute` returns for it.
    type Output;

    /// Pushes the graph nodes whose values make the output.
    #[doc(hidden)]
    fn nodes(&self, out: &mut Vec<Arc<Node>>);

    /// An error the collection carries from building (a bad axis, say), reported
    /// before anything runs.
    #[doc(hidden)]
    fn check(&self) -> Result<()> {
        Ok(())
    }

    /// Builds the output from the values of those nodes, in the same order.
    #[doc(hidden)]
    fn assemble(&self, values: &mut dyn Iterator<Item = Value>) -> Result<Self::Output>;
}

impl<C: Compute + ?Sized> Compute for &C {
    type Output = C::Output;
    fn nodes(&self, out: &mut Vec<Arc<Node>>) {
        (**self).nodes(out)
    }
    fn check(&self) -> Result<()> {
        (**self).check()
    }
    fn assemble(&self, values: &mut dyn Iterator<Item = Value>) -> Result<Self::Output> {
        (**self).assemble(values)
    }
}

macro_rules! compute_tuple {
    ($($name:ident)+) => {
        #[allow(non_snake_case)]
        impl<$($name: Compute),+> Compute for ($($name,)+) {
            type Output = ($($name::Output,)+);
            fn nodes(&self, out: &mut Vec<Arc<Node>>) {
                let ($($name,)+) = self;
                $($name.nodes(out);)+
            }
            fn check(&self) -> Result<()> {
                let ($($name,)+) = self;
                $($name.check()?;)+
                Ok(())
            }
            fn assemble(&self, values: &mut dyn Iterator<Item = Value>) -> Result<Self::Output> {
                let ($($name,)+) = self;
                Ok(($($name.assemble(values)?,)+))
            }
        }
    };
}

compute_tuple!(A);
compute_tuple!(A B);
compute_tuple!(A B C);
compute_tuple!(A B C D);
compute_tuple!(A B C D E);
compute_tuple!(A B C D E F);
compute_tuple!(A B C D E F G);
compute_tuple!(A B C D E F G H);

/// Computes one or several collections in one run with the default [`Config`].
///
/// Tasks shared between the outputs run once.
///
/// ```
/// use chunkwise::delayed;
/// let x = delayed(|| 2);
/// let y = x.map(|v| v + 1);
/// let z = x.map(|v| v * 10);
/// assert_eq!(chunkwise::compute((&y, &z)).unwrap(), (3, 20));
/// ```
pub fn compute<C: Compute>(outputs: C) -> Result<C::Output> {
    compute_with(outputs, &Config::current()?)
}

/// Computes with an explicit [`Config`] (scheduler, memory budget) for this call only.
pub fn compute_with<C: Compute>(outputs: C, config: &Config) -> Result<C::Output> {
    outputs.check()?;
    let mut nodes = Vec::new();
    outputs.nodes(&mut nodes);
    let plan = Plan::build(&nodes)?;
    let values = config.execute(&plan)?;
    drop(plan);
    outputs.assemble(&mut values.into_iter())
}

/// Takes the value out of its `Arc` when this was the last reference, or clones it.
pub(crate) fn unwrap_value<T: Clone + Send + Sync + 'static>(v: Value) -> T {
    let arc = v
        .downcast::<T>()
        .unwrap_or_else(|_| unreachable!("a node's value has the node's type"));
    Arc::try_unwrap(arc).unwrap_or_else(|a| (*a).clone())
}
