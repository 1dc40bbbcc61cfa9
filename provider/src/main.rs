use std::process::ExitCode;

fn main() -> ExitCode {
    tfplugin::serve(s2s_provider::S2sProvider, s2s_provider::PROVIDER_ADDRESS)
}
