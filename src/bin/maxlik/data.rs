//! Reading a column of numbers: delimited text with a header (the column chosen by name, or
//! the only one) or one number a line, from a file or standard input.
//!
//! Nothing is lost silently: a UTF-8 byte-order mark is stripped; CR, LF and CRLF line ends all
//! work and errors name the real line; quoted fields are read; a first line is a header only
//! when none of its fields looks like a number or a missing value, so a headerless file is read
//! in full or refused; a missing value (empty, `NA`, `NaN`, ...) stops the program, naming the
//! line, unless `--missing skip` leaves its row out and counts it; duplicate column names are
//! refused; fields quoted in messages are cut and their control characters escaped.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use clap::ValueEnum;

/// Where the data come from.
pub enum Source {
    /// A file.
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

/// What to do with a missing value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Missing {
    /// Stop with an error naming the line (the default).
    #[default]
    Error,
    /// Leave the row out and report how many were left out.
    Skip,
}

/// The field separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Delimiter {
    /// `,`
    Comma,
    /// A tab.
    Tab,
    /// `;`
    Semicolon,
}

impl Delimiter {
    fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Tab => b'\t',
            Delimiter::Semicolon => b';',
        }
    }

    /// The separator of a first line: a tab if it holds one, else a semicolon if it holds one,
    /// else a comma.
    fn detect(first: &str) -> Self {
        if first.contains('\t') {
            Delimiter::Tab
        } else if first.contains(';') {
            Delimiter::Semicolon
        } else {
            Delimiter::Comma
        }
    }
}

/// How to read the input.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading {
    pub missing: Missing,
    /// `None`: detected from the first line.
    pub delimiter: Option<Delimiter>,
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

    fn bytes(&self) -> Result<Vec<u8>> {
        match self {
            Source::File(p) => {
                std::fs::read(p).map_err(|e| anyhow!("{}: cannot read: {e}", p.display()))
            }
            Source::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut bytes)
                    .map_err(|e| anyhow!("<stdin>: cannot read: {e}"))?;
                Ok(bytes)
            }
        }
    }

    /// The text: UTF-8 without a byte-order mark, every line end turned into `\n`.
    fn text(&self) -> Result<String> {
        let bytes = self.bytes()?;
        let text = String::from_utf8(bytes).map_err(|e| {
            anyhow!(
                "{}: not UTF-8 text (byte {} is not valid UTF-8)",
                self.name(),
                e.utf8_error().valid_up_to()
            )
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
    }
}

/// The longest field quoted in full in a message.
const SHOWN: usize = 40;

/// A field as a message shows it: control characters escaped, cut after [`SHOWN`] characters.
pub fn shown(field: &str) -> String {
    let count = field.chars().count();
    let head: String = field.chars().take(SHOWN).collect();
    let escaped: String = head.chars().flat_map(char::escape_debug).collect();
    if count > SHOWN {
        format!("{escaped}… ({count} characters)")
    } else {
        escaped
    }
}

/// Tokens read as a missing value.
const MISSING: [&str; 8] = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "."];

fn is_missing(field: &str) -> bool {
    MISSING.contains(&field.trim())
}

/// Whether a field is meant as a number: it parses as one, or starts like one (a digit, a
/// sign, a decimal point) and so cannot be a column's name.
fn looks_numeric(field: &str) -> bool {
    let t = field.trim();
    t.parse::<f64>().is_ok() || t.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c))
}

/// A field as a number, or why not (`None` for a missing value).
fn parse_value(field: &str, at: &dyn Fn() -> String) -> Result<Option<f64>> {
    let trimmed = field.trim();
    if is_missing(trimmed) {
        return Ok(None);
    }
    let value: f64 = trimmed
        .parse()
        .map_err(|_| anyhow!("{}: `{}` does not parse as a number", at(), shown(trimmed)))?;
    if !value.is_finite() {
        bail!("{}: `{}` is not a finite number", at(), shown(trimmed));
    }
    Ok(Some(value))
}

/// What a requested column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Numbers; an empty (missing) field is a value of its own when `may_be_empty` (an
    /// open bound of an interval), else a missing value that `--missing` decides about.
    Number { may_be_empty: bool },
    /// Labels (cluster keys): any text but an empty field.
    Label,
}

/// A column to read: by name (`None`: the only column), the flag that named it, what it holds.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub name: Option<&'a str>,
    pub flag: &'static str,
    pub kind: Kind,
}

/// The cells of one requested column.
pub enum Cells {
    Numbers(Vec<Option<f64>>),
    Labels(Vec<String>),
}

/// One field of a row, as its column reads it.
enum Cell {
    Number(Option<f64>),
    Label(String),
}

/// Several columns of the same rows.
pub struct Table {
    /// One per request, in order.
    pub columns: Vec<Cells>,
    /// 1-based line numbers, one per row.
    pub lines: Vec<usize>,
    /// The first column's name, when the input had a header.
    pub name: Option<String>,
    /// How to describe the data in reports (by the first column).
    pub label: String,
    /// Rows left out for a missing value (with `--missing skip`).
    pub skipped: usize,
}

