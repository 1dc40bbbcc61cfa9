//! Error types of the library.

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text is not JSON.
    #[error("{origin}: not valid JSON: {source}")]
    Json {
        /// Where the text came from.
        origin: String,
        /// The parser's complaint.
        source: serde_json::Error,
    },
    /// The JSON is not a policy; `path` points at the offending element.
    #[error("{path}: {message}")]
    Parse {
        /// JSON path such as `$.Statement[1].Condition`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A template still has parameters that were not given.
    #[error("unfilled template parameter(s): {}", .0.join(", "))]
    Unfilled(Vec<String>),
    /// A parameter value was refused.
    #[error("parameter {name}: {message}")]
    Param {
        /// Parameter name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A bundle, world or claims file is inconsistent.
    #[error("{0}")]
    Bundle(String),
    /// Reading a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Result with the library's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn parse_err(path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Parse {
        path: path.into(),
        message: message.into(),
    }
}
