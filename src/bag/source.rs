//! Root sources: an in-memory sequence, lines of text files, materialised partitions.

use std::sync::Arc;

use super::Bag;
use crate::graph::{Tokenizer, Value};
use crate::io::{
    Compression, DEFAULT_MAX_LINE, Encoding, Framing, Input, Split, for_each_block, resolve, splits,
};
use crate::scan::{BATCH, Needs, Root, RootItem, Sink, Source, each, items_in_batches};
use crate::{Error, Result};

/// Items held in memory, cut into near-equal partitions.
pub(crate) struct Sequence<T> {
    items: Arc<Vec<T>>,
    bounds: Vec<(usize, usize)>,
    token: u64,
}

impl<T> Sequence<T> {
    pub(crate) fn new(items: Vec<T>, npartitions: usize) -> Self {
        let n = items.len();
        let parts = npartitions.clamp(1, n.max(1));
        let bounds = (0..parts)
            .map(|p| (p * n / parts, (p + 1) * n / parts))
            .collect();
        Sequence {
            items: Arc::new(items),
            bounds,
            token: Tokenizer::new("from_sequence")
                .param(&n)
                .sequenced()
                .finish(),
        }
    }
}

impl<T: Send + Sync + 'static> Source for Sequence<T> {
    fn npartitions(&self) -> usize {
        self.bounds.len()
    }
    fn label(&self) -> &'static str {
        "from_sequence"
    }
    fn token(&self) -> u64 {
        self.token
    }
    fn scan(
        &self,
        p: usize,
        _: &crate::engine::TaskContext<'_>,
        _: &[Value],
        _: &Needs,
        sink: &mut dyn FnMut(&[RootItem<'_>]) -> Result<bool>,
    ) -> Result<()> {
        let (a, b) = self.bounds[p];
        items_in_batches(&self.items[a..b], sink)
    }
}

/// Lines of text files: one partition per compressed file, plain files in blocks.
pub(crate) struct TextFiles {
    splits: Vec<Split>,
    encoding: Option<Encoding>,
    max_line: u64,
    token: u64,
}

impl Source for TextFiles {
    fn npartitions(&self) -> usize {
        self.splits.len()
    }
    fn label(&self) -> &'static str {
        "read_text"
    }
    fn token(&self) -> u64 {
        self.token
    }
    fn origin(&self) -> String {
        crate::scan::files_origin(self.label(), self.splits.iter().map(|s| s.path.as_path()))
    }
    fn scan(
        &self,
        p: usize,
        ctx: &crate::engine::TaskContext<'_>,
        _: &[Value],
        _: &Needs,
        sink: &mut dyn FnMut(&[RootItem<'_>]) -> Result<bool>,
    ) -> Result<()> {
        let split = &self.splits[p];
        let mut text = String::new();
        for_each_block(split, 0, Framing::lines(self.max_line), ctx, |block| {
            // Text is checked in bulk, from a line to the next byte that needs decoding
            // (or the block's end), not line by line: `clean` is where that stretch ends.
            let mut clean = 0;
            let mut batch: Vec<RootItem<'_>> = Vec::with_capacity(BATCH);
            let go = block.lines(|start, line| {
                let clean_item = match self.encoding {
                    None => Some(RootItem::Bytes(line.bytes)),
                    Some(encoding) => {
                        let end = start + line.bytes.len();
                        if end > clean {
                            let rest = &block.bytes[start..];
                            clean = start
                                + match encoding {
                                    Encoding::Latin1 => ascii_prefix(rest),
                                    Encoding::Utf8 | Encoding::Lossy => utf8_prefix(rest),
                                };
                        }
                        // SAFETY: checked above: ASCII, or valid UTF-8 ending before a
                        // line break or at the block's end, so on a character boundary.
                        (end <= clean).then(|| {
                            RootItem::Text(unsafe { std::str::from_utf8_unchecked(line.bytes) })
                        })
                    }
                };
                if let Some(item) = clean_item {
                    batch.push(item);
                    if batch.len() < BATCH {
                        return Ok(true);
                    }
                    let go = sink(&batch)?;
                    batch.clear();
                    return Ok(go);
                }
                // A line to decode: what came before goes first, then the line alone.
                if !batch.is_empty() {
                    let go = sink(&batch)?;
                    batch.clear();
                    if !go {
                        return Ok(false);
                    }
                }
                text.clear();
                match self.encoding {
                    Some(Encoding::Latin1) => {
                        text.extend(line.bytes.iter().map(|&b| char::from(b)));
                    }
                    Some(Encoding::Lossy) => text.push_str(&String::from_utf8_lossy(line.bytes)),
                    _ => {
                        return Err(Error::Input {
                            path: split.path.clone(),
                            line: split.line(line.number),
                            offset: Some(line.offset + (clean - start) as u64),
                            message:
                                "invalid UTF-8 (read with Encoding::Latin1 or Encoding::Lossy)"
                                    .into(),
                        });
                    }
                }
                sink(&[RootItem::Text(&text)])
            })?;
            if go && !batch.is_empty() {
                return sink(&batch);
            }
            Ok(go)
        })
    }
}

/// Hands out items in batches of [`BATCH`].
/// Length of the ASCII prefix; 32 bytes at a time (a loop the compiler vectorises).
fn ascii_prefix(bytes: &[u8]) -> usize {
    let mut n = 0;
    for chunk in bytes.chunks_exact(32) {
        if chunk.iter().fold(0, |a, &b| a | b) >= 0x80 {
            break;
        }
        n += 32;
    }
    n + bytes[n..]
        .iter()
        .position(|&b| b >= 0x80)
        .unwrap_or(bytes.len() - n)
}

/// Length of the valid UTF-8 prefix.
fn utf8_prefix(bytes: &[u8]) -> usize {
    std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), str::len)
}

