use std::process::ExitCode;

fn main() -> ExitCode {
    hedgerow::cli::main()
}
