//! The few Python pickles chunkwise meets: Dask's `to_npy_stack` keeps its metadata
//! (`{"chunks": ..., "dtype": ..., "axis": ...}`) in a pickled file named `info`. This
//! reads the opcodes Python's pickler emits for dicts, tuples, lists, ints, strings,
//! booleans and `None` (protocols 2 to 5), and carries anything else (a numpy `dtype`,
//! made by a global and a reduce) as [`Py::Object`] without running it; and it writes
//! such values at protocol 3. Nothing is ever imported or called: reading a pickle
//! here cannot run code.

/// A Python value from a pickle.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Py {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Tuple(Vec<Py>),
    List(Vec<Py>),
    Dict(Vec<(Py, Py)>),
    /// An object built by a global (`module.name`) and a reduce: kept by name only.
    Object(String),
}

impl Py {
    /// The value of `key` in a dict with string keys (the last one set, as Python's).
    pub(crate) fn get(&self, key: &str) -> Option<&Py> {
        match self {
            Py::Dict(items) => items
                .iter()
                .rev()
                .find(|(k, _)| matches!(k, Py::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// How deeply values nest in this one (0 for a scalar).
    fn depth(&self) -> usize {
        match self {
            Py::Tuple(v) | Py::List(v) => 1 + v.iter().map(Py::depth).max().unwrap_or(0),
            Py::Dict(v) => {
                1 + v
                    .iter()
                    .map(|(k, x)| k.depth().max(x.depth()))
                    .max()
                    .unwrap_or(0)
            }
            _ => 0,
        }
    }

    /// How many values this one holds, itself included.
    fn nodes(&self) -> usize {
        match self {
            Py::Tuple(v) | Py::List(v) => 1 + v.iter().map(Py::nodes).sum::<usize>(),
            Py::Dict(v) => 1 + v.iter().map(|(k, x)| k.nodes() + x.nodes()).sum::<usize>(),
            _ => 1,
        }
    }
}

/// The largest pickle read, the most values it may make (memo copies included) and
/// how deeply they may nest: a few bytes of pickle can otherwise ask for gigabytes (a
/// memo index of 2^32, a value copied and paired with itself over and over) or nest
/// deeper than dropping the value can recurse.
const MAX_BYTES: usize = 1 << 20;
const MAX_NODES: usize = 1 << 20;
const MAX_DEPTH: usize = 64;

/// Parses a pickle (protocols 2 to 5, the subset above); `Err` says what stopped it.
pub(crate) fn read(bytes: &[u8]) -> Result<Py, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "{} bytes, more than a pickle of metadata",
            bytes.len()
        ));
    }
    let mut stack: Vec<Py> = Vec::new();
    let mut marks: Vec<usize> = Vec::new();
    let mut memo: Vec<Py> = Vec::new();
    let mut made = 0usize;
    let mut at = 0usize;
    let take = |at: &mut usize, n: usize| -> Result<&[u8], String> {
        let s = at
            .checked_add(n)
            .and_then(|end| bytes.get(*at..end))
            .ok_or_else(|| format!("cut short at byte {at}"))?;
        *at += n;
        Ok(s)
    };
    // Counts values made (a copy from the memo counts all it holds) against the limit.
    let count = |made: &mut usize, n: usize| {
        *made += n;
        if *made > MAX_NODES {
            return Err(format!("more than {MAX_NODES} values"));
        }
        Ok(())
    };
    let nest = |items: &[Py], at: usize| {
        if items.iter().any(|v| v.depth() >= MAX_DEPTH) {
            return Err(format!(
                "values nested more than {MAX_DEPTH} deep at byte {at}"
            ));
        }
        Ok(())
    };
    let le = |b: &[u8]| b.iter().rev().fold(0u64, |v, &x| (v << 8) | u64::from(x));
    let pop =
        |stack: &mut Vec<Py>, at: usize| stack.pop().ok_or(format!("empty stack at byte {at}"));
    let since_mark = |stack: &mut Vec<Py>, marks: &mut Vec<usize>, at: usize| {
        let m = marks.pop().ok_or(format!("no mark at byte {at}"))?;
        Ok::<_, String>(stack.split_off(m.min(stack.len())))
    };
    let text = |b: &[u8], at: usize| {
        String::from_utf8(b.to_vec())
            .map_err(|_| format!("a string that is not UTF-8 at byte {at}"))
    };
    loop {
        let op = take(&mut at, 1)?[0];
        count(&mut made, 1)?;
        match op {
            0x80 => {
                take(&mut at, 1)?; // PROTO
            }
            0x95 => {
                take(&mut at, 8)?; // FRAME
            }
            b'.' => return pop(&mut stack, at), // STOP
            b'(' => marks.push(stack.len()),
            b'}' => stack.push(Py::Dict(Vec::new())),
            b']' => stack.push(Py::List(Vec::new())),
            b')' => stack.push(Py::Tuple(Vec::new())),
            b'N' => stack.push(Py::None),
            0x88 => stack.push(Py::Bool(true)),
            0x89 => stack.push(Py::Bool(false)),
            b'K' => stack.push(Py::Int(take(&mut at, 1)?[0].into())),
            b'M' => stack.push(Py::Int(le(take(&mut at, 2)?) as i64)),
            b'J' => stack.push(Py::Int(le(take(&mut at, 4)?) as u32 as i32 as i64)),
            0x8a => {
                // LONG1: n bytes of two's complement, little-endian.
                let n = take(&mut at, 1)?[0] as usize;
                let b = take(&mut at, n)?;
                if n > 8 {
                    return Err(format!("an integer of {n} bytes at byte {at}"));
                }
                let v = le(b);
                let v = if n > 0 && n < 8 && b[n - 1] & 0x80 != 0 {
                    (v | (u64::MAX << (8 * n))) as i64
                } else {
                    v as i64
                };
                stack.push(Py::Int(v));
            }
            b'G' => {
                let b = take(&mut at, 8)?;
                stack.push(Py::Float(f64::from_be_bytes(
                    b.try_into().expect("8 bytes"),
                )));
            }
            0x8c => {
                let n = take(&mut at, 1)?[0] as usize;
                stack.push(Py::Str(text(take(&mut at, n)?, at)?));
            }
            b'X' => {
                let n = le(take(&mut at, 4)?) as usize;
                stack.push(Py::Str(text(take(&mut at, n)?, at)?));
            }
            b'C' => {
                let n = take(&mut at, 1)?[0] as usize;
                stack.push(Py::Bytes(take(&mut at, n)?.to_vec()));
            }
            b'B' => {
                let n = le(take(&mut at, 4)?) as usize;
                stack.push(Py::Bytes(take(&mut at, n)?.to_vec()));
            }
            b't' => {
                let items = since_mark(&mut stack, &mut marks, at)?;
                nest(&items, at)?;
                stack.push(Py::Tuple(items));
            }
            0x85..=0x87 => {
                let n = (op - 0x84) as usize;
                if stack.len() < n {
                    return Err(format!("empty stack at byte {at}"));
                }
                let items = stack.split_off(stack.len() - n);
                nest(&items, at)?;
                stack.push(Py::Tuple(items));
            }
            b'a' | b'e' => {
                let items = if op == b'a' {
                    vec![pop(&mut stack, at)?]
                } else {
                    since_mark(&mut stack, &mut marks, at)?
                };
                nest(&items, at)?;
                match stack.last_mut() {
                    Some(Py::List(l)) => l.extend(items),
                    _ => return Err(format!("append to a non-list at byte {at}")),
                }
            }
            b's' | b'u' => {
                let items = if op == b's' {
                    let v = pop(&mut stack, at)?;
                    vec![pop(&mut stack, at)?, v]
                } else {
                    since_mark(&mut stack, &mut marks, at)?
                };
                if items.len() % 2 != 0 {
                    return Err(format!("an odd number of dict items at byte {at}"));
                }
                nest(&items, at)?;
                match stack.last_mut() {
                    Some(Py::Dict(d)) => {
                        let mut it = items.into_iter();
                        while let (Some(k), Some(v)) = (it.next(), it.next()) {
                            d.push((k, v));
                        }
                    }
                    _ => return Err(format!("set an item of a non-dict at byte {at}")),
                }
            }
            // The memo keeps copies (a list or dict memoized before it is filled reads
            // back empty; Python's pickler refers back only to what repeats, which
            // metadata does not).
            0x94 | b'q' | b'r' => {
                let i = match op {
                    0x94 => memo.len(),
                    b'q' => le(take(&mut at, 1)?) as usize,
                    _ => le(take(&mut at, 4)?) as usize,
                };
                let v = stack
                    .last()
                    .ok_or(format!("a memo of nothing at byte {at}"))?;
                count(&mut made, v.nodes())?;
                match i.cmp(&memo.len()) {
                    std::cmp::Ordering::Less => memo[i] = v.clone(),
                    std::cmp::Ordering::Equal => memo.push(v.clone()),
                    std::cmp::Ordering::Greater => {
                        return Err(format!("memo {i} past the {} set at byte {at}", memo.len()));
                    }
                }
            }
            b'h' | b'j' => {
                let n = if op == b'h' { 1 } else { 4 };
                let i = le(take(&mut at, n)?) as usize;
                let v = memo.get(i).ok_or(format!("memo {i} unset at byte {at}"))?;
                count(&mut made, v.nodes())?;
                stack.push(v.clone());
            }
            b'c' => {
                // GLOBAL: "module\nname\n".
                let rest = &bytes[at..];
                let mut lines = rest.splitn(3, |&b| b == b'\n');
                let (m, n) = (lines.next().unwrap_or(&[]), lines.next().unwrap_or(&[]));
                at += m.len() + n.len() + 2;
                if at > bytes.len() {
                    return Err("cut short in a global".into());
                }
                stack.push(Py::Object(format!("{}.{}", text(m, at)?, text(n, at)?)));
            }
            0x93 => {
                // STACK_GLOBAL: module and name from the stack.
                let (n, m) = (pop(&mut stack, at)?, pop(&mut stack, at)?);
                match (m, n) {
                    (Py::Str(m), Py::Str(n)) => stack.push(Py::Object(format!("{m}.{n}"))),
                    _ => return Err(format!("a global not named by strings at byte {at}")),
                }
            }
            b'R' | 0x81 => {
                // REDUCE / NEWOBJ: the object keeps its callable's name; nothing runs.
                pop(&mut stack, at)?;
                match pop(&mut stack, at)? {
                    Py::Object(name) => stack.push(Py::Object(name)),
                    _ => return Err(format!("a call of a non-global at byte {at}")),
                }
            }
            b'b' => {
                pop(&mut stack, at)?; // BUILD: the state is dropped.
            }
            _ => return Err(format!("opcode 0x{op:02x} at byte {}", at - 1)),
        }
    }
}