impl Table {
    /// Turns a library error about observation `index` into one naming the line.
    pub fn locate(&self, source: &Source, err: &maxlik::Error) -> anyhow::Error {
        use maxlik::Error as E;
        let index = match err {
            E::InvalidObservation { index, .. }
            | E::InvalidResponse { index, .. }
            | E::OutsideTruncation { index, .. }
            | E::InvalidWeight { index, .. } => *index,
            other => return anyhow!("{}: {other}", source.name()),
        };
        let line = self.lines.get(index).copied().unwrap_or(0);
        let column = self
            .name
            .as_deref()
            .map(|c| format!(", column {}", shown(c)))
            .unwrap_or_default();
        let what = match err {
            E::InvalidObservation { value, reason, .. } => format!("value {value} {reason}"),
            E::InvalidResponse {
                lower,
                upper,
                reason,
                ..
            } => format!("the observation ({lower}, {upper}) {reason}"),
            E::OutsideTruncation {
                lower,
                upper,
                range,
                ..
            } => format!(
                "the observation [{lower}, {upper}] lies outside the truncation range ({}, {}): it could not have been recorded",
                range.0, range.1
            ),
            E::InvalidWeight { value, .. } => {
                format!("weight {value}: weights must be finite and positive")
            }
            _ => String::new(),
        };
        anyhow!("{}: line {line}{column}: {what}", source.name())
    }
}

/// Reads the requested columns of every row: a header when the first line's fields all look
/// like names (required to name more than one column).
pub fn read_table(source: &Source, requests: &[Request<'_>], reading: Reading) -> Result<Table> {
    let text = source.text()?;
    // Blank lines at the end are fine; the rest is read line by line.
    let body = text.trim_end_matches(['\n', ' ', '\t']);
    if body.trim().is_empty() {
        bail!("{}: no data (the input is empty)", source.name());
    }
    let first = body.lines().next().unwrap_or("");
    // The CSV reader passes over blank lines: each is a missing value, reported or skipped
    // here.
    let blank_lines: Vec<usize> = body
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim().is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    // With --missing error, the first blank line is an error unless an earlier line fails.
    let blank_error = (reading.missing == Missing::Error)
        .then(|| blank_lines.first().copied())
        .flatten();
    let blank_failure = |line: usize| {
        anyhow!(
            "{}: line {line}: empty line (a missing value); use --missing skip to leave such \
             rows out",
            source.name()
        )
    };
    let delimiter = reading
        .delimiter
        .unwrap_or_else(|| Delimiter::detect(first));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter.byte())
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut records = reader.records();
    let first_record = records
        .next()
        .transpose()
        .map_err(|e| anyhow!("{}: line 1: {e}", source.name()))?
        .ok_or_else(|| anyhow!("{}: no data (the input is empty)", source.name()))?;
    let first_fields: Vec<String> = first_record.iter().map(|f| f.trim().to_string()).collect();
    let header = first_fields
        .iter()
        .all(|f| !looks_numeric(f) && !is_missing(f));
    let (names, first_row) = if header {
        (Some(first_fields.clone()), None)
    } else {
        (None, Some(first_record))
    };
    let width = first_fields.len();
    if let Some(names) = &names {
        for (j, name) in names.iter().enumerate() {
            if let Some(k) = names[..j].iter().position(|n| n == name) {
                bail!(
                    "{}: line 1: columns {} and {} are both named `{}`",
                    source.name(),
                    k + 1,
                    j + 1,
                    shown(name)
                );
            }
        }
    }
    let mut indices = Vec::with_capacity(requests.len());
    for (k, request) in requests.iter().enumerate() {
        if k > 0 && names.is_none() {
            bail!(
                "{}: {} {} given, but the input has no header to name its columns (its first line holds a number)",
                source.name(),
                request.flag,
                request.name.map(shown).unwrap_or_default()
            );
        }
        indices.push(choose(source, names.as_deref(), request.name, width)?);
    }
    let column_names: Vec<Option<String>> = indices
        .iter()
        .map(|&i| names.as_ref().map(|n| n[i].clone()))
        .collect();
    let name = column_names.first().cloned().flatten();
    let mut columns: Vec<Cells> = requests
        .iter()
        .map(|r| match r.kind {
            Kind::Number { .. } => Cells::Numbers(Vec::new()),
            Kind::Label => Cells::Labels(Vec::new()),
        })
        .collect();
    let mut lines = Vec::new();
    let mut skipped = blank_lines.len();
    let rows = first_row.into_iter().map(Ok).chain(records);
    for row in rows {
        let row = row.map_err(|e| anyhow!("{}: {e}", source.name()))?;
        let line = row.position().map_or(1, |p| p.line() as usize);
        if let Some(blank) = blank_error
            && blank < line
        {
            return Err(blank_failure(blank));
        }
        // A line of spaces is a row with one empty field: a missing value.
        let blank = row.len() == 1 && row.get(0).is_some_and(|f| f.trim().is_empty());
        if !blank && row.len() != width {
            bail!(
                "{}: line {line}: {} fields where line 1 has {width}",
                source.name(),
                row.len()
            );
        }
        let mut cells = Vec::with_capacity(requests.len());
        let mut missing = None;
        for (request, (&index, column_name)) in
            requests.iter().zip(indices.iter().zip(&column_names))
        {
            let in_column = column_name
                .as_deref()
                .map(|c| format!(", column {}", shown(c)))
                .unwrap_or_default();
            let at = || format!("{}: line {line}{in_column}", source.name());
            let field = if blank {
                ""
            } else {
                row.get(index).unwrap_or("")
            };
            let cell = match request.kind {
                Kind::Number { may_be_empty } => {
                    let value = parse_value(field, &at)?;
                    if value.is_none() && !may_be_empty && missing.is_none() {
                        missing = Some(format!(
                            "{}: missing value (`{}`); use --missing skip to leave such rows out",
                            at(),
                            shown(field.trim())
                        ));
                    }
                    Cell::Number(value)
                }
                Kind::Label => {
                    if is_missing(field) && missing.is_none() {
                        missing = Some(format!(
                            "{}: missing label (`{}`); use --missing skip to leave such rows out",
                            at(),
                            shown(field.trim())
                        ));
                    }
                    Cell::Label(field.trim().to_string())
                }
            };
            cells.push(cell);
        }
        // Open bounds may be empty one at a time; a row whose every such field is empty (an
        // interval with neither bound) says nothing: a missing value.
        let open: Vec<bool> = requests
            .iter()
            .zip(&cells)
            .filter(|(r, _)| matches!(r.kind, Kind::Number { may_be_empty: true }))
            .map(|(_, c)| matches!(c, Cell::Number(None)))
            .collect();
        if open.len() > 1 && open.iter().all(|&empty| empty) && missing.is_none() {
            missing = Some(format!(
                "{}: line {line}: neither bound is given (a missing value); use --missing skip to leave such rows out",
                source.name()
            ));
        }
        match missing {
            Some(_) if reading.missing == Missing::Skip => skipped += 1,
            Some(message) => bail!("{message}"),
            None => {
                for (column, cell) in columns.iter_mut().zip(cells) {
                    match (column, cell) {
                        (Cells::Numbers(v), Cell::Number(x)) => v.push(x),
                        (Cells::Labels(v), Cell::Label(t)) => v.push(t),
                        _ => {}
                    }
                }
                lines.push(line);
            }
        }
    }
    if let Some(blank) = blank_error {
        return Err(blank_failure(blank));
    }
    if lines.is_empty() {
        bail!(
            "{}: no data ({})",
            source.name(),
            if skipped > 0 {
                "every value is missing"
            } else {
                "a header and no rows"
            }
        );
    }
    let label = match &name {
        Some(n) => format!("{} (column {})", source.name(), shown(n)),
        None => source.name(),
    };
    Ok(Table {
        columns,
        lines,
        name,
        label,
        skipped,
    })
}

