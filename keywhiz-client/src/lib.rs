//! keywhiz-client
