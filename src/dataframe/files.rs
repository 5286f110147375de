//! Parquet and Arrow IPC: convert a slow bz2 CSV dataset once, query it fast afterwards.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use super::{DFrame, concat, polars_error};
use crate::engine::TaskContext;
use crate::graph::{Tokenizer, Value};
use crate::io::ReadMetrics;
use crate::io::expand;
use crate::scan::RootItem;
use crate::scan::{Needs, Source};
use crate::{Delayed, Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Format {
    Parquet,
    Ipc,
    Csv,
}

impl Format {
    fn ext(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Ipc => "arrow",
            Format::Csv => "csv",
        }
    }
}

fn read(
    path: &Path,
    format: Format,
    columns: Option<Vec<String>>,
    metrics: &dyn ReadMetrics,
) -> Result<DataFrame> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    metrics.file_opened();
    if let Ok(m) = file.metadata() {
        metrics.bytes_read(m.len());
    }
    let r = match format {
        Format::Parquet => ParquetReader::new(file).with_columns(columns).finish(),
        Format::Ipc => IpcReader::new(file).with_columns(columns).finish(),
        Format::Csv => unreachable!("CSV has its own source"),
    };
    r.map_err(|e| polars_error(path, None, None, e))
}

struct FileSource {
    paths: Vec<PathBuf>,
    format: Format,
    schema: SchemaRef,
    token: u64,
}

impl Source for FileSource {
    fn npartitions(&self) -> usize {
        self.paths.len()
    }
    fn label(&self) -> &'static str {
        match self.format {
            Format::Parquet => "read_parquet",
            _ => "read_ipc",
        }
    }
    fn token(&self) -> u64 {
        self.token
    }
    fn origin(&self) -> String {
        crate::scan::files_origin(self.label(), self.paths.iter().map(PathBuf::as_path))
    }
    fn bytes(&self) -> Option<u64> {
        crate::scan::files_bytes(self.paths.iter().map(PathBuf::as_path))
    }
    fn scan(
        &self,
        p: usize,
        ctx: &TaskContext<'_>,
        _: &[Value],
        needs: &Needs,
        sink: &mut dyn FnMut(&[RootItem<'_>]) -> Result<bool>,
    ) -> Result<()> {
        let columns = super::projection(&self.schema, needs);
        let df = read(&self.paths[p], self.format, columns, ctx)?;
        sink(&[RootItem::Item(&df)]).map(|_| ())
    }
}

pub(crate) fn open(pattern: &str, format: Format) -> Result<DFrame> {
    let paths = expand(pattern)?;
    // The schema of the first file; every file must have the same.
    let first = read(&paths[0], format, None, &())?.head(Some(0));
    let schema = first.schema().clone();
    let token = Tokenizer::new("read_files")
        .param(&paths)
        .param(&format)
        .finish();
    Ok(DFrame::from_source(
        Box::new(FileSource {
            paths,
            format,
            schema: Arc::clone(&schema),
            token,
        }),
        schema,
    ))
}

pub(crate) fn write(frame: &DFrame, dir: &Path, format: Format) -> Result<Delayed<Vec<PathBuf>>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let dir = dir.to_path_buf();
    let width = frame.npartitions().saturating_sub(1).to_string().len();
    let schema = Arc::clone(frame.schema());
    let all: BTreeSet<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let write_part = move |(path, parts): (PathBuf, Vec<DataFrame>)| -> Result<Vec<PathBuf>> {
        // One partition's batches, written as one file.
        let mut df = concat(parts, &schema)?;
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let r = match format {
            Format::Parquet => ParquetWriter::new(file)
                .with_compression(ParquetCompression::Zstd(None))
                .finish(&mut df)
                .map(|_| ()),
            Format::Ipc => IpcWriter::new(file)
                .with_compression(Some(IpcCompression::ZSTD(Default::default())))
                .finish(&mut df),
            Format::Csv => CsvWriter::new(file).include_header(true).finish(&mut df),
        };
        r.map_err(|e| polars_error(&path, None, None, e))?;
        Ok(vec![path])
    };
    Ok(frame.consume(
        "write",
        Some(all),
        move |p| {
            let path = dir.join(format!("part-{p:0width$}.{}", format.ext()));
            Ok((path, Vec::new()))
        },
        |(_, parts): &mut (PathBuf, Vec<DataFrame>), df| {
            parts.push(df.clone());
            Ok(true)
        },
        write_part,
        |a: &mut Vec<PathBuf>, b| a.extend(b.iter().cloned()),
        Ok,
    ))
}