/// The position of the column to read: `column` in the header `names`, or the only one.
fn choose(
    source: &Source,
    names: Option<&[String]>,
    column: Option<&str>,
    width: usize,
) -> Result<usize> {
    Ok(match (names, column) {
        (Some(names), Some(c)) => names.iter().position(|h| h == c).ok_or_else(|| {
            anyhow!(
                "{}: no column named `{}` in the header (columns: {})",
                source.name(),
                shown(c),
                names
                    .iter()
                    .map(|n| shown(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?,
        (None, Some(c)) => bail!(
            "{}: --column {} given, but the input has no header (its first line holds a number)",
            source.name(),
            shown(c)
        ),
        (Some(_), None) | (None, None) if width == 1 => 0,
        (Some(names), None) => bail!(
            "{}: {} columns ({}); choose one with --column",
            source.name(),
            names.len(),
            names
                .iter()
                .map(|n| shown(n))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (None, None) => bail!(
            "{}: line 1 has {width} fields and no header to name them; give the file a header \
             and choose a column with --column",
            source.name()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_fields_are_cut_and_escaped() {
        assert_eq!(shown("a\tb\u{7}"), "a\\tb\\u{7}");
        let long = "x".repeat(1000);
        let s = shown(&long);
        assert!(s.len() < 80 && s.contains("1000 characters"), "{s}");
    }

    #[test]
    fn a_first_line_is_a_header_only_when_it_names() {
        assert!(looks_numeric("1_000"));
        assert!(looks_numeric("-.5"));
        assert!(looks_numeric("\"1.2\"".trim_matches('"')));
        assert!(!looks_numeric("hours"));
        assert!(is_missing("NA") && is_missing(" "));
    }
}
