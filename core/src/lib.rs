//! s2s-core
