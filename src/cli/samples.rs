//! `vsesim samples DIR [--seed N]`: writes the generated sample traces (`workload::samples`)
//! under DIR, one folder per format. Hidden from `vsesim --help`: it exists to regenerate
//! `traces/` (traces/README.md), not for users' own work, for which `vsesim synth` is the tool.
//! Files already in DIR are overwritten or left alone, never removed: to see what the
//! generator writes today, write into an empty folder (as tests/checks/samples.rs does).

use crate::Error;
use crate::workload::samples;
use std::path::Path;

pub fn run(dir: &Path, seed: u64, quiet: bool) -> Result<(), Error> {
    let files = samples::generate(seed).map_err(Error::Internal)?;
    crate::report::remove_temp_files_on_signals();
    let mut bytes = 0usize;
    for f in &files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        crate::report::write_atomic(&path, &f.bytes)?;
        bytes += f.bytes.len();
    }
    if !quiet {
        println!(
            "wrote {} files ({} KB) in {}: {}",
            files.len(),
            bytes.div_ceil(1000),
            dir.display(),
            samples::FOLDERS
                .iter()
                .map(|f| format!("{f}/"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}
