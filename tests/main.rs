//! One integration-test binary with modules, as ripgrep does it.

mod it;
