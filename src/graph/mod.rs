//! Task graphs: keys, tokens, nodes and the dense plan the engine runs.

mod dot;
mod key;
mod node;
mod plan;
mod token;

pub use key::Key;
pub use node::Node;
pub(crate) use node::{Diagnose, InputsFn, TaskFn, Value};
pub use plan::Graph;
pub(crate) use plan::Plan;
pub use token::Tokenizer;
