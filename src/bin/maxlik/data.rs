//! Reading a column of numbers: CSV with a header (the column chosen by name, or the only one)
//! or one number a line, from a file or standard input. Every value must parse and be finite;
//! a bad one is an error naming the file, line and column. Nothing is skipped.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};

/// Where the data come from.
pub enum Source {
    /// A file.
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

impl Source {
    pub fn from_arg(path: &Path) -> Self {
        if path.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::File(path.to_path_buf())
        }
    }

    /// How errors name it.
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".to_string(),
        }
    }

    fn text(&self) -> Result<String> {
        let mut text = String::new();
        match self {
            Source::File(p) => {
                text = std::fs::read_to_string(p)
                    .map_err(|e| anyhow!("{}: cannot read: {e}", p.display()))?;
            }
            Source::Stdin => {
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| anyhow!("<stdin>: cannot read: {e}"))?;
            }
        }
        Ok(text)
    }
}

/// A column of finite numbers and the line each came from.
pub struct Column {
    pub values: Vec<f64>,
    /// 1-based line numbers, one per value.
    pub lines: Vec<usize>,
    /// The column's name, when the input had a header.
    pub name: Option<String>,
    /// How to describe the data in reports.
    pub label: String,
}

impl Column {
    /// Turns a library error about observation `index` into one naming the line.
    pub fn locate(&self, source: &Source, err: &maxlik::Error) -> anyhow::Error {
        match err {
            maxlik::Error::InvalidObservation {
                index,
                value,
                reason,
            } => {
                let line = self.lines.get(*index).copied().unwrap_or(0);
                let column = self
                    .name
                    .as_deref()
                    .map(|c| format!(", column {c}"))
                    .unwrap_or_default();
                anyhow!(
                    "{}: line {line}{column}: value {value} {reason}",
                    source.name()
                )
            }
            other => anyhow!("{}: {other}", source.name()),
        }
    }
}

fn parse_value(field: &str, source: &Source, line: usize, column: Option<&str>) -> Result<f64> {
    let at = || {
        let column = column.map(|c| format!(", column {c}")).unwrap_or_default();
        format!("{}: line {line}{column}", source.name())
    };
    let trimmed = field.trim();
    if trimmed.is_empty() {
        bail!("{}: empty value", at());
    }
    let value: f64 = trimmed
        .parse()
        .map_err(|_| anyhow!("{}: `{trimmed}` does not parse as a number", at()))?;
    if !value.is_finite() {
        bail!("{}: `{trimmed}` is not a finite number", at());
    }
    Ok(value)
}

/// Reads the data. Without a header (the first line is a number), every line must hold one
/// number; with one, the column is `column` or the only one.
pub fn read(source: &Source, column: Option<&str>) -> Result<Column> {
    let text = source.text()?;
    let first = text.lines().next().map(str::trim).unwrap_or("");
    if text.trim().is_empty() {
        bail!("{}: no data (the input is empty)", source.name());
    }
    let headerless = first.parse::<f64>().is_ok() && !first.contains(',');
    if headerless {
        if let Some(c) = column {
            bail!(
                "{}: --column {c} given, but the input has no header (one number per line)",
                source.name()
            );
        }
        let mut values = Vec::new();
        let mut lines = Vec::new();
        for (i, line) in text.lines().enumerate() {
            values.push(parse_value(line, source, i + 1, None)?);
            lines.push(i + 1);
        }
        return Ok(Column {
            values,
            lines,
            name: None,
            label: source.name(),
        });
    }
    // The CSV reader would skip blank lines; refuse them instead.
    if let Some(i) = text.lines().position(|l| l.trim().is_empty()) {
        bail!("{}: line {}: empty line", source.name(), i + 1);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| anyhow!("{}: cannot read the header: {e}", source.name()))?
        .iter()
        .map(str::to_string)
        .collect();
    let index = match column {
        Some(c) => headers.iter().position(|h| h == c).ok_or_else(|| {
            anyhow!(
                "{}: no column named `{c}` in the header (columns: {})",
                source.name(),
                headers.join(", ")
            )
        })?,
        None if headers.len() == 1 => 0,
        None => bail!(
            "{}: {} columns ({}); choose one with --column",
            source.name(),
            headers.len(),
            headers.join(", ")
        ),
    };
    let name = headers[index].clone();
    let mut values = Vec::new();
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| anyhow!("{}: {e}", source.name()))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let field = record
            .get(index)
            .ok_or_else(|| anyhow!("{}: line {line}: no field for column {name}", source.name()))?;
        values.push(parse_value(field, source, line, Some(&name))?);
        lines.push(line);
    }
    if values.is_empty() {
        bail!("{}: no data (a header and no rows)", source.name());
    }
    Ok(Column {
        values,
        lines,
        label: format!("{} (column {name})", source.name()),
        name: Some(name),
    })
}
