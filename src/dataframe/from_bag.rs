//! Bags of records into frames (`Bag.to_dataframe`).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use polars::prelude::*;

use super::{DFrame, plan_error};
use crate::bag::Bag;
use crate::graph::{Tokenizer, Value};
use crate::scan::Sink;
use crate::scan::Start;
use crate::{Error, Result};

/// Rows gathered per column, then turned into a batch.
struct Columns {
    values: Vec<Vec<AnyValue<'static>>>,
}

fn batch(schema: &Schema, cols: Columns) -> Result<DataFrame> {
    let height = cols.values.first().map_or(0, Vec::len);
    let columns = schema
        .iter()
        .zip(cols.values)
        .map(|((name, dtype), values)| {
            Series::from_any_values_and_dtype(name.clone(), &values, dtype, true)
                .map(Column::from)
                .map_err(|e| Error::invalid(format!("to_dataframe, column {name:?}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    DataFrame::new(height, columns).map_err(plan_error)
}

impl<T: ?Sized + 'static> Bag<T> {
    /// A frame of this bag's records (feature `dataframe`): `row` gives one value per
    /// column of `schema`, in order. One batch per partition.
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// use polars::prelude::*;
    /// let b = Bag::from_iter(vec![("a", 1i64), ("b", 2), ("a", 5)], 2);
    /// let schema = Schema::from_iter([Field::new("k".into(), DataType::String), Field::new("v".into(), DataType::Int64)]);
    /// let df = b.to_dataframe(schema, |(k, v)| vec![AnyValue::StringOwned((*k).into()), AnyValue::Int64(*v)]).unwrap();
    /// let sums = df.groupby(&["k"]).unwrap().sum("v").unwrap().compute().unwrap();
    /// assert_eq!(sums.height(), 2);
    /// ```
    pub fn to_dataframe<F>(&self, schema: Schema, row: F) -> Result<DFrame>
    where
        F: Fn(&T) -> Vec<AnyValue<'static>> + Send + Sync + 'static,
    {
        let schema = Arc::new(schema);
        let width = schema.len();
        let row = Arc::new(row);
        let token = Tokenizer::new("to_dataframe").sequenced().finish();
        let wrap = self.wrap_fn();
        let s2 = Arc::clone(&schema);
        let start: Box<Start> = Box::new(move |_| {
            let acc = Rc::new(RefCell::new(Columns {
                values: vec![Vec::new(); width],
            }));
            let (a2, row) = (Rc::clone(&acc), Arc::clone(&row));
            let sink: Sink<T> = Box::new(move |t: &T| {
                let values = row(t);
                if values.len() != width {
                    return Err(Error::invalid(format!(
                        "to_dataframe: a row of {} values for {width} columns",
                        values.len()
                    )));
                }
                let mut a = a2.borrow_mut();
                for (col, v) in a.values.iter_mut().zip(values) {
                    col.push(v);
                }
                Ok(true)
            });
            let s3 = Arc::clone(&s2);
            let fin = Box::new(move || {
                let cols =
                    std::mem::replace(&mut *acc.borrow_mut(), Columns { values: Vec::new() });
                Ok(Arc::new(vec![batch(&s3, cols)?]) as Value)
            });
            Ok((wrap(sink), fin as Box<dyn FnOnce() -> Result<Value>>))
        });
        let (nodes, _) = self.partition_nodes(
            "to_dataframe",
            token,
            None,
            start,
            Ok::<Vec<DataFrame>, Error>,
        );
        let source = crate::scan::Partitions::<DataFrame> {
            nodes,
            label: "map_partitions",
            token: Tokenizer::new("to_dataframe-scan").param(&token).finish(),
            _type: std::marker::PhantomData,
        };
        Ok(DFrame::from_source(Box::new(source), schema))
    }
}