/// `value` as a protocol 3 pickle (Python 3's default until 3.8). An [`Py::Object`] is
/// written as its name, a string: nothing here writes a global.
pub(crate) fn write(value: &Py) -> Vec<u8> {
    fn go(v: &Py, out: &mut Vec<u8>) {
        match v {
            Py::None => out.push(b'N'),
            Py::Bool(b) => out.push(if *b { 0x88 } else { 0x89 }),
            Py::Int(i) => match i32::try_from(*i) {
                Ok(i) => {
                    out.push(b'J');
                    out.extend_from_slice(&i.to_le_bytes());
                }
                Err(_) => {
                    out.extend_from_slice(&[0x8a, 8]);
                    out.extend_from_slice(&i.to_le_bytes());
                }
            },
            Py::Float(f) => {
                out.push(b'G');
                out.extend_from_slice(&f.to_be_bytes());
            }
            Py::Str(s) => {
                out.push(b'X');
                out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            Py::Bytes(b) => {
                out.push(b'B');
                out.extend_from_slice(&(b.len() as u32).to_le_bytes());
                out.extend_from_slice(b);
            }
            Py::Tuple(items) => {
                out.push(b'(');
                items.iter().for_each(|x| go(x, out));
                out.push(b't');
            }
            Py::List(items) => {
                out.extend_from_slice(b"](");
                items.iter().for_each(|x| go(x, out));
                out.push(b'e');
            }
            Py::Dict(items) => {
                out.extend_from_slice(b"}(");
                for (k, x) in items {
                    go(k, out);
                    go(x, out);
                }
                out.push(b'u');
            }
            Py::Object(name) => go(&Py::Str(name.clone()), out),
        }
    }
    let mut out = vec![0x80, 3];
    go(value, &mut out);
    out.push(b'.');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Dask's `to_npy_stack` pickles for a (4, 6) float64 array stacked along axis 1
    /// in chunks of 3 (`pickle.dump({"chunks": ((4,), (3, 3)), "dtype":
    /// np.dtype("float64"), "axis": 1}, f)`), at protocols 2, 4 and 5, as Python 3 and
    /// numpy 2 write them.
    const DASK_INFO: [&[u8]; 3] = [
        b"\x80\x02}q\x00(X\x06\x00\x00\x00chunksq\x01K\x04\x85q\x02K\x03K\x03\x86q\x03\x86q\x04X\x05\x00\x00\x00dtypeq\x05cnumpy\x0adtype\x0aq\x06X\x02\x00\x00\x00f8q\x07\x89\x88\x87q\x08Rq\x09(K\x03X\x01\x00\x00\x00<q\x0aNNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tq\x0bbX\x04\x00\x00\x00axisq\x0cK\x01u.",
        b"\x80\x04\x95a\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x06chunks\x94K\x04\x85\x94K\x03K\x03\x86\x94\x86\x94\x8c\x05dtype\x94\x8c\x05numpy\x94\x8c\x05dtype\x94\x93\x94\x8c\x02f8\x94\x89\x88\x87\x94R\x94(K\x03\x8c\x01<\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94b\x8c\x04axis\x94K\x01u.",
        b"\x80\x05\x95a\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x06chunks\x94K\x04\x85\x94K\x03K\x03\x86\x94\x86\x94\x8c\x05dtype\x94\x8c\x05numpy\x94\x8c\x05dtype\x94\x93\x94\x8c\x02f8\x94\x89\x88\x87\x94R\x94(K\x03\x8c\x01<\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94b\x8c\x04axis\x94K\x01u.",
    ];

    #[test]
    fn dasks_stack_info_reads_at_every_protocol() {
        for bytes in DASK_INFO {
            let info = read(bytes).unwrap();
            assert_eq!(info.get("axis"), Some(&Py::Int(1)));
            assert_eq!(
                info.get("chunks"),
                Some(&Py::Tuple(vec![
                    Py::Tuple(vec![Py::Int(4)]),
                    Py::Tuple(vec![Py::Int(3), Py::Int(3)])
                ]))
            );
            assert_eq!(info.get("dtype"), Some(&Py::Object("numpy.dtype".into())));
            // Cut anywhere: an error, never a value.
            for n in 0..bytes.len() {
                assert!(read(&bytes[..n]).is_err(), "{n}");
            }
        }
    }

    #[test]
    fn written_values_read_back() {
        let v = Py::Dict(vec![
            (
                Py::Str("chunks".into()),
                Py::Tuple(vec![Py::Tuple(vec![Py::Int(5), Py::Int(-2)])]),
            ),
            (Py::Str("big".into()), Py::Int(1 << 40)),
            (Py::Str("neg".into()), Py::Int(-(1 << 40))),
            (
                Py::Str("l".into()),
                Py::List(vec![Py::None, Py::Bool(true), Py::Float(0.5)]),
            ),
            (Py::Str("e".into()), Py::Tuple(vec![])),
            (Py::Str("b".into()), Py::Bytes(vec![0, 255])),
        ]);
        assert_eq!(read(&write(&v)).unwrap(), v);
        assert!(
            read(b"\x80\x02cos\nsystem\n(X\x02\x00\x00\x00lstR.")
                .is_ok_and(|v| v == Py::Object("os.system".into()))
        );
        assert!(read(b"\x80\x02\xff.").unwrap_err().contains("0xff"));
    }

    /// Small pickles that would ask for more than metadata needs: errors, quickly.
    #[test]
    fn hostile_pickles_are_errors() {
        // A memo index of 2^32 - 1.
        let e = read(b"\x80\x02Nr\xff\xff\xff\xff.").unwrap_err();
        assert!(e.contains("memo"), "{e}");
        // A value paired with itself again and again: 2^n values from 6n bytes.
        let mut b = b"\x80\x02N\x94".to_vec();
        for i in 0..40u8 {
            b.extend_from_slice(&[b'h', i, b'h', i, 0x86, 0x94]);
        }
        b.push(b'.');
        let e = read(&b).unwrap_err();
        assert!(e.contains("values"), "{e}");
        // A tuple in a tuple in a tuple, 200,000 deep.
        let mut b = b"\x80\x02)".to_vec();
        b.extend(std::iter::repeat_n(0x85, 200_000));
        b.push(b'.');
        let e = read(&b).unwrap_err();
        assert!(e.contains("nested"), "{e}");
        // Duplicate keys: the last one counts, as in Python.
        let v = read(b"\x80\x02}(X\x01\x00\x00\x00aK\x01X\x01\x00\x00\x00aK\x02u.").unwrap();
        assert_eq!(v.get("a"), Some(&Py::Int(2)));
    }
}
