//! mock-common
