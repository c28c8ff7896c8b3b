//! The `debtgate` binary: runs the library's command line and maps its outcome to an exit
//! code. A panic is an internal error, exit 2, never Rust's 101.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(
            stderr,
            "debtgate: internal error (a bug in debtgate; please report it with the command you ran): {info}"
        );
    }));
    let code = std::panic::catch_unwind(|| {
        let stdout = std::io::stdout();
        // Standard error is locked per write, not for the whole run: the progress line on a
        // terminal is written from another thread.
        let mut stderr = std::io::stderr();
        debtgate::cli::run(std::env::args_os(), &mut stdout.lock(), &mut stderr)
    })
    .unwrap_or(2);
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}
