"""Ziggurat tables for the standard normal (unnormalised density exp(-x^2/2)), as
src/random/tables.rs keeps them: `python3 scripts/zig_tables.py 512 > src/random/tables.rs`.

Marsaglia and Tsang's construction, solved at 50 digits with mpmath: layer 0 is the base
strip (a rectangle of width R and the tail beyond it, both of area V, its width written
as V / f(R)), layers 1 .. N-1 are rectangles of area V, and X[N] = 0. Each value is
written as the shortest decimal that reads back as the same f64."""
import sys

from mpmath import erfc, exp, log, mp, mpf, pi, sqrt

mp.dps = 50
n = int(sys.argv[1]) if len(sys.argv) > 1 else 512


def f(x):
    return exp(-x * x / 2)


def excess(r):
    """f(x[N-1]) + V / x[N-1] - 1: zero for the R that closes the top layer at x = 0."""
    v = r * f(r) + sqrt(pi / 2) * erfc(r / sqrt(2))
    x = r
    for _ in range(1, n - 1):
        y = f(x) + v / x
        if y >= 1:
            return mpf(1)
        x = sqrt(-2 * log(y))
    return f(x) + v / x - 1


lo, hi = mpf(2), mpf(6)
for _ in range(200):
    mid = (lo + hi) / 2
    if excess(mid) > 0:
        lo = mid
    else:
        hi = mid
r = (lo + hi) / 2
v = r * f(r) + sqrt(pi / 2) * erfc(r / sqrt(2))
xs = [v / f(r), r]
for _ in range(1, n - 1):
    xs.append(sqrt(-2 * log(f(xs[-1]) + v / xs[-1])))
xs.append(mpf(0))
fs = [f(x) for x in xs]


def table(name, values):
    lines = [f"pub(crate) static {name}: [f64; {len(values)}] = ["]
    row = []
    for val in values:
        row.append(repr(float(val)) + ",")
        if len(row) == 4:
            lines.append("    " + " ".join(row))
            row = []
    if row:
        lines.append("    " + " ".join(row))
    lines.append("];")
    return "\n".join(lines)


print(f"""//! Ziggurat tables for the standard normal, {n} layers, made by
//! `python3 scripts/zig_tables.py {n}` (Marsaglia and Tsang's construction solved at 50
//! digits). Kept as literals, not computed at run time, so every machine samples with the
//! same bits.
#![allow(clippy::excessive_precision, clippy::unreadable_literal)]

/// The number of layers: a sample's low bits pick one.
pub(crate) const ZIG_LAYERS: usize = {n};
/// The start of the right tail.
pub(crate) const ZIG_NORM_R: f64 = {float(r)!r};
/// Each layer's right edge (`X[0]` is the base strip's width, area over height).
#[rustfmt::skip]
{table("ZIG_NORM_X", xs)}
/// The density at each edge, `exp(-X[i]^2 / 2)`.
#[rustfmt::skip]
{table("ZIG_NORM_F", fs)}""")