/// Options of [`Bag::read_text`], as a builder.
#[derive(Clone, Debug)]
pub struct ReadText {
    inputs: Vec<Input>,
    compression: Option<Compression>,
    encoding: Encoding,
    block_size: u64,
    max_line: u64,
}

impl ReadText {
    pub(crate) fn new(inputs: Vec<Input>) -> Self {
        ReadText {
            inputs,
            compression: None,
            encoding: Encoding::Utf8,
            block_size: 64 << 20,
            max_line: DEFAULT_MAX_LINE,
        }
    }

    /// The longest line read (default 128 MiB): a longer one, such as a file with no
    /// line break, is an error naming the file and offset instead of a buffer that grows
    /// until memory runs out.
    pub fn max_line_bytes(mut self, bytes: u64) -> Self {
        self.max_line = bytes;
        self
    }

    /// Compression of every file, instead of guessing from the extension.
    pub fn compression(mut self, c: Compression) -> Self {
        self.compression = Some(c);
        self
    }

    /// How bytes become text (default UTF-8, strict).
    pub fn encoding(mut self, e: Encoding) -> Self {
        self.encoding = e;
        self
    }

    /// Block size for splitting large plain files (default 64 MiB; 0: never split).
    pub fn block_size(mut self, bytes: u64) -> Self {
        self.block_size = bytes;
        self
    }

    fn source(&self, encoding: Option<Encoding>) -> Result<TextFiles> {
        let paths = resolve(&self.inputs)?;
        if paths.is_empty() {
            return Err(Error::invalid("read_text was given no file"));
        }
        let splits = splits(&paths, self.compression, self.block_size)?;
        let token = Tokenizer::new("read_text")
            .param(&splits)
            .param(&encoding)
            .finish();
        Ok(TextFiles {
            splits,
            encoding,
            max_line: self.max_line,
            token,
        })
    }

    /// Lines as text. Fails at once if a pattern matches no file.
    pub fn open(&self) -> Result<Bag<str>> {
        let root = Arc::new(Root::new(Box::new(self.source(Some(self.encoding))?)));
        Ok(Bag {
            root,
            wrap: Arc::new(|down: Sink<str>| {
                each(down, |r| match r {
                    RootItem::Text(s) => s,
                    _ => unreachable!("text files hand out text"),
                })
            }),
            _type: std::marker::PhantomData,
        })
    }

    /// Lines as raw bytes (no decoding at all).
    pub fn open_bytes(&self) -> Result<Bag<[u8]>> {
        let root = Arc::new(Root::new(Box::new(self.source(None)?)));
        Ok(Bag {
            root,
            wrap: Arc::new(|down: Sink<[u8]>| {
                each(down, |r| match r {
                    RootItem::Bytes(b) => b,
                    _ => unreachable!("byte lines hand out bytes"),
                })
            }),
            _type: std::marker::PhantomData,
        })
    }
}
