//! Analyse + keys over the benchmark's names of one script, for counting instructions (time
//! on a shared VM is too noisy to compare small changes): `bench/names_instructions.sh`.
//! `SCRIPT` = 0 Arabic, 1 Cyrillic, 2 Latin; `PASSES` = passes over that script's 1,000 names.

use athar_names::NameEngine;

#[path = "../benches/mix/mod.rs"]
mod mix;

/// The binary's allocator, as in the benchmark.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let arg = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let (script, passes) = (arg("SCRIPT", 0), arg("PASSES", 20));
    let engine = NameEngine::new();
    let names: Vec<String> = mix::names().into_iter().skip(script).step_by(3).collect();
    let mut keys = 0usize;
    for _ in 0..passes {
        for name in &names {
            keys += engine.analyse(std::hint::black_box(name)).keys().len();
        }
    }
    println!("{} names analysed, {keys} keys", names.len() * passes);
}
