//! Every bound on untrusted files and standard input, in one place (docs/roster.md lists them for
//! users). Readers check these before anything grows with the input: a file that claims a huge
//! grid, inflates to gigabytes or streams without end is refused with a Chinese message (exit 2)
//! instead of taking the process down — Rust cannot survive a failed allocation, so the input must
//! not be able to ask for one.

/// The most any command reads whole from standard input (imports). A lecture upload streams to
/// disk instead, under its own limit (the `media_max_bytes` setting).
pub const STDIN_BYTES: usize = 64 * 1024 * 1024;
/// The most read from stdin for a password or an SSH key line (`password`, `key add`,
/// `wangyuan admin add --password-stdin`, `wangyuan admin add-key`); more is refused.
pub const SMALL_STDIN_BYTES: usize = 16 * 1024;

/// Uploaded files parsed at the same time; more wait their turn, so the memory of parsing is
/// bounded for the whole process, not only per file.
pub const FILE_WORKERS: usize = 2;

/// The largest roster file accepted (`roster submit`).
pub const ROSTER_FILE_BYTES: usize = 16 * 1024 * 1024;
/// The most people one roster submission may hold.
pub const ROSTER_PEOPLE: usize = 20_000;
/// The largest legacy-site CSV accepted (`wangyuan import-legacy`).
pub const LEGACY_FILE_BYTES: usize = 64 * 1024 * 1024;
/// The largest question bank accepted (`exam import`).
pub const EXAM_BANK_BYTES: usize = 8 * 1024 * 1024;

/// How large a table may be once read: checked cell by cell as a workbook streams in, and from
/// the counts of line breaks and commas before a CSV is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    /// The last row that may hold anything (the header counts; rows as the user numbers them).
    pub rows: usize,
    /// The last column that may hold anything (256 = IV).
    pub columns: usize,
    /// Cells kept in memory, blanks to the left of a value included.
    pub cells: usize,
    /// Text kept in cells, in bytes. A workbook stores a repeated text once and refers to it from
    /// each cell, so a small file can name one long text a million times.
    pub text_bytes: usize,
    /// All parts of an xlsx workbook (a zip archive) inflated, counted as they inflate: the sizes
    /// in the archive's headers are only claims.
    pub unpacked_bytes: u64,
}

/// Roster files: `ROSTER_PEOPLE` with room for blank and note rows; a real
/// 20,000-row roster workbook inflates to about 8 MB and holds about 2 MB of text.
pub const ROSTER: SheetLimits = SheetLimits {
    rows: 50_000,
    columns: 256,
    cells: 1_000_000,
    text_bytes: 16 * 1024 * 1024,
    unpacked_bytes: 32 * 1024 * 1024,
};

/// Parts (files) an xlsx archive may hold; a real workbook has a dozen or two, and each part
/// listed costs memory before anything is read.
pub const XLSX_PARTS: usize = 1_000;

/// The legacy site's users and learning records (CSV only), up to `LEGACY_FILE_BYTES`.
pub const LEGACY: SheetLimits = SheetLimits {
    rows: 2_000_000,
    columns: 64,
    cells: 20_000_000,
    text_bytes: LEGACY_FILE_BYTES,
    unpacked_bytes: LEGACY_FILE_BYTES as u64,
};

/// A course's question bank (CSV rows or JSON items): options A–Z plus kind, stem and answer.
pub const EXAM_BANK: SheetLimits = SheetLimits {
    rows: 10_000,
    columns: 32,
    cells: 320_000,
    text_bytes: EXAM_BANK_BYTES,
    unpacked_bytes: EXAM_BANK_BYTES as u64,
};

/// The largest unit list accepted (`unit import`).
pub const UNIT_FILE_BYTES: usize = 8 * 1024 * 1024;

/// A unit list: three columns (code, name, parent code) and up to 30,000 units; 3,000 units in a
/// workbook inflate to well under 1 MB.
pub const UNITS: SheetLimits = SheetLimits {
    rows: 30_000,
    columns: 64,
    cells: 300_000,
    text_bytes: UNIT_FILE_BYTES,
    unpacked_bytes: 16 * 1024 * 1024,
};

/// The largest course feed accepted (`course import`), checked before parsing.
pub const COURSE_FEED_BYTES: usize = 8 * 1024 * 1024;

/// A course feed (CSV rows or JSON items): the provincial catalogue runs to a few thousand courses.
pub const COURSE_FEED: SheetLimits = SheetLimits {
    rows: 20_001,
    columns: 32,
    cells: 400_000,
    text_bytes: COURSE_FEED_BYTES,
    unpacked_bytes: COURSE_FEED_BYTES as u64,
};
