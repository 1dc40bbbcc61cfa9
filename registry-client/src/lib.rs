//! registry-client
