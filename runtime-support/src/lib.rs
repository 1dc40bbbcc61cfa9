//! runtime-support: the shapes the s2s runtime binaries (syncer, cert-issuer,
//! mtls-proxy) share, written once: [`log`] (one JSON object per line on
//! stderr), [`settings`] (a JSON settings file overlaid with flags, errors
//! that name the setting), [`entry`] (the CLI/Lambda entry: argv inside
//! Lambda, the runtime, exit codes) and, with feature `aws`, [`aws`] (one
//! rustls + ring HTTPS client for the SDK, standard retries, the call
//! counter every run reports), and with feature `testing`, [`aws_http`] (the
//! tests' recorder in front of that client). Nothing here knows what the
//! binaries do.

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "testing")]
pub mod aws_http;
pub mod entry;
pub mod log;
pub mod settings;
